"""TLS trouble told apart: a CA file that cannot be used is the user's mistake (exit 2, before any
request); a certificate the client does not trust, or one made out for another host, is a
configuration problem of the target, said with what to do about it (never a deviation)."""

from __future__ import annotations

import socket
import ssl

from b24conform.errors import UsageError


def check_ca_bundle(path: str) -> None:
    """Raise a one-line `UsageError` unless `path` is a readable PEM file with a certificate."""
    try:
        ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise UsageError(f"--ca-bundle {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--ca-bundle {path}: is a directory, not a PEM file") from None
    except ssl.SSLError:
        raise UsageError(f"--ca-bundle {path}: holds no PEM certificate") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UsageError(f"--ca-bundle {path}: cannot be read ({reason})") from None


def tls_failure(text: str, host: str, port: int, verify: bool | str) -> str:
    """What went wrong in a TLS handshake, said with what to do about it (`text`: the error,
    secrets already removed)."""
    if "mismatch" in text or "doesn't match" in text or "not valid for" in text:
        names = certificate_names(host, port, verify)
        made_for = ", ".join(names) if names else "other names"
        return f"TLS: the portal's certificate is made out for {made_for}, not for {host}"
    if "expired" in text:
        return "TLS: the portal's certificate has expired"
    if "CERTIFICATE_VERIFY_FAILED" in text or "self-signed" in text or "issuer" in text:
        hint = (
            f"the CA in --ca-bundle {verify} did not sign it"
            if isinstance(verify, str)
            else "give its CA with --ca-bundle FILE"
        )
        return (
            "TLS: the portal's certificate is signed by an issuer this client does not trust "
            f"(self-signed or a private CA); {hint}"
        )
    return "TLS error: " + " ".join(text.split())[:200]


def certificate_names(host: str, port: int, verify: bool | str) -> list[str]:
    """The names a server's certificate is made out for (its subjectAltName), or [] if unknown."""
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    context.check_hostname = False
    try:
        with (
            socket.create_connection((host, port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=host) as conn,
        ):
            cert = conn.getpeercert() or {}
    except (OSError, ValueError):
        return []
    return [value for _, value in cert.get("subjectAltName", ())]
