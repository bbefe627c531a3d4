"""The read-only methods the reference portal implements, written from the docs pages.

Each method takes a ``Call`` and returns a ``Reply`` (or raises ``ApiError``). Parameter names
are case-insensitive (the portal upper-cases them, as the ``im`` module does), so ``id`` and
``ID`` are the same parameter. Where the docs are silent, the choices are:

- ``ID`` must be an array (a JSON array, a form/query array ``ID[]=3`` or ``ID[0]=3``) or a string
  holding a JSON array (``"[3,7]"``). A bare number (``3`` or ``"3"``), ``"3,7"``, an empty array,
  an empty string or no ``ID`` at all is the documented format error (``INVALID_FORMAT`` for
  ``im.department.get``, ``ID_EMPTY`` for the two sibling methods).
- Entries are read like PHP's ``intval``: ``"7"`` is 7, ``"7abc"`` is 7, ``"abc"`` is 0. Ids that
  do not exist (including 0 and negative ones) are skipped silently; duplicates are answered once;
  at most 50 departments are answered (the first 50 known ids asked), as real servers do.
- Results are in company-structure order (depth first, by SORT then id), as real servers answer
  them: not the request order (the docs example answers ``ID=[3,7]`` with 7 then 3).
- ``USER_DATA`` is "yes" only for exactly ``"Y"``; ``y``, ``true``, ``1`` mean ``N``.
- A department without a head has ``manager_user_id`` 0 and, with ``USER_DATA=Y``,
  ``"manager_user_data": null``; ``managers.get`` leaves it out, as ``employees.get`` leaves out
  a department without employees (real servers do; the docs are silent).
- ``colleagues.list``: ``OFFSET`` below 0 or not a number is 0; ``LIMIT`` below 1 or not a number
  is 10; above 50 it is 50. Colleagues are sorted by last name, then id.
- ``department.get``: ``START`` pages by 50; ``ID`` and ``PARENT`` filter; the root has no
  ``PARENT``; a headless department has ``UF_HEAD`` ``"0"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .company import Company, Department, User
from .protocol import JSON_CONTENT_TYPE, ApiError

#: The "Manager User Data Object" fields of the current docs page, in its order.
DOCS_USER_FIELDS = (
    "id",
    "active",
    "name",
    "first_name",
    "last_name",
    "work_position",
    "color",
    "avatar",
    "avatar_hr",
    "gender",
    "birthday",
    "extranet",
    "network",
    "bot",
    "connector",
    "external_auth_id",
    "status",
    "idle",
    "last_activity_date",
    "mobile_last_date",
    "desktop_last_date",
    "absent",
    "departments",
    "phones",
    "bot_data",
    "type",
    "website",
    "email",
)
#: The manager fields the revision-18 page lists.
REV18_USER_FIELDS = (
    "id",
    "name",
    "first_name",
    "last_name",
    "work_position",
    "color",
    "avatar",
    "gender",
    "birthday",
    "extranet",
    "network",
    "bot",
    "connector",
    "external_auth_id",
    "status",
    "idle",
    "last_activity_date",
    "mobile_last_date",
    "absent",
)
PROFILE_USER_FIELDS = {"docs": DOCS_USER_FIELDS, "rev18": REV18_USER_FIELDS}
REVISIONS = {
    "docs": {"rest": 32, "web": 130, "mobile": 22, "desktop": 6, "im_revision_mobile": 22},
    "rev18": {"rest": 18, "web": 117, "mobile": 9, "desktop": 5, "im_revision_mobile": 9},
}
INVALID_FORMAT = (400, "INVALID_FORMAT", "A wrong format for the ID field is passed")
ID_EMPTY = (400, "ID_EMPTY", "Department ID can't be empty")
#: with the period of the docs' JSON example (its table has none: both are the docs' wording)
ACCESS_ERROR = (403, "ACCESS_ERROR", "Only intranet users have access to this method.")
PAGE_SIZE = 50
MAX_DEPARTMENTS = 50


@dataclass
class Caller:
    """Who is calling: the role, the user, the budget key and the scopes of the credential."""

    role: str
    user: User
    key: str
    scopes: frozenset[str]
    webhook: bool


@dataclass
class Call:
    """One method call (direct or one command of a batch), as faults and methods see it."""

    method: str
    params: dict[str, Any]
    transport: str
    json_suffix: bool
    company: Company
    profile: str
    caller: Caller | None = None
    via_webhook: bool = False
    direct: bool = True
    seq: int = 0
    check_access: bool = True
    limit_cap: int = 50


@dataclass
class Reply:
    """A method's answer before the envelope's ``time`` is added."""

    status: int
    body: dict[str, Any]
    content_type: str = JSON_CONTENT_TYPE

    @property
    def ok(self) -> bool:
        return "error" not in self.body

    @property
    def error(self) -> str | None:
        return self.body.get("error")

    @classmethod
    def from_error(cls, exc: ApiError) -> Reply:
        return cls(exc.status, exc.body())


@dataclass(frozen=True)
class MethodSpec:
    """A method: its implementation, the scope it needs, whether only intranet users may call it."""

    run: Callable[[Call], Reply]
    scope: str | None
    intranet_only: bool = False


def user_object(user: User, profile: str) -> dict[str, Any]:
    """The user ("manager") object of the profile's field set; a fresh dict faults may change."""
    fields = user.fields
    out: dict[str, Any] = {}
    for name in PROFILE_USER_FIELDS[profile]:
        value = fields[name]
        if isinstance(value, list):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        out[name] = value
    return out


_LEADING_INT = re.compile(r"\s*[+-]?\d+")


def intval(value: Any) -> int:
    """PHP ``intval``: leading digits of a string, 0 otherwise."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        match = _LEADING_INT.match(value)
        return int(match.group()) if match else 0
    return 0


def parse_ids(value: Any) -> list[int] | None:
    """The ``ID`` parameter as a list of ints, or ``None`` when it is missing, empty or no array."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list) or not value:
        return None
    return [intval(v) if not isinstance(v, (list, dict)) else 0 for v in value]


def wants_user_data(call: Call) -> bool:
    return call.params.get("USER_DATA") == "Y"


def _found(call: Call, ids: list[int]) -> list[Department]:
    """The departments asked for that exist, each once, at most 50, in company-structure order."""
    deps = call.company.departments
    known = list(dict.fromkeys(i for i in ids if i in deps))[:MAX_DEPARTMENTS]
    order = call.company.structure_order
    return [deps[i] for i in sorted(known, key=order.__getitem__)]


def department_object(call: Call, dep: Department, user_data: bool) -> dict[str, Any]:
    """The "Department Object" of the docs page."""
    out: dict[str, Any] = {
        "id": dep.id,
        "name": dep.name,
        "full_name": dep.full_name,
        "manager_user_id": dep.head,
    }
    if user_data:
        head = call.company.users.get(dep.head)
        out["manager_user_data"] = user_object(head, call.profile) if head else None
    return out


def im_department_get(call: Call) -> Reply:
    ids = parse_ids(call.params.get("ID"))
    if not ids:
        raise ApiError(*INVALID_FORMAT)
    user_data = wants_user_data(call)
    result = [department_object(call, dep, user_data) for dep in _found(call, ids)]
    return Reply(200, {"result": result})


def _keyed(call: Call, pick: Callable[[Department], list[int]]) -> Reply:
    ids = parse_ids(call.params.get("ID"))
    if not ids:
        raise ApiError(*ID_EMPTY)
    user_data = wants_user_data(call)
    users = call.company.users
    result: dict[str, Any] = {}
    for dep in _found(call, ids):
        members = pick(dep)
        if not members:
            continue
        if user_data:
            result[str(dep.id)] = [user_object(users[uid], call.profile) for uid in members]
        else:
            result[str(dep.id)] = list(members)
    return Reply(200, {"result": result or []})


def im_department_managers_get(call: Call) -> Reply:
    return _keyed(call, lambda dep: [dep.head] if dep.head else [])


def im_department_employees_get(call: Call) -> Reply:
    return _keyed(call, lambda dep: dep.members)


def im_department_colleagues_list(call: Call) -> Reply:
    assert call.caller is not None
    colleagues = call.company.colleagues(call.caller.user.id)
    offset = max(0, intval(call.params.get("OFFSET", 0)))
    limit = intval(call.params.get("LIMIT", 10))
    if limit < 1:
        limit = 10
    limit = min(limit, call.limit_cap)
    page = colleagues[offset : offset + limit]
    if wants_user_data(call):
        users = call.company.users
        result: list[Any] = [user_object(users[uid], call.profile) for uid in page]
    else:
        result = list(page)
    body: dict[str, Any] = {"result": result}
    if offset + limit < len(colleagues):
        body["next"] = offset + limit
    body["total"] = len(colleagues)
    return Reply(200, body)


def im_revision_get(call: Call) -> Reply:
    return Reply(200, {"result": dict(REVISIONS[call.profile])})


def department_get(call: Call) -> Reply:
    deps = list(call.company.departments.values())
    wanted_id = call.params.get("ID")
    if wanted_id not in (None, ""):
        deps = [d for d in deps if str(d.id) == str(wanted_id)]
    parent = call.params.get("PARENT")
    if parent not in (None, ""):
        deps = [d for d in deps if str(d.parent) == str(parent)]
    start = max(0, intval(call.params.get("START", 0)))
    page = deps[start : start + PAGE_SIZE]
    result = []
    for dep in page:
        item = {"ID": str(dep.id), "NAME": dep.name, "SORT": str(dep.sort)}
        if dep.parent is not None:
            item["PARENT"] = str(dep.parent)
        item["UF_HEAD"] = str(dep.head)
        result.append(item)
    body: dict[str, Any] = {"result": result}
    if start + PAGE_SIZE < len(deps):
        body["next"] = start + PAGE_SIZE
    body["total"] = len(deps)
    return Reply(200, body)


METHODS: dict[str, MethodSpec] = {
    "im.department.get": MethodSpec(im_department_get, "im", intranet_only=True),
    "im.department.managers.get": MethodSpec(im_department_managers_get, "im", True),
    "im.department.employees.get": MethodSpec(im_department_employees_get, "im", True),
    "im.department.colleagues.list": MethodSpec(im_department_colleagues_list, "im", True),
    "im.revision.get": MethodSpec(im_revision_get, "im"),
    "department.get": MethodSpec(department_get, "department"),
}


def run_method(call: Call) -> Reply:
    """Check access and run ``call.method`` (which must be in ``METHODS``)."""
    spec = METHODS[call.method]
    if spec.intranet_only and call.check_access and call.caller and not call.caller.user.intranet:
        raise ApiError(*ACCESS_ERROR)
    return spec.run(call)
