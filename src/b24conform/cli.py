"""The command line: `b24conform run | portal | diff | report | config`.

Every error a user can cause ends as one line on stderr and exit code 2 (3 when the target cannot
be checked); a traceback means a bug in b24conform. Nothing in the report directory is touched
until a run has an outcome to write.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from b24conform import __version__
from b24conform.defaults import DEFAULTS, FAIL_ON
from b24conform.errors import B24ConformError, UsageError
from b24conform.options import (
    OPTIONS,
    add_to_argparse,
    apply_settings,
    dest,
    masked,
    path,
    to_run_options,
)

if TYPE_CHECKING:
    from b24conform.engine import Progress

# The engine, the reports and the portal load when a command needs them: `--help` and
# `--version` import only the option table (bench/speed.py prints the start-up time).


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"b24conform: {one_line(message)} (see {self.prog} --help)\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        """As argparse's, but an unknown option is reported by the command it was given to.

        argparse collects a sub-command's unrecognised arguments and lets the top-level parser
        complain, whose help does not list the sub-command's options.
        """
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            commands = getattr(self, "commands", {})  # set by build_parser on the top parser
            owner = commands.get(getattr(parsed, "command", None), self)
            owner.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed


def one_line(message: str, limit: int = 400) -> str:
    """An error as one line of bounded length, whatever the user typed into it."""
    line = " ".join(str(message).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def build_parser() -> Parser:
    parser = Parser(prog="b24conform", description="Conformance suite for the Bitrix24 REST API.")
    parser.add_argument("--version", action="version", version=f"b24conform {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    parser.commands = commands.choices

    run_parser = commands.add_parser("run", help="check a portal against the docs (the main job)")
    add_to_argparse(run_parser)
    output = run_parser.add_argument_group("output")
    output.add_argument("--quiet", action="store_true", help="no progress line")
    output.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log retries, throttling and budgets on stderr (-vv: every request); never a secret",
    )
    output.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object on stdout"
    )

    openapi_parser = commands.add_parser(
        "openapi", help="write the documented contract as an OpenAPI 3.1 document"
    )
    openapi_parser.add_argument(
        "--docs", default="current", help="documented revision: current (default) or rev18"
    )
    openapi_parser.add_argument(
        "-o", "--output", metavar="FILE", type=path, help="write to FILE (default: stdout)"
    )

    config_parser = commands.add_parser(
        "config", help="show every run option, its value and where it comes from"
    )
    add_to_argparse(config_parser)

    portal_parser = commands.add_parser("portal", help="serve the reference portal")
    from b24conform.portal import command as portal_command

    portal_command.add_arguments(portal_parser)
    portal_parser.add_argument(
        "--cassette",
        metavar="DIR",
        type=path,
        help="serve a recording instead: its answers to the requests it holds, 404 to the rest",
    )

    diff_parser = commands.add_parser("diff", help="compare two runs' deviations.json")
    diff_parser.add_argument("old", type=Path)
    diff_parser.add_argument("new", type=Path)
    diff_parser.add_argument("--fail-on", choices=FAIL_ON, default=DEFAULTS.fail_on)

    report_parser = commands.add_parser(
        "report", help="rebuild report.html and junit.xml from a log"
    )
    report_parser.add_argument("log", type=Path, help="a deviations.json")
    report_parser.add_argument(
        "--report-dir", metavar="DIR", type=path, help="where to write (default: beside the log)"
    )
    return parser


def run_command(args: argparse.Namespace, stderr: TextIO) -> int:
    from b24conform.engine import run
    from b24conform.report import check_report_dir, write_reports

    apply_settings(args)
    check_report_dir(args.report_dir)
    if args.baseline and _same_file(args.baseline, args.report_dir / "deviations.json"):
        raise B24ConformError(
            f"--baseline {args.baseline} is the log this run would write over: "
            "copy it elsewhere first (a baseline must outlive the run it judges)"
        )
    quiet = args.quiet or args.verbose or not stderr.isatty()
    progress = None if quiet else ProgressLine(stderr)
    options = to_run_options(lambda name: getattr(args, name), progress)
    level = logging.DEBUG if args.verbose > 1 else logging.INFO
    with logging_to(stderr, level) if args.verbose else contextlib.nullcontext():
        outcome = run(options)
    if progress:
        progress.clear()

    paths = write_reports(outcome.document, args.report_dir)
    if args.json:
        print(json.dumps(json_summary(outcome.document, paths, outcome.exit_code)))
    else:
        print_summary(outcome.document, paths.get("html"), sys.stdout)
    line = unchecked_line(outcome.document, args.fail_on)
    if line:
        stderr.write(f"b24conform: {line}\n")
    line = not_planned_line(outcome.document)
    if line:
        stderr.write(f"b24conform: {line}\n")
    return outcome.exit_code


def not_planned_line(document: dict) -> str | None:
    """One line for stderr when a budget left cases out of the plan: how many, of what, why."""
    left = document.get("not_planned") or []
    if not left:
        return None
    kinds: dict[str, int] = {}
    for entry in left:
        kinds[entry["what"]] = kinds.get(entry["what"], 0) + entry["count"]
    what = ", ".join(f"{kind}: {n}" for kind, n in kinds.items())
    total = sum(kinds.values())
    return f"planned to fit {left[0]['reason']}: {total} cases left out ({what})"


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except (OSError, RuntimeError):
        return False


@contextlib.contextmanager
def logging_to(stream: TextIO, level: int) -> Iterator[None]:
    """Send b24conform's log (transport: retries, throttling, budgets) to `stream` for a run.

    The transport redacts every URL it logs; the handler adds nothing but the message. It is
    removed afterwards, so `main()` called again in one process (a script, a test) logs once.
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("b24conform: %(message)s"))
    logger = logging.getLogger("b24conform")
    level_before = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level_before)


def json_summary(document: dict, paths: dict[str, Path], code: int) -> dict:
    """What a script needs from a run, on one line of stdout (`--json`)."""
    from b24conform.deviations import not_checked_count

    run_info, summary = document["run"], document["summary"]
    return {
        "format": "b24conform.summary/1",
        "exit_code": code,
        "target": run_info["target"],
        "mode": run_info["mode"],
        "docs": run_info["docs"],
        "cases": summary["cases"],
        "requests": run_info["requests"],
        "errors": summary["error"],
        "warnings": summary["warning"],
        "info": summary["info"],
        "new": sum(1 for d in document["deviations"] if d.get("baseline") != "known"),
        "not_checked": not_checked_count(document),
        "interrupted": bool(run_info.get("interrupted")),
        "reports": {key: str(file) for key, file in paths.items()},
    }


def openapi_command(args: argparse.Namespace) -> int:
    from b24conform.openapi import build_openapi
    from b24conform.spec import load_spec

    text = json.dumps(build_openapi(load_spec(args.docs)), indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {args.output}: cannot write ({exc.strerror or exc})") from None
    print(f"openapi: {args.output}")
    return 0


def config_command(args: argparse.Namespace, out: TextIO) -> int:
    """Every run option with its effective value and its source; secrets masked."""
    from b24conform.config import find_config

    settings = apply_settings(args)
    found = find_config()
    out.write(
        f"config file: {found.label}\n"
        if found
        else f"config file: none (no b24conform.toml or [tool.b24conform] from {Path.cwd()} up)\n"
    )
    width = max(len(flag) for _, flag, _ in OPTIONS)
    for _, flag, _ in OPTIONS:
        setting = settings[dest(flag)]
        value = masked(dest(flag), setting.value)
        out.write(f"{flag[2:]:<{width}} {value:<40} ({setting.source})\n")
    return 0


def unchecked_line(document: dict, fail_on: str) -> str | None:
    """One line for stderr when the run checked less than it planned: how many, and why."""
    from b24conform.deviations import not_checked_count, not_checked_reasons, verdict

    missed = not_checked_count(document)
    if not missed and not document["run"].get("interrupted"):
        return None
    reasons = not_checked_reasons(document)
    why = ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items(), key=lambda r: -r[1]))
    why = why or "interrupted"
    cases = document["summary"].get("cases", missed)
    kept = "; the recording was not kept" if document["run"].get("recording") == "not kept" else ""
    if verdict(document, fail_on) == "unchecked":
        return f"nothing checked: none of the {cases} planned cases got an answer ({why}){kept}"
    return f"incomplete: {missed} of {cases} planned cases not checked ({why}){kept}"


def print_summary(document: dict, html: Path | None, out: TextIO) -> None:
    from b24conform.report.text import headline

    out.write(summary_line(document) + "\n")
    run_info = document["run"]
    if run_info.get("not_documented"):
        out.write(
            f"  not checked: {', '.join(run_info['not_documented'])} "
            f"(not documented in revision {run_info['docs']})\n"
        )
    for deviation in document["deviations"]:
        if deviation["severity"] != "info":
            out.write(f"  {headline(deviation)}\n")
    if html:
        out.write(f"report: {html}\n")


def summary_line(document: dict) -> str:
    """'<target>, judged against the <docs> docs: N cases in M requests, counts by severity'."""
    from b24conform.deviations import not_checked_count
    from b24conform.report.text import plural, severity_counts

    run_info, summary = document["run"], document["summary"]
    line = (
        f"{run_info['target']}, judged against the {run_info['docs']} docs: "
        f"{plural(summary['cases'], 'case')} in {plural(run_info['requests'], 'request')}, "
        f"{severity_counts(summary)}"
    )
    if not_checked_count(document):
        line += f", {not_checked_count(document)} not checked"
    if run_info.get("baseline"):
        new = sum(1 for d in document["deviations"] if d.get("baseline") != "known")
        line += f", {new} new against the baseline"
    if run_info.get("interrupted"):
        line += ", INTERRUPTED"
    return line


class ProgressLine:
    """One self-overwriting line on a terminal, at most ten updates a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and progress.cases_done < progress.cases_total:
            return
        self.last = now
        self.stream.write(
            f"\r{progress.cases_done}/{progress.cases_total} cases · {progress.requests} requests · "
            f"{progress.deviations} deviations "
        )
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()


def diff_command(args: argparse.Namespace) -> int:
    from b24conform.baseline import diff_documents, exit_code
    from b24conform.report import load_document
    from b24conform.report.text import headline

    old, new = load_document(args.old), load_document(args.new)
    result = diff_documents(old, new)
    for label in ("new", "fixed", "unchanged"):
        print(f"{label}: {len(result[label])}")
        if label != "unchanged":
            for d in result[label]:
                print(f"  {headline(d)}")
    print(f"observations changed: {len(result['changed_observations'])}")
    for o in result["changed_observations"]:
        print(f"  {o['method']} {o['probe']}: {o['changed']['before']} → {o['outcome']}")
    return exit_code(new, args.fail_on)


def report_command(args: argparse.Namespace) -> int:
    from b24conform.report import load_document, write_reports

    document = load_document(args.log)
    directory = args.report_dir or args.log.parent
    paths = write_reports(document, directory)
    print(f"report: {paths['html']}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a non-UTF-8 path printed back must not crash
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run_command(args, sys.stderr)
        if args.command == "portal" and args.cassette:
            from b24conform.cassettes.serve import serve

            return serve(args.cassette, args.host, args.port, args.tls, args.ca_file)
        if args.command == "portal":
            from b24conform.portal import command as portal_command

            return portal_command.run(args)
        if args.command == "diff":
            return diff_command(args)
        if args.command == "openapi":
            return openapi_command(args)
        if args.command == "config":
            return config_command(args, sys.stdout)
        return report_command(args)
    except B24ConformError as exc:
        print(f"b24conform: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "b24conform: interrupted before anything was checked; nothing written", file=sys.stderr
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
