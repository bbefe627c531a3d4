"""Reports of a run: `deviations.json`, `junit.xml` and `report.html`, rendered from an outcome
document (`b24conform.deviations/1` plus the extensions in docs/internals.md) and nothing else.

    write_reports(document, report_dir) -> {"json": path, "junit": path, "html": path}
    render_html(document) -> str
    render_junit(document) -> str
    load_document(path) -> dict          (a bad file raises ReportError with one line)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from b24conform.report.json import ReportError, dumps, load_document
from b24conform.report.junit import render_junit

__all__ = [
    "ReportError",
    "check_report_dir",
    "load_document",
    "render_html",
    "render_junit",
    "write_reports",
]

FILES = {"json": "deviations.json", "junit": "junit.xml", "html": "report.html"}


def render_html(document: dict[str, Any]) -> str:
    """The HTML report (its module, and Jinja2 with it, is loaded when first used)."""
    from b24conform.report import html

    return html.render_html(document)


def write_reports(document: dict[str, Any], report_dir: Path) -> dict[str, Path]:
    """Write the three reports into `report_dir` (created if missing) and return their paths.

    Everything is rendered in memory first, then each file goes to a temporary file in the same
    directory and replaces the old one atomically: a run that fails while rendering leaves the
    previous reports untouched, and no reader ever sees a half-written file.
    """
    report_dir = Path(report_dir)
    texts = {
        "json": dumps(document),
        "junit": render_junit(document),
        "html": render_html(document),
    }
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"{report_dir}: cannot create the report directory ({_why(exc)})"
        ) from None
    paths: dict[str, Path] = {}
    for key, text in texts.items():
        path = report_dir / FILES[key]
        _atomic_write(path, text)
        paths[key] = path
    return paths


def check_report_dir(report_dir: Path) -> None:
    """Refuse, before a run, a report directory that could never be written (touching nothing)."""
    report_dir = Path(report_dir)
    for folder in (report_dir, *report_dir.parents):
        if folder.exists():
            if not folder.is_dir():
                raise ReportError(f"--report-dir {report_dir}: {folder} is not a directory")
            break


def _why(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ReportError(f"{path}: cannot write the report ({_why(exc)})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
