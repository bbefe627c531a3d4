"""The reference portal: a small Bitrix24 REST server that behaves as the docs say.

What it is
----------
A real HTTP/1.1 server on loopback (keep-alive, one thread per connection, optional HTTPS) that
speaks the Bitrix24 REST protocol as ``docs/seeds/000_…`` (the ``im.department.get`` page) and
``platform.md`` describe it: inbound webhooks and OAuth tokens, JSON / form / multipart /
query-string parameters, the ``{"result", "time"}`` envelope, the documented system errors and
their statuses, the leaky-bucket rate limit and the method time budget, ``batch``,
``im.revision.get``, ``department.get``, the four ``im.department.*`` methods, and 404
``ERROR_METHOD_NOT_FOUND`` for anything else. Every method is read-only.

It is the default target of ``b24conform run``, the fixture of the project's tests, and a tool
for trying an integration against a portal whose misbehaviour you choose. It is written from the
docs independently of the suite: it imports nothing from the rest of ``b24conform``.

How to run it
-------------
From the command line::

    b24conform portal                      # prints a webhook URL per role, serves until Ctrl-C
    b24conform portal --port 8080 --fault missing_full_name --fault truncated_json
    b24conform portal --profile rev18      # the revision-18 manager object, im.revision rest=18
    b24conform portal --list-faults        # every fault, what it breaks, what must be reported
    python -m b24conform.portal ...        # the same, without the main CLI

From Python::

    from b24conform.portal import ReferencePortal, CATALOGUE
    with ReferencePortal(faults=["missing_full_name"]) as portal:
        url = portal.webhook_url("employee")          # http://127.0.0.1:PORT/rest/<id>/<code>/
        requests.post(url + "im.department.get", json={"ID": [1]})

Roles (each with its own webhook, ``portal.webhook_url(role)``, and OAuth token,
``portal.oauth_token(role)``): ``employee`` (an ordinary intranet user in a department of more
than fifty people), ``head`` (a department head), ``admin`` (the head of the company, user 1),
``extranet`` and ``bot`` (both denied the ``im.department.*`` methods with 403 ``ACCESS_ERROR``),
``noscope`` (the employee's second webhook, without the ``im`` scope: 403
``insufficient_scope``) and ``nodepartment`` (a third one, without the ``department`` scope, so
``department.get`` is refused). ``portal.oauth_token(role, expired=True)`` gives a token answered with
401 ``expired_token``. ``portal.company`` is the data served (for the project's own tests).

What it chooses where the docs are silent
-----------------------------------------
- ``ID`` must be an array or a string holding a JSON array; a bare number (``3``/``"3"``),
  ``"3,7"``, ``[]``, ``""`` or no ``ID`` is the documented format error (``INVALID_FORMAT`` for
  ``im.department.get``, ``ID_EMPTY`` for ``managers.get``/``employees.get``).
- Entries are read like PHP's ``intval`` (``"7"`` → 7, ``"abc"`` → 0); unknown, zero and
  negative ids are skipped silently; duplicates are answered once; at most 50 departments are
  answered (as real servers do).
- Results are in company-structure order (depth first, by SORT then id), not request order.
- ``USER_DATA`` means yes only for exactly ``"Y"`` (``y``, ``true``, ``1`` are "no").
- Parameter names are case-insensitive (``id`` is ``ID``), as the ``im`` module upper-cases them.
- A headless department: ``manager_user_id`` 0, ``manager_user_data`` ``null``; ``managers.get``
  leaves it out, ``employees.get`` leaves out a department without employees.
- ``colleagues.list``: users sharing a department with the caller, sorted by last name then id;
  ``OFFSET`` < 0 → 0, ``LIMIT`` < 1 → 10, ``LIMIT`` > 50 → 50.
- A JSON body that does not parse is ignored (the query string still counts).
- Error answers carry no ``time`` object; success answers always do. ``time.processing`` is a
  fixed simulated cost (1 ms) per call, summed into ``time.operating`` per credential and method;
  every second answer of a method has an integer ``start``, every fifth no ``operating`` keys.
- ``phones`` holds only the non-empty ones of its four keys, or is ``false``; ``ACCESS_ERROR``'s
  description ends with the period of the docs' JSON example.
- Order of checks: credential, rate limit, method exists, scope, time budget, access, method.
- ``department.get``: the root has no ``PARENT``; a headless department has ``UF_HEAD`` ``"0"``.
- ``batch``: commands beyond the 50th get ``ERROR_BATCH_LENGTH_EXCEEDED`` in ``result_error``;
  ``batch`` inside ``batch`` gets ``ERROR_BATCH_METHOD_NOT_ALLOWED``; ``$result[key][field]``
  references are substituted; ``halt`` is on for ``1``, ``true`` or ``Y``.
- Plain HTTP is served (loopback); ``INVALID_REQUEST`` "Https required" is never answered.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CATALOGUE", "PROFILES", "ROLES", "Fault", "ReferencePortal"]

PROFILES = ("docs", "rev18")

#: where each public name lives: loaded when first asked for, so that `b24conform --help` (whose
#: `portal` subcommand lists its options) does not build the fault catalogue and the server
_LAZY = {
    "CATALOGUE": "faults",
    "Fault": "faults",
    "ROLES": "service",
    "ReferencePortal": "reference",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
