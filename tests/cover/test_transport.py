"""The client: credentials and redaction, encodings, the leaky bucket, retries, the read-only guard."""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests
import responses

from b24conform.errors import UsageError
from b24conform.transport import (
    Budget,
    Call,
    Client,
    FakeTransport,
    RateLimit,
    ReadOnlyViolation,
    RequestsTransport,
    Response,
    canonical_params,
    encode_query,
    parse_oauth,
    parse_webhook,
    respond,
)
from b24conform.transport.client import RetryPolicy, curl_line
from b24conform.transport.encoding import canonical_text, decode_query
from b24conform.transport.ratelimit import LeakyBucket

SECRET = "s3cr3tw3bh00kc0de"
WEBHOOK = f"https://acme.bitrix24.com/rest/7/{SECRET}/"
METHOD_URL = f"https://acme.bitrix24.com/rest/7/{SECRET}/im.department.get"
SUCCESS = {"result": [], "time": {"start": 1.0, "finish": 1.5, "duration": 0.5}}


def client(transport=None, **kw) -> Client:
    kw.setdefault("rate_limit", None)
    kw.setdefault("sleep", lambda s: None)
    return Client(parse_webhook(WEBHOOK), transport or always(respond(SUCCESS)), **kw)


def always(response) -> FakeTransport:
    """A portal that gives every request the same answer (a fresh copy each time)."""
    return FakeTransport(lambda request: dataclasses.replace(response))


# -- credentials ----------------------------------------------------------------------------


def test_webhook_url_is_split_and_the_code_never_printed():
    credentials = parse_webhook(WEBHOOK)
    assert credentials.user_id == "7"
    assert credentials.method_url("im.department.get") == METHOD_URL
    assert SECRET not in repr(credentials)
    assert SECRET not in repr(client())
    assert credentials.public_target == "acme.bitrix24.com"
    assert credentials.redact(f"failed {METHOD_URL}") == (
        "failed https://acme.bitrix24.com/rest/7/<WEBHOOK_CODE>/im.department.get"
    )


@pytest.mark.parametrize(
    "url",
    [
        "acme.bitrix24.com/rest/1/abc/",
        "https://acme.bitrix24.com/rest/abc/",
        "ftp://x/rest/1/a/",
        "https://",
    ],
)
def test_malformed_webhook_urls_are_one_line_usage_errors(url):
    with pytest.raises(UsageError) as error:
        parse_webhook(url)
    assert "\n" not in str(error.value)


def test_a_malformed_url_error_does_not_echo_the_code():
    with pytest.raises(UsageError) as error:
        parse_webhook(f"https://acme.bitrix24.com/rest/{SECRET}/")
    assert SECRET not in str(error.value)


def test_plain_http_is_refused_except_on_loopback_or_when_allowed():
    with pytest.raises(UsageError, match="unencrypted"):
        parse_webhook("http://acme.bitrix24.com/rest/1/abc/")
    assert parse_webhook("http://127.0.0.1:8080/rest/1/abc/").scheme == "http"
    assert parse_webhook("http://localhost/rest/1/abc/").scheme == "http"
    assert parse_webhook("http://intranet.local/rest/1/abc/", allow_insecure=True).scheme == "http"


def test_oauth_token_travels_as_auth_and_is_redacted():
    credentials = parse_oauth("https://acme.bitrix24.com", "tok3n")
    assert (
        credentials.method_url("im.revision.get")
        == "https://acme.bitrix24.com/rest/im.revision.get"
    )
    assert credentials.auth_params() == {"auth": "tok3n"}
    line = curl_line(credentials, Call("im.department.get", {"ID": [3]}))
    assert "tok3n" not in line and "<ACCESS_TOKEN>" in line


# -- encodings ------------------------------------------------------------------------------


def test_arrays_travel_php_style_as_the_docs_show():
    assert encode_query({"ID": [3, 7], "USER_DATA": "Y"}) == "ID[]=3&ID[]=7&USER_DATA=Y"
    assert decode_query("ID%5B%5D=3&ID%5B%5D=7") == {"ID": ["3", "7"]}


def test_every_encoding_of_the_same_parameters_is_one_canonical_value():
    as_json = canonical_text({"ID": [3, 7], "USER_DATA": "Y"})
    assert canonical_text(decode_query("ID[]=3&ID[]=7&USER_DATA=Y")) == as_json
    assert canonical_text(decode_query("USER_DATA=Y&ID[0]=3&ID[1]=7")) == as_json
    assert canonical_params({"ID": "[3,7]"}) != canonical_params({"ID": [3, 7]})


# -- the leaky bucket -----------------------------------------------------------------------


class FakeClock:
    """A clock that moves only when the bucket sleeps (or a test moves it)."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_lets_a_burst_through_then_paces_at_the_drain_rate():
    clock = FakeClock()
    bucket = LeakyBucket(RateLimit(2, 10), margin=0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        assert bucket.acquire() == 0
    for _ in range(20):
        bucket.acquire()
    assert clock.now == pytest.approx(10.0)  # 20 more requests at 2/s


def test_rate_limit_parses_plans_and_refuses_nonsense():
    assert RateLimit.parse("2/s:50") == RateLimit(2, 50)
    assert RateLimit.parse("off") is None
    for bad in ("2:50", "0/s:5", "fast"):
        with pytest.raises(UsageError):
            RateLimit.parse(bad)


# -- retries and failures -------------------------------------------------------------------


def test_query_limit_exceeded_is_retried_with_backoff_and_never_surfaces():
    throttled = {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}
    answers = iter([respond(throttled, 503), respond(throttled, 503, headers={"Retry-After": "3"})])
    transport = FakeTransport(lambda request: next(answers, respond(SUCCESS)))
    sleeps = []
    c = client(transport, sleep=sleeps.append)
    answer = c.call(Call("im.department.get", {"ID": [1]}))
    assert answer.status == 200 and answer.answered
    assert sleeps == [0.5, 3.0]
    assert c.stats.throttled == 2 and c.stats.requests == 3 == len(transport.requests)


def test_a_call_throttled_past_its_budget_is_marked_throttled_not_failed():
    transport = always(respond({"error": "QUERY_LIMIT_EXCEEDED", "error_description": ""}, 503))
    answer = client(transport, retry=RetryPolicy(attempts=3)).call(
        Call("im.department.get", {"ID": [1]})
    )
    assert answer.throttled and not answer.answered
    assert len(transport.requests) == 3


def test_operation_time_limit_stops_calls_to_that_method():
    transport = always(respond({"error": "OPERATION_TIME_LIMIT", "error_description": ""}, 429))
    c = client(transport)
    assert c.call(Call("im.department.get", {"ID": [1]})).throttled
    assert c.call(Call("im.department.get", {"ID": [2]})).throttled
    assert len(transport.requests) == 1


@responses.activate
def test_network_errors_become_failures_without_the_secret():
    responses.post(METHOD_URL, body=requests.ConnectionError(f"reset by peer at {METHOD_URL}"))
    answer = client(RequestsTransport()).call(Call("im.department.get", {"ID": [1]}))
    assert answer.failure == "connection reset" and SECRET not in answer.failure
    assert not answer.answered


@pytest.mark.parametrize(
    "failure, attempts",
    [
        ("connection reset", 2),  # a glitch on the way: once more, after a pause
        ("truncated answer", 2),
        ("timeout", 1),
        ("connection refused", 1),  # a wrong URL: said at once
        ("host not found", 1),
        ("TLS: the portal's certificate has expired", 1),  # a set-up to fix: at once
    ],
)
def test_a_failure_is_tried_again_only_when_it_may_pass(failure, attempts):
    transport = FakeTransport(lambda request: Response(status=None, failure=failure))
    paused = []
    answer = client(transport, sleep=paused.append).call(Call("im.department.get", {"ID": [1]}))
    assert answer.failure == failure and not answer.answered
    assert len(transport.requests) == attempts
    assert len(paused) == attempts - 1


@responses.activate
def test_the_requests_transport_sends_each_encoding_as_the_portal_reads_it():
    responses.post(METHOD_URL, json=SUCCESS)
    responses.get(METHOD_URL, json=SUCCESS)
    c = client(RequestsTransport())
    for transport in ("json", "form", "query"):
        answer = c.call(Call("im.department.get", {"ID": [3, 7]}, transport))
        assert answer.status == 200 and answer.json == SUCCESS
    sent = [call.request for call in responses.calls]
    assert [r.method for r in sent] == ["POST", "POST", "GET"]
    assert json.loads(sent[0].body) == {"ID": [3, 7]}
    assert decode_query(sent[1].body.decode()) == {"ID": ["3", "7"]}
    assert sent[2].url.endswith("im.department.get?ID%5B%5D=3&ID%5B%5D=7")


def test_an_html_error_page_is_an_answer_for_the_checks_not_an_exception():
    transport = always(respond(raw=b"<html>502 Bad Gateway</html>", status=502))
    answer = client(transport).call(Call("im.department.get", {"ID": [1]}))
    assert answer.status == 502 and not answer.is_json and answer.answered


def test_request_budget_is_never_exceeded():
    transport = always(respond(SUCCESS))
    c = client(transport, budget=Budget(max_requests=2))
    answers = [c.call(Call("im.department.get", {"ID": [i]})) for i in range(5)]
    assert len(transport.requests) == 2
    assert [a.failure for a in answers[2:]] == ["request budget used up"] * 3
    assert all(a.not_sent for a in answers[2:])


def test_the_budget_is_shared_by_every_role_of_a_run():
    transport = always(respond(SUCCESS))
    main = client(transport, budget=Budget(max_requests=2))
    other = main.with_credentials(parse_webhook(WEBHOOK.replace("/7/", "/9/")))
    main.call(Call("im.department.get", {"ID": [1]}))
    other.call(Call("im.department.get", {"ID": [1]}))
    assert other.call(Call("im.department.get", {"ID": [1]})).not_sent
    assert main.call(Call("im.department.get", {"ID": [1]})).not_sent
    assert len(transport.requests) == 2


def test_the_time_limit_stops_sending():
    transport = always(respond(SUCCESS))
    answer = client(transport, budget=Budget.for_run(None, 0)).call(Call("im.revision.get"))
    assert answer.failure == "run time limit reached" and answer.not_sent
    assert transport.requests == []


# -- the read-only guard --------------------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["user.update", "im.message.add", "department.delete", "im.department.get.x"]
)
def test_write_methods_are_refused_before_any_byte_is_sent(method):
    transport = always(respond(SUCCESS))
    c = client(transport)
    with pytest.raises(ReadOnlyViolation):
        c.call(Call(method, {"ID": 1}))
    with pytest.raises(ReadOnlyViolation):
        c.batch([Call("im.department.get", {"ID": [1]}), Call(method, {})])
    assert transport.requests == []


# -- batch ----------------------------------------------------------------------------------


def test_batch_packs_50_commands_a_request_and_splits_the_answers():
    def answer(request):
        assert request.rest_method == "batch"
        commands = request.params()["cmd"]
        assert len(commands) <= 50
        for command in commands.values():
            assert command.startswith("im.department.get?ID[]=")
        keys = list(commands)
        return respond(
            {
                "result": {
                    "result": {k: [{"id": 1}] for k in keys[1:]},
                    "result_error": {
                        keys[0]: {"error": "INVALID_FORMAT", "error_description": "x"}
                    },
                    "result_total": [],
                    "result_next": [],
                    "result_time": {k: {"start": 1, "finish": 2, "duration": 1} for k in keys},
                },
                "time": {},
            }
        )

    calls = [Call("im.department.get", {"ID": [i]}) for i in range(1, 76)]
    answers, raw = client(FakeTransport(answer)).batch(calls)
    assert len(raw) == 2 and len(answers) == 75
    assert answers[0].json["error"] == "INVALID_FORMAT"
    assert answers[1].json == {
        "result": [{"id": 1}],
        "time": {"start": 1, "finish": 2, "duration": 1},
    }
    assert all(a.via_batch and a.status is None for a in answers)


def test_reproduction_line_has_a_placeholder_not_the_code():
    line = curl_line(parse_webhook(WEBHOOK), Call("im.department.get", {"ID": [3, 7]}, "form"))
    assert SECRET not in line
    assert "<WEBHOOK_CODE>" in line and "ID[]=3&ID[]=7" in line


def test_the_read_methods_are_the_platforms_and_those_the_contracts_say_only_read():
    from b24conform.spec import load_spec

    transport = always(respond(SUCCESS))
    c = client(transport)
    allowed = [*load_spec("current").methods, "im.revision.get", "department.get"]
    for method in allowed:
        c.call(Call(method, {}))
    assert len(transport.requests) == len(allowed)
    with pytest.raises(ReadOnlyViolation, match=r"im\.department\.colleagues\.list"):
        c.call(Call("im.department.colleagues.add", {}))
