"""``python -m dbx_inventory …`` runs the installed binary (as ``dbx-inventory …``)."""

import os
import sys

from ._binary import binary

if __name__ == "__main__":
    path = binary()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([path, *sys.argv[1:]]))
    os.execv(path, [path, *sys.argv[1:]])
