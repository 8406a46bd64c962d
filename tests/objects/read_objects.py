"""Reads an objects file with pyarrow, pandas and DuckDB (tests/objects/python.rs)."""
import datetime
import json
import sys

import duckdb
import pandas as pd
import pyarrow.parquet as pq

path = sys.argv[1]
table = pq.read_table(path)
for r in table.to_pylist():
    m = r["modified"]
    r["modified"] = None if m is None else int(m.timestamp() * 1000)
    print("ROW " + json.dumps(r))
df = pd.read_parquet(path)
print("PANDAS rows=%d" % len(df))
as_of = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
stale = duckdb.sql(
    "SELECT count(*), coalesce(sum(size) FILTER (WHERE modified < $t - INTERVAL 365 DAY), 0) FROM read_parquet($p)",
    params={"p": path, "t": as_of},
).fetchall()[0]
print("DUCKDB rows=%d stale_bytes=%d" % stale)
# The README's recipe: the largest stale folders per user.
recipe = duckdb.sql(
    """
    WITH folders AS (
      SELECT username, location, regexp_replace(path, '/[^/]*$', '') AS folder,
             count(*) AS files, sum(size) AS bytes
      FROM read_parquet($p)
      WHERE modified < $t - INTERVAL 365 DAY
      GROUP BY username, location, folder)
    SELECT * FROM folders
    QUALIFY row_number() OVER (PARTITION BY username ORDER BY bytes DESC NULLS LAST) <= 3
    ORDER BY bytes DESC NULLS LAST
    """,
    params={"p": path, "t": as_of},
).fetchall()
for row in recipe[:5]:
    print("RECIPE " + json.dumps([str(v) for v in row]))
