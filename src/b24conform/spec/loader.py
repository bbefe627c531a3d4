"""Load one documented revision: its schemas (with a `referencing` registry) and its contracts.

A revision folder holds object schemas (`department.json`, `user.json`, ...), one contract per
method (`im.department.get.json`: request schema, response schema, documented errors, rules,
probes of what the docs leave open, and the page's own examples) and `platform.json` (system
errors and conventions). Schemas reference each other by relative `$ref` under a fixed base URI,
so validation never touches the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from b24conform.errors import UsageError
from b24conform.spec.docref import DocRef

BASE_URI = "https://b24conform.invalid/schemas/{revision}/"
FORMAT_CHECKER = FormatChecker()


def schemas_root() -> Path:
    """The installed copy of `schemas/` if there is one, else the source tree's."""
    packaged = Path(__file__).resolve().parent.parent / "_data" / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "schemas"


def available_revisions() -> list[str]:
    root = schemas_root()
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


@dataclass(frozen=True)
class MethodContract:
    """What the docs of one method claim, as loaded from its contract file."""

    name: str
    revision: str
    raw: dict[str, Any]
    spec: Spec = field(repr=False, compare=False)

    @property
    def doc(self) -> DocRef:
        return DocRef.from_json(self.raw["doc"])

    @property
    def request_schema(self) -> dict[str, Any]:
        return self.raw["request"]

    @property
    def response_schema(self) -> dict[str, Any]:
        return self.raw["response"]

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.raw.get("errors", [])

    @property
    def access(self) -> dict[str, Any] | None:
        return self.raw.get("access")

    @property
    def probes(self) -> list[dict[str, Any]]:
        return self.raw.get("probes", [])

    @property
    def examples(self) -> list[dict[str, Any]]:
        return self.raw.get("examples", [])

    @property
    def user_data(self) -> dict[str, str] | None:
        return self.raw.get("user_data")

    def rule_doc(self, rule: str) -> DocRef:
        for item in self.raw.get("rules", []):
            if item["name"] == rule:
                return DocRef.from_json(item["doc"])
        raise KeyError(f"{self.name} ({self.revision}) documents no rule named {rule!r}")

    def has_rule(self, rule: str) -> bool:
        return any(item["name"] == rule for item in self.raw.get("rules", []))

    def response_validator(self) -> Draft202012Validator:
        return self.spec.validator(self.response_schema, self.name)

    def request_validator(self) -> Draft202012Validator:
        return self.spec.validator(self.request_schema, self.name)


class Spec:
    """All schemas and contracts of one documented revision."""

    def __init__(self, revision: str, folder: Path) -> None:
        self.revision = revision
        self.folder = folder
        self.base_uri = BASE_URI.format(revision=revision)
        self.documents: dict[str, dict[str, Any]] = {}
        for path in sorted(folder.glob("*.json")):
            try:
                self.documents[path.stem] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UsageError(f"schema {path}: cannot be read ({exc})") from None
        self.registry: Registry = Registry().with_resources(
            (doc.get("$id", self.base_uri + name + ".json"), DRAFT202012.create_resource(doc))
            for name, doc in self.documents.items()
        )
        self.methods = {
            name: MethodContract(name=name, revision=revision, raw=doc, spec=self)
            for name, doc in self.documents.items()
            if "method" in doc
        }

    @property
    def platform(self) -> dict[str, Any]:
        return self.documents["platform"]

    def schema(self, name: str) -> dict[str, Any]:
        return self.documents[name]

    def method(self, name: str) -> MethodContract:
        try:
            return self.methods[name]
        except KeyError:
            known = ", ".join(sorted(self.methods))
            raise UsageError(
                f"method {name!r} is not documented in revision {self.revision!r} (known: {known})"
            ) from None

    def validator(self, schema: dict[str, Any], context: str) -> Draft202012Validator:
        """A validator resolving `$ref`s inside this revision, with `format` really checked."""
        anchored = {"$id": f"{self.base_uri}{context}#inline", **schema}
        resource = Resource.from_contents(anchored, default_specification=DRAFT202012)
        registry = self.registry.with_resource(anchored["$id"], resource)
        return Draft202012Validator(anchored, registry=registry, format_checker=FORMAT_CHECKER)


@cache
def load_spec(revision: str = "current") -> Spec:
    known = available_revisions()
    if revision not in known:
        raise UsageError(
            f"unknown docs revision {revision[:40]!a} (known: {', '.join(known) or 'none found'})"
        )
    folder = schemas_root() / revision
    return Spec(revision, folder)
