"""The task body (task.make_task), run here as an executor would run it, on the fake worker, and
the row stream it sends to the driver."""
import hashlib
import json
import queue
import re
import time

import pytest

from helpers import flag, jobs, token
from dbx_spark.errors import _fatal_message, _task_error
from dbx_spark.stream import RowStream
from dbx_spark.task import FAIL_MARK, make_task


def task_records(worker, shards, worker_args=(), component=None, stream=None):
    task = make_task(worker, "cwd", "https://ws.example.com", token("task"), ["--max-in-flight", "1"],
                               list(worker_args), None, False, component, stream)
    return list(task({p: [json.dumps(j) for j in js] for p, js in shards.items()}))


def test_task_rows_leftovers_and_component(worker, tmp_path):
    recs = task_records(worker, {0: jobs(0, 3), 1: jobs(3, 2)}, ["--skip-preflight", "--debug"])
    assert sorted((p, kind, json.loads(line)["i"]) for p, _, _, kind, line in recs) == [
        (0, "row", 0), (0, "row", 1), (0, "row", 2), (1, "row", 3), (1, "row", 4)]
    assert all(a == 0 and re.match(r"^.+:\d+$", e) for _, e, a, _, _ in recs)
    # A job not started before the wave's start deadline comes back as a leftover line.
    past = int(time.time() * 1000) - 60000
    recs = task_records(worker, {2: jobs(5, 3)}, ["--start-until-ms", str(past), "--token-label", "a label"])
    assert [(p, kind) for p, _, _, kind, _ in recs] == [(2, "leftover")] * 3
    assert [json.loads(line) for *_, line in recs] == [
        {"type": "leftover", "i": j["i"], "user": j["user"]} for j in jobs(5, 3)]
    comp = tmp_path / "scanner.wasm"
    comp.write_bytes(b"\0asm a component")
    recs = task_records(worker, {0: jobs(0, 2)}, component=str(comp))
    for *_, line in recs:
        row = json.loads(line)
        assert row["component"] == str(comp) and flag(row["argv"], "--component") == str(comp)
        assert row["component_sha"] == hashlib.sha256(comp.read_bytes()).hexdigest()


@pytest.mark.parametrize("bad", ["garbage", "foreign", "other"])
def test_task_refuses_a_line_that_is_not_its_answer(worker, bad):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 2), 1: jobs(2, 1)}, ["--bad-line", bad])
    assert FAIL_MARK in str(e.value)
    msg = _task_error(e.value)
    assert re.match(r"the worker of partition [01] failed on executor .+ \(exit None; Spark's retries exhausted\): "
                    r"the worker printed a line that is not a row or a leftover of its jobs", msg), msg


def test_task_exit_0_without_every_answer_raises(worker):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 3)}, ["--skip-i", "1"])
    msg = _task_error(e.value)
    assert "(exit 0;" in msg and "exited 0 without a row or a leftover for jobs i=[1]" in msg, msg


@pytest.mark.parametrize("code", [1, 2])
def test_task_worker_verdict_is_a_record_not_a_raise(worker, code):
    """Exit 1 or 2: the worker's own verdict. The task yields its rows, then a fatal record (a
    retry would end the same way)."""
    recs = task_records(worker, {0: jobs(0, 3)}, ["--always-fail", "--fail-code", str(code)])
    assert [kind for _, _, _, kind, _ in recs] == ["row", "fatal"]
    assert json.loads(recs[0][4])["i"] == 0
    info = json.loads(recs[1][4])
    assert info["exit"] == code and info["partition"] == 0 and "credentials rejected (fake)" in info["stderr"]
    msg = _fatal_message(info)
    assert msg.startswith("the worker of partition 0 stopped on executor %s (exit %d): error: credentials "
                          "rejected (fake)" % (recs[1][1], code)), msg


def test_task_other_exit_raises_for_a_retry(worker):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 3)}, ["--always-fail", "--fail-code", "3"])
    msg = _task_error(e.value)
    assert "(exit 3; Spark's retries exhausted): error: credentials rejected (fake)" in msg, msg


def test_task_streams_rows_to_the_driver(worker):
    """RowStream: each row and leftover also reaches the driver as it comes, with the stream's
    key and wave number; a connection with another key or wave is ignored (rows still come with
    the task's result)."""
    rs = RowStream("127.0.0.1")
    try:
        q = queue.Queue()
        rs.sink = (7, q)
        host, port = rs.addr
        for stream in ((host, port, "0" * 32, 7), (host, port, rs.key, 6)):
            assert len(task_records(worker, {0: jobs(0, 2)}, stream=stream)) == 2
        past = int(time.time() * 1000) - 60000
        recs = task_records(worker, {0: jobs(0, 3)}, stream=(host, port, rs.key, 7))
        recs += task_records(worker, {1: jobs(3, 2)}, ["--start-until-ms", str(past)], stream=(host, port, rs.key, 7))
        got = [q.get(timeout=60) for _ in recs]
        assert all(kind == "stream" for kind, _ in got)
        assert sorted(v for _, v in got) == sorted(recs)
        assert sorted(v[3] for _, v in got) == ["leftover"] * 2 + ["row"] * 3
        time.sleep(0.5)
        assert q.empty()
    finally:
        rs.close()
