"""A cassette served as a portal: `b24conform portal --cassette DIR`.

A team records its real portal once (`b24conform run --webhook URL --record DIR`) and its own
integration tests then run offline against those answers. Requests are matched exactly as a
replay matches them (`matching.py`: method, path, the parameters as Bitrix24 reads them); a
request the recording lacks gets a 404 with a Bitrix24 error body that says so, never a made-up
answer. Bitrix24 treats `method` and `method.json` alike, and the SDKs add the suffix, so a
`.json` request without a recording of its own is answered by the recording without it.

The HTTP side is the reference portal's server (sockets, keep-alive, TLS); nothing of the
portal's behaviour is used.
"""

from __future__ import annotations

import inspect
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vcr.cassette import Cassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.request import Request

from b24conform.cassettes.layout import CASSETTE, TOKEN_PLACEHOLDER, read_cassette
from b24conform.cassettes.matching import params_of
from b24conform.cassettes.vcr_backend import IndexedCassette, _vcr
from b24conform.errors import UsageError

NOT_RECORDED = "NOT_IN_CASSETTE"


@dataclass
class Answer:
    """What the HTTP server writes back (the shape of the portal's `Wire`)."""

    status: int
    content_type: str
    body: bytes
    reset: bool = False
    delay: float = 0.0


class CassetteService:
    """Answers HTTP requests from a cassette directory; thread-safe."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.meta, _ = read_cassette(self.folder)
        recorded = urlsplit(self.meta["endpoint"])
        self._origin = f"{recorded.scheme}://{recorded.netloc}"
        config = _vcr("none", None).get_merged_config(
            path=str(self.folder / CASSETTE), allow_playback_repeats=True
        )
        accepted = inspect.signature(Cassette.__init__).parameters  # the rest is for use_cassette
        try:
            self.cassette = IndexedCassette.load(
                **{k: v for k, v in config.items() if k in accepted}
            )
        except ValueError as exc:
            raise UsageError(f"cassette {self.folder}: unreadable ({exc})") from None
        self._lock = threading.Lock()
        self.requests_served = 0

    def handle(
        self,
        path: str,
        query: str,
        content_type: str,
        body: bytes,
        authorization: str | None,
        method: str = "POST",
    ) -> Answer:
        """The recorded answer to this request, or a 404 that names what was not recorded."""
        headers = {"Content-Type": content_type} if content_type else {}
        uri = f"{self._origin}{path}{'?' + query if query else ''}"
        candidates = [uri]
        if path.endswith(".json"):
            candidates.append(
                f"{self._origin}{path.removesuffix('.json')}{'?' + query if query else ''}"
            )
        with self._lock:
            self.requests_served += 1
            for candidate in candidates:
                try:
                    response = self.cassette.play_response(
                        Request(method, candidate, body or None, headers)
                    )
                except UnhandledHTTPRequestError:
                    continue
                return _answer(response)
        request = Request(method, uri, body or None, headers)
        name = path.rsplit("/", 1)[-1]
        wanted = json.dumps(params_of(request), sort_keys=True, ensure_ascii=False)[:200]
        return _error(
            404,
            NOT_RECORDED,
            f"b24conform: cassette {self.folder.name} has no recorded answer for {method} "
            f"{name} {wanted}",
        )

    def describe(self, base_url: str) -> list[str]:
        """The lines `portal --cassette` prints: what is served and the URLs to call."""
        lines = [
            f"Cassette {self.folder} served at {base_url} "
            f"({len(self.cassette.data)} recorded answers from {self.meta.get('target', '?')}, "
            f"recorded {self.meta.get('recorded', '?')})",
            f"requests the recording lacks get 404 {NOT_RECORDED}",
        ]
        if self.meta.get("kind") == "oauth":
            lines.append(f"OAuth: POST {base_url}/rest/<method> with auth={TOKEN_PLACEHOLDER}")
        else:
            lines.append("webhooks:")
            lines.append(f"  main      {self.url(self.meta['endpoint'], base_url)}")
        for role, url in self.meta.get("roles", {}).items():
            lines.append(f"  {role:<9} {self.url(url, base_url)}")
        return lines

    def url(self, recorded: str, base_url: str) -> str:
        """A recorded URL moved to where the cassette is served."""
        return base_url + recorded.removeprefix(self._origin)


def _answer(response: dict[str, Any]) -> Answer:
    headers = {name.lower(): values for name, values in response.get("headers", {}).items()}
    content_type = headers.get("content-type", ["application/json; charset=utf-8"])
    body = response["body"]["string"]
    return Answer(
        status=response["status"]["code"],
        content_type=content_type[0] if isinstance(content_type, list) else content_type,
        body=body.encode("utf-8") if isinstance(body, str) else body,
    )


def _error(status: int, code: str, description: str) -> Answer:
    body = json.dumps({"error": code, "error_description": description}, ensure_ascii=False)
    return Answer(status, "application/json; charset=utf-8", body.encode("utf-8"))


def serve(
    folder: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    ca_file: str | None = None,
    stop: threading.Event | None = None,
) -> int:
    """`b24conform portal --cassette DIR`: serve until Ctrl-C or SIGTERM; return the exit code."""
    from b24conform.portal.command import _write_ca, serve_until_stopped
    from b24conform.portal.server import HttpServer

    if ca_file and not tls:
        raise UsageError("--ca-file needs --tls")
    service = CassetteService(folder)
    try:
        server = HttpServer(service, host, port, tls)  # type: ignore[arg-type]
        server.start()
        ca_file = _write_ca(server, ca_file) if tls else None  # type: ignore[arg-type]
    except (ValueError, OSError, OverflowError) as exc:
        raise UsageError(" ".join(str(exc).split())[:400]) from None
    scheme = "https" if tls else "http"
    base_url = f"{scheme}://{f'[{host}]' if ':' in host else host}:{server.port}"
    try:
        print("\n".join(service.describe(base_url)))
        if ca_file:
            print(f"CA certificate: {ca_file} (trust it: REQUESTS_CA_BUNDLE={ca_file} ...)")
        serve_until_stopped(stop)
    finally:
        server.stop()
    print("Portal stopped.", flush=True)
    return 0
