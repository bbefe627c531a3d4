"""A case: one request the suite sends, with what the docs lead us to expect of its answer."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from b24conform.spec import DocRef
from b24conform.transport import Call, Response

#: dimension values the method pages do not cover (`dimensions`): more than 50 ids, padded with
#: ids that exist on no department when the company has fewer; the pages give no limit and say
#: nothing of unknown ids (platform.md §8)
DOCS_SILENT_VALUES = frozenset({"over 50"})
CaseKind = Literal["valid", "error", "access", "auth", "unknown_method", "probe"]


@dataclass(frozen=True)
class Expectation:
    """A documented error answer: its HTTP status, code and description, where each is documented."""

    status: int
    error: str
    doc: DocRef
    status_doc: DocRef
    description: str | None = None

    @classmethod
    def from_contract(cls, data: dict[str, Any]) -> Expectation:
        return cls(
            status=data["status"],
            error=data["error"],
            doc=DocRef.from_json(data["doc"]),
            status_doc=DocRef.from_json(data.get("status_doc", data["doc"])),
            description=data.get("description"),
        )


@dataclass(frozen=True)
class Case:
    """One request and its class.

    `kind` says what the docs promise: `valid` (a success), `error`/`access`/`auth`/
    `unknown_method` (a documented error, in `expect`), or `probe` (the docs are silent: the answer
    is observed, not judged, beyond the platform's general claims). `credentials` names whose
    credentials send it: the main ones, another role's, or a deliberately wrong code. `pair` is
    the row of request dimensions a pairwise case stands for (`dimensions`), empty otherwise.
    """

    method: str
    kind: CaseKind
    name: str
    call: Call
    requested_ids: tuple[int, ...] = ()
    user_data: bool = False
    expect: Expectation | None = None
    credentials: str = "main"
    doc: str = "documented"
    pair: tuple[tuple[str, str], ...] = ()

    @property
    def docs_silent(self) -> bool:
        """Whether the docs leave some of this request uncovered: a probe, or a pairwise case whose
        row holds a docs-silent value. A server error or a refusal of it is then a warning."""
        return self.kind == "probe" or any(value in DOCS_SILENT_VALUES for _, value in self.pair)

    def to_json(self) -> dict[str, Any]:
        data = {
            "method": self.method,
            "kind": self.kind,
            "name": self.name,
            "call": self.call.to_json(),
            "credentials": self.credentials,
        }
        if self.requested_ids:
            data["requested_ids"] = list(self.requested_ids)
        if self.user_data:
            data["user_data"] = True
        if self.kind == "probe":
            data["doc"] = self.doc
        if self.pair:
            data["pair"] = dict(self.pair)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], expect: Expectation | None) -> Case:
        """A case of a frozen corpus; its expectation comes from the docs judged now, not then."""
        return cls(
            method=data["method"],
            kind=data["kind"],
            name=data["name"],
            call=Call.from_json(data["call"]),
            requested_ids=tuple(data.get("requested_ids", ())),
            user_data=bool(data.get("user_data")),
            expect=expect,
            credentials=data.get("credentials", "main"),
            doc=data.get("doc", "documented"),
            pair=tuple(data.get("pair", {}).items()),
        )


@dataclass
class Exchange:
    """A case and the answer it got."""

    case: Case
    response: Response
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Walk:
    """A walk along `next` through every page of a list method (`walks.walk_pages`), judged whole
    by the `paging` check at the end of the run."""

    method: str
    limit: int
    exchanges: list[Exchange]
    stopped: str  # "end" (no next), "bound" (too many pages), "stuck" (next did not advance),
    # "failed" (an answer that is no page), "planned" (a budget left the other pages out)
    total: int | None = None


def walk_bound(total: int, limit: int) -> int:
    """The most pages a walk may take: every page of `total`, and two more to see the end."""
    return math.ceil(total / limit) + 2


def probe_outcome(case: Case, response: Response) -> dict[str, Any]:
    """What a probe's answer is observed as: its outcome, and for an `ID` list the counts of ids
    sent, distinct and answered (a portal answering 50 of 60, or dropping unknown, zero,
    negative and duplicate ids without a word, shows as `dropped`)."""
    outcome = response.outcome()
    ids = next((v for k, v in case.call.params.items() if k.upper() == "ID"), None)
    result = outcome.get("result")
    if isinstance(ids, list) and isinstance(result, (list, dict)):
        answered = len(result["keys"]) if isinstance(result, dict) else len(result)
        outcome["ids"] = {
            "sent": len(ids),
            "distinct": len({json.dumps(i) for i in ids}),
            "answered": answered,
            "dropped": len(ids) - answered,
        }
    return outcome
