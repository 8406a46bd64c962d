"""``python3 path/to/dbx_spark`` (what ``scan --spark-*`` runs) or ``python3 -m dbx_spark``."""

import importlib
import os
import sys

if __package__:
    from .program import main
else:
    # Run as a folder: Python put the folder itself first on sys.path; import it as a package
    # from its parent instead (so its modules are dbx_spark.*, never top-level names).
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    sys.path.insert(0, os.path.dirname(here))
    main = importlib.import_module(os.path.basename(here) + ".program").main

sys.exit(main())
