"""How parameters travel: JSON, PHP-style form/query/multipart (`ID[]=3`), and `batch` commands.

Bitrix24 reads parameters the PHP way, so `ID[]=3&ID[]=7`, `ID[0]=3&ID[1]=7` and a JSON body
`{"ID": [3, 7]}` all mean the same. The docs show `ID[]=`; PHP's own `http_build_query` (and so the
official PHP SDK) sends indexed keys `ID[0]=`: both are encoded here (`indexed`), so a portal that
reads only one of them is seen. `canonical_params` maps every encoding to one value, so that a
recording made with one encoding matches a replay made with another.
"""

from __future__ import annotations

import hashlib
import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, quote

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def _pairs(value: Any, prefix: str, indexed: bool) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [
            pair
            for key, item in value.items()
            for pair in _pairs(item, f"{prefix}[{key}]", indexed)
        ]
    if isinstance(value, (list, tuple)):
        if not indexed and all(not isinstance(item, (dict, list, tuple)) for item in value):
            return [(f"{prefix}[]", _scalar(item)) for item in value]
        return [
            pair for i, item in enumerate(value) for pair in _pairs(item, f"{prefix}[{i}]", indexed)
        ]
    return [(prefix, _scalar(value))]


def _scalar(value: Any) -> str:
    if value is True:
        return "Y"
    if value is False or value is None:
        return ""
    return str(value)


def form_pairs(params: dict[str, Any], *, indexed: bool = False) -> list[tuple[str, str]]:
    """PHP style pairs: lists of scalars as `KEY[]` (as the docs show them), or as `KEY[0]`,
    `KEY[1]` (as PHP's `http_build_query` writes them) when `indexed`."""
    return [pair for key, value in params.items() for pair in _pairs(value, str(key), indexed)]


def encode_query(params: dict[str, Any], *, indexed: bool = False) -> str:
    return "&".join(
        f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in form_pairs(params, indexed=indexed)
    )


def decode_query(text: str) -> dict[str, Any]:
    """The inverse of `encode_query`, as PHP would parse it (bracketed keys nest)."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            result[key] = value
            continue
        path = [match[1], *re.findall(r"\[([^\[\]]*)\]", match[2])]
        node: Any = result
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if part == "":
                part = str(sum(1 for k in node if k.isdigit())) if isinstance(node, dict) else "0"
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(result)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _lists(v) for k, v in node.items()}
        if converted and all(k.isdigit() for k in converted):
            keys = sorted(converted, key=int)
            if [int(k) for k in keys] == list(range(len(keys))):
                return [converted[k] for k in keys]
        return converted
    return node


def canonical_params(params: Any) -> Any:
    """One value for every encoding of the same parameters: scalars as strings, lists as lists."""
    if isinstance(params, dict):
        return {
            str(k): canonical_params(v) for k, v in sorted(params.items(), key=lambda i: str(i[0]))
        }
    if isinstance(params, (list, tuple)):
        return [canonical_params(v) for v in params]
    return _scalar(params)


def canonical_text(params: Any) -> str:
    return json.dumps(canonical_params(params), sort_keys=True, separators=(",", ":"))


def batch_command(method: str, params: dict[str, Any], *, indexed: bool = False) -> str:
    """A `batch` command string: `method?query`, parameters query-encoded as the docs describe."""
    query = encode_query(params, indexed=indexed)
    return f"{method}?{query}" if query else method


def multipart_body(pairs: list[tuple[str, str]]) -> tuple[str, bytes]:
    """A multipart/form-data body of plain fields: (its Content-Type, its bytes). The boundary
    is derived from the fields, so the same call is the same bytes, and never occurs in them."""
    parts = [(name.encode(), value.encode()) for name, value in pairs]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:24]
    boundary = f"b24conform{digest}"
    chunks = []
    for name, value in parts:
        chunks.append(
            b"--" + boundary.encode() + b"\r\n"
            b'Content-Disposition: form-data; name="'
            + name.replace(b'"', b"%22")
            + b'"\r\n\r\n'
            + value
            + b"\r\n"
        )
    chunks.append(b"--" + boundary.encode() + b"--\r\n")
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def decode_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """The fields of a multipart/form-data body, read as PHP reads them (bracketed names nest)."""
    fields = _plain_multipart(content_type, body)
    if fields is None:
        fields = _parsed_multipart(content_type, body)
    return decode_query("&".join(encode_query({name: value}) for name, value in fields))


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION_NAME = re.compile(rb'content-disposition:[^\r\n]*?;\s*name="([^"]*)"', re.IGNORECASE)


def _plain_multipart(content_type: str, body: bytes) -> list[tuple[str, str]] | None:
    """The fields of a body of plain parts (what `multipart_body` and the SDKs send), split on
    the boundary; None for anything else (an encoded or unusual part), which the email parser
    reads. Parsing each body with the email package cost ~15 ms: half of a replay's matching."""
    found = _BOUNDARY.search(content_type)
    if not found:
        return None
    delimiter = b"--" + found.group(1).encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2 or not chunks[-1].startswith(b"--"):
        return None
    fields = []
    for chunk in chunks[1:-1]:
        head, blank, value = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        named = _DISPOSITION_NAME.search(head)
        if not blank or not named or b"transfer-encoding" in head.lower():
            return None
        fields.append(
            (
                named.group(1).decode("utf-8", "replace"),
                value.removesuffix(b"\r\n").decode("utf-8", "replace"),
            )
        )
    return fields


def _parsed_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    message = BytesParser(policy=HTTP).parsebytes(raw)
    fields = []
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if name is not None:
            value = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
            fields.append((str(name), value))
    return fields
