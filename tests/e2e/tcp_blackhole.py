"""A TCP proxy on loopback that can turn into a black hole, for the fault tests of the database clients.

While forwarding, every connection accepted on its port is paired with a connection to the upstream server
and bytes go both ways. blackhole() stops forwarding without closing anything: bytes the client sends stay
unread in the proxy's socket (the kernel still acknowledges them, so TCP keepalives and retransmissions see a
healthy peer), nothing comes back, and new connections are accepted and held without an upstream. No RST, no
FIN: only a client-side deadline can notice. restore() closes every connection held during the black hole
(whatever the client sent into it is never delivered, so no stale statement reaches the server late) and
forwards again."""

import select
import socket
import threading


class TcpBlackhole:
    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, int(upstream_port))
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs = []  # [client, upstream or None]; upstream None: accepted during a black hole
        self._forwarding = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    # --- control ---------------------------------------------------------------------------------------
    def blackhole(self):
        with self._lock:
            self._forwarding = False

    def restore(self):
        with self._lock:
            for pair in self._pairs:
                self._close_pair(pair)
            self._pairs = []
            self._forwarding = True

    def held_bytes(self):
        """Bytes clients sent that the proxy holds unread (what went into the black hole and is still there)."""
        total = 0
        with self._lock:
            for client, _ in self._pairs:
                try:
                    total += len(client.recv(1 << 20, socket.MSG_PEEK | socket.MSG_DONTWAIT))
                except (BlockingIOError, OSError):
                    pass
        return total

    def connections(self):
        with self._lock:
            return len(self._pairs)

    def close(self):
        self._stop.set()
        self._thread.join()
        with self._lock:
            for pair in self._pairs:
                self._close_pair(pair)
            self._pairs = []
        self.listener.close()

    # --- the forwarding thread -------------------------------------------------------------------------
    @staticmethod
    def _close_pair(pair):
        for s in pair:
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass

    def _loop(self):
        while not self._stop.is_set():
            with self._lock:
                forwarding = self._forwarding
                readers = [self.listener]
                if forwarding:
                    for pair in self._pairs:
                        readers += [s for s in pair if s is not None]
            readable, _, _ = select.select(readers, [], [], 0.05)
            for s in readable:
                if s is self.listener:
                    client, _ = self.listener.accept()
                    with self._lock:
                        upstream = socket.create_connection(self.upstream) if self._forwarding else None
                        self._pairs.append([client, upstream])
                    continue
                with self._lock:
                    if not self._forwarding:
                        break  # black-holed since select returned: leave the bytes unread
                    pair = next((p for p in self._pairs if s in p), None)
                    if pair is None:
                        continue  # closed by restore()
                    other = pair[1] if s is pair[0] else pair[0]
                    try:
                        data = s.recv(65536)
                        if data:
                            other.sendall(data)
                    except OSError:
                        data = b""
                    if not data:
                        self._close_pair(pair)
                        self._pairs.remove(pair)
