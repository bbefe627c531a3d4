"""Reading, validating and writing the reports: one-line errors, atomic replacement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import b24conform.report as report
from b24conform.report import ReportError, load_document, write_reports
from tests.report_samples import sample_document


def test_write_reports_creates_the_directory_and_round_trips(tmp_path: Path) -> None:
    document = sample_document()
    target = tmp_path / "nested" / "reports"
    paths = write_reports(document, target)
    assert paths == {
        "json": target / "deviations.json",
        "junit": target / "junit.xml",
        "html": target / "report.html",
    }
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.values())
    assert load_document(paths["json"]) == document
    assert sorted(p.name for p in target.iterdir()) == [
        "deviations.json",
        "junit.xml",
        "report.html",
    ]


def test_a_failure_while_rendering_leaves_the_previous_reports_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_reports(sample_document(n_deviations=3), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(document: dict) -> str:
        raise RuntimeError("boom in the middle of rendering")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError, match="boom"):
        write_reports(sample_document(n_deviations=30), tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # same files, same bytes, no temporary left behind


def test_a_failure_while_writing_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_reports(sample_document(n_deviations=3), tmp_path)
    old_html = (tmp_path / "report.html").read_bytes()
    real_replace = report.os.replace

    def failing_replace(src: str, dst: str | Path) -> None:
        if str(dst).endswith("report.html"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(report.os, "replace", failing_replace)
    with pytest.raises(ReportError) as info:
        write_reports(sample_document(n_deviations=30), tmp_path)
    message = str(info.value)
    assert "\n" not in message and "report.html" in message and "No space left" in message
    assert (tmp_path / "report.html").read_bytes() == old_html
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "deviations.json",
        "junit.xml",
        "report.html",
    ]


def test_written_reports_are_not_private_temp_files(tmp_path: Path) -> None:
    paths = write_reports(sample_document(n_deviations=1), tmp_path)
    mask = report._umask()
    for path in paths.values():
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_report_dir_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("not a dir")
    with pytest.raises(ReportError) as info:
        write_reports(sample_document(n_deviations=1), blocker)
    assert "\n" not in str(info.value) and str(blocker) in str(info.value)


def _doc_with(**changes: object) -> dict:
    document = sample_document(n_deviations=2)
    document.update(changes)
    return document


BAD_FILES = {
    "not_json": ("{not json", "invalid JSON at line 1"),
    "array": ("[1, 2]", "top level: is a list, not an object"),
    "wrong_format": (json.dumps(_doc_with(format="junit/1")), "format: is 'junit/1'"),
    "no_format": (json.dumps({"run": {}, "deviations": []}), "'format' is a required property"),
    "no_run": (
        json.dumps({"format": "b24conform.deviations/1", "deviations": []}),
        "'run' is a required property",
    ),
    "no_deviations": (
        json.dumps({"format": "b24conform.deviations/1", "run": {}}),
        "'deviations' is a required property",
    ),
    "deviations_not_list": (
        json.dumps(_doc_with(deviations={})),
        "deviations: is an object, not a list",
    ),
    "deviation_lacks_keys": (
        json.dumps(_doc_with(deviations=[{"id": "x", "method": "m"}])),
        "deviations[0]: 'check' is a required property",
    ),
    "bad_severity": (
        json.dumps(
            _doc_with(deviations=[dict(sample_document()["deviations"][0], severity="fatal")])
        ),
        "deviations[0].severity: is 'fatal', expected 'error' or 'warning' or 'info'",
    ),
    "bad_fail_on": (
        json.dumps(_doc_with(run={"fail_on": "sometimes"})),
        "run.fail_on: is 'sometimes', expected 'error'",
    ),
    "coverage_entry": (
        json.dumps(_doc_with(coverage=["x"])),
        "coverage[0]: is a string, not an object",
    ),
    "empty": ("", "invalid JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_load_document_rejects_bad_files_with_one_line(tmp_path: Path, name: str) -> None:
    text, reason = BAD_FILES[name]
    path = tmp_path / "deviations.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportError) as info:
        load_document(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a b24conform deviations log (")
    assert reason in message
    assert "\n" not in message
    assert info.value.__cause__ is None


def test_load_document_missing_binary_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    cases = ((missing, "no such file"), (binary, "not UTF-8 text"), (tmp_path, "is a directory"))
    for path, reason in cases:
        with pytest.raises(ReportError) as info:
            load_document(path)
        assert str(info.value) == f"{path}: not a b24conform deviations log ({reason})"


def test_load_document_accepts_a_minimal_log(tmp_path: Path) -> None:
    path = tmp_path / "deviations.json"
    minimal = {"format": "b24conform.deviations/1", "run": {}, "deviations": []}
    path.write_text(json.dumps(minimal))
    assert load_document(path) == minimal
