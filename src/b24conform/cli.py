"""The command line: `b24conform run | portal | diff | report`.

Every error a user can cause ends as one line on stderr and exit code 2 (3 when the target cannot
be checked); a traceback means a bug in b24conform. Nothing in the report directory is touched
until a run has an outcome to write.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from b24conform import __version__
from b24conform.baseline import FAIL_ON, Baseline, exit_code
from b24conform.engine import DEFAULT_METHODS, Progress, RunOptions, load_document, run
from b24conform.errors import B24ConformError, UsageError
from b24conform.targets import TargetOptions
from b24conform.transport import RateLimit
from b24conform.transport.ratelimit import STANDARD_PLAN


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, not a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"b24conform: {message} (see b24conform {self.prog.split()[-1]} --help)\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _ids(text: str) -> tuple[int, ...]:
    try:
        ids = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"department ids must be numbers: {text!r}") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one department id")
    return ids


def _rate(text: str) -> RateLimit | None:
    try:
        return RateLimit.parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--rate-limit ")) from None


def build_parser() -> Parser:
    parser = Parser(prog="b24conform", description="Conformance suite for the Bitrix24 REST API.")
    parser.add_argument("--version", action="version", version=f"b24conform {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run_parser = commands.add_parser("run", help="check a portal against the docs (the main job)")
    target = run_parser.add_argument_group(
        "target (first given wins; none: the bundled reference portal)"
    )
    target.add_argument(
        "--webhook",
        metavar="URL",
        default=os.environ.get("B24_WEBHOOK_URL"),
        help="inbound webhook https://<portal>/rest/<user>/<code>/ (env B24_WEBHOOK_URL)",
    )
    target.add_argument(
        "--oauth-portal",
        metavar="URL",
        default=os.environ.get("B24_PORTAL_URL"),
        help="portal address for OAuth (env B24_PORTAL_URL)",
    )
    target.add_argument(
        "--oauth-token",
        metavar="TOKEN",
        default=os.environ.get("B24_ACCESS_TOKEN"),
        help="OAuth access token (env B24_ACCESS_TOKEN)",
    )
    target.add_argument("--cassette", metavar="DIR", type=Path, help="replay a recording offline")
    target.add_argument("--record", metavar="DIR", type=Path, help="record the live run into DIR")
    target.add_argument(
        "--extranet-webhook",
        metavar="URL",
        help="webhook of an extranet user or a bot, for the access-denied checks",
    )
    target.add_argument(
        "--allow-insecure",
        action="store_true",
        help="allow plain http:// to a non-loopback host (the secret travels unencrypted)",
    )
    target.add_argument(
        "--department-ids",
        metavar="LIST",
        type=_ids,
        help="department ids to use instead of discovering them with department.get",
    )
    target.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=float,
        default=30.0,
        help="per-request timeout (default 30)",
    )
    what = run_parser.add_argument_group("what to check")
    what.add_argument(
        "--docs", default="current", help="documented revision to judge by: current|rev18"
    )
    what.add_argument(
        "--methods",
        metavar="LIST",
        default=",".join(DEFAULT_METHODS),
        help="comma-separated methods (default: %(default)s)",
    )
    what.add_argument(
        "--max-examples",
        metavar="N",
        type=_positive,
        default=200,
        help="generated valid requests per method (default 200)",
    )
    what.add_argument(
        "--seed", metavar="N", type=int, default=0, help="generation seed (default 0)"
    )
    what.add_argument(
        "--no-batch", action="store_true", help="send every case alone instead of in batch"
    )
    limits = run_parser.add_argument_group("limits")
    limits.add_argument(
        "--rate-limit",
        metavar="RATE",
        type=_rate,
        default=STANDARD_PLAN,
        help="portal plan: 2/s:50 (standard, default), 5/s:250 (enterprise) or off",
    )
    limits.add_argument(
        "--max-requests", metavar="N", type=_positive, help="never send more requests"
    )
    out = run_parser.add_argument_group("outcome")
    out.add_argument("--report-dir", metavar="DIR", type=Path, default=Path("reports"))
    out.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="a previous deviations.json or an accepted-deviations file",
    )
    out.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="lowest severity that fails the run (default error)",
    )
    out.add_argument("--quiet", action="store_true", help="no progress line")
    ref = run_parser.add_argument_group("the bundled reference portal (when no target is given)")
    ref.add_argument("--portal-profile", default="docs", help="docs (default) or rev18")
    ref.add_argument(
        "--portal-fault",
        metavar="NAME",
        action="append",
        default=[],
        help="switch on a fault of the reference portal (repeatable)",
    )
    ref.add_argument("--portal-seed", metavar="N", type=int, default=0, help="company data seed")
    ref.add_argument("--portal-departments", metavar="N", type=_positive, default=12)

    portal_parser = commands.add_parser("portal", help="serve the reference portal")
    from b24conform.portal import command as portal_command

    portal_command.add_arguments(portal_parser)

    diff_parser = commands.add_parser("diff", help="compare two runs' deviations.json")
    diff_parser.add_argument("old", type=Path)
    diff_parser.add_argument("new", type=Path)
    diff_parser.add_argument("--fail-on", choices=FAIL_ON, default="error")

    report_parser = commands.add_parser(
        "report", help="rebuild report.html and junit.xml from a log"
    )
    report_parser.add_argument("log", type=Path, help="a deviations.json")
    report_parser.add_argument(
        "--report-dir", metavar="DIR", type=Path, help="where to write (default: beside the log)"
    )
    return parser


def run_command(args: argparse.Namespace, stderr: TextIO) -> int:
    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    if not methods:
        raise UsageError("--methods names no method")
    baseline = Baseline.load(args.baseline) if args.baseline else None
    progress = None if args.quiet or not stderr.isatty() else ProgressLine(stderr)
    options = RunOptions(
        target=TargetOptions(
            webhook=args.webhook,
            oauth_portal=args.oauth_portal,
            oauth_token=args.oauth_token,
            cassette=args.cassette,
            record=args.record,
            extranet_webhook=args.extranet_webhook,
            allow_insecure=args.allow_insecure,
            rate_limit=args.rate_limit,
            max_requests=args.max_requests,
            timeout=args.timeout,
            portal_profile=args.portal_profile,
            portal_faults=tuple(args.portal_fault),
            portal_seed=args.portal_seed,
            portal_departments=args.portal_departments,
        ),
        docs=args.docs,
        methods=methods,
        max_examples=args.max_examples,
        seed=args.seed,
        batch=not args.no_batch,
        department_ids=args.department_ids,
        fail_on=args.fail_on,
        baseline=baseline,
        progress=progress,
    )
    outcome = run(options)
    if progress:
        progress.clear()
    from b24conform.report import write_reports

    paths = write_reports(outcome.document, args.report_dir)
    print_summary(outcome.document, paths.get("html"), sys.stdout)
    return outcome.exit_code


def print_summary(document: dict, html: Path | None, out: TextIO) -> None:
    run_info, summary = document["run"], document["summary"]
    new = sum(1 for d in document["deviations"] if d.get("baseline") != "known")
    out.write(
        f"{run_info['target']} ({run_info['mode']}, docs {run_info['docs']}): "
        f"{summary['cases']} cases in {run_info['requests']} requests, "
        f"{summary['error']} errors, {summary['warning']} warnings, {summary['info']} info"
        f"{f', {new} new against the baseline' if run_info.get('baseline') else ''}"
        f"{', INTERRUPTED' if run_info.get('interrupted') else ''}\n"
    )
    for deviation in document["deviations"]:
        if deviation["severity"] != "info":
            out.write(
                f"  {deviation['severity']:7} {deviation['method']} {deviation['check']}: "
                f"{deviation['message']} [{deviation['location']}]\n"
            )
    if html:
        out.write(f"report: {html}\n")


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
    from b24conform.baseline import diff_documents

    old, new = load_document(args.old), load_document(args.new)
    result = diff_documents(old, new)
    for label in ("new", "fixed", "unchanged"):
        print(f"{label}: {len(result[label])}")
        if label != "unchanged":
            for d in result[label]:
                print(
                    f"  {d['severity']:7} {d['method']} {d['check']} {d['kind']} {d['location']}: {d['message']}"
                )
    print(f"observations changed: {len(result['changed_observations'])}")
    for o in result["changed_observations"]:
        print(f"  {o['method']} {o['probe']}: {o['changed']['before']} → {o['outcome']}")
    return exit_code(new, args.fail_on)


def report_command(args: argparse.Namespace) -> int:
    from b24conform.report import write_reports

    document = load_document(args.log)
    directory = args.report_dir or args.log.parent
    paths = write_reports(document, directory)
    print(f"report: {paths['html']}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return run_command(args, sys.stderr)
        if args.command == "portal":
            from b24conform.portal import command as portal_command

            return portal_command.run(args)
        if args.command == "diff":
            return diff_command(args)
        return report_command(args)
    except B24ConformError as exc:
        print(f"b24conform: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "b24conform: interrupted before anything was checked; nothing written", file=sys.stderr
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
