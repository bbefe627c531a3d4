"""The fields a method's answer documents, and which of them the answers of a run have shown.

Docs coverage asks one question per documented field: did some answer have it? Building the
JSON pointer of every node of every answer to find out cost more than judging the answers
(110k pointers for the default run). `FieldPresence` walks an answer only along documented
fields, and only into parts of the answer where a documented field not yet seen could be: once
every field has been seen, an answer costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from b24conform.spec.loader import MethodContract

MAX_DEPTH = 8


def documented_pointers(contract: MethodContract) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field pointer the response schema documents, with its doc reference, in schema order.

    Array items and id-keyed members (`additionalProperties`) are `*`, as in deviation locations.
    """
    seen = set()
    for parts, doc in _walk(contract, contract.response_schema, ()):
        pointer = _pointer(parts)
        if pointer not in seen:
            seen.add(pointer)
            yield pointer, doc


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join(f"/{part}" for part in parts)


def _walk(
    contract: MethodContract, schema: dict[str, Any], where: tuple[str, ...], depth: int = 0
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    if depth > MAX_DEPTH:
        return
    if "$ref" in schema:
        target = contract.spec.documents.get(schema["$ref"].removesuffix(".json"), {})
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    for branch in schema.get("anyOf", []):
        yield from _walk(contract, branch, where, depth + 1)
    for name, sub in schema.get("properties", {}).items():
        if "x-doc" in sub:
            yield (*where, name), sub["x-doc"]
        yield from _walk(contract, sub, (*where, name), depth + 1)
    if isinstance(schema.get("items"), dict):
        yield from _walk(contract, schema["items"], (*where, "*"), depth + 1)
    if isinstance(schema.get("additionalProperties"), dict):  # keyed by id: `*` as well
        yield from _walk(contract, schema["additionalProperties"], (*where, "*"), depth + 1)


class _Node:
    __slots__ = ("children", "parent", "pending", "pointer")

    def __init__(self, parent: _Node | None) -> None:
        self.parent = parent
        self.children: dict[str, _Node] = {}
        self.pointer: str | None = None  # set when this node is a documented field
        self.pending = 0  # documented fields at or below this node not seen yet


class FieldPresence:
    """The documented pointers (`documented_pointers`) seen so far in the answers visited."""

    def __init__(self, contract: MethodContract) -> None:
        self.seen: set[str] = set()
        self._root = _Node(None)
        for parts, _ in _walk(contract, contract.response_schema, ()):
            node = self._root
            for part in parts:
                node = node.children.setdefault(part, _Node(node))
            if node.pointer is None:
                node.pointer = _pointer(parts)
                while node is not None:
                    node.pending += 1
                    node = node.parent

    def visit(self, value: Any) -> None:
        """Note every documented field the value (a whole answer body) has."""
        self._visit(value, self._root)

    def _visit(self, value: Any, node: _Node) -> None:
        if node.pointer is not None and node.pointer not in self.seen:
            self.seen.add(node.pointer)
            marked: _Node | None = node
            while marked is not None:
                marked.pending -= 1
                marked = marked.parent
        if isinstance(value, dict):
            for key, item in value.items():
                child = node.children.get("*" if _generic(key) else key)
                if child is not None and child.pending:
                    self._visit(item, child)
        elif isinstance(value, list):
            child = node.children.get("*")
            for item in value:
                if child is None or not child.pending:
                    break
                self._visit(item, child)


def _generic(key: Any) -> bool:
    """Id keys are `*` in a pointer, like array indices (`/result/*` of the sibling methods)."""
    return isinstance(key, str) and key.isdigit()
