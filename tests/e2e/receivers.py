"""Local receivers for alert tests, started by the test on 127.0.0.1: a minimal SMTP server (EHLO, STARTTLS,
AUTH PLAIN and LOGIN, MAIL/RCPT/DATA; Python's smtpd module is deprecated and gone in 3.12, and this needs no
package) and a
webhook receiver. Both record what they got, for the test to check."""

import base64
import email
import email.policy
import http.server
import socketserver
import ssl
import threading

import harness


class _SmtpHandler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        return self.rfile.readline(65536).decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        srv = self.server.owner
        tls = False
        user = None
        sender, rcpts = None, []
        self.send("220 test-smtp ESMTP ready")
        while True:
            line = self.readline()
            if not line and self.rfile.closed:
                return
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                caps = ["250-test-smtp"]
                if srv.context and not tls:
                    caps.append("250-STARTTLS")
                caps.append("250-AUTH PLAIN LOGIN")
                caps.append("250 8BITMIME")
                for c in caps:
                    self.send(c)
            elif verb == "STARTTLS" and srv.context and not tls:
                self.send("220 go ahead")
                self.request = srv.context.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
                tls = True
            elif verb == "AUTH":
                if srv.require_tls and not tls:
                    self.send("538 encryption required")
                    continue
                parts = arg.split(" ")
                if parts[0].upper() == "PLAIN":
                    token = parts[1] if len(parts) > 1 else None
                    if token is None:
                        self.send("334 ")
                        token = self.readline()
                    _, u, p = base64.b64decode(token).decode().split("\0")
                else:
                    self.send("334 " + base64.b64encode(b"Username:").decode())
                    u = base64.b64decode(self.readline()).decode()
                    self.send("334 " + base64.b64encode(b"Password:").decode())
                    p = base64.b64decode(self.readline()).decode()
                if (u, p) == (srv.user, srv.password):
                    user = u
                    self.send("235 authenticated")
                else:
                    self.send("535 authentication failed")
            elif verb == "MAIL":
                if srv.user and not user:
                    self.send("530 authentication required")
                    continue
                sender, rcpts = arg.split(":", 1)[1].strip(), []
                self.send("250 ok")
            elif verb == "RCPT":
                rcpts.append(arg.split(":", 1)[1].strip())
                self.send("250 ok")
            elif verb == "DATA":
                self.send("354 end with .")
                lines = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if raw in (b".\r\n", b".\n", b""):
                        break
                    if raw.startswith(b".."):
                        raw = raw[1:]
                    lines.append(raw)
                data = b"".join(lines)
                with srv.lock:
                    srv.messages.append({"from": sender, "to": rcpts, "tls": tls, "user": user,
                                         "message": email.message_from_bytes(data, policy=email.policy.default)})
                self.send("250 queued")
            elif verb == "RSET":
                sender, rcpts = None, []
                self.send("250 ok")
            elif verb == "NOOP":
                self.send("250 ok")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 command not recognized")

    def finish(self):
        super().finish()
        # socketserver closes the plain socket it accepted; the TLS wrapper around it is ours to close.
        if isinstance(self.request, ssl.SSLSocket):
            self.request.close()


class _Receiver:
    """A server on a free loopback port, serving on its own thread, recording what it gets in self.got."""

    what = "message"

    def __init__(self):
        self.got = []
        self.lock = threading.Lock()

    def serve(self, server):
        self.server = server
        self.port = server.server_address[1]
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count, timeout=60):
        def enough():
            with self.lock:
                return list(self.got) if len(self.got) >= count else None
        return harness.wait_until(enough, "%d %s(s)" % (count, self.what), timeout)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver(_Receiver):
    """SMTP on a free port. With cert/key it offers STARTTLS; with user/password it requires AUTH."""

    what = "e-mail"

    def __init__(self, cert=None, key=None, user=None, password=None, require_tls=False):
        super().__init__()
        self.messages = self.got
        self.user, self.password, self.require_tls = user, password, require_tls
        self.context = None
        if cert:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(cert, key)
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        server.daemon_threads = True
        server.owner = self
        self.serve(server)


class WebhookReceiver(_Receiver):
    """Records every POST body; answers with `answer` (JSON text)."""

    what = "webhook post"

    def __init__(self, answer='{"errcode":0,"errmsg":"ok"}', status=200, echo_path=False):
        """With echo_path, the answer quotes the request's path and query (a robot that echoes the request,
        access token included, in its error): a test of what datasync does with such an answer."""
        super().__init__()
        self.posts = self.got
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with owner.lock:
                    owner.posts.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
                text = answer
                if echo_path:
                    text = '{"errcode":300005,"errmsg":"token is not exist: %s"}' % self.path
                out = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        self.url = "http://127.0.0.1:%d/robot/send" % self.port
