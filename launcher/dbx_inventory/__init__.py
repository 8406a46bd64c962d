"""dbx-inventory, installed with pip: the `dbx-inventory` command (on PATH) and this package.

* ``dbx_inventory.scan(spark, users)``: one row per user, the columns of ``dbx-inventory scan -o``;
* ``dbx_inventory.scan_objects(spark, users)``: one row per counted file (``scan --objects``);
* ``dbx_inventory.scan_with_objects(spark, users)``: both DataFrames from one pass;
* ``dbx_inventory.users()``: the workspace's users (SCIM), the names ``scan`` takes;
* ``dbx_inventory.binary()``: the path of the installed ``dbx-inventory`` binary;
* ``dbx_inventory.credentials()``: the workspace URL and a bearer token as ``scan`` finds them.

Both scans run on the notebook's or job's own Spark session (classic or Spark Connect). The
binary is the one installed with this package, on the driver and, when it is installed there too
(``%pip install`` on Databricks), on the executors; otherwise it is shipped to them. ``host`` and
``token`` default to the notebook's own credentials (databricks-sdk's runtime auth), or outside
Databricks to the CLI's unified auth (``DATABRICKS_HOST``/``DATABRICKS_TOKEN``, a
``~/.databrickscfg`` profile, OAuth M2M). The Spark work itself is ``dbx_spark`` (the launcher
the binary embeds).
"""

from ._binary import binary, version
from ._credentials import credentials
from ._notebook import scan, scan_objects, scan_with_objects
from ._users import users

__version__ = version()

__all__ = ["__version__", "binary", "credentials", "scan", "scan_objects", "scan_with_objects", "users"]
