"""The configuration file: `b24conform.toml`, or `[tool.b24conform]` in `pyproject.toml`.

Found from the working directory up, the first directory holding either wins (`b24conform.toml`
first), so a CI job run anywhere in a repository reads the repository's settings. This module
only finds and reads the file; which options it may set, and how they rank against flags and
`B24_*` variables, is `options.py`'s business.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b24conform.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the 3.10 CI run
    import tomli as tomllib

FILE_NAME = "b24conform.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class ConfigFile:
    """The settings a file gives, keyed as written (`fail-on`), and where they came from."""

    path: Path
    values: dict[str, Any]

    @property
    def label(self) -> str:
        """How the file is named in messages: `pyproject.toml [tool.b24conform]` or the path."""
        return f"{self.path} [tool.b24conform]" if self.path.name == PYPROJECT else str(self.path)


def find_config(start: Path | None = None) -> ConfigFile | None:
    """The nearest configuration from `start` (default: the working directory) up, if any."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / FILE_NAME
        if own.is_file():
            return ConfigFile(own, _read(own))
        project = folder / PYPROJECT
        if project.is_file():
            table = _read(project).get("tool", {}).get("b24conform")
            if table is not None:
                if not isinstance(table, dict):
                    raise UsageError(f"{project}: [tool.b24conform] must be a table")
                return ConfigFile(project, table)
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
