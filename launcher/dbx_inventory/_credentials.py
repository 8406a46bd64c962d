"""The workspace URL and bearer token ``scan()`` uses when none are given: in a Databricks notebook
or job the runtime's own (databricks-sdk), elsewhere the CLI's unified auth (``dbx-inventory
auth-token``: flags → environment → ``~/.databrickscfg`` profile, a PAT or an OAuth M2M token)."""

import json
import os
import subprocess

from ._binary import binary


def in_databricks():
    """True in a Databricks notebook or job (its driver and executors set this)."""
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))


def credentials(host=None, token=None, profile=None):
    """``(host, token)``: the arguments when both are given; else, in a Databricks notebook or
    job without ``profile``, the runtime's credentials as databricks-sdk finds them
    (``databricks.sdk.core.Config()``; databricks-sdk is part of the runtime); else the CLI's
    unified auth for ``host``/``profile`` (``DATABRICKS_HOST``, ``DATABRICKS_TOKEN``,
    ``DATABRICKS_CONFIG_PROFILE``, ``~/.databrickscfg``). Raises RuntimeError naming what is
    missing. The token is never logged or put in an exception."""
    if token is not None:
        if not host:
            raise ValueError("token= was given without host=: pass the workspace URL as host= too")
        return host, token
    if in_databricks() and profile is None:
        return _runtime(host)
    return _cli(host, profile)


def _runtime(host):
    try:
        from databricks.sdk.core import Config
    except ImportError:
        raise RuntimeError(
            "this is a Databricks runtime but databricks-sdk is not importable, so its credentials cannot "
            "be read: %pip install databricks-sdk, or pass host= and token=") from None
    try:
        cfg = Config(host=host) if host else Config()
        header = cfg.authenticate().get("Authorization", "")
    except Exception as e:  # noqa: BLE001 (the SDK's own message names what it tried)
        raise RuntimeError("databricks-sdk found no credentials for this notebook: %s" % _first_line(e)) from None
    if not header.startswith("Bearer "):
        raise RuntimeError("databricks-sdk's credentials (%s) are not a bearer token: pass host= and token="
                           % (cfg.auth_type or "unknown"))
    return cfg.host, header[len("Bearer "):]


def _cli(host, profile):
    args = [binary(), "auth-token"]
    if host:
        args += ["--host", host]
    if profile:
        args += ["--profile", profile]
    proc = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        why = proc.stderr.strip().replace("error: ", "", 1) or "exit %d" % proc.returncode
        raise RuntimeError("no credentials for the workspace (the CLI's unified auth: --host/DATABRICKS_HOST, "
                           "DATABRICKS_TOKEN, a ~/.databrickscfg profile): %s" % why)
    try:
        answer = json.loads(proc.stdout)
        return answer["host"], answer["token"]
    except (ValueError, KeyError, TypeError):
        raise RuntimeError("dbx-inventory auth-token printed no credentials (%d bytes)" % len(proc.stdout)) from None


def _first_line(e):
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
