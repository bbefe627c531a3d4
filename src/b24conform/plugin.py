"""The pytest plugin: the same suite as `b24conform run`, inside a team's own pytest run.

Options are the command line's with a `--b24-` prefix (`--b24-webhook`, `--b24-cassette`, ...).
The suite runs once per session (the `b24_outcome` fixture); each test of `suites/` then asserts
one (method, check) pair, so pytest's own report and JUnit XML list every check by name.
"""

from __future__ import annotations

import os

import pytest

from b24conform.baseline import failing
from b24conform.checks import applicable_checks
from b24conform.engine import Outcome, run
from b24conform.errors import B24ConformError
from b24conform.options import OPTIONS, apply_settings, dest, parser_kwargs, to_run_options
from b24conform.spec import load_spec


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("b24conform", "b24conform: Bitrix24 REST conformance suite")
    for _, flag, kwargs in OPTIONS:
        group.addoption("--b24-" + flag[2:], dest="b24_" + dest(flag), **parser_kwargs(kwargs))


def _resolved(config: pytest.Config) -> pytest.Config:
    """The options with the environment, the configuration file and the defaults applied (once)."""
    if not getattr(config, "_b24_resolved", False):
        try:
            apply_settings(config.option, prefix="b24_")
        except B24ConformError as exc:
            raise pytest.UsageError(f"b24conform: {exc}") from None
        config._b24_resolved = True  # type: ignore[attr-defined]
    return config


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per check that judges the suite module's METHOD under the chosen docs revision."""
    if "b24_check" in metafunc.fixturenames:
        method = getattr(metafunc.module, "METHOD", None)
        try:
            spec = load_spec(_resolved(metafunc.config).getoption("b24_docs"))
        except B24ConformError as exc:
            raise pytest.UsageError(f"b24conform: {exc}") from None
        names = sorted(applicable_checks(spec, method)) if method in spec.methods else []
        metafunc.parametrize("b24_check", names, ids=str)


@pytest.fixture(scope="session")
def b24_outcome(request: pytest.FixtureRequest) -> Outcome:
    """Run the suite once against the target the `--b24-*` options name; write the reports."""
    config = _resolved(request.config)
    try:
        options = to_run_options(lambda name: config.getoption("b24_" + name))
        outcome = run(options)
    except B24ConformError as exc:
        pytest.exit(f"b24conform: {exc}", returncode=exc.exit_code)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if worker == "gw0":
        from b24conform.report import write_reports

        write_reports(outcome.document, config.getoption("b24_report_dir"))
    return outcome


def assert_conforms(outcome: Outcome, method: str, check: str) -> None:
    """Fail with every new deviation of one method and check that is at or above --fail-on."""
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
