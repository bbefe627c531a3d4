"""Settings for the project's own tests: Hypothesis profiles, and the schema of every log made.

Wall-clock health checks and deadlines measure the machine, not the code: on a loaded CI runner
(or a fresh clone, where the first `st.text()` draw builds Hypothesis' Unicode tables) they fail
tests that are fine. Both profiles drop them; `ci` (chosen when `CI=true`, as `.ci/run` sets it)
also keeps no example database and prints the blob that reproduces a failure.
`HYPOTHESIS_PROFILE=name` picks one by hand.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    database=None,
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() == "true" else "default")
)


@pytest.fixture(autouse=True)
def every_document_follows_its_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `deviations.json` document a test makes the engine produce is valid by the shipped
    JSON Schema (`b24conform.deviations/1`), whatever the test itself asserts about it."""
    from b24conform import engine
    from b24conform.report.json import validate

    class Checked(engine.Outcome):
        def __init__(self, document: dict, exit_code: int) -> None:
            super().__init__(document, exit_code)
            problem = validate(document)
            assert problem is None, f"deviations.json breaks its JSON Schema: {problem}"

    monkeypatch.setattr(engine, "Outcome", Checked)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (end to end, minutes); CI (.ci/run) runs them",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` tests run only with --slow or when named by -m: a plain `pytest` stays quick."""
    if config.getoption("--slow") or config.getoption("markexpr"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
