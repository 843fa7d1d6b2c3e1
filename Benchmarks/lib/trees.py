"""Objects of a build tree and their hashes, for comparing builds."""

import hashlib
import os


def sha256(path):
    """The SHA-256 of the file at `path`, in hex."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def object_hashes(tree, dirs):
    """{path relative to tree: sha256} of every `.o` under the directories `dirs` of `tree`."""
    found = {}
    for top in dirs:
        for base, _, files in os.walk(os.path.join(tree, top)):
            for name in files:
                if name.endswith(".o"):
                    path = os.path.join(base, name)
                    found[os.path.relpath(path, tree)] = sha256(path)
    return found
