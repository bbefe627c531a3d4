"""The pytest plugin: the same suite as `b24conform run`, inside a team's own pytest run.

Options are the command line's with a `--b24-` prefix (`--b24-webhook`, `--b24-cassette`, ...).
The suite runs once per pytest session (the `b24_outcome` fixture); each test of `suites/` then
asserts one (method, check) pair, so pytest's own report and JUnit XML list every check by name.

Under pytest-xdist (`-n N`) the run still happens once: the first worker to ask runs it, holding
a file lock, and leaves the outcome in a file the other workers read. One run against the
portal's rate limit, one recorder on a cassette, however many workers.

Installed, this module is loaded by every pytest run of the environment (the `pytest11` entry
point), so it imports only the option table here; the engine loads when the suites ask for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from b24conform.options import OPTIONS, apply_settings, dest, parser_kwargs

if TYPE_CHECKING:
    from b24conform.engine import Outcome

SHARED_OUTCOME = "b24conform-outcome-{}.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("b24conform", "b24conform: Bitrix24 REST conformance suite")
    for _, flag, kwargs in OPTIONS:
        group.addoption("--b24-" + flag[2:], dest="b24_" + dest(flag), **parser_kwargs(kwargs))


def _resolved(config: pytest.Config) -> pytest.Config:
    """The options with the environment, the configuration file and the defaults applied (once)."""
    if not getattr(config, "_b24_resolved", False):
        from b24conform.errors import B24ConformError

        try:
            apply_settings(config.option, prefix="b24_")
        except B24ConformError as exc:
            raise pytest.UsageError(f"b24conform: {exc}") from None
        config._b24_resolved = True  # type: ignore[attr-defined]
    return config


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per check that judges the suite module's METHOD under the chosen docs revision."""
    if "b24_check" not in metafunc.fixturenames:
        return
    from b24conform.checks import applicable_checks
    from b24conform.errors import B24ConformError
    from b24conform.spec import load_spec

    method = getattr(metafunc.module, "METHOD", None)
    try:
        spec = load_spec(_resolved(metafunc.config).getoption("b24_docs"))
    except B24ConformError as exc:
        raise pytest.UsageError(f"b24conform: {exc}") from None
    names = sorted(applicable_checks(spec, method)) if method in spec.methods else []
    metafunc.parametrize("b24_check", names, ids=str)


@pytest.fixture(scope="session")
def b24_outcome(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Outcome:
    """The outcome of the one run the `--b24-*` options name; its reports are written once."""
    config = _resolved(request.config)
    worker = getattr(config, "workerinput", None)  # set by xdist in its workers only
    if worker is None:  # not the environment: a pytest started by a worker inherits that
        return _run(config)
    # the workers of this pytest run share the parent of their base temporary directories, and
    # the run's id keeps apart two pytest runs that happen at once
    shared = tmp_path_factory.getbasetemp().parent / SHARED_OUTCOME.format(worker["testrunuid"])
    with _locked(shared.with_suffix(".lock")):
        if not shared.exists():
            try:
                outcome = _run(config)
            except pytest.exit.Exception as exc:  # a one-line error: every worker says it
                _write(shared, {"failed": exc.msg, "exit_code": exc.returncode})
                raise
            except BaseException as exc:
                _write(shared, {"failed": f"b24conform: the run stopped ({type(exc).__name__})"})
                raise
            _write(shared, {"document": outcome.document, "exit_code": outcome.exit_code})
            return outcome
    from b24conform.engine import Outcome

    data = json.loads(shared.read_text(encoding="utf-8"))
    if "failed" in data:
        pytest.exit(data["failed"], returncode=data.get("exit_code") or 3)
    return Outcome(data["document"], data["exit_code"])


def _run(config: pytest.Config) -> Outcome:
    from b24conform.engine import run
    from b24conform.errors import B24ConformError
    from b24conform.options import to_run_options
    from b24conform.report import write_reports

    try:
        outcome = run(to_run_options(lambda name: config.getoption("b24_" + name)))
    except B24ConformError as exc:
        pytest.exit(f"b24conform: {exc}", returncode=exc.exit_code)
    write_reports(outcome.document, config.getoption("b24_report_dir"))
    return outcome


def _write(path: Path, data: dict[str, Any]) -> None:
    from b24conform.report.json import dumps

    partial = path.with_suffix(".part")
    partial.write_text(dumps(data), encoding="utf-8")
    partial.replace(path)


class _locked:
    """An exclusive lock on a file, held across processes (POSIX `flock`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows
            raise pytest.UsageError(
                "b24conform: pytest -n needs POSIX file locks here; run the suites without -n"
            ) from None
        self.handle = open(self.path, "w")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        self.handle.close()  # closing releases the lock


def assert_conforms(outcome: Outcome, method: str, check: str) -> None:
    """Fail with every new deviation of one method and check that is at or above --fail-on."""
    from collections import Counter

    from b24conform.baseline import failing

    if method not in outcome.document["run"]["methods"]:
        pytest.skip(f"{method} is not among --b24-methods")
    fail_on = outcome.document["run"]["fail_on"]
    found = [
        d
        for d in failing(outcome.document, fail_on)
        if d["method"] == method and d["check"] == check
    ]
    if found:
        from b24conform.report.text import describe

        pytest.fail("\n\n".join(describe(d) for d in found), pytrace=False)
    # a check that did not judge every planned case of its method cannot pass (the CLI's exit 4)
    missed = Counter(
        entry.get("reason", "unknown")
        for entry in outcome.document.get("not_checked") or []
        if entry.get("method") == method
    )
    if missed:
        why = ", ".join(f"{reason}: {count}" for reason, count in sorted(missed.items()))
        pytest.fail(
            f"incomplete: {sum(missed.values())} planned cases of {method} were not checked ({why})",
            pytrace=False,
        )
