"""The reference portal's limits, TLS, company determinism and the `portal` subcommand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from b24conform.portal import ReferencePortal
from b24conform.portal.command import parse_rate_limit
from b24conform.portal.company import build_company
from b24conform.portal.ratelimit import LeakyBucket, TimeBudget


def _get(portal, http, method="im.department.get", role="employee", **params):
    return http.post(portal.webhook_url(role) + method, json={"ID": [1], **params}, timeout=5)


# -- rate limit and time budget ---------------------------------------------------------------
def test_leaky_bucket_drains():
    bucket = LeakyBucket(2.0, 3)
    assert [bucket.try_acquire(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.try_acquire(0.5)  # one drained
    assert not bucket.try_acquire(0.5)
    assert bucket.try_acquire(10.0)


def test_rate_limit_over_http_and_batch_counts_once():
    with ReferencePortal(rate_limit=(0.5, 5)) as portal, requests.Session() as http:
        batch = {"cmd": {f"k{i}": "im.revision.get" for i in range(10)}}
        first = http.post(portal.webhook_url("employee") + "batch", json=batch, timeout=5)
        assert first.status_code == 200 and len(first.json()["result"]["result"]) == 10
        statuses = [_get(portal, http).status_code for _ in range(6)]
        assert statuses[:4] == [200] * 4 and statuses[-1] == 503
        refused = _get(portal, http)
        assert refused.json() == {
            "error": "QUERY_LIMIT_EXCEEDED",
            "error_description": "Too many requests",
        }


def test_time_budget_unit():
    budget = TimeBudget(0.003)
    key = ("webhook:x", "m")
    for _ in range(3):
        assert not budget.exhausted(key, 100.0)
        operating, reset_at = budget.spend(key, 100.0, 0.001)
    assert operating == pytest.approx(0.003) and reset_at == 700
    assert budget.exhausted(key, 100.0)
    assert not budget.exhausted(key, 701.0)  # the window moved on


def test_operating_accumulates_and_blocks_per_method():
    with ReferencePortal(operating_limit=0.004) as portal, requests.Session() as http:
        seen = []
        for _ in range(4):
            body = _get(portal, http).json()
            seen.append(body["time"]["operating"])
            assert body["time"]["operating_reset_at"] >= int(body["time"]["start"])
        assert seen == sorted(seen) and seen[-1] == pytest.approx(0.004)
        blocked = _get(portal, http)
        assert blocked.status_code == 429 and blocked.json()["error"] == "OPERATION_TIME_LIMIT"
        assert _get(portal, http, method="im.revision.get").status_code == 200  # other method
        assert _get(portal, http, role="head").status_code == 200  # other webhook


# -- TLS --------------------------------------------------------------------------------------
def test_tls(tmp_path):
    with ReferencePortal(tls=True) as portal:
        assert portal.base_url.startswith("https://127.0.0.1:")
        ca = tmp_path / "ca.pem"
        ca.write_bytes(portal.ca_cert_pem)
        url = portal.webhook_url("employee") + "im.department.get"
        with requests.Session() as http:
            for _ in range(2):  # keep-alive over TLS
                response = http.post(url, json={"ID": [1]}, verify=str(ca), timeout=5)
                assert response.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.post(portal.webhook_url("employee") + "im.revision.get", timeout=5)
    assert ReferencePortal().ca_cert_pem is None


# -- the company ------------------------------------------------------------------------------
def test_same_seed_same_company_other_seed_differs():
    a, b, c = build_company(5, 30), build_company(5, 30), build_company(6, 30)
    assert a == b
    assert list(a.departments) != list(c.departments)
    assert [d.name for d in a.departments.values()] != [d.name for d in c.departments.values()]
    assert len(a.users) != len(c.users) or a.users != c.users
    with pytest.raises(ValueError):
        build_company(0, 2)


@pytest.mark.parametrize(("seed", "size"), [(0, 3), (1, 12), (2, 300)])
def test_company_shape(seed, size):
    company = build_company(seed, size)
    deps = company.departments
    assert len(deps) == size and next(iter(deps)) == 1
    assert list(deps) != list(range(1, size + 1))
    assert max(d.depth for d in deps.values()) >= min(3, size - 1)
    for dep in deps.values():
        assert dep.parent is None or dep.parent in deps
        assert dep.head == 0 or dep.head in dep.members
        assert len(dep.members) >= 2 or (dep.head == 0 and not dep.members)  # empty: no head
    assert len({d.name for d in deps.values()}) == size
    users = company.users.values()
    types = {u.type for u in users}
    assert types == {"user", "bot", "extranet"}
    bot = company.users[company.role_users["bot"]]
    assert bot.fields["bot_data"] and bot.fields["bot"] is True
    if size >= 12:
        assert any(d.head == 0 for d in deps.values())
        regular = [u.fields for u in users if u.type == "user"]
        assert {type(u["phones"]) for u in regular} == {bool, dict}
        sizes = {len(u["phones"]) for u in regular if u["phones"]}
        assert 1 in sizes and sizes <= {1, 2, 3, 4}  # only the non-empty keys, never {}
        assert {u["avatar"] == "" for u in regular} == {True, False}
        assert {u["birthday"] == "" for u in regular} == {True, False}
        assert {u["idle"] is False for u in regular} == {True, False}


# -- the subcommand ---------------------------------------------------------------------------
def _env():
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def test_rate_limit_parsing():
    assert parse_rate_limit("2/s:50") == (2.0, 50)
    assert parse_rate_limit("5/s:250") == (5.0, 250)
    assert parse_rate_limit("off") is None
    with pytest.raises(ValueError):
        parse_rate_limit("fast")


def test_command_serves_and_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, "-m", "b24conform.portal", "--seed", "3", "--fault", "missing_full_name"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        lines = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("Serving"):
                break
        text = "".join(lines)
        assert "missing_full_name" in text
        url = next(w for w in text.split() if "/rest/" in w and w.endswith("/"))
        body = requests.post(url + "im.department.get", json={"ID": [1]}, timeout=5).json()
        assert "full_name" not in body["result"][0]
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=10)
    finally:
        proc.kill() if proc.poll() is None else None
    assert proc.returncode == 0
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args", [["--fault", "nope"], ["--profile", "rev99"], ["--rate-limit", "x"]]
)
def test_command_usage_errors(args):
    done = subprocess.run(
        [sys.executable, "-m", "b24conform.portal", *args],
        capture_output=True,
        text=True,
        timeout=20,
        env=_env(),
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_list_faults():
    done = subprocess.run(
        [sys.executable, "-m", "b24conform.portal", "--list-faults"],
        capture_output=True,
        text=True,
        timeout=20,
        env=_env(),
    )
    assert done.returncode == 0
    assert "missing_full_name" in done.stdout and "expect: im.department.get" in done.stdout
