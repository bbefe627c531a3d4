"""Instances to compare the two validation engines on (tests/cover and tests/nocover share it).

`captured(run_options)` runs the suite once and returns every (validator, instance) pair the
checks asked to validate; `mutations(instance)` returns variants of an instance that break it in
the ways a portal could (a field dropped, nulled, of another type, a bad date or link, a pattern
missed by one character).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b24conform.engine import RunOptions, run
from b24conform.spec.validation import SchemaValidator
from b24conform.targets import TargetOptions

Captured = list[tuple[SchemaValidator, Any]]

BAD_STRINGS = (
    "",
    "not a date",
    "2024-13-01T00:00:00+03:00",
    "2024-02-30T10:00:00+03:00",
    "2024-01-01 10:00:00",
    "2024-01-01t10:00:00z",
    "2024-06-30T23:59:60Z",
    "2024-01-01T10:00:00",
    "http://exa mple.com/",
    "//host/path",
    "relative/path",
    "https://пример.рф/a",
    "https://[::1]:8080/x?y#z",
    "#ffffff",
    "#fffffg",
    "12-31",
    "31-12",
    "0",
    "12a",
)


def captured(options: RunOptions) -> Captured:
    """Every (validator, instance) the run validated, in order."""
    seen: Captured = []
    original = SchemaValidator.iter_errors

    def record(self: SchemaValidator, instance: Any) -> Any:
        seen.append((self, copy.deepcopy(instance)))
        return original(self, instance)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SchemaValidator, "iter_errors", record)
        run(options)
    return seen


@functools.cache
def replayed(cassette: Path, revision: str) -> Captured:
    """`captured` of a replay of a shipped cassette judged by `revision`: the same every time, so
    made once a process for every test that reads it (they must not change it)."""
    return captured(RunOptions(target=TargetOptions(cassette=cassette), docs=revision))


def nodes(
    value: Any, depth: int = 99, path: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) of a JSON value and its members, down to `depth` (three items per list)."""
    yield path, value
    if len(path) >= depth:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, depth, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from nodes(item, depth, (*path, index))


def _replaced(instance: Any, path: tuple[Any, ...], new: Any) -> Any:
    """`instance` with the node at `path` replaced: the containers along the path copied, the
    rest shared (a variant is only read)."""
    if not path:
        return new
    clone = copy.copy(instance)
    clone[path[0]] = _replaced(instance[path[0]], path[1:], new)
    return clone


def _dropped(instance: Any, path: tuple[Any, ...]) -> Any:
    clone = copy.copy(instance)
    if len(path) == 1:
        del clone[path[0]]
    else:
        clone[path[0]] = _dropped(instance[path[0]], path[1:])
    return clone


def mutations(instance: Any, depth: int = 99) -> Iterator[Any]:
    """Broken variants of an instance (each node: dropped, nulled, retyped; strings replaced)."""
    for path, value in nodes(instance, depth):
        if path and isinstance(path[-1], str):
            yield _dropped(instance, path)
        yield _replaced(instance, path, None)
        if isinstance(value, str):
            for bad in BAD_STRINGS:
                yield _replaced(instance, path, bad)
            yield _replaced(instance, path, 7)
        elif isinstance(value, bool):
            yield _replaced(instance, path, "Y")
        elif isinstance(value, (int, float)):
            yield _replaced(instance, path, str(value))
            yield _replaced(instance, path, -1)
            yield _replaced(instance, path, 1.5)
        elif isinstance(value, dict):
            yield _replaced(instance, path, [])
            yield _replaced(instance, path, {**value, "undocumented": 1})
            yield _replaced(instance, path, {**value, "12": "x"})
        elif isinstance(value, list):
            yield _replaced(instance, path, {})
            yield _replaced(instance, path, [*value, None])


def distinct(pairs: Captured) -> Captured:
    """The pairs without repeats (same schema, same instance)."""
    unique: dict[tuple[int, str], tuple[SchemaValidator, Any]] = {}
    for validator, instance in pairs:
        unique.setdefault(
            (id(validator), json.dumps(instance, sort_keys=True)), (validator, instance)
        )
    return list(unique.values())


def disagreements(pairs: Captured) -> list[str]:
    """Where jsonschema-rs's yes/no differs from jsonschema's, or the errors differ from it."""
    found = []
    for validator, instance in pairs:
        reference = [
            (list(e.absolute_path), e.validator, e.message)
            for e in validator.reference.iter_errors(instance)
        ]
        combined = [
            (list(e.absolute_path), e.validator, e.message) for e in validator.iter_errors(instance)
        ]
        if validator.is_valid_fast(instance) != (not reference) or combined != reference:
            found.append(f"{validator.uri}: {json.dumps(instance)[:300]} → jsonschema {reference}")
    return found
