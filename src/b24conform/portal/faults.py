"""The fault catalogue: named deviations from the docs, each breaking exactly one claim.

A ``Fault`` says which documented claim it breaks (``description``) and what the suite must report
when it is on (``expect``: ``(method, kind, location)`` triples, ``kind`` from DESIGN.md,
``location`` per docs/internals.md). Method ``"*"`` in ``expect`` means "whatever method name the
probe used" (only for the unknown-method fault, whose probe calls a method that does not exist).

A fault acts at one or more stages of the pipeline, in this order:

``prepare(call)``
    before the method runs: may rewrite ``call.params`` or relax ``call.check_access`` /
    ``call.limit_cap``. Runs for direct calls and for every batch command.
``reply(call, reply)``
    after the method (or its error), before the envelope: may change the result, the error, the
    status. Runs in batch too, so a changed result shows in ``batch`` as well.
``envelope(call, reply)``
    after the ``time`` object is added; direct calls only.
``wire(call, wire)``
    the bytes, status, Content-Type and connection of a direct call (transport faults).

Transport faults hit a deterministic fraction of the calls (every k-th call of the method on the
portal, counted from the start), so a run still completes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .methods import (
    INVALID_FORMAT,
    Call,
    Reply,
    intval,
    parse_ids,
    user_object,
    wants_user_data,
)
from .protocol import ApiError

GET = "im.department.get"
MANAGERS = "im.department.managers.get"
EMPLOYEES = "im.department.employees.get"
COLLEAGUES = "im.department.colleagues.list"
ENCODED = ("form", "query", "multipart", "batch")  # batch commands are query-string encoded


@dataclass
class Wire:
    """What goes on the wire for a direct call; transport faults may change any of it."""

    status: int
    content_type: str
    body: bytes
    reset: bool = False
    delay: float = 0.0


Hook = Callable[[Call, Reply], None]


@dataclass(frozen=True)
class Fault:
    """A named deviation: which claim it breaks, what the suite must report, and how it acts."""

    name: str
    description: str
    expect: tuple[tuple[str, str, str], ...]
    prepare: Callable[[Call], None] | None = field(default=None, compare=False, repr=False)
    reply: Hook | None = field(default=None, compare=False, repr=False)
    envelope: Hook | None = field(default=None, compare=False, repr=False)
    wire: Callable[[Call, Wire], None] | None = field(default=None, compare=False, repr=False)


# -- helpers ----------------------------------------------------------------------------------
def _departments(call: Call, reply: Reply) -> Iterator[dict[str, Any]]:
    """The department objects of a successful ``im.department.get`` answer."""
    if call.method == GET and reply.ok and isinstance(reply.body.get("result"), list):
        for item in reply.body["result"]:
            if isinstance(item, dict):
                yield item


def _managers(call: Call, reply: Reply) -> Iterator[dict[str, Any]]:
    """The ``manager_user_data`` objects of a successful ``im.department.get`` answer."""
    for dep in _departments(call, reply):
        data = dep.get("manager_user_data")
        if isinstance(data, dict):
            yield data


def _on_departments(change: Callable[[dict[str, Any]], None]) -> Hook:
    def hook(call: Call, reply: Reply) -> None:
        for dep in _departments(call, reply):
            change(dep)

    return hook


def _on_managers(change: Callable[[dict[str, Any]], None]) -> Hook:
    def hook(call: Call, reply: Reply) -> None:
        for data in _managers(call, reply):
            change(data)

    return hook


def _rename(obj: dict[str, Any], old: str, new: str) -> None:
    if old in obj:
        items = [(new if k == old else k, v) for k, v in obj.items()]
        obj.clear()
        obj.update(items)


def _set(obj: dict[str, Any], key: str, convert: Callable[[Any], Any]) -> None:
    if key in obj:
        obj[key] = convert(obj[key])


def _on_error(method: str, code: str, change: Callable[[Reply], None]) -> Hook:
    def hook(call: Call, reply: Reply) -> None:
        if call.method == method and reply.error == code:
            change(reply)

    return hook


def _error(code: str, description: str) -> Callable[[Reply], None]:
    def change(reply: Reply) -> None:
        reply.body = {"error": code, "error_description": description}

    return change


def _status(status: int) -> Callable[[Reply], None]:
    def change(reply: Reply) -> None:
        reply.status = status

    return change


def _every(k: int) -> Callable[[Call], bool]:
    return lambda call: call.method == GET and call.seq % k == 0


# -- im.department.get: fields ------------------------------------------------------------------
def _birthday_iso(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 5:
        return f"1990-{value[3:]}-{value[:2]}"
    return value


def _avatar_path(value: Any) -> Any:
    if isinstance(value, str) and "://" in value:
        return value.split("://", 1)[1].split("/", 1)[1]
    return value


def _without_user_data(call: Call, reply: Reply) -> None:
    if wants_user_data(call):
        return
    users = call.company.users
    for dep in _departments(call, reply):
        head = users.get(dep.get("manager_user_id", 0))
        dep["manager_user_data"] = user_object(head, call.profile) if head else None


def _extra_department(call: Call, reply: Reply) -> None:
    if call.method != GET or not reply.ok:
        return
    asked = set(parse_ids(call.params.get("ID")) or ())
    for dep in call.company.departments.values():
        if dep.id not in asked:
            reply.body["result"].append(
                {
                    "id": dep.id,
                    "name": dep.name,
                    "full_name": dep.full_name,
                    "manager_user_id": dep.head,
                }
            )
            if wants_user_data(call):
                head = call.company.users.get(dep.head)
                reply.body["result"][-1]["manager_user_data"] = (
                    user_object(head, call.profile) if head else None
                )
            return


def _duplicate(call: Call, reply: Reply) -> None:
    deps = list(_departments(call, reply))
    if deps:
        reply.body["result"].append(dict(deps[0]))


def _many_ids_without_name(call: Call, reply: Reply) -> None:
    if len(parse_ids(call.params.get("ID")) or ()) >= 4:
        for dep in _departments(call, reply):
            dep.pop("name", None)


def _deep_manager_string(call: Call, reply: Reply) -> None:
    deps = call.company.departments
    for dep in _departments(call, reply):
        node = deps.get(dep.get("id"))  # type: ignore[arg-type]
        if node is not None and node.depth >= 3:
            dep["manager_user_id"] = str(dep["manager_user_id"])


def _encoded_full_name_null(call: Call, reply: Reply) -> None:
    if call.transport in ENCODED:
        for dep in _departments(call, reply):
            dep["full_name"] = None


def _phones(change: Callable[[dict[str, Any]], None]) -> Hook:
    def hook(call: Call, reply: Reply) -> None:
        for data in _managers(call, reply):
            if isinstance(data.get("phones"), dict):
                change(data["phones"])

    return hook


def _headless_caller(call: Call, reply: Reply) -> None:
    if not wants_user_data(call) or call.caller is None:
        return
    for dep in _departments(call, reply):
        if dep.get("manager_user_id") == 0:
            dep["manager_user_data"] = user_object(call.caller.user, call.profile)


def _deleted_head(call: Call, reply: Reply) -> None:
    deps = call.company.departments
    for dep in _departments(call, reply):
        node = deps.get(dep.get("id"))  # type: ignore[arg-type]
        if node is not None and node.depth >= 2 and dep.get("manager_user_data") is not None:
            dep["manager_user_data"] = None


# -- server errors ------------------------------------------------------------------------------
def _internal_error(reply: Reply) -> None:
    reply.status = 500
    reply.body = {
        "error": "INTERNAL_SERVER_ERROR",
        "error_description": "An internal server error has occurred, please contact the server "
        "administrator or Bitrix24 technical support",
    }


def _unknown_ids_fail(call: Call, reply: Reply) -> None:
    ids = parse_ids(call.params.get("ID")) or ()
    if call.method == GET and any(i not in call.company.departments for i in ids):
        _internal_error(reply)


def _batch_entries_fail(call: Call, reply: Reply) -> None:
    if call.method == GET and not call.direct and reply.ok and call.seq % 7 == 0:
        _internal_error(reply)


def _direct_unexpected_answer(call: Call, reply: Reply) -> None:
    if call.method == GET and call.direct and reply.ok and call.seq % 2 == 0:
        reply.status = 500
        reply.body = {
            "error": "ERROR_UNEXPECTED_ANSWER",
            "error_description": "Server returned an unexpected response.",
        }


def _empty_error_code(call: Call, reply: Reply) -> None:
    if call.method == GET and not call.direct and not reply.ok:
        reply.body = {"error": "", "error_description": reply.body.get("error_description", "")}


# -- paging -------------------------------------------------------------------------------------
def _limit_zero_loops(call: Call, reply: Reply) -> None:
    limit = call.params.get("LIMIT")
    if call.method == COLLEAGUES and reply.ok and limit is not None and intval(limit) == 0:
        offset = intval(call.params.get("OFFSET", 0))
        reply.body = {"result": [], "next": offset, "total": reply.body.get("total", 0)}


def _next_repeats_offset(call: Call, reply: Reply) -> None:
    if call.method == COLLEAGUES and reply.ok and "next" in reply.body:
        reply.body["next"] = max(0, intval(call.params.get("OFFSET", 0)))


# -- parameters and errors --------------------------------------------------------------------
def _refuse_json_string(call: Call) -> None:
    if call.method == GET and isinstance(call.params.get("ID"), str):
        raise ApiError(*INVALID_FORMAT)


def _ignore_encoded_array(call: Call) -> None:
    if call.method == GET and call.transport in ENCODED and isinstance(call.params.get("ID"), list):
        del call.params["ID"]


def _accept_empty(call: Call, reply: Reply) -> None:
    empty = call.params.get("ID") in (None, "", [], {})
    if call.method == GET and reply.error == "INVALID_FORMAT" and empty:
        reply.status = 200
        reply.body = {"result": []}


def _drop_description(reply: Reply) -> None:
    reply.body.pop("error_description", None)


# -- envelope -----------------------------------------------------------------------------------
def _on_time(method: str, change: Callable[[dict[str, Any]], None]) -> Hook:
    def hook(call: Call, reply: Reply) -> None:
        if call.method == method and isinstance(reply.body.get("time"), dict):
            change(reply.body["time"])

    return hook


def _dates_hours_off(time: dict[str, Any]) -> None:
    """Keep the printed offset, move the wall-clock time: the instant is two hours later."""
    for key in ("date_start", "date_finish"):
        moment = datetime.fromisoformat(time[key])
        time[key] = (moment + timedelta(hours=2)).isoformat()


def _finish_before_start(time: dict[str, Any]) -> None:
    time["finish"] = time["start"] - 0.25
    time["duration"] = time["finish"] - time["start"]


def _duration_off(time: dict[str, Any]) -> None:
    time["duration"] = time["finish"] - time["start"] + 1.5


def _suffix_without_time(call: Call, reply: Reply) -> None:
    if call.method == GET and call.json_suffix:
        reply.body.pop("time", None)


def _html_content_type(call: Call, wire: Wire) -> None:
    if call.method == GET and wire.status == 200:
        wire.content_type = "text/html; charset=utf-8"


# -- sibling methods ----------------------------------------------------------------------------
def _employees_without_email(call: Call, reply: Reply) -> None:
    result = reply.body.get("result")
    if call.method == EMPLOYEES and reply.ok and isinstance(result, dict):
        for users in result.values():
            for user in users:
                if isinstance(user, dict):
                    user.pop("email", None)


def _next_on_last_page(call: Call, reply: Reply) -> None:
    if call.method == COLLEAGUES and reply.ok and "next" not in reply.body:
        body = reply.body
        offset = body.get("total", 0)
        reply.body = {"result": body["result"], "next": offset, "total": body.get("total", 0)}


def _uncapped(call: Call) -> None:
    if call.method == COLLEAGUES:
        call.limit_cap = 10**6


def _managers_disagree(call: Call, reply: Reply) -> None:
    result = reply.body.get("result")
    if call.method != MANAGERS or not reply.ok or not isinstance(result, dict):
        return
    for key, heads in result.items():
        dep = call.company.departments.get(int(key))
        if not heads or dep is None:
            continue
        others = [uid for uid in dep.members if uid != dep.head]
        if not others:
            continue
        if isinstance(heads[0], dict):
            result[key] = [user_object(call.company.users[others[0]], call.profile)]
        else:
            result[key] = [others[0]]


def _extranet_allowed(call: Call) -> None:
    if call.caller is not None and call.caller.role == "extranet":
        call.check_access = False


def _wrong_code_403(call: Call, reply: Reply) -> None:
    if reply.error == "NO_AUTH_FOUND" and call.via_webhook:
        reply.status = 403


# -- transport ------------------------------------------------------------------------------------
_BAD_GATEWAY = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def _bad_gateway(call: Call, wire: Wire) -> None:
    if _every(5)(call):
        wire.status, wire.content_type, wire.body = 502, "text/html", _BAD_GATEWAY


def _truncate(call: Call, wire: Wire) -> None:
    if _every(4)(call) and wire.status == 200:
        wire.body = wire.body[: max(1, len(wire.body) // 2)]


def _reset(call: Call, wire: Wire) -> None:
    if _every(6)(call):
        wire.reset = True


def _slow(call: Call, wire: Wire) -> None:
    if _every(10)(call):
        wire.delay = 2.5


# -- the catalogue ----------------------------------------------------------------------------
D = "/result/*"
M = "/result/*/manager_user_data"

_FAULTS = (
    Fault(
        "missing_full_name",
        "im.department.get omits full_name, which the Department Object table lists",
        ((GET, "missing_field", f"{D}/full_name"),),
        reply=_on_departments(lambda d: d.pop("full_name", None)),
    ),
    Fault(
        "renamed_manager_user_id",
        "im.department.get answers manager_id instead of the documented manager_user_id",
        (
            (GET, "missing_field", f"{D}/manager_user_id"),
            (GET, "undocumented_field", f"{D}/manager_id"),
        ),
        reply=_on_departments(lambda d: _rename(d, "manager_user_id", "manager_id")),
    ),
    Fault(
        "department_id_string",
        'department id is a string ("7"), the docs example shows a number',
        ((GET, "type_mismatch", f"{D}/id"),),
        reply=_on_departments(lambda d: _set(d, "id", str)),
    ),
    Fault(
        "color_without_hash",
        "manager color is not in hex format (no leading #)",
        ((GET, "format_mismatch", f"{M}/color"),),
        reply=_on_managers(lambda u: _set(u, "color", lambda c: str(c).lstrip("#"))),
    ),
    Fault(
        "birthday_iso",
        "manager birthday is YYYY-MM-DD instead of the documented DD-MM",
        ((GET, "format_mismatch", f"{M}/birthday"),),
        reply=_on_managers(lambda u: _set(u, "birthday", _birthday_iso)),
    ),
    Fault(
        "last_activity_without_offset",
        "manager last_activity_date lacks the ATOM offset (2025-11-06T16:59:28)",
        ((GET, "format_mismatch", f"{M}/last_activity_date"),),
        reply=_on_managers(lambda u: _set(u, "last_activity_date", lambda v: str(v)[:19])),
    ),
    Fault(
        "avatar_not_url",
        "manager avatar is a bare path, not the documented link",
        ((GET, "format_mismatch", f"{M}/avatar"),),
        reply=_on_managers(lambda u: _set(u, "avatar", _avatar_path)),
    ),
    Fault(
        "manager_missing_email",
        "manager_user_data omits email, which the Manager User Data Object table lists",
        ((GET, "missing_field", f"{M}/email"),),
        reply=_on_managers(lambda u: u.pop("email", None)),
    ),
    Fault(
        "manager_active_string",
        'manager active is "Y"/"N" instead of a boolean',
        ((GET, "type_mismatch", f"{M}/active"),),
        reply=_on_managers(lambda u: _set(u, "active", lambda v: "Y" if v else "N")),
    ),
    Fault(
        "manager_departments_strings",
        "manager departments holds strings instead of department ids (numbers)",
        ((GET, "type_mismatch", f"{M}/departments/*"),),
        reply=_on_managers(lambda u: _set(u, "departments", lambda v: [str(i) for i in v])),
    ),
    Fault(
        "inner_phone_number",
        "phones.inner_phone is a number instead of a string (only users whose phones is an object)",
        ((GET, "type_mismatch", f"{M}/phones/inner_phone"),),
        reply=_phones(lambda p: _set(p, "inner_phone", int)),
    ),
    Fault(
        "work_position_null",
        "manager work_position is null, as real portals send it (the page: a string)",
        ((GET, "type_mismatch", f"{M}/work_position"),),
        reply=_on_managers(lambda u: u.update(work_position=None)),
    ),
    Fault(
        "last_activity_false",
        "manager last_activity_date is false, as for a user who never logged in (the page: a date)",
        ((GET, "type_mismatch", f"{M}/last_activity_date"),),
        reply=_on_managers(lambda u: u.update(last_activity_date=False)),
    ),
    Fault(
        "headless_manager_is_caller",
        "a department without a head, asked with USER_DATA=Y, gets the caller's own profile as "
        "manager_user_data (manager_user_id stays 0)",
        ((GET, "invariant", M),),
        reply=_headless_caller,
    ),
    Fault(
        "deleted_head_data_null",
        "the head of a department below the top level has a deleted account: manager_user_id "
        "names them, manager_user_data is null",
        ((GET, "type_mismatch", M),),
        reply=_deleted_head,
    ),
    Fault(
        "manager_data_without_user_data",
        "manager_user_data is returned without USER_DATA=Y ('Returned only when USER_DATA = Y')",
        ((GET, "invariant", M),),
        reply=_without_user_data,
    ),
    Fault(
        "manager_data_id_mismatch",
        "manager_user_data.id differs from manager_user_id",
        ((GET, "invariant", f"{M}/id"),),
        reply=_on_managers(lambda u: _set(u, "id", lambda v: int(v) + 1)),
    ),
    Fault(
        "extra_department",
        "im.department.get returns a department that was not asked for",
        ((GET, "invariant", f"{D}/id"),),
        reply=_extra_department,
    ),
    Fault(
        "duplicate_department",
        "im.department.get returns the same department twice",
        ((GET, "invariant", f"{D}/id"),),
        reply=_duplicate,
    ),
    Fault(
        "missing_name_many_ids",
        "department name is omitted, but only when 4 or more ids are asked",
        ((GET, "missing_field", f"{D}/name"),),
        reply=_many_ids_without_name,
    ),
    Fault(
        "deep_manager_id_string",
        "manager_user_id is a string, but only for departments at depth >= 3 of the tree",
        ((GET, "type_mismatch", f"{D}/manager_user_id"),),
        reply=_deep_manager_string,
    ),
    Fault(
        "encoded_full_name_null",
        "full_name is null, but only when parameters come form/query-encoded (or in batch)",
        ((GET, "type_mismatch", f"{D}/full_name"),),
        reply=_encoded_full_name_null,
    ),
    Fault(
        "json_suffix_without_time",
        "the time object is missing, but only when the method is called with the .json suffix",
        ((GET, "missing_field", "/time"),),
        envelope=_suffix_without_time,
    ),
    Fault(
        "invalid_format_status_200",
        "INVALID_FORMAT is answered with HTTP 200 instead of the documented 400",
        ((GET, "status_code", "status"),),
        reply=_on_error(GET, "INVALID_FORMAT", _status(200)),
    ),
    Fault(
        "invalid_format_status_500",
        "INVALID_FORMAT is answered with HTTP 500 instead of the documented 400",
        ((GET, "status_code", "status"),),
        reply=_on_error(GET, "INVALID_FORMAT", _status(500)),
    ),
    Fault(
        "invalid_format_status_404",
        "INVALID_FORMAT is answered with HTTP 404 instead of the documented 400",
        ((GET, "status_code", "status"),),
        reply=_on_error(GET, "INVALID_FORMAT", _status(404)),
    ),
    Fault(
        "invalid_format_as_id_empty",
        "im.department.get answers a missing ID with ID_EMPTY instead of INVALID_FORMAT",
        ((GET, "error_code", "/error"),),
        reply=_on_error(GET, "INVALID_FORMAT", _error("ID_EMPTY", "Department ID can't be empty")),
    ),
    Fault(
        "invalid_format_as_invalid_argument",
        "a wrong ID format is answered as INVALID_ARGUMENT instead of INVALID_FORMAT",
        ((GET, "error_code", "/error"),),
        reply=_on_error(
            GET, "INVALID_FORMAT", _error("INVALID_ARGUMENT", "Invalid value of the ID field")
        ),
    ),
    Fault(
        "error_without_description",
        "the INVALID_FORMAT error body lacks error_description",
        ((GET, "envelope", "body"),),
        reply=_on_error(GET, "INVALID_FORMAT", _drop_description),
    ),
    Fault(
        "json_string_id_refused",
        'ID as a string holding a JSON array ("[3,7]"), which the docs allow, gets INVALID_FORMAT',
        ((GET, "rejected_valid_input", "status"),),
        prepare=_refuse_json_string,
    ),
    Fault(
        "encoded_array_id_ignored",
        "a form/query array ID[]=3 is ignored (treated as missing: INVALID_FORMAT)",
        ((GET, "rejected_valid_input", "status"),),
        prepare=_ignore_encoded_array,
    ),
    Fault(
        "empty_id_accepted",
        "a missing or empty ID is answered 200 with an empty list instead of INVALID_FORMAT",
        ((GET, "accepted_invalid_input", "status"),),
        reply=_accept_empty,
    ),
    Fault(
        "text_html_content_type",
        "successful answers carry Content-Type text/html instead of application/json",
        ((GET, "content_type", "header:Content-Type"),),
        wire=_html_content_type,
    ),
    Fault(
        "time_finish_before_start",
        "time.finish is earlier than time.start",
        ((GET, "invariant", "/time/finish"),),
        envelope=_on_time(GET, _finish_before_start),
    ),
    Fault(
        "time_duration_inconsistent",
        "time.duration is not finish - start",
        ((GET, "invariant", "/time/duration"),),
        envelope=_on_time(GET, _duration_off),
    ),
    Fault(
        "time_date_without_offset",
        "time.date_start is not ATOM: the UTC offset is missing",
        ((GET, "format_mismatch", "/time/date_start"),),
        envelope=_on_time(GET, lambda t: _set(t, "date_start", lambda v: str(v)[:19])),
    ),
    Fault(
        "time_dates_hours_off",
        "time.date_start/date_finish name an instant two hours off time.start/finish "
        "(a server clock in the wrong zone, as the docs page's own examples show)",
        ((GET, "invariant", "/time/date_start"), (GET, "invariant", "/time/date_finish")),
        envelope=_on_time(GET, _dates_hours_off),
    ),
    Fault(
        "managers_empty_id_invalid_format",
        "im.department.managers.get answers an empty ID with INVALID_FORMAT instead of ID_EMPTY",
        ((MANAGERS, "error_code", "/error"),),
        reply=_on_error(
            MANAGERS,
            "ID_EMPTY",
            _error("INVALID_FORMAT", "A wrong format for the ID field is passed"),
        ),
    ),
    Fault(
        "employees_empty_id_invalid_format",
        "im.department.employees.get answers an empty ID with INVALID_FORMAT instead of ID_EMPTY",
        ((EMPLOYEES, "error_code", "/error"),),
        reply=_on_error(
            EMPLOYEES,
            "ID_EMPTY",
            _error("INVALID_FORMAT", "A wrong format for the ID field is passed"),
        ),
    ),
    Fault(
        "employees_missing_email",
        "user objects of im.department.employees.get (USER_DATA=Y) omit email",
        ((EMPLOYEES, "missing_field", "/result/*/*/email"),),
        reply=_employees_without_email,
    ),
    Fault(
        "colleagues_next_on_last_page",
        "im.department.colleagues.list sends next on the last page ('only when another page')",
        ((COLLEAGUES, "invariant", "/next"),),
        reply=_next_on_last_page,
    ),
    Fault(
        "colleagues_limit_uncapped",
        "im.department.colleagues.list returns more than 50 users when LIMIT > 50",
        ((COLLEAGUES, "invariant", "/result"),),
        prepare=_uncapped,
    ),
    Fault(
        "managers_disagree",
        "im.department.managers.get names another user than im.department.get's manager_user_id",
        ((MANAGERS, "invariant", "/result/*"),),
        reply=_managers_disagree,
    ),
    Fault(
        "wrong_code_status_403",
        "a wrong webhook code is answered 403 instead of 401 NO_AUTH_FOUND",
        ((GET, "status_code", "status"),),
        reply=_wrong_code_403,
    ),
    Fault(
        "extranet_not_denied",
        "the extranet user is not denied (the docs: 403 ACCESS_ERROR for extranet users)",
        ((GET, "status_code", "status"),),
        prepare=_extranet_allowed,
    ),
    Fault(
        "unknown_method_status_400",
        "an unknown method is answered 400 instead of 404 ERROR_METHOD_NOT_FOUND",
        (("*", "status_code", "status"),),
        reply=lambda call, reply: (
            _status(400)(reply) if reply.error == "ERROR_METHOD_NOT_FOUND" else None
        ),
    ),
    Fault(
        "unknown_ids_internal_error",
        "im.department.get fails with INTERNAL_SERVER_ERROR when an asked id exists on no "
        "department (input the docs do not cover)",
        ((GET, "server_error", "/error"),),
        reply=_unknown_ids_fail,
    ),
    Fault(
        "batch_entry_internal_error",
        "every 7th im.department.get command inside batch fails with INTERNAL_SERVER_ERROR in "
        "result_error",
        ((GET, "server_error", "/error"),),
        reply=_batch_entries_fail,
    ),
    Fault(
        "unexpected_answer_direct",
        "every 2nd direct im.department.get call that would succeed fails with HTTP 500 "
        "ERROR_UNEXPECTED_ANSWER",
        ((GET, "server_error", "status"),),
        reply=_direct_unexpected_answer,
    ),
    Fault(
        "batch_empty_error_code",
        "a failing im.department.get command inside batch has an empty error code in result_error",
        ((GET, "envelope", "/error"),),
        reply=_empty_error_code,
    ),
    Fault(
        "colleagues_limit_zero_loops",
        "im.department.colleagues.list with LIMIT=0 answers an empty page whose next is the same "
        "OFFSET (a client following next loops)",
        ((COLLEAGUES, "invariant", "/next"),),
        reply=_limit_zero_loops,
    ),
    Fault(
        "colleagues_next_repeats_offset",
        "im.department.colleagues.list answers next = the OFFSET asked (the same page again) "
        "whenever another page exists",
        ((COLLEAGUES, "invariant", "/next"),),
        reply=_next_repeats_offset,
    ),
    Fault(
        "bad_gateway_html",
        "every 5th im.department.get call gets a 502 HTML error page instead of a JSON answer",
        ((GET, "server_error", "status"),),
        wire=_bad_gateway,
    ),
    Fault(
        "truncated_json",
        "every 4th successful im.department.get answer is cut in half (not valid JSON)",
        ((GET, "not_json", "body"),),
        wire=_truncate,
    ),
    Fault(
        "connection_reset",
        "every 6th im.department.get call has its connection reset without an answer",
        ((GET, "server_error", "status"),),
        wire=_reset,
    ),
    Fault(
        "slow_answer",
        "every 10th im.department.get call answers after 2.5 s (beyond a 2 s client timeout)",
        ((GET, "server_error", "status"),),
        wire=_slow,
    ),
)

CATALOGUE: dict[str, Fault] = {fault.name: fault for fault in _FAULTS}


def resolve(names: tuple[str, ...] | list[str]) -> tuple[Fault, ...]:
    """The faults named ``names`` (in catalogue order); ``ValueError`` for an unknown name."""
    unknown = [name for name in names if name not in CATALOGUE]
    if unknown:
        raise ValueError(
            f"unknown fault {', '.join(map(repr, unknown))}; valid faults: {', '.join(CATALOGUE)}"
        )
    wanted = set(names)
    return tuple(fault for fault in _FAULTS if fault.name in wanted)
