"""The docs judged by themselves: examples against field tables, revision against revision.

A contradiction inside the documentation is not the portal's fault, so it is reported as a
`docs_inconsistency` of severity info: the reader learns which claim is shaky before blaming the
portal for it. These findings come from the pages alone, so they are the same on every target.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from b24conform.cases import Exchange
from b24conform.checks.registry import METHOD, CheckContext, RunCheck, lifecycle
from b24conform.checks.rules import dates_agree
from b24conform.checks.schema import _describe, schema_findings
from b24conform.deviations import Finding
from b24conform.spec import DocRef, MethodContract, available_revisions, load_spec

OBJECTS = ("department", "user", "phones")


@lifecycle
class DocsExamples(RunCheck):
    name = "docs_examples"
    description = "The documentation's examples agree with its own field tables"
    scope = METHOD

    def after_run(
        self, ctx: CheckContext, method: str
    ) -> Iterator[tuple[Finding, Exchange | None]]:
        for finding in docs_findings(method):
            yield finding, None


def docs_findings(method: str) -> Iterator[Finding]:
    """Each contradiction of the pages once (one schema error can surface through several branches)."""
    seen: set[tuple[str, str]] = set()
    for finding in _docs_findings(method):
        if (finding.location, finding.message) not in seen:
            seen.add((finding.location, finding.message))
            yield finding


def _docs_findings(method: str) -> Iterator[Finding]:
    contracts = []
    for revision in available_revisions():
        spec = load_spec(revision)
        if method in spec.methods:
            contracts.append(spec.method(method))
            yield from example_findings(spec.method(method))
            yield from example_only_fields(spec)
    if len(contracts) > 1:
        current = next((c for c in contracts if c.revision == "current"), contracts[0])
        for older in contracts:
            if older is not current:
                yield from compare_revisions(current, older)


def _example_doc(contract: MethodContract, example: dict[str, Any]) -> DocRef:
    if isinstance(example.get("doc"), dict):
        return DocRef.from_json(example["doc"])
    # The example is the claim: quoted whole (an example is short; its first line alone, "{",
    # would say nothing).
    return DocRef(contract.doc.source, example["section"], example["text"].strip())


def _where(doc: DocRef, pointer: str = "") -> str:
    return f"doc:{doc.source}#{doc.section}{pointer}"


def example_findings(contract: MethodContract) -> Iterator[Finding]:
    for example in contract.examples:
        doc = _example_doc(contract, example)
        try:
            value = json.loads(example["text"])
        except ValueError as exc:
            yield Finding(
                kind="docs_inconsistency",
                location=_where(doc),
                message=f"{contract.revision} page: the {example['name']} example is not valid JSON ({exc})",
                doc=doc,
                expected="valid JSON",
                actual=example["text"][:400],
            )
            continue
        if example["kind"] == "request":
            validator = contract.request_validator()
        elif example["kind"] == "error":
            validator = contract.spec.validator({"$ref": "error.json"}, "error")
        else:
            validator = contract.response_validator()
        for error in validator.iter_errors(value):
            for finding in schema_findings(error, contract.doc):
                if example.get("partial") and not _stated(finding, example):
                    continue
                absent = finding.kind == "missing_field"
                # An example is no answer: "version lag" (which an answer's missing field may be)
                # does not apply; the example simply lacks a field its own page's table lists.
                what = (
                    f"documented field {finding.location.rsplit('/', 1)[-1]!r} is absent"
                    if absent
                    else finding.message
                )
                yield Finding(
                    kind="docs_inconsistency",
                    location=_where(doc, finding.location),
                    message=f"{contract.revision} page: the {example['name']} example contradicts "
                    f"the field table: {what}",
                    doc=finding.doc,
                    expected=finding.expected,
                    # the example lacks the key: "absent" (as below), not null, which it would
                    # print if the key were there with no value
                    actual="absent" if absent else finding.actual,
                )
        if example["kind"] == "error":
            documented = {e["error"] for e in contract.errors}
            if isinstance(value, dict) and value.get("error") not in documented:
                yield Finding(
                    kind="docs_inconsistency",
                    location=_where(doc, "/error"),
                    message=f"{contract.revision} page: the error example's code is not in its table",
                    doc=doc,
                    expected=sorted(documented),
                    actual=value.get("error"),
                )
        timing = value.get("time") if isinstance(value, dict) else None
        if (
            example["kind"] == "response"
            and isinstance(timing, dict)
            and contract.has_rule("time_dates_agree")
        ):
            for finding in dates_agree(contract.rule_doc("time_dates_agree"), timing):
                yield Finding(
                    kind="docs_inconsistency",
                    location=_where(doc, finding.location),
                    message=f"{contract.revision} page: in the {example['name']} example, {finding.message}",
                    doc=finding.doc,
                    expected=finding.expected,
                    actual=finding.actual,
                )
        asked = (example.get("params") or {}).get("USER_DATA") == "Y"
        results = value.get("result") if isinstance(value, dict) else None
        if (
            example["kind"] == "response"
            and isinstance(results, list)
            and contract.has_rule("user_data_only_when_asked")
        ):
            shown = any(isinstance(r, dict) and "manager_user_data" in r for r in results)
            if shown != asked:
                yield Finding(
                    kind="docs_inconsistency",
                    location=_where(doc, "/result/*/manager_user_data"),
                    message=f"{contract.revision} page: the {example['name']} example "
                    f"{'has' if shown else 'lacks'} manager_user_data",
                    doc=contract.rule_doc("user_data_only_when_asked"),
                    expected="present" if asked else "absent",
                    actual="present" if shown else "absent",
                )


def _stated(finding: Finding, example: dict[str, Any]) -> bool:
    """Whether a partial example (a page's example as platform.md describes it, not quoted in
    full) states what the finding is about: only its `absent` keys may count as missing."""
    if finding.kind == "missing_field":
        return finding.location.rsplit("/", 1)[-1] in example.get("absent", ())
    return True


def example_only_fields(spec: Any) -> Iterator[Finding]:
    """Fields the page shows in an example but never describes."""
    for name in OBJECTS:
        schema = spec.documents.get(name)
        for field, sub in (schema or {}).get("properties", {}).items():
            if sub.get("x-documented") == "example":
                doc = DocRef.from_json(sub["x-doc"])
                yield Finding(
                    kind="docs_inconsistency",
                    location=_where(doc, f"/{name}/{field}"),
                    message=f"{spec.revision} page: {field!r} appears in the example of the "
                    f"{name} object but not in its description of keys",
                    doc=doc,
                    expected="described",
                    actual="example only",
                )


def compare_revisions(current: MethodContract, older: MethodContract) -> Iterator[Finding]:
    """Fields the two revisions both document, with different types, or dropped since."""
    for name in OBJECTS:
        new = current.spec.documents.get(name, {}).get("properties", {})
        old = older.spec.documents.get(name, {}).get("properties", {})
        for field in sorted(old):
            old_doc = DocRef.from_json(old[field]["x-doc"])
            if field not in new:
                if new:
                    yield Finding(
                        kind="docs_inconsistency",
                        location=_where(old_doc, f"/{name}/{field}"),
                        message=f"{field!r} of the {name} object is documented in {older.revision} "
                        f"but not in {current.revision}",
                        doc=old_doc,
                        expected=f"documented in {current.revision}",
                        actual="dropped",
                    )
                continue
            before, after = _describe(_strip(old[field])), _describe(_strip(new[field]))
            if before != after:
                yield Finding(
                    kind="docs_inconsistency",
                    location=_where(old_doc, f"/{name}/{field}"),
                    message=f"{name}.{field} is {before} in {older.revision}, {after} in {current.revision}",
                    doc=DocRef.from_json(new[field]["x-doc"]),
                    expected=after,
                    actual=before,
                )


def _strip(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if not re.match(r"^x-", k)}
