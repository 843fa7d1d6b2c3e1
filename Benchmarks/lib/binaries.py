"""The binaries every benchmark compares: Debian's distcc 3.4 and our release build."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEBIAN_CLIENT = "/usr/bin/distcc"
DEBIAN_DAEMON = "/usr/bin/distccd"
OUR_CLIENT = os.path.join(ROOT, ".build/release/distcc")
OUR_DAEMON = os.path.join(ROOT, ".build/release/distccd")
