"""The website chat widget in a real browser: Debian's Chromium driven by Playwright, talking to the
real Rasa server over socket.io (the session-scoped `servers` fixture).

Never downloads a browser: set CHROMIUM to use another binary than /usr/bin/chromium. Every test
fails if the page ever opens a dialog (alert/confirm), which injected markup would do. The last
test restarts Rasa once, so it stays last. Screenshots go to pytest's temporary directory, or to
docs/screenshots (the README's) with UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.channels.widget import origins
from bot.config import ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
Page = playwright_api.Page

pytestmark = pytest.mark.server

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1100, "height": 780}
PHONE = {"width": 360, "height": 740}
ANSWER_TIMEOUT = 20_000  # ms: NLU + action server + socket.io round trip, on a busy 2-core machine

# Shadow-DOM selectors (Playwright's CSS engine pierces open shadow roots).
LAUNCHER, PANEL, INPUT = ".amc-launcher", ".amc-panel", ".amc-input"
BOT, USER = ".amc-bot .amc-bubble", ".amc-user .amc-bubble"
CITE, QUICK, STATUS, TYPING = ".amc-cite-title", ".amc-quick-reply", ".amc-status", ".amc-typing"
GREETING = "virtual assistant"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (CI does)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One browser context on the demo page, recording dialogs and page errors."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int] = DESKTOP, **context: Any) -> None:
        self.context = browser.new_context(viewport=viewport, **context)
        self.page: Page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.url = url

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def goto(self, url: str | None = None) -> Page:
        self.page.goto(url or self.url + "/chat/")
        expect(self.page.locator(LAUNCHER)).to_be_visible()
        return self.page

    def open(self) -> Page:
        """Open the panel and wait for the greeting."""
        page = self.page
        page.locator(LAUNCHER).click()
        expect(page.locator(PANEL)).to_be_visible()
        expect(page.locator(BOT).first).to_contain_text(GREETING, timeout=ANSWER_TIMEOUT)
        return page

    def ask(self, text: str) -> None:
        """Type `text` and press Enter; waits for the bot's reply to it."""
        page = self.page
        before = page.locator(BOT).count()
        page.locator(INPUT).fill(text)
        page.locator(INPUT).press("Enter")
        # The visitor's message shows at once, before any reply.
        expect(page.locator(USER).last).to_have_text(text, timeout=1_000)
        expect(page.locator(BOT)).not_to_have_count(before, timeout=ANSWER_TIMEOUT)
        expect(page.locator(TYPING)).to_be_hidden(timeout=ANSWER_TIMEOUT)

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors
        assert not self.dialogs, f"the page opened a dialog: {self.dialogs}"


@pytest.fixture
def visit(browser: Any, servers: Any) -> Iterator[Visit]:
    v = Visit(browser, servers.url)
    yield v
    v.close()


def shadow_eval(page: Page, script: str) -> Any:
    """Run `script` (a function body) with `root` = the widget's shadow root."""
    return page.evaluate(f"() => {{ const root = document.querySelector('#acne-marks-chat').shadowRoot; {script} }}")


def record_typing(page: Page) -> None:
    """Remember in window.__typingShown whether the typing indicator ever appears."""
    shadow_eval(page, """
        window.__typingShown = false;
        const typing = root.querySelector('.amc-typing');
        new MutationObserver(() => { if (!typing.hidden) window.__typingShown = true; })
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
    """)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS"):
        return ROOT / "docs" / "screenshots"
    return tmp_path_factory.mktemp("screenshots")


def screenshot(page: Page, path: Path) -> None:
    """Screenshot as in the README: the question and the start of its answer in view, and the demo
    page's snippet naming the default address rather than this test server's random port."""
    shadow_eval(page, """
        const log = root.querySelector('.amc-log');
        log.scrollTop = [...log.querySelectorAll('.amc-user')].pop().offsetTop - 12;
    """)
    page.evaluate("""() => document.querySelectorAll('pre code').forEach((code) => {
        code.textContent = code.textContent.replace(location.origin, 'http://localhost:5005');
    })""")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


# ----------------------------------------------------------------------------------------- tests


def test_demo_page_serves_the_single_embeddable_script(servers):
    import requests

    page = requests.get(servers.url + "/chat/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f'src="{servers.url}/chat/widget.js"' in page.text  # the snippet to copy, with this server
    script = requests.get(servers.url + "/chat/widget.js", timeout=30)
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "session_request" in script.text and "//cdn" not in script.text and "unpkg" not in script.text


def test_greeting_then_a_grounded_answer_naming_its_section(visit, shots):
    page = visit.goto()
    expect(page.locator(PANEL)).to_be_hidden()
    launcher = page.locator(LAUNCHER)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    visit.open()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(INPUT)).to_be_focused()
    # The greeting (utter_greet, asked for with /greet, which is never shown) offers 3 questions.
    expect(page.locator(BOT)).to_have_count(1)
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(QUICK)).to_have_count(3)
    expect(page.locator(".amc-log")).to_have_attribute("aria-live", "polite")
    # Its custom payload ({kind: smalltalk}) is not shown, only kept on the message element.
    greeting = page.locator(".amc-bot").first
    expect(greeting).to_have_attribute("data-kind", "smalltalk")
    expect(greeting).not_to_have_attribute("data-section", re.compile(".*"))
    expect(page.locator(".amc-log")).not_to_contain_text("smalltalk")

    record_typing(page)
    # This reply arriving at all is also the check for RasaHQ/rasa#13027: with python-socketio
    # >= 5.10, Rasa 3.6 never joins the session room, so socket.io replies never reach the browser.
    visit.ask("what causes pimple marks?")
    assert page.evaluate("window.__typingShown"), "no typing indicator while waiting"
    answer = page.locator(".amc-bot").last
    expect(answer.locator(CITE)).to_have_text("What causes pimple marks?")
    expect(answer.locator(".amc-cite-label")).to_have_text(re.compile("from the article", re.I))
    expect(answer).to_contain_text("excess melanin production after inflammation")
    expect(answer).not_to_contain_text("From *")
    # Auto-scroll: the log scrolled down to the new answer, which shows from its start.
    assert shadow_eval(page, """
        const log = root.querySelector('.amc-log');
        const last = [...log.querySelectorAll('.amc-msg')].pop();
        return log.scrollTop > 0 && last.offsetTop >= log.scrollTop
            && last.offsetTop < log.scrollTop + log.clientHeight;
    """)
    screenshot(page, shots / "widget-desktop.png")


def test_a_suggested_question_sends_its_payload_and_the_buttons_go(visit):
    page = visit.goto()
    visit.open()
    page.locator(QUICK, has_text="What causes the marks acne leaves?").click()
    expect(page.locator(USER).last).to_have_text("What causes the marks acne leaves?")  # the title, not /ask_causes
    expect(page.locator(CITE)).to_have_text("What causes pimple marks?", timeout=ANSWER_TIMEOUT)
    assert "/ask_" not in page.locator(".amc-log").inner_text()
    # The greeting's buttons are gone; the answer brings its own.
    expect(page.locator(".amc-bot").first.locator(QUICK)).to_have_count(0)
    expect(page.locator(".amc-bot").last.locator(QUICK).first).to_be_visible()
    expect(page.locator(INPUT)).to_be_focused()


def test_a_reload_continues_the_conversation(visit):
    page = visit.goto()
    visit.open()
    visit.ask("tell me about the serum")
    expect(page.locator(CITE).last).to_have_text("Skincare routine to get rid of pimple marks")
    session = page.evaluate("Object.keys(sessionStorage).find(k => k.endsWith(':state'))")
    session_id = page.evaluate(f"JSON.parse(sessionStorage.getItem('{session}')).sessionId")
    assert session_id

    page.reload()
    # The transcript is back (panel still open), with no second greeting.
    expect(page.locator(PANEL)).to_be_visible()
    expect(page.locator(USER)).to_have_text(["tell me about the serum"])
    expect(page.locator(BOT).filter(has_text=GREETING)).to_have_count(1)
    expect(page.locator(".amc-bot").first).to_have_attribute("data-kind", "smalltalk")  # kept in the transcript
    # ...and the server-side conversation too: the follow-up needs the remembered topic.
    visit.ask("how long until it works?")
    answer = page.locator(".amc-bot").last
    expect(answer).to_contain_text("2 weeks")
    assert page.evaluate(f"JSON.parse(sessionStorage.getItem('{session}')).sessionId") == session_id
    # The article's footnote stars ("over time*, ..." / "*Product in use study") stay plain text.
    expect(answer.locator("em, strong")).to_have_count(0)
    expect(answer).to_contain_text("*Product in use study")


def test_markup_is_shown_as_text_and_never_run(visit):
    page = visit.goto()
    visit.open()
    attack = "<img src=x onerror=alert(1)>"
    visit.ask(attack)
    expect(page.locator(USER).last).to_have_text(attack)
    assert shadow_eval(page, "return root.querySelectorAll('.amc-log img, .amc-log script').length") == 0
    assert page.locator("img").count() == 0  # nor anywhere in the page
    expect(page.locator(BOT).last).not_to_be_empty()  # a polite reply
    visit.ask("what is PIE?")  # a barrier: by its answer, a handler in the markup would have run
    expect(page.locator(BOT).last).to_contain_text("blood vessels")
    assert not visit.dialogs


def test_keyboard_only(visit):
    page = visit.goto()
    # Tab from the top of the page reaches the launcher; Enter opens the panel.
    for _ in range(30):
        page.keyboard.press("Tab")
        if shadow_eval(page, "return root.activeElement?.classList.contains('amc-launcher') || false"):
            break
    else:
        pytest.fail("Tab never reached the launcher")
    outline = shadow_eval(
        page, "const s = getComputedStyle(root.activeElement); return [s.outlineStyle, s.outlineWidth]"
    )
    assert outline[0] != "none" and outline[1] != "0px", f"no visible focus on the launcher: {outline}"
    page.keyboard.press("Enter")
    expect(page.locator(BOT).first).to_contain_text(GREETING, timeout=ANSWER_TIMEOUT)
    expect(page.locator(INPUT)).to_be_focused()

    # Tab cycles through every control of the panel.
    seen: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(shadow_eval(page, "return root.activeElement ? root.activeElement.className : ''"))
    for control in ("amc-send", "amc-close", "amc-log", "amc-quick-reply", "amc-input"):
        assert any(control in c.split() for c in seen), f"Tab never reached .{control}: {seen}"

    # Enter on a focused suggested question sends it.
    page.locator(QUICK).nth(1).focus()
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_have_text("How do I get rid of my marks?")
    expect(page.locator(CITE).last).to_be_visible(timeout=ANSWER_TIMEOUT)

    # Esc closes, and focus goes back to the launcher.
    page.locator(INPUT).focus()
    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_be_hidden()
    expect(page.locator(LAUNCHER)).to_be_focused()
    expect(page.locator(LAUNCHER)).to_have_attribute("aria-expanded", "false")


def _luminance(rgb: tuple[float, ...]) -> float:
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_contrast_passes_wcag_aa(visit):
    page = visit.goto()
    visit.open()
    visit.ask("what causes pimple marks?")
    # [selector, background selector] pairs: each text against what it sits on.
    pairs = shadow_eval(page, r"""
        const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
        const bg = (el) => {
            for (; el; el = el.parentElement) {
                const c = getComputedStyle(el).backgroundColor;
                if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return rgb(c);
            }
            return [255, 255, 255];
        };
        const sel = ['.amc-title', '.amc-subtitle', '.amc-user .amc-bubble', '.amc-bot .amc-bubble p',
                     '.amc-cite-label', '.amc-cite-title', '.amc-quick-reply', '.amc-note', '.amc-input'];
        return sel.map((s) => {
            const el = root.querySelector(s);
            return el && [s, rgb(getComputedStyle(el).color), bg(el)];
        }).filter(Boolean);
    """)
    assert len(pairs) == 9, pairs
    ratios = [(s, round(_contrast(tuple(fg), tuple(bg)), 2)) for s, fg, bg in pairs]
    low = [(s, r) for s, r in ratios if r < 4.5]
    assert not low, f"below WCAG AA 4.5:1: {low}"


def test_phone_layout_at_360px(browser, servers, shots):
    visit = Visit(browser, servers.url, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = visit.goto()
        visit.open()
        visit.ask("what causes pimple marks?")
        expect(page.locator(CITE).last).to_have_text("What causes pimple marks?")
        box = page.locator(PANEL).bounding_box()
        assert box and box["x"] >= 0 and box["width"] <= PHONE["width"] + 0.5, box
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert shadow_eval(page, "const l = root.querySelector('.amc-log'); return l.scrollWidth <= l.clientWidth")
        for selector in (INPUT, ".amc-send", ".amc-close"):
            b = page.locator(selector).bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"], (selector, b)
        screenshot(page, shots / "widget-phone.png")
    finally:
        visit.close()


@pytest.fixture(scope="module")
def other_sites(servers: Any) -> Iterator[dict[str, str]]:
    """Two other web sites embedding the bot's script: one on 127.0.0.1 (allowed by the development
    default) and one on 127.0.0.2 (not allowed). Real servers, as Chromium refuses loopback
    requests from pages it can't place on the local network (Playwright-routed ones, say)."""
    html = f'<!doctype html><title>Shop</title><p>A shop</p><script src="{servers.url}/chat/widget.js"></script>'

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html.encode())

        def log_message(self, *_: Any) -> None:
            pass

    sites, servers_ = {}, []
    for name, host in (("allowed", "127.0.0.1"), ("refused", "127.0.0.2")):
        try:
            httpd = ThreadingHTTPServer((host, 0), Page)
        except OSError as exc:  # 127.0.0.2 is only routed by default on Linux
            pytest.skip(f"can't serve a page on {host}: {exc}")
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers_.append(httpd)
        sites[name] = f"http://{host}:{httpd.server_address[1]}/"
    yield sites
    for httpd in servers_:
        httpd.shutdown()
        httpd.server_close()


def test_allowed_origins_setting():
    dev: dict[str, str] = {}
    assert origins.is_allowed("http://localhost:3000", environ=dev)
    assert origins.is_allowed("https://127.0.0.1", environ=dev)
    assert not origins.is_allowed("http://localhost.evil.com", environ=dev)
    assert not origins.is_allowed("https://www.example.com", environ=dev)
    assert origins.is_allowed("https://bot.example.com", host="bot.example.com", environ=dev)  # same origin
    assert origins.is_allowed(None, environ=dev)  # not a browser
    prod = {"ALLOWED_ORIGINS": "https://www.example.com, https://shop.example.com/"}
    assert origins.is_allowed("https://shop.example.com", environ=prod)
    assert not origins.is_allowed("http://localhost:3000", environ=prod)
    assert not origins.is_allowed("http://www.example.com", environ=prod)
    assert origins.cors_origins(prod) == ["https://www.example.com", "https://shop.example.com"]
    assert origins.cors_origins(dev) == [origins.DEV_PATTERN]
    assert origins.is_allowed("https://anywhere.test", environ={"ALLOWED_ORIGINS": "*"})


def test_allowed_origins_govern_the_socket(browser, servers, other_sites):
    if "*" in origins.configured(servers.env):
        pytest.skip("ALLOWED_ORIGINS=* in this environment")
    # Development default: a page on localhost (any port) may embed the widget...
    visit = Visit(browser, servers.url)
    try:
        visit.goto(other_sites["allowed"])
        visit.open()
    finally:
        visit.close()
    # ...a site that isn't listed can load the script but not talk to the bot.
    visit = Visit(browser, servers.url)
    try:
        page = visit.goto(other_sites["refused"])
        page.locator(LAUNCHER).click()
        expect(page.locator(STATUS)).to_be_visible(timeout=ANSWER_TIMEOUT)
        expect(page.locator(STATUS)).to_contain_text("can't reach")
        expect(page.locator(BOT)).to_have_count(0)
    finally:
        visit.close()


def test_error_state_while_the_bot_is_down_then_recovery(visit, servers):
    """Last in this module: restarts Rasa."""
    page = visit.goto()
    visit.open()
    visit.ask("what causes pimple marks?")
    servers.stop_rasa()
    try:
        status = page.locator(STATUS)
        expect(status).to_be_visible(timeout=15_000)
        expect(status).to_have_attribute("role", "alert")
        expect(status).to_contain_text(re.compile("can't reach|lost", re.I))
        expect(status.locator(".amc-retry")).to_be_visible()
        status.locator(".amc-retry").click()  # nothing to reach yet: stays in the error state
        expect(status).to_be_visible()
        # A question asked meanwhile waits, visibly, and goes once the bot is back.
        page.locator(INPUT).fill("what is thiamidol?")
        page.locator(INPUT).press("Enter")
        expect(page.locator(".amc-pending")).to_have_count(1)
    finally:
        servers.start_rasa()
    expect(page.locator(STATUS)).to_be_hidden(timeout=30_000)
    expect(page.locator(".amc-pending")).to_have_count(0)
    expect(page.locator(".amc-bot").last).to_contain_text("Thiamidol", timeout=ANSWER_TIMEOUT)
    # Still the same conversation, transcript included.
    expect(page.locator(USER).first).to_have_text("what causes pimple marks?")
    visit.ask("thanks")
    expect(page.locator(BOT).last).to_contain_text("welcome")
