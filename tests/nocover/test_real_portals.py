"""End to end: a portal that answers as real servers do, within the docs, passes; the real
deviations of real servers are each reported with the right kind, location and severity.

The reference portal's conforming profile sends what platform.md §8 marks allowed (phone
subsets, integer `start`, `time` without the operating keys, error bodies without `time`,
trailing periods, departments without head or employees, structure order): a default run of the
four methods must give zero errors and zero warnings, whatever the company.
"""

from __future__ import annotations

import json

import pytest

from b24conform.engine import DEFAULT_METHODS, RunOptions, Session, run
from b24conform.planner import PlanOptions, plan_run
from b24conform.portal import ReferencePortal
from b24conform.spec import load_spec
from b24conform.targets import TargetOptions, open_target
from b24conform.transport import RateLimit

pytestmark = pytest.mark.slow

GET = "im.department.get"
COLLEAGUES = "im.department.colleagues.list"
FAST = RateLimit(5, 250)


def reference(faults=(), methods=None, seed=0, departments=12, max_examples=30):
    options = TargetOptions(
        rate_limit=FAST,
        portal_faults=tuple(faults),
        portal_seed=seed,
        portal_departments=departments,
    )
    extra = {"methods": methods} if methods else {}
    return run(RunOptions(target=options, max_examples=max_examples, seed=seed, **extra))


def serious(document):
    return [
        (d["method"], d["kind"], d["location"], d["message"])
        for d in document["deviations"]
        if d["severity"] in ("error", "warning")
    ]


@pytest.mark.parametrize("seed, departments", [(1, 5), (7, 37), (523, 120)])
def test_a_portal_answering_as_real_servers_do_within_the_docs_passes(seed, departments):
    outcome = reference(seed=seed, departments=departments)
    document = outcome.document
    assert serious(document) == []
    assert outcome.exit_code == 0
    assert document["run"]["throttled"] == 0
    probes = {o["probe"] for o in document["observations"]}
    # the docs-silent behaviours are observed, with counts of the ids dropped
    assert {"unknown_ids", "duplicate_ids", "more_than_50_ids", "limit_zero"} <= probes
    dropped = [o for o in document["observations"] if o["probe"] == "duplicate_ids"]
    assert all(o["outcome"]["ids"]["dropped"] == 1 for o in dropped)


def severities(document, method, kind, location):
    return {
        d["severity"]
        for d in document["deviations"]
        if (d["method"], d["kind"], d["location"]) == (method, kind, location)
    }


@pytest.mark.parametrize(
    "fault, location, severity",
    [
        ("unexpected_answer_direct", "status", "error"),  # a direct call
        ("batch_entry_internal_error", "/error", "error"),  # a batch entry
        ("unknown_ids_internal_error", "/error", "warning"),  # input the docs do not cover
    ],
)
def test_a_server_error_anywhere_is_reported(fault, location, severity):
    document = reference([fault], methods=(GET,)).document
    assert severities(document, GET, "server_error", location) == {severity}
    assert not [d for d in document["deviations"] if d["kind"] == "rejected_valid_input"]


def test_a_500_on_unknown_ids_is_a_warning_and_still_observed():
    outcome = reference(["unknown_ids_internal_error"], methods=(GET,))
    document = outcome.document
    # the unknown-ids probes, and the pairs' more-than-50 row padded with unknown ids
    deviations = [d for d in document["deviations"] if d["kind"] == "server_error"]
    assert deviations and {d["severity"] for d in deviations} == {"warning"}
    assert {
        o["outcome"].get("error") for o in document["observations"] if o["probe"] == "unknown_ids"
    } == {"INTERNAL_SERVER_ERROR"}
    assert outcome.exit_code == 0  # a warning does not fail the default gate


@pytest.mark.parametrize(
    "fault, severity",
    [("colleagues_limit_zero_loops", "warning"), ("colleagues_next_repeats_offset", "error")],
)
def test_a_next_that_does_not_advance_is_weighed_by_the_limit_asked(fault, severity):
    document = reference([fault], methods=(COLLEAGUES,)).document
    found = [d for d in document["deviations"] if d["check"] == "next_advances"]
    assert [(d["location"], d["severity"]) for d in found] == [("/next", severity)]


def test_the_headless_department_with_the_callers_profile_says_so():
    document = reference(["headless_manager_is_caller"], methods=(GET,), max_examples=200).document
    [deviation] = [d for d in document["deviations"] if d["check"] == "manager_id"]
    assert (deviation["kind"], deviation["location"], deviation["severity"]) == (
        "invariant",
        "/result/*/manager_user_data",
        "error",
    )
    assert "the caller's own profile" in deviation["message"]


# -- denied roles -------------------------------------------------------------------------------


def test_each_denied_role_gets_every_method_and_its_findings_name_its_user_id():
    with ReferencePortal(faults=["extranet_not_denied"]) as portal:
        extranet, bot = portal.webhook_url("extranet"), portal.webhook_url("bot")
        options = RunOptions(
            target=TargetOptions(
                webhook=portal.webhook_url("employee"),
                denied_webhooks=(extranet, bot),
                rate_limit=FAST,
            ),
            max_examples=5,
        )
        with open_target(options.target) as target:
            session = Session(load_spec("current"), target, options)
            session.discover()
            spec = load_spec("current")
            plan = plan_run(
                spec,
                [spec.method(method) for method in DEFAULT_METHODS],
                session.company,
                target.roles,
                PlanOptions(options.max_examples, options.seed, options.batch),
                session.context,
            )
        sent = {(c.method, c.credentials) for c in plan.direct if c.kind == "access"}
        document = run(options).document
        users = portal.company.role_users
    roles = {f"user-{users['extranet']}", f"user-{users['bot']}"}
    assert sent == {(method, role) for method in DEFAULT_METHODS for role in roles}
    denied = [d for d in document["deviations"] if d.get("roles")]
    assert {d["method"] for d in denied} == set(DEFAULT_METHODS)  # the extranet user passed
    for deviation in denied:
        assert deviation["roles"] == [f"user-{users['extranet']}"]  # the bot was refused
        assert deviation["message"].startswith(f"as user-{users['extranet']}: ")
    text = json.dumps(document)
    for url in (extranet, bot):
        assert url.rstrip("/").rsplit("/", 1)[-1] not in text  # never the webhook's code
