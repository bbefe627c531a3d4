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
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24conform.errors import UsageError
from b24conform.spec.docref import DocRef
from b24conform.spec.validation import SchemaValidator

if TYPE_CHECKING:
    from referencing import Registry

BASE_URI = "https://b24conform.invalid/schemas/{revision}/"
#: how Bitrix names the methods that only read: a contract saying `read_only` of a name ending
#: otherwise is refused, so a slip in a contract file cannot let the client send a write
READ_SUFFIXES = (".get", ".list")


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

    @property
    def read_only(self) -> bool:
        """Whether the page says the method only reads (`read_only`): only such methods are
        ever sent (`transport.client`)."""
        return self.raw.get("read_only") is True

    @property
    def run_order(self) -> int:
        """Its place in a run (`run_order`, platform.md §6's table order); the first method
        carries the once-a-run cases (a wrong webhook code, an unknown method)."""
        return int(self.raw.get("run_order", 1_000))

    def rule_doc(self, rule: str) -> DocRef:
        for item in self.raw.get("rules", []):
            if item["name"] == rule:
                return DocRef.from_json(item["doc"])
        raise KeyError(f"{self.name} ({self.revision}) documents no rule named {rule!r}")

    def has_rule(self, rule: str) -> bool:
        return any(item["name"] == rule for item in self.raw.get("rules", []))

    def response_validator(self) -> SchemaValidator:
        return self._response_validator

    def request_validator(self) -> SchemaValidator:
        return self._request_validator

    @cached_property
    def _response_validator(self) -> SchemaValidator:
        return self.spec.validator(self.response_schema, self.name)

    @cached_property
    def _request_validator(self) -> SchemaValidator:
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
        self._validators: dict[str, SchemaValidator] = {}
        self.methods = {
            name: MethodContract(name=name, revision=revision, raw=doc, spec=self)
            for name, doc in self.documents.items()
            if "method" in doc
        }
        for contract in self.methods.values():
            if contract.read_only and not contract.name.endswith(READ_SUFFIXES):
                raise UsageError(
                    f"contract {contract.name} ({revision}) says read_only, but its name is no "
                    f"read method's (ends in none of {', '.join(READ_SUFFIXES)})"
                )

    @property
    def default_methods(self) -> tuple[str, ...]:
        """The methods a run checks when none are named: every method of this revision, in their
        run order."""
        ordered = sorted(self.methods.values(), key=lambda c: (c.run_order, c.name))
        return tuple(c.name for c in ordered)

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

    def _uri(self, name: str) -> str:
        return self.documents[name].get("$id", self.base_uri + name + ".json")

    @cached_property
    def registry(self) -> Registry:
        """Every schema of this revision for jsonschema, under its `$id`."""
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        return Registry().with_resources(
            (self._uri(name), DRAFT202012.create_resource(doc))
            for name, doc in self.documents.items()
        )

    @cached_property
    def fast_registry(self) -> Any:
        """The same schemas for jsonschema-rs."""
        import jsonschema_rs

        return jsonschema_rs.Registry(
            [(self._uri(name), doc) for name, doc in self.documents.items()]
        )

    def validator(self, schema: dict[str, Any], context: str) -> SchemaValidator:
        """A validator resolving `$ref`s inside this revision, with `format` really checked
        (one per schema and context, kept for the life of the spec)."""
        key = json.dumps([context, schema], sort_keys=True)
        if key not in self._validators:
            self._validators[key] = SchemaValidator(
                schema,
                f"{self.base_uri}{context}",
                lambda: self.registry,
                lambda: self.fast_registry,
            )
        return self._validators[key]


@cache
def read_methods() -> frozenset[str]:
    """Every method a shipped contract (of any revision) says only reads."""
    return frozenset(
        contract.name
        for revision in available_revisions()
        for contract in load_spec(revision).methods.values()
        if contract.read_only
    )


@cache
def load_spec(revision: str = "current") -> Spec:
    known = available_revisions()
    if revision not in known:
        raise UsageError(
            f"unknown docs revision {revision[:40]!a} (known: {', '.join(known) or 'none found'})"
        )
    folder = schemas_root() / revision
    return Spec(revision, folder)
