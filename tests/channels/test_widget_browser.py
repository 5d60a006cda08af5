"""The website chat widget in a real browser: Debian's Chromium driven by Playwright, talking to the
real Rasa server over socket.io (the session-scoped `servers` fixture).

Never downloads a browser: set CHROMIUM to use another binary than /usr/bin/chromium. Every test
fails if the page ever opens a dialog (alert/confirm), which injected markup would do. The last
test restarts Rasa once, so it stays last. Screenshots go to pytest's temporary directory, or to
docs/screenshots (the README's) with UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import threading
import time
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
ON_A_PHONE = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
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


def screenshot(page: Page, path: Path, top: str = ".amc-user") -> None:
    """Screenshot as in the README: the question and the start of its answer in view (the last
    `top` element at the top of the log), and the demo page's snippet naming the default address
    rather than this test server's random port."""
    shadow_eval(page, f"const top = {json.dumps(top)};" + """
        const log = root.querySelector('.amc-log');
        log.scrollTop = [...log.querySelectorAll(top)].pop().offsetTop - 12;
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
    expect(page.locator(BOT, has_text="blood vessels")).to_have_count(1)
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
    # each text against what it sits on
    pairs = color_pairs(page, ['.amc-title', '.amc-subtitle', '.amc-user .amc-bubble', '.amc-bot .amc-bubble p',
                               '.amc-cite-label', '.amc-cite-title', '.amc-quick-reply', '.amc-note', '.amc-input'])
    assert len(pairs) == 9, pairs
    ratios = [(s, round(_contrast(tuple(fg), tuple(bg)), 2)) for s, fg, bg in pairs]
    low = [(s, r) for s, r in ratios if r < 4.5]
    assert not low, f"below WCAG AA 4.5:1: {low}"


def test_phone_layout_at_360px(browser, servers, shots):
    visit = Visit(browser, servers.url, **ON_A_PHONE)
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


# ------------------------------------------------------------------------------ votes on answers

VOTES, UP, DOWN = ".amc-votes", ".amc-vote-up", ".amc-vote-down"
COMMENT, COMMENT_INPUT = ".amc-comment", ".amc-comment-input"
FEEDBACK_MSG = ".amc-bot[data-kind='feedback']"
MISSING = "What was missing?"


def session_id(page: Page) -> str:
    """The conversation's id (the tracker store's sender_id), from the widget's saved state."""
    sid = page.evaluate(
        "JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.endsWith(':state')))).sessionId"
    )
    assert sid
    return sid


def stored_events(servers: Any, sender: str, type_name: str) -> list[dict[str, Any]]:
    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = ? ORDER BY id",
                          (sender, type_name)).fetchall()
    return [json.loads(data) for (data,) in rows]


def stored_votes(servers: Any, sender: str, count: int) -> list[dict[str, Any]]:
    """The `feedback` slot events of a conversation, from the tracker store of the test servers
    (waiting up to 10 s for `count` of them: the tracker is saved just after the reply is sent)."""
    deadline = time.monotonic() + 10
    while True:
        votes = [e["value"] for e in stored_events(servers, sender, "slot") if e.get("name") == "feedback"]
        if len(votes) >= count or time.monotonic() > deadline:
            return votes
        time.sleep(0.2)


def stored_topics(servers: Any, sender: str) -> dict[str, str | None]:
    """Answer id -> topic, from the custom payloads of the bot messages stored for the conversation."""
    topics: dict[str, str | None] = {}
    for event in stored_events(servers, sender, "bot"):
        custom = (event.get("data") or {}).get("custom") or {}
        if custom.get("id"):
            topics[custom["id"]] = topics.get(custom["id"]) or custom.get("topic")
    return topics


def vote_state(page: Page, index: int) -> list[tuple[str | None, bool]]:
    """(aria-pressed, disabled) of the 👍 and 👎 of the index-th answer."""
    group = page.locator(VOTES).nth(index)
    return [(group.locator(b).get_attribute("aria-pressed"), group.locator(b).is_disabled()) for b in (UP, DOWN)]


def color_pairs(page: Page, selectors: list[str]) -> list[tuple[str, list[float], list[float]]]:
    """[selector, colour, background it sits on] of the first element matching each selector."""
    return shadow_eval(page, f"const sel = {json.dumps(selectors)};" + r"""
        const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
        const bg = (el) => {
            for (; el; el = el.parentElement) {
                const c = getComputedStyle(el).backgroundColor;
                if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return rgb(c);
            }
            return [255, 255, 255];
        };
        return sel.map((s) => {
            const el = root.querySelector(s);
            return el && [s, rgb(getComputedStyle(el).color), bg(el)];
        }).filter(Boolean);
    """)


def test_votes_and_a_comment_reach_the_store_and_survive_a_reload(visit, servers, shots):
    page = visit.goto()
    visit.open()
    expect(page.locator(VOTES)).to_have_count(0)  # the greeting is not an answer
    visit.ask("what causes pimple marks?")
    # One 👍 / 👎 pair per answer, under its last message (custom.rate).
    expect(page.locator(VOTES)).to_have_count(1, timeout=ANSWER_TIMEOUT)
    answer = page.locator(".amc-bot").filter(has=page.locator(VOTES))
    expect(answer).to_contain_text("excess melanin production after inflammation")
    up, down = page.locator(VOTES).first.locator(UP), page.locator(VOTES).first.locator(DOWN)
    expect(up).to_have_attribute("aria-label", "This answer helped")
    expect(down).to_have_attribute("aria-label", "This answer didn't help")
    assert page.get_by_role("button", name="This answer helped").count() == 1
    assert vote_state(page, 0) == [("false", False), ("false", False)]
    # Contrast: the label is text (4.5:1); the buttons' icons and borders are controls (3:1).
    pairs = color_pairs(page, [".amc-votes-label", ".amc-vote"])
    assert len(pairs) == 2 and _contrast(tuple(pairs[0][1]), tuple(pairs[0][2])) >= 4.5, pairs
    assert _contrast(tuple(pairs[1][1]), tuple(pairs[1][2])) >= 3, pairs
    border = shadow_eval(page, "return getComputedStyle(root.querySelector('.amc-vote')).borderTopColor")
    assert _contrast(tuple(map(float, re.findall(r"[\d.]+", border)[:3])), (255, 255, 255)) >= 3, border

    # 👍: pressed, both disabled, sent but never shown as the visitor's message; the bot thanks.
    users = page.locator(USER).count()
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(up).to_be_disabled()
    expect(down).to_be_disabled()
    expect(page.locator(FEEDBACK_MSG)).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(page.locator(FEEDBACK_MSG)).to_contain_text("Thanks")
    expect(page.locator(USER)).to_have_count(users)
    assert "/feedback" not in page.locator(".amc-log").inner_text()
    up.click(force=True)  # disabled: a second vote can't be given
    pairs = color_pairs(page, [".amc-vote[aria-pressed='true']"])
    assert _contrast(tuple(pairs[0][1]), tuple(pairs[0][2])) >= 4.5, pairs
    screenshot(page, shots / "widget-votes.png")

    # 👎 on the next answer: the bot asks what was missing (one-tap buttons), the widget adds a box.
    visit.ask("what is PIE?")
    expect(page.locator(VOTES)).to_have_count(2, timeout=ANSWER_TIMEOUT)
    page.locator(VOTES).nth(1).locator(DOWN).click()
    assert vote_state(page, 1) == [("false", True), ("true", True)]
    assert vote_state(page, 0) == [("true", True), ("false", True)]
    missing = page.locator(FEEDBACK_MSG).filter(has_text=MISSING)
    expect(missing).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(missing.locator(QUICK)).to_have_count(3)
    expect(page.locator(FEEDBACK_MSG).filter(has_text="talk to a person")).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(missing.locator(COMMENT)).to_have_count(1)
    box = page.get_by_label(MISSING)
    expect(box).to_be_visible()
    expect(box).to_have_attribute("maxlength", "1000")
    expect(box).not_to_be_focused()  # voted with a click: no jump (a phone would pop up its keyboard)
    page.mouse.move(0, 0)  # no hover effect on the one-tap comment under the pointer
    screenshot(page, shots / "widget-feedback.png", top=".amc-votes")
    expect(page.locator(USER)).to_have_count(users + 1)  # the 2nd question only
    comment = 'Nothing on "PIE" vs PIH <b>at all</b> & {no} \\ links'
    box.fill(comment)
    missing.locator(".amc-comment-send").click()
    # The comment shows as the visitor's own words (text, not markup); the box goes; the bot thanks.
    expect(page.locator(USER).last).to_have_text(comment)
    assert shadow_eval(page, "return root.querySelectorAll('.amc-log b').length") == 0
    expect(page.locator(COMMENT)).to_have_count(0)
    expect(missing.locator(QUICK)).to_have_count(0)  # the one-tap comments are spent too
    expect(page.locator(FEEDBACK_MSG).last).to_contain_text("will read it", timeout=ANSWER_TIMEOUT)
    expect(page.locator(INPUT)).to_be_focused()

    # The server stored each vote in the conversation: `feedback` slot events.
    sender = session_id(page)
    votes = stored_votes(servers, sender, 3)
    first, second = (page.locator(VOTES).nth(i).get_attribute("data-answer") for i in (0, 1))
    topics = stored_topics(servers, sender)
    assert topics[first] and topics[second], topics
    assert votes == [
        {"answer": first, "rating": "up", "topic": topics[first], "comment": None},
        {"answer": second, "rating": "down", "topic": topics[second], "comment": None},
        {"answer": second, "rating": "down", "topic": topics[second], "comment": comment},
    ]
    sent = [e["text"] for e in stored_events(servers, sender, "user") if e["text"].startswith("/feedback")]
    assert sent == [f'/feedback{{"rating":"up","answer":"{first}"}}',
                    f'/feedback{{"rating":"down","answer":"{second}"}}',
                    "/feedback" + json.dumps({"rating": "down", "answer": second, "comment": comment},
                                             separators=(",", ":"), ensure_ascii=False)]

    # After a reload the votes are still shown, and can't be given again.
    page.reload()
    expect(page.locator(VOTES)).to_have_count(2)
    assert vote_state(page, 0) == [("true", True), ("false", True)]
    assert vote_state(page, 1) == [("false", True), ("true", True)]
    expect(page.locator(COMMENT)).to_have_count(0)
    expect(page.locator(USER).last).to_have_text(comment)

    # A 👎, then a new question typed in the main input: an ordinary question; the box stays until
    # the new answer comes, and no comment is sent.
    visit.ask("what is thiamidol?")
    expect(page.locator(VOTES)).to_have_count(3, timeout=ANSWER_TIMEOUT)
    page.locator(VOTES).nth(2).locator(DOWN).click()
    expect(page.locator(COMMENT)).to_have_count(1, timeout=ANSWER_TIMEOUT)
    expect(page.locator(FEEDBACK_MSG).last).to_contain_text("talk to a person", timeout=ANSWER_TIMEOUT)
    page.locator(COMMENT_INPUT).fill("half-typed")
    page.locator(INPUT).fill("what causes pimple marks?")
    # Enter, and the box counted in the same script: the answer (~10 ms away) can't come in between.
    still_there = shadow_eval(page, """
        root.querySelector('.amc-input').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
        return root.querySelectorAll('.amc-comment').length;""")
    assert still_there == 1  # still there while the question goes
    expect(page.locator(USER).last).to_have_text("what causes pimple marks?")
    expect(page.locator(VOTES)).to_have_count(4, timeout=ANSWER_TIMEOUT)
    expect(page.locator(COMMENT)).to_have_count(0)
    votes = stored_votes(servers, sender, 4)
    assert len(votes) == 4 and votes[3]["rating"] == "down" and votes[3]["comment"] is None, votes
    assert "half-typed" not in " ".join(page.locator(USER).all_inner_texts())


def test_votes_with_the_keyboard_only(visit, servers):
    page = visit.goto()
    visit.open()
    visit.ask("tell me about the serum")
    expect(page.locator(VOTES)).to_have_count(1, timeout=ANSWER_TIMEOUT)

    def shift_tab_to(cls: str) -> None:
        for _ in range(15):
            page.keyboard.press("Shift+Tab")
            if shadow_eval(page, f"return root.activeElement?.classList.contains('{cls}') || false"):
                return
        pytest.fail(f"Shift+Tab from the input never reached .{cls}")

    # From the input, Shift+Tab goes back through the answer's suggestions to 👎 then 👍.
    page.locator(INPUT).focus()
    shift_tab_to("amc-vote-down")
    page.keyboard.press("Shift+Tab")
    expect(page.locator(UP)).to_be_focused()
    outline = shadow_eval(
        page, "const s = getComputedStyle(root.activeElement); return [s.outlineStyle, s.outlineWidth]"
    )
    assert outline[0] != "none" and outline[1] != "0px", f"no visible focus on 👍: {outline}"
    page.keyboard.press("Enter")  # Enter votes
    assert vote_state(page, 0) == [("true", True), ("false", True)]
    expect(page.locator(VOTES).first).to_be_focused()  # not lost with the disabled buttons
    expect(page.locator(FEEDBACK_MSG)).to_contain_text("Thanks", timeout=ANSWER_TIMEOUT)

    page.locator(INPUT).focus()
    visit.ask("how long until it works?")
    expect(page.locator(VOTES)).to_have_count(2, timeout=ANSWER_TIMEOUT)
    shift_tab_to("amc-vote-down")
    page.keyboard.press("Space")  # so does Space
    assert vote_state(page, 1) == [("false", True), ("true", True)]
    # The bot asks what was missing; the box takes the focus: type and press Enter.
    expect(page.get_by_label(MISSING)).to_be_focused(timeout=ANSWER_TIMEOUT)
    page.keyboard.type("Which serum to use on red marks")
    page.keyboard.press("Enter")
    expect(page.locator(USER).last).to_have_text("Which serum to use on red marks")
    expect(page.locator(COMMENT)).to_have_count(0)
    expect(page.locator(INPUT)).to_be_focused()
    votes = stored_votes(servers, session_id(page), 3)
    assert [(v["rating"], v["comment"]) for v in votes] == [
        ("up", None), ("down", None), ("down", "Which serum to use on red marks")]


def test_votes_and_the_comment_box_fit_a_phone(browser, servers, shots):
    visit = Visit(browser, servers.url, **ON_A_PHONE)
    try:
        page = visit.goto()
        visit.open()
        visit.ask("what is PIE?")
        expect(page.locator(VOTES)).to_have_count(1, timeout=ANSWER_TIMEOUT)
        page.locator(DOWN).tap()
        expect(page.locator(DOWN)).to_have_attribute("aria-pressed", "true")
        expect(page.locator(COMMENT)).to_be_visible(timeout=ANSWER_TIMEOUT)
        expect(page.locator(FEEDBACK_MSG).last).to_contain_text("talk to a person", timeout=ANSWER_TIMEOUT)
        expect(page.locator(COMMENT_INPUT)).not_to_be_focused()  # a tap: no keyboard popping up
        assert shadow_eval(page, "const l = root.querySelector('.amc-log'); return l.scrollWidth <= l.clientWidth")
        for selector in (UP, DOWN, COMMENT_INPUT, ".amc-comment-send"):
            b = page.locator(selector).bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"], (selector, b)
            assert b["height"] >= 24, (selector, b)  # WCAG 2.5.8 target size
        screenshot(page, shots / "widget-feedback-phone.png", top=".amc-votes")
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
