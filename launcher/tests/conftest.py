"""pytest fixtures of the launcher's tests (helpers.py has the rest)."""
import os
import sys

import pytest

from helpers import HERE


@pytest.fixture(scope="session")
def worker(tmp_path_factory):
    path = tmp_path_factory.mktemp("bin") / "dbx-inventory"
    with open(os.path.join(HERE, "tests", "fake_worker.py")) as f:
        path.write_text("#!%s\n%s" % (sys.executable, f.read()))
    path.chmod(0o755)
    return str(path)
