"""The documented contract as an OpenAPI 3.1 document: `b24conform openapi`.

Built from the same schemas and contracts the suite judges by, so that Schemathesis, Prism or a
code generator can be pointed at the contract b24conform checks. Nothing is added that the docs
do not say: request and response schemas are the contracts' own (their `x-doc` quotes kept), the
error answers are the method's documented errors with their documented statuses plus the
platform's system errors, and each operation carries the doc reference of its page.

Bitrix24 authenticates an inbound webhook by the path (`/rest/<user>/<code>/<method>`), which
OpenAPI's security schemes cannot express: the webhook is a server whose URL template holds the
code (security `{}`: nothing else to send); OAuth is the `auth` parameter or a Bearer header.
"""

from __future__ import annotations

import copy
from typing import Any

from b24conform import __version__
from b24conform.spec import Spec
from b24conform.spec.loader import MethodContract

OPENAPI = "3.1.0"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ERROR_SCHEMA = "error"


def build_openapi(spec: Spec) -> dict[str, Any]:
    """The OpenAPI document of every method the revision documents."""
    components = {
        name: _rewrite_refs(_plain(doc))
        for name, doc in spec.documents.items()
        if "method" not in doc and name != "platform"
    }
    paths = {
        f"/{name}": _path_item(spec, contract) for name, contract in sorted(spec.methods.items())
    }
    return {
        "openapi": OPENAPI,
        "jsonSchemaDialect": DIALECT,
        "info": {
            "title": f"Bitrix24 REST: department methods of the im module (docs {spec.revision})",
            "version": spec.revision,
            "description": (
                f"Derived by b24conform {__version__} from the Bitrix24 REST documentation "
                f"(revision `{spec.revision}`). Every schema keeps the doc line it comes from "
                "in `x-doc` (source file, section, quote)."
            ),
        },
        "servers": [
            {
                "url": "https://{portal}/rest/{user_id}/{webhook_code}",
                "description": "inbound webhook: the code in the path is the credential (keep it secret)",
                "variables": {
                    "portal": {"default": "example.bitrix24.com"},
                    "user_id": {"default": "1"},
                    "webhook_code": {"default": "WEBHOOK_CODE"},
                },
            },
            {
                "url": "https://{portal}/rest",
                "description": "OAuth application: the access token as `auth` or a Bearer header",
                "variables": {"portal": {"default": "example.bitrix24.com"}},
            },
        ],
        # `{}`: the webhook server needs no scheme, its URL holds the credential
        "security": [{}, {"oauth_auth": []}, {"oauth_bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": _security_schemes(),
        },
    }


def _security_schemes() -> dict[str, Any]:
    return {
        "oauth_auth": {
            "type": "apiKey",
            "in": "query",
            "name": "auth",
            "description": "OAuth access token as the `auth` parameter (query or body)",
        },
        "oauth_bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "OAuth access token as `Authorization: Bearer <token>`",
        },
    }


def _path_item(spec: Spec, contract: MethodContract) -> dict[str, Any]:
    request = _rewrite_refs(_plain(contract.request_schema))
    operation: dict[str, Any] = {
        "operationId": contract.name.replace(".", "_"),
        "summary": contract.raw.get("x-page") or contract.doc.quote,
        "description": contract.doc.quote,
        "x-doc": contract.raw["doc"],
        "x-scope": contract.raw.get("scope"),
        "requestBody": {
            "required": bool(contract.request_schema.get("required")),
            "description": "JSON, or form-encoded with arrays as ID[]=3&ID[]=7 (PHP style)",
            "content": {
                "application/json": {"schema": request},
                "application/x-www-form-urlencoded": {"schema": request},
            },
        },
        "responses": {
            str(spec.platform["success_status"]["value"]): {
                "description": "success: the result and the time object",
                "x-doc": spec.platform["success_status"]["doc"],
                "content": {
                    "application/json": {"schema": _rewrite_refs(_plain(contract.response_schema))}
                },
            },
            **_error_responses(spec, contract),
        },
    }
    return {"post": operation}


def _error_responses(spec: Spec, contract: MethodContract) -> dict[str, Any]:
    """Every documented error of the method and of the platform, grouped by HTTP status."""
    by_status: dict[int, list[dict[str, Any]]] = {}
    seen: set[tuple[int, str]] = set()

    def add(status: int, code: str, doc: dict[str, Any], status_doc: dict[str, Any] | None) -> None:
        if (status, code) in seen:
            return
        seen.add((status, code))
        entry = {"error": code, "doc": doc, **({"status_doc": status_doc} if status_doc else {})}
        by_status.setdefault(status, []).append(entry)

    for error in contract.errors:
        add(error["status"], error["error"], error["doc"], error.get("status_doc"))
    if contract.access:
        access = contract.access
        add(access["status"], access["error"], access["doc"], access.get("status_doc"))
    for code, system in spec.platform.get("system_errors", {}).items():
        add(system["status"], code, system["doc"], None)
    responses = {}
    for status in sorted(by_status):
        errors = by_status[status]
        codes = [entry["error"] for entry in errors]
        schema = {
            "allOf": [
                {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"},
                {"properties": {"error": {"enum": codes}}},
            ]
        }
        responses[str(status)] = {
            "description": ", ".join(codes),
            "x-errors": errors,
            "content": {"application/json": {"schema": schema}},
        }
    return responses


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema without `$id`/`$schema`: inside an OpenAPI document its base is the document."""
    return {k: v for k, v in copy.deepcopy(schema).items() if k not in ("$id", "$schema")}


def _rewrite_refs(node: Any) -> Any:
    """`{"$ref": "user.json"}` → `{"$ref": "#/components/schemas/user"}`, everywhere."""
    if isinstance(node, dict):
        return {
            key: (
                f"#/components/schemas/{value.removesuffix('.json')}"
                if key == "$ref" and isinstance(value, str) and value.endswith(".json")
                else _rewrite_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node
