"""Render a 2,000-deviation outcome document and print render times and file sizes.

    .venv/bin/python bench/report.py [N_DEVIATIONS]

A figure, not a test: the HTML report must stay quick to build and to open with thousands of
deviations (filtering in the page toggles classes; nothing is re-rendered).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from report_samples import sample_document

from b24conform.report import render_html, render_junit, write_reports


def best_of(runs: int, fn, *args):
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    document = sample_document(n_deviations=n)
    render_html(document)  # warm the template cache, as a second report in one process would
    html_s, html = best_of(3, render_html, document)
    junit_s, junit = best_of(3, render_junit, document)
    with tempfile.TemporaryDirectory() as tmp:
        write_s, paths = best_of(3, write_reports, document, Path(tmp))
        sizes = {key: path.stat().st_size for key, path in paths.items()}
    print(f"deviations:         {n}")
    print(f"render_html:        {html_s * 1000:8.1f} ms   {len(html.encode()) / 1e6:6.2f} MB")
    print(f"render_junit:       {junit_s * 1000:8.1f} ms   {len(junit.encode()) / 1e6:6.2f} MB")
    print(f"write_reports (all):{write_s * 1000:8.1f} ms")
    for key, size in sizes.items():
        print(f"  {paths[key].name:<17} {size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()
