"""Classic Spark: rows reach the driver as users finish (the tasks connect back)."""

import json
import os
import socket
import threading


class RowStream:
    """Classic Spark only: rows as users finish. A task's result reaches the driver only when
    the task ends, so each task also connects back to the driver (as Spark's own executors do)
    and sends its rows as they come. Lines with the wrong key or from another wave are dropped.
    (Spark Connect runs the driver elsewhere: there rows come when a task ends.)"""

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

    def _read(self, conn):
        with conn, conn.makefile("rb") as f:
            hello = f.readline().decode("utf-8", "replace").split()
            if len(hello) != 2 or hello[0] != self.key:
                return
            for raw in f:
                sink = self.sink
                if sink is None or str(sink[0]) != hello[1]:
                    return
                try:
                    p, executor, attempt, kind, line = json.loads(raw)
                except ValueError:
                    return
                if kind in ("row", "leftover"):
                    sink[1].put(("stream", (p, executor, attempt, kind, line)))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
