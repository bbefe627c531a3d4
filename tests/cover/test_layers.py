"""Guards for the design: the layers of docs/internals.md, read from the imports themselves.

Every import counts, at module level, inside a function or under `TYPE_CHECKING`: a deferred
import hides a dependency from the reader, not from this test.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "b24conform"
FACADE = "b24conform"

#: lowest first; a unit may import its own layer and the layers below it (docs/internals.md)
LAYERS: list[set[str]] = [
    {FACADE, "errors"},
    {"spec"},
    {"transport", "cassettes"},
    {"targets", "defaults", "config"},
    {"cases", "deviations", "coverage", "baseline", "pairwise"},
    {"checks", "generation", "dimensions"},
    {"planner", "budget", "events", "discovery", "walks", "document"},
    {"engine"},
    {"report", "openapi"},
    {"cli", "plugin", "options", "matrix", "__main__"},
]
PORTAL = "portal"
PORTAL_USERS = {"targets", "cli", "matrix", "cassettes"}  # cassettes: serve.py borrows its server


def unit_of(module: str) -> str:
    """`b24conform.transport.client` → `transport`; `b24conform` → the facade."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else FACADE


def module_name(path: Path) -> str:
    parts = ["b24conform", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported b24conform module, line, at module level) for every import in the file."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base]
            # `from b24conform import cassettes` imports a submodule, not a name of the facade
            names += [
                f"{base}.{alias.name}"
                for alias in node.names
                if base.startswith("b24conform")
                and (
                    (PACKAGE.parent / base.replace(".", "/") / alias.name).is_dir()
                    or (PACKAGE.parent / base.replace(".", "/") / f"{alias.name}.py").is_file()
                )
            ]
        for name in names:
            if name == "b24conform" or name.startswith("b24conform."):
                found.append((name, node.lineno, id(node) in top_level))
    return found


@functools.cache
def graph() -> dict[str, dict[str, str]]:
    """unit → {imported unit: 'file:line' of the first such import}, facade's lazy names aside
    (parsed once for the module's tests: they only read it)."""
    edges: dict[str, dict[str, str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = unit_of(module_name(path))
        edges.setdefault(source, {})
        for name, line, _ in imports(path):
            target = unit_of(name)
            if source == FACADE and target != FACADE:
                continue  # the facade's lazy re-exports: rule 4 keeps them out of module level
            if target != source:
                edges[source].setdefault(target, f"{path.relative_to(PACKAGE)}:{line}")
    return edges


LAYER_OF = {unit: index for index, layer in enumerate(LAYERS) for unit in layer}


def upward_imports(edges: dict[str, dict[str, str]]) -> list[str]:
    return [
        f"{where}: {source} (layer {LAYER_OF[source]}) imports {target} (layer {LAYER_OF[target]})"
        for source, targets in edges.items()
        for target, where in targets.items()
        if source in LAYER_OF and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[source]
    ]


def cycles(edges: dict[str, dict[str, str]]) -> list[str]:
    found: list[str] = []
    done: set[str] = set()

    def visit(unit: str, path: list[str]) -> None:
        for target in edges.get(unit, {}):
            if target in path:
                found.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in done:
                visit(target, [*path, target])
        done.add(unit)

    for unit in sorted(edges):
        if unit not in done:
            visit(unit, [unit])
    return found


def test_every_unit_has_a_layer():
    missing = sorted(set(graph()) - {PORTAL} - set(LAYER_OF))
    assert not missing, (
        f"b24conform.{missing[0]} is in no layer: add it to LAYERS here and to docs/internals.md"
    )


def test_no_upward_import():
    assert upward_imports(graph()) == []


def test_no_import_cycle_between_units():
    assert cycles(graph()) == []


def test_the_rules_catch_what_they_are_for():
    """Today's targets ↔ cassettes cycle (deferred imports) and an upward import are reported."""
    edges = {
        "targets": {"cassettes": "targets.py:94"},
        "cassettes": {"targets": "cassettes/__init__.py:175"},
    }
    assert cycles(edges) == ["cassettes → targets → cassettes"]
    assert upward_imports(edges) == [
        "cassettes/__init__.py:175: cassettes (layer 2) imports targets (layer 3)"
    ]


def test_the_reference_portal_imports_nothing_of_the_suite():
    """It is written from the docs; importing the suite's schemas or checks would make it agree
    with the suite by construction."""
    edges = graph()
    assert edges[PORTAL] == {}
    users = {source for source, targets in edges.items() if PORTAL in targets}
    assert users <= PORTAL_USERS


def test_the_facade_imports_nothing_at_module_level():
    """`import b24conform.<anything>` runs the facade first: it must stay free."""
    eager = [name for name, _, top in imports(PACKAGE / "__init__.py") if top]
    assert eager == []
