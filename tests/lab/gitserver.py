#!/usr/bin/env python3
"""The lab git server's small servers (tests/lab/gitserver.sh starts them in its
namespace and stops them by PID):

  gitserver.py https ADDR PORT CERT KEY REPOS [TOKEN_FILE]
      git's smart HTTP: `git http-backend` as CGI, behind TLS (CERT, KEY in PEM).
      With TOKEN_FILE, every request needs HTTP basic auth whose password is the
      file's content (any user name); without it, 401 and a Basic challenge.
      One line per request on stderr: METHOD PATH -> STATUS [user=NAME].
  gitserver.py hang ADDR PORT
      accepts TCP connections and never answers (nor closes them): a hung server.

Both print "listening ADDR PORT" on stderr once they accept connections.
"""
import base64
import hmac
import http.server
import os
import socket
import socketserver
import ssl
import subprocess
import sys
import urllib.parse


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class GitHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wgfgs"
    sys_version = ""

    def log_message(self, fmt, *args):  # our own one-line log instead
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _user(self):
        """None: refused; "" no auth needed; else the user name that passed."""
        token = self.server.token
        if token is None:
            return ""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None
        try:
            user, _, pw = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except Exception:
            return None
        return user if hmac.compare_digest(pw.encode(), token.encode()) else None

    def _handle(self):
        body = self._body() if self.command == "POST" else b""
        url = urllib.parse.urlsplit(self.path)
        user = self._user()
        if user is None:
            log("%s %s -> 401" % (self.command, self.path))
            self._send(401, [("WWW-Authenticate", 'Basic realm="wgfgs"'),
                             ("Content-Type", "text/plain")], b"authentication required\n")
            return
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.server.repos,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "HOME": self.server.repos,
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": urllib.parse.unquote(url.path),
            "QUERY_STRING": url.query,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
        }
        if user:
            env["REMOTE_USER"] = user
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        p = subprocess.run(["git", "http-backend"], input=body, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = p.stdout
        sep = out.find(b"\r\n\r\n")
        if sep >= 0:
            head, payload = out[:sep].decode("latin-1"), out[sep + 4:]
        else:
            sep = out.find(b"\n\n")
            head, payload = (out[:sep].decode("latin-1"), out[sep + 2:]) if sep >= 0 else ("", out)
        status, headers = 200, []
        for line in head.splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k.strip(), v.strip()))
        if p.returncode != 0 and not head:
            status, payload = 500, p.stderr
        log("%s %s -> %d%s" % (self.command, self.path, status, " user=" + user if user else ""))
        self._send(status, headers, payload)

    do_GET = do_POST = do_HEAD = _handle


class TLSServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        # the TLS handshake in the request's thread: a client that stalls holds only it
        request.settimeout(30)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log("TLS handshake with %s failed: %s" % (client_address[0], e))
            return
        self.RequestHandlerClass(tls, client_address, self)


def https(addr, port, cert, key, repos, token_file=None):
    srv = TLSServer((addr, int(port)), GitHandler)
    srv.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv.ctx.load_cert_chain(cert, key)
    srv.repos = repos
    srv.token = open(token_file).read().strip() if token_file else None
    log("listening %s %s" % (addr, port))
    srv.serve_forever()


def hang(addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(64)
    held = []
    log("listening %s %s" % (addr, port))
    while True:
        c, peer = s.accept()
        held.append(c)  # never read, never written, never closed
        log("accepted %s:%d, holding %d" % (peer[0], peer[1], len(held)))


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "https":
        https(*sys.argv[2:9])
    elif len(sys.argv) == 4 and sys.argv[1] == "hang":
        hang(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
