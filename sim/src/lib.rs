//! dbx-sim: a simulated Databricks workspace. (Being built: see issue 2.)
