"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol.

Chromium is started with `--remote-debugging-pipe` and spoken to on file descriptors 3 and 4
(NUL-separated JSON messages), so the test needs nothing but the Debian `chromium` package: no
driver, no websocket library. Skipped only when Chromium is missing outside CI; under CI a
missing Chromium fails. A screenshot goes to reports/screenshots/ (a CI artifact).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from b24conform.report import write_reports
from tests.report_samples import HOSTILE, SECTIONS, real_docs_deviations, sample_document

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


class Browser:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, executable: str, profile: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_fds() -> None:  # runs in the child: the pipe must be fds 3 (in) and 4 (out)
            high_r, high_w = os.dup(to_child_r), os.dup(from_child_w)  # 3/4 may be taken
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds,  # the test process runs no threads
            close_fds=True,
            pass_fds=(3, 4),  # kept open in the child after wire_fds put the pipe there
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", session=False)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict[str, Any] | None = None, session: bool = True) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, name: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == name:
                self.events.remove(event)
                return event
        deadline = time.monotonic() + self.timeout
        while True:
            event = self._read_message(deadline)
            if event.get("method") == name:
                return event
            self.events.append(event)

    def set_width(self, width: int, height: int = 900) -> None:
        """Lay the page out at `width` CSS pixels; below 600 as a phone (mobile viewport rules)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def open_page(self, url: str) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, False
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.set_width(1280)
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"JS failed: {expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def scroll_to(self, selector: str) -> None:
        """Scroll an element to the top, again once the rows above it have been laid out (rows
        off screen are only estimated, `content-visibility: auto`)."""
        for _ in range(3):
            self.js(
                f"new Promise(done => {{ document.querySelector({json.dumps(selector)})"
                ".scrollIntoView(); requestAnimationFrame(() => requestAnimationFrame(done)); })"
            )

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        box = self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.js("[document.documentElement.scrollWidth, document.body.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        data = self.call("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(json.dumps(params.get("args", []))[:300])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(params["entry"].get("text", "")[:300])
        return errors


@pytest.fixture
def chromium() -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail("chromium is not installed (CI must install it: apt-get install chromium)")
        pytest.skip(
            "chromium is not installed (apt-get install chromium); set CI=1 to fail instead"
        )
    return path


@pytest.fixture
def browser(chromium: str):
    with tempfile.TemporaryDirectory(prefix="b24conform-chromium-") as profile:
        b = Browser(chromium, Path(profile))
        try:
            yield b
        finally:
            b.close()


@pytest.mark.slow
def test_report_renders_and_filters_in_chromium(browser: Browser, tmp_path: Path) -> None:
    document = sample_document(n_deviations=40)
    html = write_reports(document, tmp_path)["html"]
    browser.open_page(html.as_uri())

    # Every section renders, the filter bar was switched on by the script.
    for section in SECTIONS:
        assert browser.js(f"!!document.getElementById('{section}')"), section
    assert browser.js("document.getElementById('filters').hidden") is False
    assert browser.js("document.querySelectorAll('#summary svg rect').length") > 0
    # The hostile portal value is shown as text, and no script from it ran.
    assert browser.js(f"document.body.textContent.includes({json.dumps(HOSTILE)})")
    assert browser.js("document.querySelectorAll('main script').length") == 0

    total = browser.js("document.querySelectorAll('details.dev').length")
    assert total == len(document["deviations"])
    errors = sum(d["severity"] == "error" for d in document["deviations"])
    assert 0 < errors < total
    browser.screenshot(SCREENSHOTS / "report-top.png")

    # A real click on the "warning" chip: only warning rows stay visible.
    browser.click("#filters button[data-filter='sev'][data-value='warning']")
    visible = browser.js(
        "[...document.querySelectorAll('details.dev')]"
        ".filter(e => e.offsetParent !== null).map(e => e.dataset.sev)"
    )
    warnings = sum(d["severity"] == "warning" for d in document["deviations"])
    assert visible and set(visible) == {"warning"}
    assert len(visible) == warnings
    assert browser.js("document.getElementById('shown').textContent") == (
        f"showing {warnings} of {total}"
    )
    browser.js("document.querySelector('details.dev:not(.is-hidden)').open = true")
    browser.js("window.scrollTo(0, document.getElementById('deviations').offsetTop - 90)")
    browser.screenshot(SCREENSHOTS / "report-filtered.png")

    # Adding "error" shows both; narrowing to known rows intersects the groups.
    browser.click("#filters button[data-filter='sev'][data-value='error']")
    visible = browser.js(
        "[...document.querySelectorAll('details.dev')]"
        ".filter(e => e.offsetParent !== null).map(e => e.dataset.sev)"
    )
    assert set(visible) == {"warning", "error"} and len(visible) == warnings + errors
    browser.click("#filters button[data-filter='baseline'][data-value='known']")
    rows = browser.js(
        "[...document.querySelectorAll('details.dev')]"
        ".filter(e => e.offsetParent !== null).map(e => [e.dataset.sev, e.dataset.baseline])"
    )
    expected = [
        d
        for d in document["deviations"]
        if d["severity"] in ("warning", "error") and d["baseline"] == "known"
    ]
    assert len(rows) == len(expected)
    assert all(b == "known" and s in ("warning", "error") for s, b in rows)

    # Reset, then open one deviation: the located value is marked in the actual JSON.
    browser.click("#filters button[data-action='reset']")
    assert browser.js("document.querySelectorAll('details.dev.is-hidden').length") == 0
    browser.js("document.querySelector('details.dev').open = true")
    assert browser.js("document.querySelector('details.dev[open] mark.loc') !== null")
    browser.js("document.getElementById('coverage').scrollIntoView()")
    browser.screenshot(SCREENSHOTS / "report-coverage.png")

    assert browser.console_errors() == []


@pytest.mark.slow
def test_report_without_javascript_still_reads(browser: Browser, tmp_path: Path) -> None:
    """With scripts off, the sections and every deviation are there; the filter bar stays hidden."""
    html = write_reports(sample_document(n_deviations=8), tmp_path)["html"]
    browser.open_page("about:blank")
    browser.call("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.call("Page.navigate", {"url": html.as_uri()})
    browser.wait_event("Page.loadEventFired")
    browser.call("Emulation.setScriptExecutionDisabled", {"value": False})
    # Evaluate without running the page's own script: it was disabled during load.
    assert browser.js("document.getElementById('filters').hidden") is True
    assert browser.js("document.querySelectorAll('details.dev').length") == 8
    assert browser.js("document.querySelectorAll('details.dev[open]').length") == 8
    browser.screenshot(SCREENSHOTS / "report-nojs.png")


@pytest.mark.slow
def test_two_thousand_deviations_open_and_filter(browser: Browser, tmp_path: Path) -> None:
    document = sample_document(n_deviations=2000)
    html = write_reports(document, tmp_path)["html"]
    browser.open_page(html.as_uri())
    assert browser.js("document.querySelectorAll('details.dev').length") == 2000
    # How fast is for bench/report.py to print; here, that filtering 2,000 rows is right.
    browser.click("#filters button[data-value='info']")
    infos = sum(d["severity"] == "info" for d in document["deviations"])
    assert browser.js("document.querySelectorAll('details.dev:not(.is-hidden)').length") == infos
    assert browser.console_errors() == []


#: Layout facts measured in the page (CSS pixels).
LAYOUT = """(() => {
  const doc = document.documentElement;
  const lines = (el) => {
    const cs = getComputedStyle(el);
    const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.5;
    return Math.round(el.getBoundingClientRect().height / lh);
  };
  const input = document.querySelector('#filters input[type=search]');
  const ics = getComputedStyle(input);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = ics.font;
  return {
    scrollWidth: doc.scrollWidth,
    clientWidth: doc.clientWidth,
    revisionLines: lines(document.querySelector('#revision dd')),
    targetLines: lines(document.querySelector('#target dd')),
    placeholder: ctx.measureText(input.placeholder).width,
    placeholderRoom: input.clientWidth - parseFloat(ics.paddingLeft) - parseFloat(ics.paddingRight),
    sections: [...document.querySelectorAll('main > section')].map(s => s.id),
    tops: [...document.querySelectorAll('main > section')].map(s => s.getBoundingClientRect().top),
    sticking_out: [...document.querySelectorAll('body *')]
      .filter(e => !e.parentElement.closest('pre, .scroll'))
      .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 0.5)
      .map(e => e.tagName + '.' + e.className).slice(0, 5),
  };
})()"""


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def layout_document() -> dict[str, Any]:
    """A report as a reader meets it: a long target name, a five-part revision, the docs' real
    contradictions of both revisions, judged against the current page."""
    document = sample_document(n_deviations=12)
    document["run"]["target"] = "cassette cassettes/reference (recorded from the reference portal)"
    document["run"]["revision"] = {
        "rest": 32, "web": 130, "mobile": 22, "desktop": 6, "im_revision_mobile": 22,
    }  # fmt: skip
    document["deviations"] = [
        d for d in document["deviations"] if d["kind"] != "docs_inconsistency"
    ] + real_docs_deviations()
    return document


@pytest.mark.slow
def test_report_reads_at_desktop_and_phone_widths(browser: Browser, tmp_path: Path) -> None:
    """At 1280 px and 390 px: nothing sticks out sideways, the revision and target cells fit in
    two lines, the search placeholder is whole, and both widths show the same sections in the
    same order. Full-page screenshots go to reports/screenshots/ (compared by their size: a page
    wider than the window would make the picture wider)."""
    html = write_reports(layout_document(), tmp_path)["html"]
    browser.open_page(html.as_uri())
    facts = {}
    for width in (1280, 390):
        browser.set_width(width)
        browser.call("Page.reload")
        browser.wait_event("Page.loadEventFired")
        facts[width] = f = browser.js(LAYOUT)
        assert f["clientWidth"] == width
        assert f["scrollWidth"] <= width, (width, f["sticking_out"])
        assert f["sticking_out"] == [], width
        assert f["revisionLines"] <= 2, (width, f["revisionLines"])
        assert f["targetLines"] <= 2, (width, f["targetLines"])
        assert f["placeholder"] <= f["placeholderRoom"], (width, f)
        assert f["tops"] == sorted(f["tops"])
        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(SCREENSHOTS / f"report-{width}-top.png")
        full = SCREENSHOTS / f"report-{width}-full.png"
        browser.screenshot(full, full_page=True)
        shot_width, shot_height = png_size(full)
        assert shot_width == width, (width, shot_width)
        f["height"] = shot_height
        browser.scroll_to("#docs-inconsistencies")
        browser.screenshot(SCREENSHOTS / f"report-{width}-docs.png")
    assert facts[390]["sections"] == facts[1280]["sections"] == list(SECTIONS)
    # The phone page reflows (taller), it does not shrink the desktop page into the window.
    assert facts[390]["height"] > facts[1280]["height"]
    # At desktop width the revision fits on one line.
    assert facts[1280]["revisionLines"] == 1
    assert browser.console_errors() == []
