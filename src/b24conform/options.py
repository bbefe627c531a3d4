"""The options of a run, declared once for both entry points: `b24conform run` and pytest.

The command line takes them as `--webhook`, pytest as `--b24-webhook`; both end in the same
`RunOptions`, so the suite behaves the same whichever way it is started. Every option may also
come from a `B24_*` environment variable or the configuration file (`config.py`): a flag wins
over the environment, the environment over the file, the file over the default (`resolve`).
Secrets (a webhook's code, a token) are never taken from a file. Declaring the options is cheap
(the pytest plugin does it in every pytest run of an environment with b24conform installed): the
engine loads only when `to_run_options` builds a run; the defaults are `defaults.DEFAULTS`.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24conform.config import ConfigFile, find_config
from b24conform.defaults import DEFAULTS, FAIL_ON
from b24conform.errors import UsageError
from b24conform.transport.ratelimit import RateLimit

if TYPE_CHECKING:  # the engine loads when a run is built, not when the options are declared
    from b24conform.engine import Progress, RunOptions

MAX_SECONDS = 7 * 24 * 3600.0  # a week: more is a typo, and too big for a socket timeout
MAX_COUNT = 10**9  # requests, examples, departments: beyond this a value is a typo, not a plan
MAX_SEED = 2**63 - 1
MAX_DEPARTMENTS = 100_000


def shown(text: str) -> str:
    """A value as an error message quotes it: short, and printable whatever bytes it holds."""
    quoted = ascii(text)
    return quoted if len(quoted) <= 40 else quoted[:37] + "..."


def bounded(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {shown(text)}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}: {shown(text)}")
        return value

    parse.__name__ = "number"
    return parse


positive = bounded(1, MAX_COUNT)
seed = bounded(0, MAX_SEED)


def seconds(text: str) -> float:
    """A duration: a finite number of seconds above 0 (0 would stop the run before it starts)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {shown(text)}") from None
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_SECONDS:.0f} seconds: {shown(text)}"
        )
    return value


def department_ids(text: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"department ids must be numbers: {shown(text)}") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one department id")
    if not all(1 <= i <= MAX_SEED for i in ids):
        raise argparse.ArgumentTypeError(f"department ids are numbers from 1: {shown(text)}")
    return ids


def text(value: str) -> str:
    """An argparse type for a URL or token: not empty (an unset CI secret is an empty string,
    and an empty `--webhook` must not quietly become a run of the bundled portal)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("is empty")
    return value


def path(value: str) -> Path:
    """An argparse type for a file or directory: not empty (an empty one would mean `.`)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("is empty")
    if "\0" in value or any(len(os.fsencode(part)) > 255 for part in Path(value).parts):
        raise argparse.ArgumentTypeError(f"is no usable file name: {shown(value)}")
    return Path(value)


def rate_limit(text: str) -> RateLimit | None:
    try:
        return RateLimit.parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--rate-limit ")) from None


#: (group, flag, argparse keyword arguments). `default` is applied by `resolve`, after the
#: environment and the configuration file: argparse and pytest see None for an option not given.
OPTIONS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "target",
        "--webhook",
        {
            "type": text,
            "metavar": "URL",
            "help": "inbound webhook https://<portal>/rest/<user>/<code>/ (env B24_WEBHOOK_URL)",
        },
    ),
    (
        "target",
        "--oauth-portal",
        {
            "type": text,
            "metavar": "URL",
            "help": "portal address for OAuth (env B24_PORTAL_URL)",
        },
    ),
    (
        "target",
        "--oauth-token",
        {
            "type": text,
            "metavar": "TOKEN",
            "help": "OAuth access token (env B24_ACCESS_TOKEN)",
        },
    ),
    (
        "target",
        "--cassette",
        {"metavar": "DIR", "type": path, "help": "replay a recording offline"},
    ),
    (
        "target",
        "--record",
        {"metavar": "DIR", "type": path, "help": "record the live run into DIR"},
    ),
    (
        "target",
        "--denied-webhook",
        {
            "type": text,
            "metavar": "URL",
            "action": "append",
            "default": [],
            "help": "webhook of a user the docs deny the methods (an extranet user, a bot), for "
            "the access-denied checks; repeatable, one per role (env B24_DENIED_WEBHOOK_URLS, "
            "comma-separated)",
        },
    ),
    (
        "target",
        "--extranet-webhook",
        {
            "type": text,
            "metavar": "URL",
            "action": "append",
            "default": [],
            "help": "the same as --denied-webhook, its older name (env B24_EXTRANET_WEBHOOK_URL)",
        },
    ),
    (
        "target",
        "--allow-insecure",
        {
            "action": "store_true",
            "help": "allow plain http:// to a non-loopback host (the secret travels unencrypted)",
        },
    ),
    (
        "target",
        "--department-ids",
        {
            "metavar": "LIST",
            "type": department_ids,
            "help": "department ids to use instead of discovering them with department.get",
        },
    ),
    (
        "target",
        "--timeout",
        {
            "metavar": "SECONDS",
            "type": seconds,
            "default": DEFAULTS.timeout,
            "help": f"per-request timeout in seconds (default {DEFAULTS.timeout:g})",
        },
    ),
    (
        "target",
        "--ca-bundle",
        {
            "metavar": "FILE",
            "type": path,
            "help": "trust this CA certificate (PEM) for HTTPS, e.g. a `b24conform portal --tls` one",
        },
    ),
    (
        "limits",
        "--max-time",
        {
            "metavar": "SECONDS",
            "type": seconds,
            "help": "stop sending after this long; what is left is reported as not checked",
        },
    ),
    (
        "check",
        "--docs",
        {
            "default": DEFAULTS.docs,
            "help": f"documented revision to judge by: current or rev18 (default {DEFAULTS.docs})",
        },
    ),
    (
        "check",
        "--methods",
        {
            "metavar": "LIST",
            "default": None,
            "help": "comma-separated methods to check (default: every method the current docs "
            "have a contract for)",
        },
    ),
    (
        "check",
        "--max-examples",
        {
            "metavar": "N",
            "type": positive,
            "default": DEFAULTS.max_examples,
            "help": f"generated valid requests per method (default {DEFAULTS.max_examples})",
        },
    ),
    (
        "check",
        "--seed",
        {
            "metavar": "N",
            "type": seed,
            "default": DEFAULTS.seed,
            "help": f"generation seed (default {DEFAULTS.seed})",
        },
    ),
    (
        "check",
        "--no-batch",
        {"action": "store_true", "help": "send every case alone instead of in batch"},
    ),
    (
        "limits",
        "--rate-limit",
        {
            "metavar": "RATE",
            "type": rate_limit,
            "default": DEFAULTS.rate_limit,
            "help": f"the portal's plan: 2/s:50 (standard), 5/s:250 (enterprise) or off (default {DEFAULTS.rate_limit or 'off'})",
        },
    ),
    (
        "limits",
        "--max-requests",
        {"metavar": "N", "type": positive, "help": "never send more requests than N"},
    ),
    (
        "outcome",
        "--report-dir",
        {
            "metavar": "DIR",
            "type": path,
            "default": DEFAULTS.report_dir,
            "help": f"where report.html, deviations.json and junit.xml go (default {DEFAULTS.report_dir})",
        },
    ),
    (
        "outcome",
        "--baseline",
        {
            "metavar": "FILE",
            "type": path,
            "help": "a previous deviations.json or an accepted-deviations file",
        },
    ),
    (
        "outcome",
        "--fail-on",
        {
            "choices": FAIL_ON,
            "default": DEFAULTS.fail_on,
            "help": f"lowest severity of a new deviation that fails the run (default {DEFAULTS.fail_on})",
        },
    ),
    (
        "reference",
        "--portal-profile",
        {
            "default": DEFAULTS.portal_profile,
            "help": f"reference portal profile: docs or rev18 (default {DEFAULTS.portal_profile})",
        },
    ),
    (
        "reference",
        "--portal-fault",
        {
            "metavar": "NAME",
            "action": "append",
            "default": [],
            "help": "switch on a fault of the reference portal (repeatable; see b24conform portal --list-faults)",
        },
    ),
    (
        "reference",
        "--portal-seed",
        {
            "metavar": "N",
            "type": seed,
            "default": DEFAULTS.portal_seed,
            "help": f"reference company seed (default {DEFAULTS.portal_seed})",
        },
    ),
    (
        "reference",
        "--portal-departments",
        {
            "metavar": "N",
            "type": bounded(3, MAX_DEPARTMENTS),
            "default": DEFAULTS.portal_departments,
            "help": f"departments of the reference company (default {DEFAULTS.portal_departments})",
        },
    ),
]
GROUPS = {
    "target": "target (the first given wins; none: the bundled reference portal)",
    "check": "what to check",
    "limits": "limits",
    "outcome": "outcome",
    "reference": "the bundled reference portal (used when no target is given)",
}


def dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


#: The target's variables keep the names they always had; every other option is B24_<NAME>.
ENV_NAMES = {
    "webhook": "B24_WEBHOOK_URL",
    "oauth_portal": "B24_PORTAL_URL",
    "oauth_token": "B24_ACCESS_TOKEN",
    "extranet_webhook": "B24_EXTRANET_WEBHOOK_URL",
    "denied_webhook": "B24_DENIED_WEBHOOK_URLS",
}
#: Options that carry a secret: a flag or the environment (a CI secret), never a file in a repository.
SECRETS = ("webhook", "oauth_token", "extranet_webhook", "denied_webhook")
TRUE, FALSE = ("1", "true", "yes", "on", "y"), ("0", "false", "no", "off", "n")


def env_name(name: str) -> str:
    """The environment variable of an option (`fail_on` → `B24_FAIL_ON`)."""
    return ENV_NAMES.get(name, "B24_" + name.upper())


class _Unset:
    """The parsed value of an option not given (None is a value: `--rate-limit off`)."""

    def __repr__(self) -> str:
        return "<not given>"


UNSET: Any = _Unset()


def parser_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """An option's argparse/pytest keywords with no default: `resolve` applies it after the rest."""
    return {**kwargs, "default": None if kwargs.get("action") == "append" else UNSET}


def _given(kwargs: dict[str, Any], value: Any) -> bool:
    return value is not UNSET and not (value is None and kwargs.get("action") == "append")


def add_to_argparse(parser: argparse.ArgumentParser) -> None:
    groups = {key: parser.add_argument_group(title) for key, title in GROUPS.items()}
    for group, flag, kwargs in OPTIONS:
        groups[group].add_argument(flag, **parser_kwargs(kwargs))


@dataclass(frozen=True)
class Setting:
    """One option's value and where it came from: a flag, a variable, the file, or the default."""

    value: Any
    source: str


def resolve(
    given: Callable[[str], Any],
    environ: Mapping[str, str] | None = None,
    config: ConfigFile | bool | None = True,
) -> dict[str, Setting]:
    """Every option's value, by precedence flag > environment > file > default.

    `given(dest)` is the parsed flag (`UNSET` or None when not given); `config=True` finds the file from the working
    directory up. A value that does not parse, an unknown key or a secret in the file is a
    one-line UsageError naming where the bad value came from.
    """
    environ = os.environ if environ is None else environ
    if config is True:
        config = find_config()
    file_values = _file_values(config) if config else {}
    settings: dict[str, Setting] = {}
    for _, flag, kwargs in OPTIONS:
        name = dest(flag)
        variable = env_name(name)
        if _given(kwargs, given(name)):
            settings[name] = Setting(given(name), flag)
        elif variable in environ:  # set but empty is an error, as an empty flag is
            settings[name] = Setting(_convert(kwargs, environ[variable], variable), variable)
        elif name in file_values:
            assert isinstance(config, ConfigFile)
            where = f"{config.label}: {flag[2:]}"
            value = _convert(kwargs, file_values[name], where, base=config.path.parent)
            settings[name] = Setting(value, config.label)
        else:
            default = kwargs.get("default", False if kwargs.get("action") == "store_true" else None)
            settings[name] = Setting(default, "default")
    return settings


def apply_settings(namespace: Any, prefix: str = "") -> dict[str, Setting]:
    """Resolve the options parsed into `namespace` (argparse's, or pytest's `config.option`)
    and write the values back, so that everything downstream reads the effective value."""
    settings = resolve(lambda name: getattr(namespace, prefix + name, UNSET))
    for name, setting in settings.items():
        setattr(namespace, prefix + name, setting.value)
    return settings


def _file_values(config: ConfigFile) -> dict[str, Any]:
    known = {dest(flag) for _, flag, _ in OPTIONS}
    values: dict[str, Any] = {}
    for key, value in config.values.items():
        name = key.replace("-", "_")
        if name in SECRETS:
            raise UsageError(
                f"{config.label}: {key} holds a secret and is never read from a file; "
                f"set {env_name(name)} in the environment (a CI secret) instead"
            )
        if name not in known:
            raise UsageError(
                f"{config.label}: unknown option {key!r} (keys are `b24conform run` options "
                "without the leading --)"
            )
        values[name] = value
    return values


def _convert(kwargs: dict[str, Any], raw: Any, where: str, base: Path | None = None) -> Any:
    """A value from the environment (text) or the file (TOML) checked as its flag's would be."""
    try:
        if kwargs.get("action") == "store_true":
            return _boolean(raw)
        if kwargs.get("action") == "append":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            return [str(item).strip() for item in items if str(item).strip()]
        listed = isinstance(raw, list) and kwargs.get("metavar") == "LIST"
        if isinstance(raw, (bool, dict, list)) and not listed:
            raise ValueError(f"not a valid value: {raw!r}")
        text = ",".join(str(item) for item in raw) if listed else str(raw)
        convert = kwargs.get("type")
        value = convert(text) if convert else text
        if kwargs.get("choices") and value not in kwargs["choices"]:
            raise ValueError(f"{text!r} is not one of {', '.join(kwargs['choices'])}")
        if isinstance(value, Path) and base is not None:
            value = base / value
        return value
    except (argparse.ArgumentTypeError, ValueError, TypeError, UsageError) as exc:
        raise UsageError(f"{where}: {exc}") from None


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ValueError(f"not a yes/no value: {raw!r}")


def masked(name: str, value: Any) -> str:
    """A setting as `b24conform config` shows it: secrets hidden, the rest as given."""
    if value is None and name == "methods":
        return ",".join(DEFAULTS.methods)
    if value is None:
        return "off" if name == "rate_limit" else "-"
    if name == "oauth_token":
        return "****"
    if name in SECRETS:
        return re.sub(r"(/rest/[^/]+/)[^/?#]+", r"\1****", str(value))
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value) or "-"
    return str(value)


def to_run_options(
    get: Callable[[str], Any], progress: Callable[[Progress], None] | None = None
) -> RunOptions:
    """Build RunOptions from parsed values; `get(dest)` reads one (CLI namespace or pytest config)."""
    from b24conform.baseline import Baseline
    from b24conform.engine import RunOptions
    from b24conform.targets import TargetOptions

    named = get("methods")
    methods = (
        DEFAULTS.methods
        if named is None
        else tuple(m.strip() for m in named.split(",") if m.strip())
    )
    if not methods:
        raise UsageError("--methods names no method")
    baseline = Baseline.load(get("baseline")) if get("baseline") else None
    return RunOptions(
        target=TargetOptions(
            webhook=get("webhook"),
            oauth_portal=get("oauth_portal"),
            oauth_token=get("oauth_token"),
            cassette=get("cassette"),
            record=get("record"),
            denied_webhooks=(*(get("denied_webhook") or ()), *(get("extranet_webhook") or ())),
            allow_insecure=bool(get("allow_insecure")),
            rate_limit=get("rate_limit"),
            max_requests=get("max_requests"),
            timeout=get("timeout"),
            max_time=get("max_time"),
            ca_bundle=str(get("ca_bundle")) if get("ca_bundle") else None,
            portal_profile=get("portal_profile"),
            portal_faults=tuple(get("portal_fault") or ()),
            portal_seed=get("portal_seed"),
            portal_departments=get("portal_departments"),
        ),
        docs=get("docs"),
        methods=methods,
        max_examples=get("max_examples"),
        seed=get("seed"),
        batch=not get("no_batch"),
        department_ids=get("department_ids"),
        fail_on=get("fail_on"),
        baseline=baseline,
        progress=progress,
    )
