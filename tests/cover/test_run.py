"""End to end: the whole suite against the reference portal and against the docs' own answers."""

from __future__ import annotations

import pytest

from b24conform.engine import RunOptions, run
from b24conform.targets import TargetOptions
from b24conform.transport import RateLimit
from tests.docs_portal import WEBHOOK, DocsPortal
from tests.settings import EXAMPLES

SLOW = pytest.mark.slow  # a whole run or more: selected by --slow (CI)

STANDARD = RateLimit(2, 50)


def reference_run(rate_limit=STANDARD, **kw):
    """A run of im.department.get against the bundled portal; 20 examples unless told (the
    faults these tests switch on show in any answer: the draws would only cost time)."""
    kw.setdefault("max_examples", EXAMPLES)
    target = {k[7:]: kw.pop(k) for k in list(kw) if k.startswith("portal_")}
    options = TargetOptions(rate_limit=rate_limit, **{f"portal_{k}": v for k, v in target.items()})
    return run(RunOptions(target=options, methods=("im.department.get",), **kw))


def serious(document):
    return [d for d in document["deviations"] if d["severity"] in ("error", "warning")]


@pytest.mark.parametrize(
    "seed, departments",
    [(0, 12), pytest.param(7, 5, marks=SLOW), pytest.param(2024, 40, marks=SLOW)],
)
def test_a_conforming_portal_gives_no_error_and_no_warning(seed, departments):
    outcome = reference_run(portal_seed=seed, portal_departments=departments, seed=seed)
    document = outcome.document
    assert serious(document) == []
    assert outcome.exit_code == 0
    assert document["summary"]["cases"] >= EXAMPLES
    assert document["run"]["throttled"] == 0
    assert document["run"]["requests"] <= 40


@SLOW
def test_same_seed_same_deviation_ids_in_the_same_order():
    first = reference_run(
        portal_faults=("missing_full_name", "color_without_hash"), seed=5
    ).document
    second = reference_run(
        portal_faults=("missing_full_name", "color_without_hash"), seed=5
    ).document
    assert [d["id"] for d in first["deviations"]] == [d["id"] for d in second["deviations"]]
    assert len(first["deviations"]) >= 4


@pytest.fixture(scope="module")
def missing_full_name():
    """One run against a portal leaving out `full_name`, for the tests that only read it."""
    return reference_run(portal_faults=("missing_full_name",))


def test_a_fault_becomes_a_deviation_with_doc_reference_and_reproduction(missing_full_name):
    outcome = missing_full_name
    [deviation] = [d for d in outcome.document["deviations"] if d["kind"] == "missing_field"]
    assert deviation["location"] == "/result/*/full_name"
    assert (
        deviation["doc"]["quote"]
        == "full_name | Full name of the department in the company structure"
    )
    assert deviation["occurrences"] > 10
    assert deviation["reproduce"].startswith("curl ") and "<WEBHOOK_CODE>" in deviation["reproduce"]
    assert outcome.exit_code == 1


@SLOW
def test_docs_rev18_judges_by_the_older_page():
    document = reference_run(docs="rev18").document
    undocumented = {
        d["location"] for d in document["deviations"] if d["kind"] == "undocumented_field"
    }
    assert "/result/*/manager_user_data/email" in undocumented
    assert not [d for d in document["deviations"] if d["severity"] == "error"]
    assert serious(reference_run(docs="rev18", portal_profile="rev18").document) == []
    rev18_portal_current_docs = reference_run(portal_profile="rev18").document
    assert any(d["kind"] == "missing_field" for d in rev18_portal_current_docs["deviations"])


@SLOW
def test_max_examples_scales_the_run():
    assert reference_run(max_examples=20).document["summary"]["cases"] < 100
    assert reference_run(max_examples=400).document["summary"]["cases"] >= 400


@SLOW
def test_unbatched_run_finds_the_same():
    faults = ("missing_full_name", "manager_data_id_mismatch")
    batched = reference_run(portal_faults=faults).document
    direct = reference_run(portal_faults=faults, batch=False, rate_limit=None).document
    assert {d["id"] for d in serious(batched)} == {d["id"] for d in serious(direct)}
    assert batched["run"]["requests"] < direct["run"]["requests"]


# -- a live target over HTTPS: the docs' own answers, served by a FakeTransport --------------------


def live_run(portal_setup=None, **kw):
    kw.setdefault("methods", ("im.department.get",))  # the docs portal serves that page's examples
    kw.setdefault("max_examples", EXAMPLES)
    portal = DocsPortal()
    if portal_setup:
        portal_setup(portal)
    target = TargetOptions(webhook=WEBHOOK, rate_limit=STANDARD, transport=portal.transport)
    outcome = run(RunOptions(target=target, **kw))
    assert portal.transport.closed
    return outcome.document


DATES_OFF = {
    ("warning", "invariant", "/time/date_start"),
    ("warning", "invariant", "/time/date_finish"),
}


def test_the_docs_own_answers_conform_but_for_their_dates():
    """The page's examples print date_start two hours off start: a warning, nothing else."""
    document = live_run()
    assert {(d["severity"], d["kind"], d["location"]) for d in serious(document)} == DATES_OFF
    assert document["run"]["mode"] == "live" and document["run"]["target"] == "acme.bitrix24.com"
    assert document["run"]["revision"]["rest"] == 32


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (
            lambda p: setattr(
                p, "mutate", lambda b, _: [d.pop("full_name") for d in b["result"][:1]]
            ),
            ("missing_field", "/result/*/full_name"),
        ),
        (
            lambda p: setattr(
                p,
                "mutate",
                lambda b, _: [
                    d.update(manager_user_id=str(d["manager_user_id"])) for d in b["result"]
                ],
            ),
            ("type_mismatch", "/result/*/manager_user_id"),
        ),
        (lambda p: setattr(p, "invalid_status", 200), ("status_code", "status")),
    ],
)
def test_a_broken_live_answer_is_caught(break_it, expected):
    document = live_run(break_it)
    found = {(d["kind"], d["location"]) for d in document["deviations"] if d["severity"] == "error"}
    assert expected in found


def test_https_portal_is_trusted_only_when_told(tmp_path):
    from b24conform.errors import TargetUnavailable
    from b24conform.portal import ReferencePortal

    with ReferencePortal(tls=True) as portal:
        webhook = portal.webhook_url("employee")
        assert webhook.startswith("https://")
        with pytest.raises(TargetUnavailable, match=r"issuer .* give its CA with --ca-bundle FILE"):
            run(
                RunOptions(
                    target=TargetOptions(webhook=webhook, rate_limit=None), max_examples=EXAMPLES
                )
            )
        bundle = tmp_path / "ca.pem"
        bundle.write_bytes(portal.ca_cert_pem)
        target = TargetOptions(webhook=webhook, rate_limit=None, ca_bundle=str(bundle))
        document = run(
            RunOptions(target=target, methods=("im.department.get",), max_examples=EXAMPLES)
        ).document
    assert serious(document) == []
    assert document["run"]["mode"] == "live"


def test_docs_coverage_tells_failed_from_not_looked_at(missing_full_name):
    faulty = missing_full_name.document
    status = {(c["category"], c["item"]): c["status"] for c in faulty["coverage"]}
    assert status[("field", "/result/*/full_name")] == "failed"
    assert status[("field", "/result/*/name")] == "passed"
    assert status[("error", "ACCESS_ERROR")] == "passed"  # the bundled portal has an extranet user
    live = {(c["category"], c["item"]): c["status"] for c in live_run()["coverage"]}
    assert live[("error", "ACCESS_ERROR")] == "not_exercised"  # no --extranet-webhook given
    assert live[("field", "/result/*/manager_user_data/phones/inner_phone")] == "passed"
