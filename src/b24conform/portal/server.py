"""The HTTP(S) server: real sockets on loopback, HTTP/1.1 keep-alive, one thread per connection.

``disable_nagle_algorithm`` matters: without it a keep-alive client waits for delayed ACKs and the
portal answers ~23 requests/s instead of thousands. Each answer is written with one ``send``.
With TLS, the certificate is made at start-up by ``trustme`` for ``127.0.0.1``/``localhost``/
``::1``; the handshake runs in the connection's thread, so a silent client cannot block the
accept loop.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .service import Service

IDLE_TIMEOUT = 30.0
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server_version = "b24conform-portal"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a portal serving thousands of calls per second must not log each one."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        path, _, query = self.path.partition("?")
        wire = self.server.service.handle(
            path,
            query,
            self.headers.get("Content-Type", ""),
            body,
            self.headers.get("Authorization"),
            method=self.command,
        )
        if wire.reset:
            self.close_connection = True
            try:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
            except OSError:
                pass
            return
        if wire.delay:
            time.sleep(wire.delay)
        head = (
            f"HTTP/1.1 {wire.status} {_REASONS.get(wire.status, 'Unknown')}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Content-Type: {wire.content_type}\r\n"
            f"Content-Length: {len(wire.body)}\r\n"
        )
        if self.close_connection:
            head += "Connection: close\r\n"
        payload = head.encode("latin-1") + b"\r\n"
        if self.command != "HEAD":
            payload += wire.body
        self.wfile.write(payload)

    do_GET = do_POST = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], service: Service) -> None:
        self.service = service
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.address_family = family
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that drops a connection or fails the TLS handshake is not news."""

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._open_lock:
            if add:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_all(self) -> None:
        """Shut the open keep-alive connections so their threads end."""
        with self._open_lock:
            conns = list(self._open)
            self._open.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class HttpServer:
    """Start/stop wrapper: serves ``service`` on ``host:port`` in a background thread."""

    def __init__(self, service: Service, host: str, port: int, tls: bool) -> None:
        self.service = service
        self._server = _Server((host, port), service)
        self.ca_cert_pem: bytes | None = None
        if tls:
            try:
                import trustme
            except ImportError:
                self._server.server_close()
                raise ValueError("--tls needs trustme: pip install 'b24conform[tls]'") from None
            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost", "::1", host)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            self._server.socket = context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            self.ca_cert_pem = ca.cert_pem.bytes()
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # how long stop() waits for the loop to notice: a test suite starts hundreds of portals
            kwargs={"poll_interval": 0.01},
            name=f"b24conform-portal:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_all()
        self._server.server_close()
