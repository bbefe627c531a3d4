"""TLS trouble told apart: a CA file that cannot be used is the user's mistake (exit 2, before any
request); a certificate the client does not trust, or one made out for another host, is a
configuration problem of the target, said with what to do about it (never a deviation)."""

from __future__ import annotations

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
