"""The ``dbx-inventory`` binary installed with this package, and the package's version."""

import os
import sys
import sysconfig

EXE = "dbx-inventory" + (sysconfig.get_config_var("EXE") or "")
DIST = "dbx-inventory"


def version():
    """The installed distribution's version (the binary's ``--version``: both come from the
    crate's version). A source checkout that is not installed says ``0+source``."""
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        return dist_version(DIST)
    except PackageNotFoundError:
        return "0+source"


def _candidates():
    """Where pip puts the wheel's scripts, for each way this package can have been installed."""
    here = os.path.dirname(os.path.abspath(__file__))
    site = os.path.dirname(here)
    scripts = "Scripts" if os.name == "nt" else "bin"
    seen = []

    def add(path):
        if path and path not in seen:
            seen.append(path)

    # A venv or a system prefix (<prefix>/lib/pythonX.Y/site-packages/dbx_inventory): its bin.
    # Databricks' notebook-scoped libraries are such a venv, on the driver and on the executors.
    add(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(site))), scripts, EXE))
    add(os.path.join(os.path.dirname(site), scripts, EXE))  # Windows: <prefix>/Lib/site-packages
    add(os.path.join(site, scripts, EXE))  # pip install --target DIR: DIR/bin
    for scheme in (None, "%s_user" % os.name):
        try:
            path = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        add(os.path.join(path, EXE))
    return seen


def binary():
    """The path of the installed ``dbx-inventory`` binary; ``DBX_INVENTORY_BIN`` overrides it.
    Raises FileNotFoundError naming the places looked at."""
    override = os.environ.get("DBX_INVENTORY_BIN")
    if override:
        if os.path.isfile(override) and os.access(override, os.X_OK):
            return override
        raise FileNotFoundError("DBX_INVENTORY_BIN=%s is not an executable file" % override)
    places = _candidates()
    for path in places:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "the dbx-inventory binary is not installed beside the dbx_inventory package (%s; looked at %s). "
        "Install the wheel with pip (pip install dbx-inventory, or the dist/*.whl file), or set "
        "DBX_INVENTORY_BIN to a dbx-inventory binary" % (sys.executable, ", ".join(places)))
