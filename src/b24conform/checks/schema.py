"""The response schema check: every documented field, with its documented type and format.

jsonschema's errors are turned into findings of the DESIGN's kinds: a `required` failure is a
missing field (one finding per field, at the pointer it should have had), an
`additionalProperties` failure an undocumented field (a warning: the docs may just be behind), a
`format`/`pattern` failure a format mismatch, anything else a type mismatch. Each finding cites
the `x-doc` of the schema that states the claim.

An object schema may name an older documented revision (`x-version-lag`): a field it documents
that the older page's object lacks, missing from an answer, is version lag (a warning naming the
older revision; the finding's doc reference names the current page), since a portal may still serve the older object; a field both pages document stays an
error. Judged by the older revision (`--docs rev18`), its own page alone decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from b24conform.cases import Exchange
from b24conform.checks.guards import documented, requires, success
from b24conform.checks.registry import METHOD, CheckContext, RunCheck, lifecycle, pointer
from b24conform.deviations import Finding
from b24conform.spec import DocRef, load_spec

if TYPE_CHECKING:
    from jsonschema import ValidationError

FORMAT_VALIDATORS = {"format", "pattern"}


def _doc(schema: Any, fallback: DocRef) -> DocRef:
    if isinstance(schema, dict) and isinstance(schema.get("x-doc"), dict):
        return DocRef.from_json(schema["x-doc"])
    return fallback


def _describe(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    if "anyOf" in schema:
        return " or ".join(str(_describe(s)) for s in schema["anyOf"])
    if "pattern" in schema:
        return f"string matching {schema['pattern']}"
    for key in ("const", "type", "format", "$ref"):
        if key in schema:
            if key == "type" and "format" in schema:
                return f"{schema['type']} ({schema['format']})"
            return schema[key] if key != "const" else repr(schema[key]).lower()
    return "see schema"


def schema_findings(error: ValidationError, fallback: DocRef) -> Iterator[Finding]:
    """The findings one jsonschema error stands for."""
    path = list(error.absolute_path)
    where = pointer(path)
    validator = error.validator
    instance = error.instance
    if validator == "required" and isinstance(instance, dict):
        properties = error.schema.get("properties", {})
        older = _older_page(error.schema)
        for name in error.validator_value:
            if name in instance:
                continue
            doc = _doc(properties.get(name), _doc(error.schema, fallback))
            lag = older is not None and name not in older[1]
            yield Finding(
                kind="missing_field",
                location=f"{where}/{name}",
                message=(
                    f"version lag: {name!r} is documented by the current page but not by the "
                    f"{older[0]} page, and the answer lacks it"
                    if lag and older
                    else f"documented field {name!r} is absent"
                ),
                doc=doc,
                expected=_describe(properties.get(name)),
                actual=None,
                severity="warning" if lag else None,
            )
        return
    if validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
        instance, dict
    ):
        known = set(error.schema.get("properties", {}))
        for name in sorted(set(instance) - known):
            yield Finding(
                kind="undocumented_field",
                location=f"{where}/{name}",
                message=f"field {name!r} is not in the documentation",
                doc=_doc(error.schema, fallback),
                expected=None,
                actual=instance[name],
            )
        return
    if validator in ("anyOf", "oneOf"):
        branch = _matching_branch(error)
        if branch is not None:
            for sub in branch:
                yield from schema_findings(sub, _doc(error.schema, fallback))
            return
    if validator in FORMAT_VALIDATORS or (
        validator in ("anyOf", "oneOf")
        and any(sub.validator in FORMAT_VALIDATORS for sub in error.context or [])
    ):
        kind = "format_mismatch"
    else:
        kind = "type_mismatch"
    yield Finding(
        kind=kind,
        location=where,
        message=_mismatch(error),
        doc=_doc(error.schema, fallback),
        expected=_describe(error.schema),
        actual=instance,
    )


_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _named(path: list[Any]) -> str:
    """The value a path leads to, named as a reader says it ('active', an item of 'departments')."""
    if not path:
        return "the body"
    if isinstance(path[-1], int):
        parent = next((p for p in reversed(path) if isinstance(p, str)), None)
        return f"an item of {parent!r}" if parent else "an item"
    return repr(str(path[-1]))


def _mismatch(error: ValidationError) -> str:
    """What is wrong with a value, in JSON's words (null, not Python's None; "a", not 'a').

    A value that is there but null is said to be null: "absent" is kept for a field that is not
    there at all (a missing field). The location is not repeated: it is the finding's own member.
    """
    value = error.instance
    name = _named(list(error.absolute_path))
    shown = json.dumps(value, ensure_ascii=False, default=str)
    if len(shown) > 120:
        shown = shown[:117] + "..."
    expected = _describe(error.schema)
    if value is None:
        return f"{name} is null where the docs say {expected}"
    if error.validator == "format":
        return f"{name} is {shown}, not a valid {error.validator_value}"
    if error.validator == "pattern":
        return f"{name} is {shown}, which does not match {error.validator_value}"
    if error.validator in ("type", "anyOf", "oneOf"):
        kind = _JSON_TYPES.get(type(value), "a number")
        return f"{name} is {kind} ({shown}) where the docs say {expected}"
    return f"{name}: {error.message[:200]}"


def _older_page(schema: dict[str, Any]) -> tuple[str, set[str], str] | None:
    """(revision, the fields its page requires, its page) of the object's `x-version-lag`."""
    lag = schema.get("x-version-lag")
    if not isinstance(lag, dict):
        return None
    name = str(schema.get("$id", "")).rsplit("/", 1)[-1].removesuffix(".json")
    older = load_spec(lag["revision"]).schema(name)
    source = older.get("x-doc", {}).get("source", lag["revision"])
    return lag["revision"], set(older.get("required", [])), source


def _matching_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the one `anyOf` branch whose type the value has, if there is exactly one.

    `phones` is `false` or an object: an object missing `inner_phone` is better reported as that
    missing field than as "not false and not a valid object".
    """
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    typed = [
        errors
        for errors in branches.values()
        if not any(e.validator in ("type", "const") and not e.relative_path for e in errors)
    ]
    return typed[0] if len(typed) == 1 else None


def _headless(body: dict[str, Any]) -> set[int]:
    """Indices of departments without a head: what their `manager_user_data` is, the docs leave open."""
    result = body.get("result")
    if not isinstance(result, list):
        return set()
    return {
        i
        for i, item in enumerate(result)
        if isinstance(item, dict)
        and not item.get("manager_user_id")
        and item.get("manager_user_data") is None
    }


@lifecycle
class ResponseSchema(RunCheck):
    name = "response_schema"
    description = "Every documented field is present with its documented type and format"
    scope = METHOD

    def __init__(self) -> None:
        #: methods whose headless department was observed already (once a method)
        self.headless_observed: set[str] = set()

    @requires(success, documented)
    def judge(self, ctx: CheckContext, exchange: Exchange) -> Iterator[Finding]:
        return response_schema(ctx, exchange, self.headless_observed)


def response_schema(
    ctx: CheckContext, exchange: Exchange, headless_observed: set[str]
) -> Iterator[Finding]:
    response = exchange.response
    contract = ctx.contract(exchange.case.method)
    body = response.json
    # only im.department.get has departments whose head may be unset (contract `user_data`)
    headless = _headless(body) if contract.user_data else set()
    if headless and exchange.case.user_data and contract.name not in headless_observed:
        headless_observed.add(contract.name)
        ctx.observe(
            "headless_department",
            contract.name,
            exchange.case.call.to_json(),
            {
                "manager_user_data": [
                    body["result"][i].get("manager_user_data", "absent") for i in sorted(headless)
                ][:1]
            },
            "silent",
        )
    validator = contract.response_validator()
    ctx.see_fields(contract, body)
    for error in validator.iter_errors(body):
        path = list(error.absolute_path)
        if (
            len(path) >= 3
            and path[0] == "result"
            and path[1] in headless
            and path[2] == "manager_user_data"
        ):
            continue
        if (
            response.via_batch
            and error.validator == "required"
            and path == []
            and "time" not in body
        ):
            continue  # batch returns each command's time in result_time; its absence is batch's matter
        yield from schema_findings(error, contract.doc)
