"""Requests from the documentation: Hypothesis strategies built from the request schemas.

Valid requests are drawn from the method's request schema (`anyOf` → one of the branches, `enum`
→ one of the values, optional properties → sometimes absent), with the ids an array may hold taken
from the target (`x-values: department_ids`), never hard-coded. Hypothesis runs once, up front,
with a fixed seed and no database, and its draws are frozen into a corpus: the run is then a plain
list of requests that a cassette can replay whatever Hypothesis version is installed. Every drawn
value is validated again with the real validator before it is used.

hypothesis-jsonschema is not used: it breaks with current Hypothesis and ignores 2020-12
keywords; the request schemas are small, and a builder for their keywords is short.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from b24conform.cases import Case, Expectation
from b24conform.errors import B24ConformError, UsageError
from b24conform.spec import MethodContract
from b24conform.transport import Call

if TYPE_CHECKING:
    from hypothesis import strategies as st

ABSENT = object()
MAX_IDS_PER_REQUEST = 50
#: Unbounded integer parameters (OFFSET) are drawn within a 32-bit signed int, as the API stores them.
INT_MAX = 2**31 - 1


def strategy_from_schema(
    schema: dict[str, Any], values: dict[str, Sequence[Any]]
) -> st.SearchStrategy:
    """A strategy for the keywords the request schemas use; `values` feeds `x-values`."""
    from hypothesis import strategies as st  # imported when drawing: a replay never needs it

    if "anyOf" in schema:
        return st.one_of([strategy_from_schema(s, values) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    if "x-values" in schema:
        pool = list(values.get(schema["x-values"], ()))
        if not pool:
            raise UsageError(f"no {schema['x-values'].replace('_', ' ')} known on the target")
        return st.sampled_from(pool)
    kind = schema.get("type")
    if kind == "string" and "x-json-of" in schema:
        return strategy_from_schema(schema["x-json-of"], values).map(
            lambda v: json.dumps(v, separators=(",", ":"))
        )
    if kind == "array":
        items = schema.get("items", {})
        pool = values.get(items.get("x-values", ""), ())
        max_size = min(MAX_IDS_PER_REQUEST, len(pool)) if pool else 10
        return st.lists(
            strategy_from_schema(items, values),
            min_size=schema.get("minItems", 0),
            max_size=max(schema.get("minItems", 0), max_size),
            unique=bool(pool),
        )
    if kind == "object":
        required = set(schema.get("required", []))
        fields = {}
        for name, sub in schema.get("properties", {}).items():
            inner = strategy_from_schema(sub, values)
            fields[name] = inner if name in required else st.one_of(st.just(ABSENT), inner)
        return st.fixed_dictionaries(fields).map(
            lambda d: {k: v for k, v in d.items() if v is not ABSENT}
        )
    if kind == "integer":
        low = schema.get("minimum", -INT_MAX - 1)
        return st.integers(min_value=low, max_value=schema.get("maximum", INT_MAX))
    if kind == "string":
        return st.text()
    raise UsageError(f"request schema keyword set not supported for generation: {sorted(schema)}")


@contextlib.contextmanager
def seed_only() -> Iterator[None]:
    """Draws that depend on the seed and the target alone.

    Hypothesis (6.131 and later) mixes into its draws the constants of every "local" source file
    imported so far (b24conform's own in an editable install, a user's project), and caches them
    under `.hypothesis/` in the working directory. The same seed then gave another corpus
    depending on what happened to be imported (an OFFSET of 86400, a constant of the portal's
    code, instead of 100000), and a command left files where it was started. For the draws made
    here, the local constants are none. Hypothesis has no setting for this: the hook is its
    internal `_get_local_constants`; when a version lacks it, draws are as Hypothesis makes them.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original = providers._get_local_constants
        none = providers.Constants()
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = lambda: none
    providers.CONSTANTS_CACHE.cache.clear()  # it holds the local constants of earlier draws
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


@contextlib.contextmanager
def _said_in_one_line(what: str) -> Iterator[None]:
    """Hypothesis failing to draw (a strategy too large for its buffer...) is a bug of ours or a
    target beyond what generation handles: one line and exit 2, not a traceback."""
    from hypothesis.errors import HypothesisException

    try:
        yield
    except HypothesisException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GenerationError(f"cannot draw the requests of {what}: {first}") from None


class GenerationError(B24ConformError):
    """Hypothesis could not draw the requests asked for."""


class _Enough(Exception):
    """Stops a Hypothesis run that has drawn all the examples asked for."""


def _generate(
    strategy: st.SearchStrategy, seed: int, examples: int, keep: Callable[[Any], None], what: str
) -> None:
    """Hypothesis's generate phase alone over `strategy`: a fixed seed, no database, no shrinking,
    each example handed to `keep` (which raises `_Enough` when it has all it wants)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        keep(value)

    with contextlib.suppress(_Enough), seed_only(), _said_in_one_line(what):
        collect()


def draw_valid_params(
    contract: MethodContract, values: dict[str, Sequence[Any]], count: int, seed: int
) -> list[dict[str, Any]]:
    """`count` distinct valid parameter sets, the same for the same seed, target ids and Hypothesis."""
    validator = contract.request_validator()
    drawn: dict[str, dict[str, Any]] = {}

    def keep(params: dict[str, Any]) -> None:
        drawn.setdefault(json.dumps(params, sort_keys=True), params)
        if len(drawn) == count:
            raise _Enough  # the rest of the examples would only be thrown away

    strategy = strategy_from_schema(contract.request_schema, values)
    _generate(strategy, seed, max(1, count * 3), keep, contract.name)
    params_list = list(drawn.values())
    for params in params_list:
        errors = list(validator.iter_errors(params))
        if errors:
            raise AssertionError(f"generated an invalid request {params}: {errors[0].message}")
    return params_list


def draw_one(strategy: st.SearchStrategy, seed: int, tries: int = 5) -> Any:
    """One example of `strategy`, the same for the same seed: the last of a few draws, since
    Hypothesis starts from the simplest one (the first ids, the smallest numbers)."""
    drawn: list[Any] = []
    _generate(strategy, seed, tries, drawn.append, "the pairwise cases")
    return drawn[-1]


def requested_ids(params: dict[str, Any]) -> tuple[int, ...]:
    value = params.get("ID")
    if isinstance(value, str):
        value = json.loads(value)
    return tuple(value) if isinstance(value, list) else ()


def valid_case(contract: MethodContract, params: dict[str, Any], name: str = "valid") -> Case:
    """A request the docs call valid, with what the rules need to know of it."""
    return Case(
        method=contract.name,
        kind="valid",
        name=name,
        call=Call(contract.name, params, "batch"),
        requested_ids=requested_ids(params),
        user_data=params.get("USER_DATA") == "Y",
    )


def valid_cases(contract: MethodContract, ids: Sequence[int], count: int, seed: int) -> list[Case]:
    """`count` valid cases; the draws of a (method, revision, ids, count, seed) are kept for the
    process (`kept_draw`), and a draw `draw_in_background` started is waited for, not made twice."""
    params = json.loads(_drawn(contract, ids, count, seed).result())
    return [valid_case(contract, p) for p in params]


def draw_in_background(
    contracts: Sequence[MethodContract], ids: Sequence[int], count: int, seed: int
) -> threading.Thread:
    """Draw these methods' valid examples in a thread, for `valid_cases` to pick up.

    A live run sends its direct cases (which need no draw) meanwhile: drawing is CPU work, and
    done while the rate limit's bucket refills it costs no wall time; done while the bucket is
    full, before the first request, it delays every request behind it. The caller's thread must
    not draw with Hypothesis at the same time (pairwise draws come first)."""

    def draw_all() -> None:
        for contract in contracts:
            _drawn(contract, ids, count, seed)

    thread = threading.Thread(target=draw_all, name="b24conform-draw", daemon=True)
    thread.start()
    return thread


#: draws made or being made in this process, as JSON (each run gets its own copy of the values)
_DRAWN: dict[tuple[Any, ...], Future[str]] = {}
_DRAWN_LOCK = threading.Lock()


def _drawn(contract: MethodContract, ids: Sequence[int], count: int, seed: int) -> Future[str]:
    """The draw of these cases: made now, or the one another thread made or is making."""
    key = ("valid", contract.name, contract.revision, tuple(ids), count, seed)
    return kept_draw(
        key, lambda: draw_valid_params(contract, {"department_ids": list(ids)}, count, seed)
    )


def kept_draw(key: tuple[Any, ...], draw: Callable[[], Any]) -> Future[str]:
    """The JSON of `draw()`, made once a process for `key` (which must name all the draw depends
    on): made now, or the one another thread made or is making. A draw is the same every time
    for the same key, so a second run in one process (the Python API in a loop, `--docs`
    compared across revisions, a test suite) does not pay Hypothesis again."""
    with _DRAWN_LOCK:
        future = _DRAWN.get(key)
        if future is not None:
            return future
        if len(_DRAWN) >= 64:
            _DRAWN.clear()  # a long-lived process asking for ever new draws keeps only recent ones
        future = _DRAWN[key] = Future()
    try:
        drawn = json.dumps(draw())
    except BaseException as exc:  # said where the draw is asked for; the next ask draws again
        with _DRAWN_LOCK:
            _DRAWN.pop(key, None)
        future.set_exception(exc)
    else:
        future.set_result(drawn)
    return future


def rule_cases(contract: MethodContract) -> list[Case]:
    """Requests outside the generated range whose answer a documented rule fixes (LIMIT > 50)."""
    return [
        valid_case(contract, item["params"], item["name"])
        for item in contract.raw.get("rule_cases", [])
    ]


def error_cases(contract: MethodContract) -> list[Case]:
    """The documented-invalid requests, each with the error the docs promise."""
    return [
        Case(
            method=contract.name,
            kind="error",
            name=item["name"],
            call=Call(contract.name, item["params"], "json"),
            expect=Expectation.from_contract(item),
        )
        for item in contract.errors
    ]


def probe_params(name: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Requests for input the docs leave open; built from the target's ids, deterministic.

    A contract naming a probe this table lacks is an error (`unknown_probes`), never a probe
    skipped without a word."""
    table = _probe_table(ids)
    if name not in table:
        raise UsageError(f"probe {name!r} has no requests in b24conform.generation")
    return table[name]


def unknown_probes(contracts: Sequence[MethodContract]) -> list[str]:
    """`method: probe` for every probe a contract names and the table cannot send."""
    known = _probe_table((1, 2))
    return [
        f"{c.name}: {p['name']}"
        for c in contracts
        for p in sent_probes(c)
        if p["name"] not in known
    ]


def sent_probes(contract: MethodContract) -> list[dict[str, Any]]:
    """The probes that send requests of their own; the rest (`observed_by` a check, such as a
    headless department seen in valid answers) are observations the check makes."""
    return [p for p in contract.probes if "observed_by" not in p]


def _probe_table(ids: Sequence[int]) -> dict[str, list[dict[str, Any]]]:
    first, second = ids[0], ids[min(1, len(ids) - 1)]
    unknown = max(ids) + 100_000
    loose_user_data = ("y", "true", "1")
    return {
        # im.department.colleagues.list: paging input the docs do not cover
        "limit_zero": [{"LIMIT": 0}],
        "limit_negative": [{"LIMIT": -1}],
        "limit_non_numeric": [{"LIMIT": "ten"}],
        "offset_negative": [{"OFFSET": -5, "LIMIT": 5}],
        "offset_past_total": [{"OFFSET": 1_000_000, "LIMIT": 5}],
        "start_parameter": [{"start": 5, "LIMIT": 5}],
        "colleagues_user_data_other_values": [
            {"USER_DATA": v, "LIMIT": 1} for v in loose_user_data
        ],
        "colleagues_lowercase_parameter_names": [{"limit": 2, "user_data": "Y"}],
        "unknown_ids": [{"ID": [unknown, unknown + 1]}],
        "mixed_known_unknown_ids": [{"ID": [first, unknown]}],
        "duplicate_ids": [{"ID": [first, first]}],
        "zero_id": [{"ID": [0]}],
        "negative_id": [{"ID": [-first]}],
        "non_numeric_element": [{"ID": [first, "abc"]}],
        "bare_number": [{"ID": first}],
        "string_single_id": [{"ID": str(first)}],
        "string_comma_list": [{"ID": f"{first},{second}"}],
        "malformed_json_string": [{"ID": f"[{first},"}],
        "object_instead_of_array": [{"ID": {"a": first}}],
        "nested_arrays": [{"ID": [[first], [second]]}],
        "more_than_50_ids": [{"ID": [*ids, *range(unknown, unknown + 51)][: 51 + len(ids)]}],
        "user_data_other_values": [{"ID": [first], "USER_DATA": v} for v in loose_user_data],
        "lowercase_parameter_names": [{"id": [first], "user_data": "Y"}],
    }


def probe_cases(contract: MethodContract, ids: Sequence[int], transport: str) -> list[Case]:
    cases = []
    for probe in sent_probes(contract):
        for params in probe_params(probe["name"], ids):
            cases.append(
                Case(
                    method=contract.name,
                    kind="probe",
                    name=probe["name"],
                    call=Call(contract.name, params, transport),  # type: ignore[arg-type]
                    doc=probe["doc"],
                )
            )
    return cases
