"""A proxy in front of the reference portal that breaks the transport, not the API.

It forwards every request to the portal and, for about one request in `every` of one method sent
alone (chosen by the request's content, so a retry meets the same fault; discovery and `batch`
pass untouched, so the run starts and most cases are judged), answers with a transport fault: the connection reset in the middle of the body, a body slower
than the client's timeout, a 200 with an HTML page or truncated JSON, a proxy's 502 page, or a
redirect to another host. A real socket server, so the client's whole stack is exercised.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("reset_mid_body", "slow_body", "html_200", "truncated_json_200", "proxy_502", "redirect")
PROXY_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class Recorder(ThreadingHTTPServer):
    """Another host: counts what reaches it (a redirect must not make the client follow)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                recorder.seen.append(f"{self.command} {self.path} {body}")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _any

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class FaultyProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, upstream: str, fault: str, method: str = "im.department.get", every: int = 3
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.fault, self.method, self.every = fault, method, every
        self.calls = 0
        self.faulted = 0
        self.lock = threading.Lock()
        self.elsewhere = Recorder()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, portal_url: str) -> str:
        """`portal_url` (a webhook of the upstream portal) as reached through the proxy."""
        return portal_url.replace(
            f"{self.upstream.hostname}:{self.upstream.port}", f"127.0.0.1:{self.server_port}"
        )

    def close(self) -> None:
        for server in (self, self.elsewhere):
            server.shutdown()
            server.server_close()

    def should_break(self, path: str, body: bytes) -> bool:
        name = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if name not in (self.method, self.method + ".json"):
            return False
        hit = zlib.crc32(path.encode() + body) % self.every == 0
        with self.lock:
            self.calls += 1
            self.faulted += hit
        return hit


class _Handler(BaseHTTPRequestHandler):
    server: FaultyProxy
    protocol_version = "HTTP/1.1"

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, answer = self._forward(body)
        if self.server.should_break(self.path, body):
            getattr(self, f"_{self.server.fault}")(answer)
            return
        self._send(status, headers, answer)

    do_GET = do_POST = _any

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = self.server.upstream
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def _send(
        self, status: int, headers: dict[str, str], body: bytes, *, length: int | None = None
    ) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "date",
                "server",
            ):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    # -- the faults ---------------------------------------------------------------------------

    def _reset_mid_body(self, answer: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer[: len(answer) // 2])
        self.wfile.flush()
        # SO_LINGER 0: close with a TCP reset, not a clean end of stream
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _slow_body(self, answer: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer[:10])
        self.wfile.flush()
        time.sleep(2.5)  # the test runs with --timeout 1
        with contextlib.suppress(OSError):
            self.wfile.write(answer[10:])
        self.close_connection = True

    def _html_200(self, answer: bytes) -> None:
        page = b"<!DOCTYPE html><html><body><h1>Bitrix24</h1><p>Maintenance</p></body></html>"
        self._send(200, {"Content-Type": "text/html; charset=UTF-8"}, page)

    def _truncated_json_200(self, answer: bytes) -> None:
        self._send(200, {"Content-Type": "application/json"}, answer[: len(answer) // 2])

    def _proxy_502(self, answer: bytes) -> None:
        self._send(502, {"Content-Type": "text/html"}, PROXY_502)

    def _redirect(self, answer: bytes) -> None:
        location = f"http://127.0.0.1:{self.server.elsewhere.server_port}{self.path}"
        self._send(307, {"Location": location, "Content-Type": "text/html"}, b"<a>moved</a>")

    def log_message(self, *args: object) -> None:
        pass
