"""What the target is, learned before anything is planned: its API revision and its departments.

Nothing about a portal is hard-coded: its department ids (and their depths and heads, which the
pairwise plan needs) come from `department.get`, unless the user or a recording gives them. A
set-up mistake found here (credentials refused, a scope not ticked) stops the run with a one-line
reason and exit 3: it is never judged as a deviation.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from b24conform.dimensions import Company
from b24conform.errors import TargetUnavailable
from b24conform.spec import Spec
from b24conform.transport import Call, Client, Response

DISCOVERY_PAGES = 20
#: The scope of the methods discovery calls (platform.md §6: "`im.revision.get` (scope `im`…)",
#: "`department.get` (scope `department`)"); the department methods name theirs in their contract.
DISCOVERY_SCOPES = {"im.revision.get": "im", "department.get": "department"}
WEBHOOK_SCOPES_AT = "Settings → Developer resources → your inbound webhook → scopes"
REFUSED_CREDENTIALS = ("NO_AUTH_FOUND", "expired_token", "INVALID_CREDENTIALS")


@dataclass(frozen=True)
class Discovery:
    revision: dict[str, Any] | None
    company: Company
    #: how long discovery took: what a request costs on this target, for `--max-time`
    seconds: float


def discover(
    client: Client, spec: Spec, where: str, given_ids: Sequence[int] | None = None
) -> Discovery:
    """The target's API revision (`im.revision.get`) and its departments (`department.get`, page by
    page), or the `given_ids` (`--department-ids`, a recording's) without asking."""
    started = time.monotonic()
    answer = client.call(Call("im.revision.get"))
    require_answer(answer, "im.revision.get", where)
    refuse_missing_scope(answer, "im.revision.get", "main", spec, client)
    body = answer.json
    is_revision = isinstance(body, dict) and isinstance(body.get("result"), dict)
    revision = body["result"] if is_revision else None
    company = Company(tuple(given_ids)) if given_ids else _departments(client, spec, where)
    return Discovery(revision, company, time.monotonic() - started)


def _departments(client: Client, spec: Spec, where: str) -> Company:
    ids: list[int] = []
    parents: dict[int, int] = {}
    headed: set[int] = set()
    start = 0
    for _ in range(DISCOVERY_PAGES):
        page = client.call(Call("department.get", {"start": start} if start else {}))
        require_answer(page, "department.get", where)
        refuse_missing_scope(page, "department.get", "main", spec, client)
        body = page.json
        if not isinstance(body, dict) or not isinstance(body.get("result"), list):
            code = body.get("error") if isinstance(body, dict) else f"HTTP {page.status}"
            raise TargetUnavailable(
                f"cannot list the departments of {where}: department.get "
                f"answered {code}; pass their ids with --department-ids 1,3,7"
            )
        for item in body["result"]:
            try:
                ids.append(int(item["ID"]))
            except (KeyError, TypeError, ValueError):
                continue
            with contextlib.suppress(TypeError, ValueError):
                parents[ids[-1]] = int(item.get("PARENT") or 0)
                if int(item.get("UF_HEAD") or 0) > 0:
                    headed.add(ids[-1])
        if not isinstance(body.get("next"), int) or body["next"] <= start:
            break
        start = body["next"]
    if not ids:
        raise TargetUnavailable(f"{where} has no departments to check")
    return Company(tuple(ids), _depths(parents), frozenset(headed))


def require_answer(response: Response, method: str, where: str) -> None:
    """A discovery call must be answered, and with the credentials accepted: else nothing can be
    checked, and the run stops saying why."""
    if response.not_sent:
        raise TargetUnavailable(
            f"nothing checked: {response.failure} before {method} could be sent "
            "(--max-requests / --max-time)"
        )
    if response.failure:
        raise TargetUnavailable(f"cannot reach {where}: {response.failure}")
    if response.throttled:
        raise TargetUnavailable(f"{where} throttled every attempt to call {method}")
    body = response.json
    if isinstance(body, dict) and body.get("error") in REFUSED_CREDENTIALS:
        raise TargetUnavailable(
            f"{where} refused the credentials: {method} answered {response.status} {body['error']}"
        )


def refuse_missing_scope(
    response: Response, method: str, credentials: str, spec: Spec, client: Client
) -> None:
    """An `insufficient_scope` answer is a set-up mistake, not a deviation: stop and say which
    scope to tick where (exit 3), instead of judging every refused case as an error."""
    body = response.json
    if not (isinstance(body, dict) and body.get("error") == "insufficient_scope"):
        return
    contract = spec.methods.get(method)
    scope = DISCOVERY_SCOPES.get(method) or (contract.raw.get("scope") if contract else None)
    named = f"the {scope!r} scope" if scope else "a scope it needs"
    if credentials != "main":
        who, fix = (
            f"the webhook of denied role {credentials} (--denied-webhook)",
            WEBHOOK_SCOPES_AT,
        )
    elif client.credentials.kind == "oauth":
        who, fix = "the OAuth token", "the application's scopes in Developer resources"
    else:
        who, fix = "the webhook", WEBHOOK_SCOPES_AT
    hint = f"tick {scope or 'it'} in {fix}"
    if method == "department.get":
        hint += ", or give the department ids with --department-ids 1,3,7"
    raise TargetUnavailable(
        f"{who} lacks {named}: {method} answered insufficient_scope; {hint} "
        "(a set-up mistake, not a deviation: nothing was judged)"
    )


def _depths(parents: dict[int, int]) -> dict[int, int]:
    """Levels below the root of each department, from `department.get`'s PARENT (cycles stop)."""
    depths: dict[int, int] = {}
    for start in parents:
        chain, node = [], start
        while node in parents and node not in depths and node not in chain:
            chain.append(node)
            node = parents[node]
        base = depths.get(node, -1) if node in parents else -1
        for offset, item in enumerate(reversed(chain), start=1):
            depths[item] = base + offset
    return depths
