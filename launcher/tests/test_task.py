"""The task body (task.make_task), run here as an executor would run it, on the fake worker, and
the row stream it sends to the driver."""
import hashlib
import json
import queue
import re
import time

import pytest

from helpers import check_objects, flag, jobs, token
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


@pytest.mark.parametrize("bad", ["garbage", "foreign", "other", "objects"])
def test_task_refuses_a_line_that_is_not_its_answer(worker, bad):
    with pytest.raises(RuntimeError) as e:
        task_records(worker, {0: jobs(0, 2), 1: jobs(2, 1)}, ["--bad-line", bad])
    assert FAIL_MARK in str(e.value)
    msg = _task_error(e.value)
    assert re.match(r"the worker of partition [01] failed on executor .+ \(exit None; Spark's retries exhausted\): "
                    r"the worker printed a line that is not a row, a leftover or objects of its pending jobs",
                    msg), msg


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


def _as_out(recs):
    """Task records → the launcher's output lines (what program.py makes of them)."""
    return [{"type": "objects", "line": line} if kind == "objects" else {"type": "row", "row": json.loads(line)}
            for _, _, _, kind, line in recs if kind in ("objects", "row")]


def _users(js):
    return {j["i"]: j["user"] for j in js}


def test_task_objects_without_a_stream_are_records_before_their_row(worker):
    """No stream (Connect), or one that cannot connect: objects lines are records of the task's
    result, in the worker's order, each before its row."""
    from helpers import free_port

    shards = {0: jobs(0, 4), 1: jobs(4, 3) + [dict(jobs(7, 1)[0], user="empty@x.com")]}
    users = dict(_users(shards[0] + shards[1]))
    for stream in (None, ("127.0.0.1", free_port(), "0" * 32, 1)):
        recs = task_records(worker, shards, ["--objects"], stream=stream)
        assert {kind for *_, kind, _ in recs} == {"objects", "row"}
        forwarded = check_objects(_as_out(recs), users, once=True)
        assert 7 not in forwarded  # a user without files: no objects line, its row names the attempt
        assert len(json.loads(next(l for *_, k, l in recs if k == "row" and '"i": 7' in l))["objects"]) == 1


def test_task_objects_go_over_the_stream_only(worker):
    """With the driver's row stream: objects lines go there only, before their row; the result
    carries the rows (and leftovers) only; the task ends after the driver acknowledged."""
    rs = RowStream("127.0.0.1")
    try:
        q = queue.Queue()
        rs.sink = (3, q)
        js = jobs(0, 5)
        recs = task_records(worker, {0: js[:3], 1: js[3:]}, ["--objects"], stream=rs.addr + (rs.key, 3))
        assert [kind for *_, kind, _ in recs] == ["row"] * 5
        got = []
        while not q.empty():
            got.append(q.get_nowait()[1])  # all of it queued before the task returned (the ack)
        assert sorted(r for r in got if r[3] == "row") == sorted(recs)
        check_objects(_as_out(got), _users(js), once=True)
    finally:
        rs.close()


def test_task_fails_when_the_stream_breaks_after_objects(worker):
    """A driver that goes away after the first objects line: the task raises (Spark retries it),
    since the objects of the rows it would deliver may not all have arrived."""
    import socket
    import threading

    srv = socket.create_server(("127.0.0.1", 0))

    def driver():
        conn, _ = srv.accept()
        with conn, conn.makefile("rb") as f:
            f.readline()
            f.readline()

    threading.Thread(target=driver, daemon=True).start()
    try:
        with pytest.raises(RuntimeError) as e:
            task_records(worker, {0: jobs(0, 3)}, ["--objects", "--sleep-ms", "100"],
                         stream=srv.getsockname()[:2] + ("k", 1))
    finally:
        srv.close()
    assert FAIL_MARK in str(e.value)
    assert "the row stream to the driver broke after objects went over it" in _task_error(e.value)


def test_object_frames_keep_the_rows_attempts(worker):
    """scan_objects' executor side: the objects of the attempts each row keeps (not those of a scan
    the worker dropped), under the job's user, a size past i64 and a missing time null; a
    leftover or a worker's fatal raises."""
    from fake_worker import objects_of
    from dbx_spark.task import object_frames

    js = jobs(0, 4)
    recs = task_records(worker, {0: js}, ["--objects", "--objects-rescan"])
    assert sum(kind == "objects" for *_, kind, _ in recs) > 4 + sum(len(objects_of(j["user"])) > 2 for j in js)
    frames = list(object_frames(iter(recs), {j["i"]: j["user"].upper() for j in js}, frame_rows=3))
    assert all(len(f) <= 3 for f in frames)
    rows = [tuple(r) for f in frames for r in f.itertuples(index=False)]
    want = [(j["user"].upper(), o["loc"], o.get("path"), o["type"], o["size"] if o["size"] < 2 ** 63 else None,
             o.get("mtime"), o.get("lang")) for j in js for o in objects_of(j["user"])]
    assert rows == want
    past = int(time.time() * 1000) - 60000
    with pytest.raises(RuntimeError) as e:
        list(object_frames(iter(task_records(worker, {0: js}, ["--objects", "--start-until-ms", str(past)])), {}))
    assert "left job i=0 unfinished" in _task_error(e.value)
    with pytest.raises(RuntimeError) as e:
        list(object_frames(iter(task_records(worker, {0: js}, ["--objects", "--always-fail"])),
                           _users(js)))
    assert "(exit 1; Spark's retries exhausted): error: credentials rejected (fake)" in _task_error(e.value)
