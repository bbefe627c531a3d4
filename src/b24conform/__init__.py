"""b24conform: contract tests and spec conformance for the Bitrix24 REST API.

The public Python API (README, "Python API"). Its names load on first use, so that importing any
module of the package (the command line, the pytest plugin) pays for nothing it does not use.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_HOMES = {
    "run": "b24conform.engine",
    "RunOptions": "b24conform.engine",
    "Outcome": "b24conform.engine",
    "TargetOptions": "b24conform.targets",
    "DEFAULTS": "b24conform.defaults",
    "B24ConformError": "b24conform.errors",
    "UsageError": "b24conform.errors",
    "TargetUnavailable": "b24conform.errors",
}

__all__ = sorted([*_HOMES, "__version__"])


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'b24conform' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
