"""The Spark session of the config's backend, and the checks of the pyspark it needs."""

import re
import socket
import sys

from .errors import Fatal


def _probe(url, default_port, what):
    """Fails fast (instead of minutes of client retries) when a spark:// or sc:// URL is closed."""
    m = re.match(r"^(?:sc|spark)://\[?([^\]/:]+)\]?(?::(\d+))?", url or "")
    if not m:
        return
    addr, port = m.group(1), int(m.group(2) or default_port)
    try:
        socket.create_connection((addr, port), timeout=10).close()
    except OSError as e:
        raise Fatal("cannot reach %s at %s (%s:%d: %s); check the URL and that the server is running"
                    % (what, url, addr, port, e.strerror or e))


def _import_pyspark(backend):
    """Imports what `backend` needs, or raises Fatal naming what is missing, the interpreter and the
    pip command. Supported: pyspark 3.5 (classic only) and 4.0 up to 4.x (classic and Connect)."""
    if backend == "databricks":
        try:
            from databricks.connect import DatabricksSession  # noqa: F401
        except ImportError as e:
            raise Fatal("databricks-connect is not installed for %s (%s): run `%s -m pip install "
                        "databricks-connect` (the version matching the cluster's Databricks Runtime; "
                        "not alongside pyspark), or pass --python PATH naming an interpreter that has it"
                        % (sys.executable, e, sys.executable))
        return
    supported = ("pyspark 3.5 (classic local[N] / spark:// masters) or 4.0 up to 4.x (classic and "
                 "Spark Connect)")
    try:
        import pyspark
        from pyspark.sql import SparkSession  # noqa: F401
    except ImportError as e:
        raise Fatal("pyspark is not installed for %s (%s): run `%s -m pip install pyspark pandas pyarrow "
                    "grpcio grpcio-status googleapis-common-protos zstandard`, or pass --python PATH "
                    "naming an interpreter that has it" % (sys.executable, e, sys.executable))
    version = str(getattr(pyspark, "__version__", "") or "")
    import importlib.util

    try:  # databricks-connect ships its own pyspark: a client for Databricks clusters only
        dbconnect = importlib.util.find_spec("pyspark.dbconnect_version") is not None
    except (ImportError, ValueError):
        dbconnect = False
    if dbconnect:
        raise Fatal("%s has databricks-connect (its pyspark %s is a client for Databricks clusters only): use "
                    "--cluster-id for the databricks backend, or pass --python PATH naming an interpreter with "
                    "%s, in a venv without databricks-connect" % (sys.executable, version, supported))
    m = re.match(r"(\d+)\.(\d+)", version)
    found = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if found < (3, 5):
        raise Fatal("pyspark %s in %s is not supported: the launcher needs %s. Run `%s -m pip install "
                    "'pyspark[connect]>=4.0,<5'`, or pass --python PATH naming an interpreter that has it"
                    % (version or "(unknown version)", sys.executable, supported, sys.executable))
    if backend != "connect":
        return
    if found < (4, 0):
        raise Fatal("the connect backend needs pyspark 4.0 or later, and %s has pyspark %s (the launcher "
                    "supports %s): run `%s -m pip install 'pyspark[connect]>=4.0,<5'`, pass --python PATH "
                    "naming an interpreter that has it, or use a classic master"
                    % (sys.executable, version, supported, sys.executable))
    # What the Spark Connect client of pyspark 4.x imports (module, pip package), checked with plain
    # imports (pyspark's own checker is private: its signature changed in 4.3). numpy before pandas,
    # so that its absence is named as such; zstandard is needed from pyspark 4.1 on.
    needs = [("numpy", "numpy"), ("pandas", "pandas"), ("pyarrow", "pyarrow"), ("grpc", "grpcio"),
             ("grpc_status", "grpcio-status"), ("google.protobuf", "protobuf"),
             ("google.rpc", "googleapis-common-protos")]
    if found >= (4, 1):
        needs.append(("zstandard", "zstandard"))
    missing = []
    for module, package in needs:
        try:
            importlib.import_module(module)
        except Exception as e:  # noqa: BLE001 (ImportError, or a broken install)
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            missing.append((module, package, first if isinstance(e, ImportError) else
                            "%s: %s" % (type(e).__name__, first)))
    if missing:
        raise Fatal("the Spark Connect client of pyspark %s needs %s, which %s cannot import (%s): run "
                    "`%s -m pip install %s`, or pass --python PATH naming an interpreter that has them"
                    % (version, ", ".join(mod for mod, _, _ in missing), sys.executable,
                       "; ".join(err for _, _, err in missing), sys.executable,
                       " ".join(dict.fromkeys(pkg for _, pkg, _ in missing))))
    try:
        import pyspark.sql.connect.session  # noqa: F401 (pyspark checks the versions it needs here)
    except (Exception, SystemExit) as e:  # noqa: BLE001 (4.3 may sys.exit(0) instead of raising)
        raise Fatal("the Spark Connect client of pyspark %s cannot be imported in %s: %s: %s (run `%s -m pip "
                    "install 'pyspark[connect]==%s'` to install the versions it needs)"
                    % (version, sys.executable, type(e).__name__, str(e).strip()[:1000] or "(no message)",
                       sys.executable, version))


def start_session(config, log):
    """The session of `config`'s backend (see the protocol)."""
    import warnings

    backend = config.get("backend")
    conf = dict(config.get("spark_conf") or {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _import_pyspark(backend)
        if backend == "classic":
            master = config.get("master") or "local[*]"
            _probe(master if master.startswith("spark://") else None, 7077, "the Spark master")
            from pyspark.sql import SparkSession

            conf.setdefault("spark.ui.showConsoleProgress", "false")
            b = SparkSession.builder.master(master).appName("dbx-inventory")
            for k, v in conf.items():
                b = b.config(k, str(v))
            try:
                spark = b.getOrCreate()
            except Exception as e:  # noqa: BLE001
                raise Fatal("cannot start Spark with master %s: %s" % (master, str(e).strip()[:2000]))
            spark.sparkContext.setLogLevel("ERROR")
        elif backend == "connect":
            remote = config.get("remote") or ""
            if not remote:
                raise Fatal("the connect backend needs `remote` (e.g. sc://127.0.0.1:15002)")
            _probe(remote, 15002, "Spark Connect")
            if remote.startswith("local"):  # pyspark starts an in-process server with these options
                conf.setdefault("spark.ui.showConsoleProgress", "false")
            from pyspark.sql import SparkSession

            b = SparkSession.builder.remote(remote)
            for k, v in conf.items():
                b = b.config(k, str(v))
            try:
                spark = b.getOrCreate()
                spark.version  # a round trip: the server answers
            except Exception as e:  # noqa: BLE001
                raise Fatal("cannot reach Spark Connect at %s: %s" % (remote, str(e).strip()[:2000]))
        elif backend == "databricks":
            from databricks.connect import DatabricksSession

            b = DatabricksSession.builder
            if config.get("profile"):
                b = b.profile(config["profile"])
            elif config.get("host"):
                b = b.host(config["host"])
            if config.get("cluster_id"):
                b = b.clusterId(config["cluster_id"])
            try:
                spark = b.getOrCreate()
                spark.version
            except Exception as e:  # noqa: BLE001
                raise Fatal("cannot connect to Databricks cluster %s: %s"
                            % (config.get("cluster_id"), str(e).strip()[:2000]))
        else:
            raise Fatal("unknown backend %r (classic, connect or databricks)" % (backend,))
    for msg in dict.fromkeys(str(w.message).splitlines()[0] for w in caught):
        log("spark: %s" % msg)
    return spark
