"""Objects of a build tree, for comparing builds."""

import hashlib
import os


def object_hashes(tree, dirs):
    """{path relative to tree: sha256} of every `.o` under the directories `dirs` of `tree`."""
    found = {}
    for top in dirs:
        for base, _, files in os.walk(os.path.join(tree, top)):
            for name in files:
                if name.endswith(".o"):
                    path = os.path.join(base, name)
                    with open(path, "rb") as f:
                        found[os.path.relpath(path, tree)] = hashlib.sha256(f.read()).hexdigest()
    return found
