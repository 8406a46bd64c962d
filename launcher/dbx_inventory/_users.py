"""The workspace's users (SCIM), listed by the installed binary (``dbx-inventory users``)."""

import os
import subprocess
import tempfile

from ._binary import binary
from ._credentials import credentials


def users(*, host=None, token=None, profile=None, active_only=False, service_principals=False, max_users=0):
    """The names ``scan`` takes: every user's userName (``active_only``: active ones only), then,
    with ``service_principals``, each service principal's application id; in SCIM's order.
    Credentials as ``scan``'s; the token reaches the binary on its standard input."""
    host, token = credentials(host, token, profile)
    with tempfile.TemporaryDirectory(prefix="dbx-inventory-users-") as tmp:
        out = os.path.join(tmp, "users.txt")
        args = [binary(), "users", "--host", host, "--token-file", "-", "--format", "txt", "-o", out,
                "--max-users", str(int(max_users))]
        if active_only:
            args.append("--active-only")
        if service_principals:
            args.append("--service-principals")
        proc = subprocess.run(args, input=token + "\n", capture_output=True, text=True)
        if proc.returncode != 0:
            why = proc.stderr.strip().replace("error: ", "", 1) or "exit %d" % proc.returncode
            raise RuntimeError("listing the workspace's users failed: %s" % why)
        with open(out, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
