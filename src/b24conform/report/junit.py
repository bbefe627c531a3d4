"""JUnit XML: one <testsuite> per method, one <testcase> per check that ran.

A testcase fails when its check has deviations that are new against the baseline and at or above
`run.fail_on`; known ones and those below the threshold are listed in its <system-out>, so a CI
page shows everything without failing on it. Every case that was not checked (a budget, the time
limit, throttling, Ctrl-C) is a skipped testcase with its reason: a partial run never reads as a
clean pass.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from b24conform.deviations import blocks
from b24conform.report.json import fail_on, ordered
from b24conform.report.text import describe, plural, where

# Characters XML 1.0 cannot carry at all (not even escaped): replaced by U+FFFD.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: Any) -> str:
    return _ILLEGAL_XML.sub("\ufffd", str(text))


def _case_key(item: dict[str, Any]) -> tuple[str, str]:
    return str(item.get("method", "")), str(item.get("check", ""))


def _unchecked_name(entry: dict[str, Any]) -> str:
    request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    params = json.dumps(request.get("params", {}), ensure_ascii=False, sort_keys=True, default=str)
    return f"not checked: {params} [{request.get('transport', '?')}]"


def render_junit(document: dict[str, Any]) -> str:
    """The document as JUnit XML text."""
    threshold = fail_on(document)
    run = document.get("run") or {}
    by_case: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for dev in ordered(document.get("deviations") or []):
        by_case.setdefault(_case_key(dev), []).append(dev)

    cases: dict[tuple[str, str], dict[str, Any]] = {}
    for check in document.get("checks") or []:
        cases.setdefault(_case_key(check), check)
    for key in by_case:  # a deviation whose check is not listed still gets a testcase
        cases.setdefault(key, {"method": key[0], "check": key[1], "status": "failed"})

    not_checked: dict[str, list[dict[str, Any]]] = {}
    for entry in document.get("not_checked") or []:
        if isinstance(entry, dict):
            not_checked.setdefault(str(entry.get("method", "")), []).append(entry)

    methods: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for (method, check), info in cases.items():
        methods.setdefault(method, []).append((check, info))
    for method in not_checked:
        methods.setdefault(method, [])

    root = ET.Element("testsuites", name="b24conform")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for method in sorted(methods):
        suite = ET.SubElement(root, "testsuite", name=_clean(method))
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("target", run.get("target")),
            ("mode", run.get("mode")),
            ("docs", run.get("docs")),
            ("seed", run.get("seed")),
            ("fail_on", threshold),
        ):
            if value is not None:
                ET.SubElement(props, "property", name=name, value=_clean(value))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for check, info in sorted(methods[method], key=lambda x: x[0]):
            counts["tests"] += 1
            case = ET.SubElement(
                suite, "testcase", classname=_clean(method), name=_clean(check), time="0"
            )
            if info.get("cases") is not None:
                case.set("assertions", _clean(info["cases"]))
            devs = by_case.get((method, check), [])
            failing = [d for d in devs if blocks(d, threshold)]
            others = [d for d in devs if not blocks(d, threshold)]
            if failing:
                counts["failures"] += 1
                kinds = sorted({str(d.get("kind")) for d in failing})
                first = failing[0]
                message = (
                    f"{plural(len(failing), 'new deviation')} at or above {threshold}: "
                    f"{first.get('kind')} at {where(first.get('location'))}: {first.get('message')}"
                )
                failure = ET.SubElement(
                    case, "failure", message=_clean(message), type=_clean(",".join(kinds))
                )
                failure.text = _clean("\n\n".join(describe(d) for d in failing))
            elif info.get("status") == "not_run" and not devs:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message="check not run")
            if others:
                out = ET.SubElement(case, "system-out")
                out.text = _clean(
                    "Not failing (known in the baseline or below --fail-on "
                    f"{threshold}):\n\n" + "\n\n".join(describe(d) for d in others)
                )
        for entry in not_checked.get(method, []):
            counts["tests"] += 1
            counts["skipped"] += 1
            case = ET.SubElement(
                suite, "testcase", classname=_clean(method), name=_clean(_unchecked_name(entry))
            )
            case.set("time", "0")
            reason = str(entry.get("reason", "unknown"))
            ET.SubElement(case, "skipped", message=_clean(f"not checked: {reason}"))
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    if run.get("duration") is not None:
        root.set("time", _clean(run["duration"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
