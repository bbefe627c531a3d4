"""`ReferencePortal`: the reference portal on loopback, in this process (see the package's doc)."""

from __future__ import annotations

from types import TracebackType

from . import PROFILES
from .company import Company, build_company
from .faults import Fault, resolve
from .server import HttpServer
from .service import ROLES, Service


class ReferencePortal:
    """A reference portal on loopback; ``start()``/``stop()`` or use it as a context manager."""

    def __init__(
        self,
        profile: str = "docs",
        faults: tuple[str, ...] | list[str] = (),
        seed: int = 0,
        departments: int = 12,
        rate_limit: tuple[float, int] | None = None,
        operating_limit: float | None = None,
        tls: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
        if isinstance(faults, str):
            faults = [faults]
        self.profile = profile
        self.faults: tuple[Fault, ...] = resolve(list(faults))
        self.seed = seed
        self.company: Company = build_company(seed, departments)
        self.rate_limit = rate_limit
        self.operating_limit = operating_limit
        self.tls = tls
        self.host = host
        self._port = port
        self._service = Service(
            self.company, profile, self.faults, seed, rate_limit, operating_limit
        )
        self._server: HttpServer | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> ReferencePortal:
        """Bind the socket and serve in a background thread (idempotent)."""
        if self._server is None:
            self._server = HttpServer(self._service, self.host, self._port, self.tls)
            self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (idempotent)."""
        if self._server is not None:
            self._server.stop()
            self._port = self._server.port
            self._server = None

    def __enter__(self) -> ReferencePortal:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def service(self) -> Service:
        """What answers each request (`Service.handle`): a caller may ask it without a socket,
        as the fault tests do for the portal's answers."""
        return self._service

    # -- addresses and credentials --------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.port if self._server is not None else self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` with TLS); only meaningful once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def _role(self, role: str) -> str:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; valid roles: {', '.join(ROLES)}")
        return role

    def webhook_url(self, role: str) -> str:
        """The inbound webhook URL of ``role``, ending with ``/``: append the method name."""
        cred = self._service.webhooks[self._role(role)]
        return f"{self.base_url}/rest/{cred.user_id}/{cred.secret}/"

    def oauth_token(self, role: str, expired: bool = False) -> str:
        """An OAuth access token of ``role`` for ``base_url + "/rest/<method>"``."""
        table = self._service.expired if expired else self._service.tokens
        return table[self._role(role)].secret

    @property
    def roles(self) -> dict[str, str]:
        """Role → webhook URL."""
        return {role: self.webhook_url(role) for role in ROLES}

    @property
    def ca_cert_pem(self) -> bytes | None:
        """With ``tls=True`` (once started): the CA certificate a client must trust."""
        return self._server.ca_cert_pem if self._server is not None else None

    @property
    def requests_served(self) -> int:
        """HTTP requests answered so far (a batch is one)."""
        return self._service.requests_served

    def describe(self) -> list[str]:
        """Human-readable lines: the profile, the faults, every webhook URL and OAuth token."""
        company = self.company
        lines = [
            f"Reference portal at {self.base_url} (profile {self.profile}, seed {self.seed}, "
            f"{len(company.departments)} departments, {len(company.users)} users)",
            "faults: " + (", ".join(f.name for f in self.faults) if self.faults else "none"),
            "rate limit: "
            + (f"{self.rate_limit[0]:g}/s:{self.rate_limit[1]}" if self.rate_limit else "off")
            + "; time budget: "
            + (f"{self.operating_limit:g} s per 10 min" if self.operating_limit else "off"),
            "webhooks:",
        ]
        lines += [f"  {role:<9} {url}" for role, url in self.roles.items()]
        lines.append(f"OAuth (POST {self.base_url}/rest/<method> with auth=<token>):")
        lines += [f"  {role:<9} {self.oauth_token(role)}" for role in ROLES]
        return lines
