"""Classic Spark: rows (and objects lines) reach the driver as users finish (the tasks connect
back)."""

import json
import os
import queue
import socket
import threading


class RowStream:
    """Classic Spark only: rows as users finish. A task's result reaches the driver only when
    the task ends, so each task also connects back to the driver (as Spark's own executors do)
    and sends its rows as they come, and its objects lines (which go nowhere else). Lines with
    the wrong key or from another wave are dropped, and so is the connection. A task's last
    line, "done", is acknowledged ("ok") once all it sent before is in the wave's queue: the
    task ends only then, so its result comes after. The wave's queue is bounded: a reader waits
    while it is full, and so does its task (TCP), and its worker. (Spark Connect runs the driver
    elsewhere: there everything comes when a task ends.)"""

    def __init__(self, bind_host):
        self.key = os.urandom(16).hex()
        self.sock = socket.create_server((bind_host, 0))
        self.addr = (bind_host, self.sock.getsockname()[1])
        self.sink = None  # (wave, queue) of the wave running
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _put(self, wave, item):
        """Queues `item` for `wave`; False once that wave is over."""
        while True:
            sink = self.sink
            if sink is None or str(sink[0]) != wave:
                return False
            try:
                sink[1].put(item, timeout=1)
                return True
            except queue.Full:
                pass

    def _read(self, conn):
        with conn, conn.makefile("rb") as f:
            hello = f.readline().decode("utf-8", "replace").split()
            if len(hello) != 2 or hello[0] != self.key:
                return
            for raw in f:
                try:
                    p, executor, attempt, kind, line = json.loads(raw)
                except ValueError:
                    return
                if kind == "done":
                    sink = self.sink
                    if sink is None or str(sink[0]) != hello[1]:
                        return
                    try:
                        conn.sendall(b"ok\n")
                    except OSError:
                        return
                elif kind in ("row", "leftover", "objects"):
                    if not self._put(hello[1], ("stream", (p, executor, attempt, kind, line))):
                        return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
