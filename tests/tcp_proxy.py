"""A TCP proxy a test can cut and restore, to take a real server (PostgreSQL, Redis) away from the
app for a while without stopping it for everyone else on the machine."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CuttableProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = False
        self.refused = 0  # connections refused while cut: clients that tried to come back too soon
        self._open: set[socket.socket] = set()
        self._upstream: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off:
                client.close()  # refused: the server is "down"
                self.refused += 1
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open |= {client, server}
                self._upstream.add(server)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                self._close(s)

    def _close(self, s: socket.socket) -> None:
        with self._lock:
            self._open.discard(s)
            self._upstream.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

    def cut(self) -> None:
        """Drop every connection and refuse new ones, until `restore`."""
        self.cut_off = True
        with self._lock:
            sockets = list(self._open)
        for s in sockets:
            self._close(s)

    def restore(self) -> None:
        self.cut_off = False

    def upstream_addresses(self) -> set[str]:
        """"host:port" of each open connection to the server, as the server sees its clients."""
        with self._lock:
            return {"{}:{}".format(*s.getsockname()[:2]) for s in self._upstream}

    def close(self) -> None:
        self.cut()
        self.listener.close()


@contextmanager
def cuttable(host: str, port: int) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy((host, port))
    try:
        yield proxy
    finally:
        proxy.close()
