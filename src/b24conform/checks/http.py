"""Checks of the platform's general claims on every answer: status, content type, JSON, envelope.

These hold for every method (platform.md §2 and §3), so they run on every exchange, probes of
docs-silent input included: a silent doc does not excuse a 500 or an HTML page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from b24conform.cases import Exchange, Expectation
from b24conform.checks.guards import (
    has_answer,
    is_error,
    is_success,
    json_answer,
    requires,
    with_status,
)
from b24conform.checks.registry import METHOD, PLATFORM, CheckContext, check, silent_severity
from b24conform.deviations import Finding
from b24conform.spec import DocRef

#: Error codes that say the server failed (platform.md §3), whatever the HTTP status.
SERVER_ERROR_CODES = ("INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER")


def platform_doc(ctx: CheckContext, key: str) -> DocRef:
    return DocRef.from_json(ctx.spec.platform[key]["doc"])


def system_error(ctx: CheckContext, code: str) -> Expectation:
    entry = ctx.spec.platform["system_errors"][code]
    doc = DocRef.from_json(entry["doc"])
    return Expectation(status=entry["status"], error=code, doc=doc, status_doc=doc)


@check("answered", "Every call gets an answer within the time limit", scope=PLATFORM)
def answered(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    response = exchange.response
    if response.failure is None or response.throttled or response.via_batch or response.not_sent:
        return
    yield Finding(
        kind="server_error",
        location="status",
        message=f"no answer: {response.failure}",
        doc=platform_doc(ctx, "success_status"),
        expected="an HTTP answer",
        actual=response.failure,
        severity=silent_severity(exchange.case),
    )


@check("status_code", "The HTTP status is the documented one for the case", scope=PLATFORM)
@requires(has_answer)
def status_code(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    case, response = exchange.case, exchange.response
    status = response.status
    if case.kind in ("valid", "probe"):
        failed = _server_failure(exchange)
        if failed is not None:
            where, actual = failed
            known = ctx.spec.platform["system_errors"].get(actual)
            yield Finding(
                kind="server_error",
                location=where,
                message=f"the portal failed with {actual}"
                + (" on input the docs do not cover" if case.docs_silent else ""),
                doc=DocRef.from_json(known["doc"])
                if known
                else platform_doc(ctx, "success_status"),
                expected="a documented answer",
                actual=actual,
                severity=silent_severity(case),
            )
            return
    if case.kind == "valid":
        body = response.json
        if is_error(exchange) and (status is None or 400 <= status < 500):
            if response.via_batch and body.get("error") == "":
                return  # no code to judge: the envelope check warns about it
            yield Finding(
                kind="rejected_valid_input",
                location="status",
                message=f"a documented valid request was refused with {body.get('error')}",
                doc=ctx.contract(case.method).doc
                if ctx.documents(case.method)
                else platform_doc(ctx, "success_status"),
                expected=200,
                actual={"status": status, "error": body.get("error")},
                severity=silent_severity(case),
            )
        elif status is not None and status != 200:
            yield Finding(
                kind="status_code",
                location="status",
                message=f"a valid request got HTTP {status}, not 200",
                doc=platform_doc(ctx, "success_status"),
                expected=200,
                actual=status,
            )
        return
    if case.kind == "probe":
        return
    expect = case.expect
    if expect is None:
        return
    if is_success(exchange) and case.kind == "error":
        yield Finding(
            kind="accepted_invalid_input",
            location="status",
            message=f"expected {expect.status} {expect.error}, got a success",
            doc=expect.doc,
            expected={"status": expect.status, "error": expect.error},
            actual={"status": status, "result": "…"},
        )
    elif status is not None and status != expect.status:
        yield Finding(
            kind="status_code",
            location="status",
            message=f"{expect.error} should come with HTTP {expect.status}, came with {status}",
            doc=expect.status_doc,
            expected=expect.status,
            actual=status,
        )


def _server_failure(exchange: Exchange) -> tuple[str, Any] | None:
    """(location, what failed) when the answer is a server error: an HTTP 5xx, or the code
    INTERNAL_SERVER_ERROR / ERROR_UNEXPECTED_ANSWER, in a direct call or a batch command."""
    status = exchange.response.status
    if status is not None and status >= 500:
        return "status", f"HTTP {status}"
    if is_error(exchange) and exchange.response.json.get("error") in SERVER_ERROR_CODES:
        return "/error", exchange.response.json["error"]
    return None


@check("content_type", "Answers are served as application/json", scope=PLATFORM)
@requires(with_status)
def content_type(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    response = exchange.response
    value = response.header("Content-Type") or ""
    if value.split(";")[0].strip().lower() != "application/json":
        yield Finding(
            kind="content_type",
            location="header:Content-Type",
            message=f"Content-Type is {value or 'missing'}, not application/json",
            doc=platform_doc(ctx, "content_type"),
            expected="application/json; charset=utf-8",
            actual=value or None,
            severity=silent_severity(exchange.case),
        )


@check("json_body", "The body is JSON", scope=PLATFORM)
@requires(with_status)
def json_body(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    response = exchange.response
    if response.is_json:
        return
    preview = response.body[:200].decode("utf-8", "replace")
    yield Finding(
        kind="not_json",
        location="body",
        message="the body is not JSON" + (" (empty)" if not response.body else ""),
        doc=platform_doc(
            ctx, "error_body" if (response.status or 200) >= 400 else "success_status"
        ),
        expected="a JSON object",
        actual=preview,
        severity=silent_severity(exchange.case),
    )


@check(
    "envelope",
    "A success is {result, time}; an error is {error, error_description}",
    scope=PLATFORM,
)
@requires(json_answer)
def envelope(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    response = exchange.response
    body = response.json
    if not isinstance(body, dict) or ("result" not in body and "error" not in body):
        yield Finding(
            kind="envelope",
            location="body",
            message="the answer is neither {result, time} nor {error, error_description}",
            doc=platform_doc(ctx, "success_status"),
            expected={"result": "…", "time": "…"},
            actual=sorted(body) if isinstance(body, dict) else type(body).__name__,
        )
        return
    if "error" not in body:
        return
    if response.via_batch and body.get("error") == "":
        yield Finding(
            kind="envelope",
            location="/error",
            message="a batch command failed with an empty error code: a client cannot tell why",
            doc=_doc_of(ctx.spec.schema("error")["properties"]["error"], ctx),
            expected="an error code of digits, Latin letters and _",
            actual=body,
            severity="warning",
        )
        return
    validator = ctx.spec.validator({"$ref": "error.json"}, "error")
    for error in validator.iter_errors(body):
        if error.validator == "pattern":
            yield Finding(
                kind="format_mismatch",
                location="/error",
                message=f"error code {body['error']!r} is not digits, Latin letters and _",
                doc=_doc_of(error.schema, ctx),
                expected=error.validator_value,
                actual=body["error"],
            )
        else:
            yield Finding(
                kind="envelope",
                location="body",
                message=f"malformed error body: {error.message}",
                doc=platform_doc(ctx, "error_body"),
                expected={"error": "CODE", "error_description": "text"},
                actual={k: body[k] for k in list(body)[:4]},
            )


def _doc_of(schema: dict, ctx: CheckContext) -> DocRef:
    data = schema.get("x-doc")
    return DocRef.from_json(data) if data else platform_doc(ctx, "error_body")


@check("error_code", "A documented error case answers with its documented code", scope=METHOD)
@requires(has_answer)
def error_code(ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
    expect = exchange.case.expect
    if expect is None or not is_error(exchange):
        return
    actual = exchange.response.json.get("error")
    if actual != expect.error:
        yield Finding(
            kind="error_code",
            location="/error",
            message=f"expected error {expect.error}, got {actual}",
            doc=expect.doc,
            expected=expect.error,
            actual=actual,
        )
        return
    wording = exchange.response.json.get("error_description")
    if (
        expect.description
        and isinstance(wording, str)
        and not same_wording(wording, expect.description)
    ):
        yield Finding(
            kind="error_code",
            location="/error_description",
            message=f"{actual}: the description is worded {wording!r}, the docs say "
            f"{expect.description!r} (descriptions are not meant for end users)",
            doc=expect.doc,
            expected=expect.description,
            actual=wording,
            severity="info",
        )


def same_wording(actual: str, documented: str) -> bool:
    """Equal but for trailing punctuation and spacing: the docs' own table and JSON example
    differ so for ACCESS_ERROR, and real portals end some descriptions with a period."""
    return _wording(actual) == _wording(documented)


def _wording(text: str) -> str:
    return " ".join(text.split()).rstrip(".!?;:… ")
