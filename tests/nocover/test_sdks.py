"""The Python clients integrators use work against the reference portal over TLS.

b24pysdk (the official SDK, requests: always https, trusts REQUESTS_CA_BUNDLE) and fast_bitrix24
(aiohttp: trusts SSL_CERT_FILE) call the four department methods, `batch` and paged lists, and
get their own typed errors for each documented error. A conformance change to the portal that
breaks a real client fails here. A cassette served as a portal answers b24pysdk the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

import pytest
import requests

from b24conform.cassettes.serve import NOT_RECORDED, CassetteService
from b24conform.engine import RunOptions, run
from b24conform.portal import ReferencePortal
from b24conform.portal.server import HttpServer
from b24conform.targets import TargetOptions

b24pysdk = pytest.importorskip("b24pysdk")  # the test extra installs both
fast_bitrix24 = pytest.importorskip("fast_bitrix24")
from aiohttp import connector as aiohttp_connector  # noqa: E402
from b24pysdk import BitrixWebhook, Client, Config  # noqa: E402
from b24pysdk import errors as sdk_errors  # noqa: E402

pytestmark = pytest.mark.slow
METHODS = (
    "im.department.get",
    "im.department.managers.get",
    "im.department.employees.get",
    "im.department.colleagues.list",
)


@contextlib.contextmanager
def trusted(ca_pem: bytes, folder: Path):
    """Both clients trust the portal's throw-away CA, the way a user would tell them to."""
    ca = folder / "ca.pem"
    ca.write_bytes(ca_pem)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REQUESTS_CA_BUNDLE", str(ca))
        patch.setenv("SSL_CERT_FILE", str(ca))
        yield ca


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A TLS portal with more departments than one `department.get` page (50), no rate limit."""
    with (
        ReferencePortal(tls=True, departments=120) as served,
        trusted(served.ca_cert_pem, tmp_path_factory.mktemp("ca")),
    ):
        yield served


def sdk(portal, role="employee") -> Client:
    token = portal.webhook_url(role).split("/rest/", 1)[1].strip("/")
    return Client(BitrixWebhook(domain=f"127.0.0.1:{portal.port}", webhook_token=token))


def direct(portal, method, role="employee", **params):
    """What the portal answers on the wire, for comparison with what a client returns."""
    url = portal.webhook_url(role) + method
    return requests.post(url, json=params, timeout=10).json()


# -- b24pysdk ---------------------------------------------------------------------------------


def test_b24pysdk_calls_the_four_methods(portal):
    client = sdk(portal)
    department = client.im.department
    assert (
        department.get([1, 2, 3], user_data=True).result
        == direct(portal, METHODS[0], ID=[1, 2, 3], USER_DATA="Y")["result"]
    )
    assert department.managers.get([1, 2]).result == direct(portal, METHODS[1], ID=[1, 2])["result"]
    assert department.employees.get([2]).result == direct(portal, METHODS[2], ID=[2])["result"]
    page = department.colleagues.list(limit=5)
    expected = direct(portal, METHODS[3], LIMIT=5)
    assert page.result == expected["result"] and len(page.result) == 5
    assert page.response.total == expected["total"]


def test_b24pysdk_batch_and_paging(portal):
    client = sdk(portal)
    batch = client.call_batch(
        {
            "dept": client.im.department.get([1]),
            "colleagues": client.im.department.colleagues.list(limit=3),
        }
    )
    assert batch.result.result["dept"] == direct(portal, METHODS[0], ID=[1])["result"]
    assert len(batch.result.result["colleagues"]) == 3
    departments = client.department.get().as_list().result
    assert sorted(int(d["ID"]) for d in departments) == sorted(portal.company.departments)


@pytest.mark.parametrize(
    "role, call, error, status",
    [
        ("extranet", lambda c: c.im.department.get([1]), sdk_errors.BitrixAPIAccessError, 403),
        ("bot", lambda c: c.im.department.colleagues.list(), sdk_errors.BitrixAPIAccessError, 403),
        ("employee", lambda c: c.im.department.get([]), sdk_errors.BitrixAPIBadRequest, 400),
    ],
)
def test_b24pysdk_raises_its_typed_error_for_each_documented_error(
    portal, role, call, error, status
):
    with pytest.raises(error) as caught:
        _ = call(sdk(portal, role)).result
    assert caught.value.status_code == status


def test_b24pysdk_wrong_webhook_code_is_unauthorized(portal):
    user = portal.webhook_url("employee").split("/rest/", 1)[1].split("/")[0]
    client = Client(BitrixWebhook(domain=f"127.0.0.1:{portal.port}", webhook_token=f"{user}/wrong"))
    with pytest.raises(sdk_errors.BitrixAPIUnauthorized) as caught:
        _ = client.im.department.get([1]).result
    assert caught.value.status_code == 401


def test_b24pysdk_gets_query_limit_exceeded_after_the_burst(tmp_path):
    with (
        ReferencePortal(tls=True, rate_limit=(2, 50)) as limited,
        trusted(limited.ca_cert_pem, tmp_path),
    ):
        Config().configure(default_max_retries=1)
        try:
            client = sdk(limited)
            with pytest.raises(sdk_errors.BitrixAPIQueryLimitExceeded) as caught:
                for _ in range(60):
                    _ = client.im.department.get([1]).result
        finally:
            Config().configure(default_max_retries=3)
    assert caught.value.status_code == 503


# -- fast_bitrix24 ----------------------------------------------------------------------------


def fast(portal, role="employee"):
    # aiohttp reads SSL_CERT_FILE once, into its default context, when first imported: here long
    # before the portal's CA exists, and fast_bitrix24 takes no context of its own (`ssl: bool`).
    # Trusting the CA in that context is what SSL_CERT_FILE set at start-up does.
    aiohttp_connector._SSL_CONTEXT_VERIFIED.load_verify_locations(os.environ["SSL_CERT_FILE"])
    return fast_bitrix24.Bitrix(portal.webhook_url(role), verbose=False)


def test_fast_bitrix24_call_get_all_and_batch(portal):
    client = fast(portal)
    for method, params in [(METHODS[0], {"ID": [1, 2, 3]}), (METHODS[3], {"LIMIT": 4})]:
        answer = client.call(method, params, raw=True)
        expected = direct(portal, method, **params)
        assert answer["result"] == expected["result"]
        assert answer.get("total") == expected.get("total")
    departments = client.get_all("department.get")
    assert len(departments) == len(portal.company.departments) > 50
    batch = client.call_batch(
        {
            "halt": 0,
            "cmd": {"a": "im.department.employees.get?ID[]=2&ID[]=3", "b": "im.revision.get"},
        }
    )
    assert batch["a"] == direct(portal, METHODS[2], ID=[2, 3])["result"]
    assert batch["b"]["rest"] == direct(portal, "im.revision.get")["result"]["rest"]


def test_fast_bitrix24_sees_the_documented_errors(portal):
    with pytest.raises(fast_bitrix24.server_response.ErrorInServerResponseException) as denied:
        fast(portal, "extranet").call("im.department.get", {"ID": [1]})
    assert "ACCESS_ERROR" in str(denied.value)
    with pytest.raises(fast_bitrix24.server_response.ErrorInServerResponseException) as bad:
        fast(portal).call("im.department.get", {"ID": "3,7"})
    assert "INVALID_FORMAT" in str(bad.value)


def test_fast_bitrix24_stays_under_the_rate_limit(tmp_path):
    with (
        ReferencePortal(tls=True, rate_limit=(2, 50)) as limited,
        trusted(limited.ca_cert_pem, tmp_path),
    ):
        client = fast(limited)
        answers = [client.call(METHODS[0], {"ID": [1]}, raw=True) for _ in range(60)]
    # ten more calls than the burst allows: fast_bitrix24 paces them, the portal refuses none
    assert all(answer["result"][0]["id"] == 1 for answer in answers)


# -- a cassette served as a portal ------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served") / "cassette"
    run(RunOptions(target=TargetOptions(rate_limit=None, record=folder), max_examples=5))
    return folder


def test_b24pysdk_runs_offline_against_a_served_cassette(recording, tmp_path):
    service = CassetteService(recording)
    interactions = json.loads((recording / "cassette.json").read_text())["interactions"]
    # b24pysdk POSTs JSON to `<method>.json`, as the recording's `.json` suffix probe did
    recorded = [
        i
        for i in interactions
        if i["request"]["uri"].rsplit("/", 1)[1] in ("im.department.get", "im.department.get.json")
        and i["request"]["headers"].get("Content-Type") == ["application/json"]
        and i["response"]["status"]["code"] == 200
        and set(json.loads(i["request"]["body"])) == {"ID"}
        and isinstance(json.loads(i["request"]["body"])["ID"], list)
    ]
    params = json.loads(recorded[0]["request"]["body"])
    server = HttpServer(service, "127.0.0.1", 0, tls=True)  # type: ignore[arg-type]
    server.start()
    try:
        with trusted(server.ca_cert_pem, tmp_path):
            token = json.loads((recording / "meta.json").read_text())["endpoint"]
            token = token.split("/rest/", 1)[1].strip("/")
            client = Client(BitrixWebhook(domain=f"127.0.0.1:{server.port}", webhook_token=token))
            answer = client.im.department.get(params["ID"])
            assert answer.result == json.loads(recorded[0]["response"]["body"]["string"])["result"]
            with pytest.raises(sdk_errors.BitrixAPINotFound) as missing:
                _ = client.im.department.get([987654]).result
            assert missing.value.error == NOT_RECORDED
    finally:
        server.stop()


def test_portal_cassette_command_serves_until_stopped(recording, capsys):
    from b24conform.cassettes.serve import serve

    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    assert serve(recording, stop=stop) == 0
    out = capsys.readouterr().out
    assert f"Cassette {recording} served at http://127.0.0.1:" in out
    assert "/rest/" in out and "WEBHOOK_CODE" in out and "Portal stopped." in out
