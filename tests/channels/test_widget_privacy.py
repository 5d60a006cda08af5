"""The widget's privacy parts: GET /chat/config, the notice, consent, the message-length limit,
and "Delete this conversation" (POST /chat/forget), in Debian's Chromium against the real Rasa and
action servers (the session-scoped `servers`, with the default settings: 90 days, no PRIVACY_URL,
no consent). Settings the servers don't run with (consent, a privacy link, a small limit) are
given to the widget by intercepting its GET /chat/config (Playwright's page.route): the widget's
behaviour is tested against the answer it gets, and the server's parsing of the settings is
unit-tested here without a server.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import uuid
from typing import Any

import pytest
import requests

from bot.channels.widget import origins
from bot.channels.widget import settings as widget_settings
from bot.channels.widget.settings import DEFAULTS, http_url, session_id, widget_config
from bot.config import Settings
from tests.channels import test_widget_browser as wb

expect = wb.expect
Page = wb.Page
ANSWER_TIMEOUT, GREETING = wb.ANSWER_TIMEOUT, wb.GREETING
LAUNCHER, PANEL, INPUT, BOT, USER, CITE, QUICK = wb.LAUNCHER, wb.PANEL, wb.INPUT, wb.BOT, wb.USER, wb.CITE, wb.QUICK
VOTES, UP = wb.VOTES, wb.UP
Visit, shadow_eval, widget_session = wb.Visit, wb.shadow_eval, wb.session_id

# The fixtures of the widget's browser tests, used here too (a browser of this module's own).
browser = wb.browser
visit = wb.visit

NOTICE, AGREE, DELETE_BUTTON = ".amc-notice", ".amc-agree", ".amc-delete"
CONFIRM, CONFIRM_YES, CONFIRM_NO, COUNTER = ".amc-confirm", ".amc-confirm-yes", ".amc-confirm-no", ".amc-count"
server = pytest.mark.server


def rows(servers: Any, sender: str) -> int:
    """How many events of conversation `sender` the test servers' tracker store holds."""
    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def wait_rows(servers: Any, sender: str, timeout: float = 10) -> int:
    """Rows of `sender`, waiting up to `timeout` s for some (a tracker is saved just after its reply)."""
    deadline = time.monotonic() + timeout
    while not (n := rows(servers, sender)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return n


def serve_config(page: Page, **overrides: Any) -> None:
    """Make the widget on `page` get these settings from GET /chat/config (defaults for the rest)."""
    body = json.dumps({**DEFAULTS, **overrides})
    page.route("**/chat/config", lambda route: route.fulfill(status=200, content_type="application/json", body=body))


def forget(servers: Any, body: Any, origin: str | None = None, raw: bytes | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(servers.url + "/chat/forget", data=data, headers=headers, timeout=30)


# ------------------------------------------------------------------------ settings, no server


def test_config_defaults_and_overrides():
    assert widget_config(Settings(retention_days="90", privacy_url="", consent_required="false",
                                  max_message_chars="2000")) == DEFAULTS
    assert widget_config(Settings(retention_days=" 30 ", privacy_url="https://www.example.com/privacy#chat",
                                  consent_required="TRUE", max_message_chars="500")) == {
        "retention_days": 30, "privacy_url": "https://www.example.com/privacy#chat",
        "consent_required": True, "max_message_chars": 500}
    for yes in ("true", "True", "1", "yes", "on"):
        assert widget_config(Settings(consent_required=yes))["consent_required"] is True
    for no in ("false", "0", "no", "off"):
        assert widget_config(Settings(consent_required=no))["consent_required"] is False


def test_config_from_the_environment(monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "7")
    monkeypatch.setenv("PRIVACY_URL", "http://shop.example/privacy")
    monkeypatch.setenv("CONSENT_REQUIRED", "true")
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "300")
    assert widget_config() == {"retention_days": 7, "privacy_url": "http://shop.example/privacy",
                               "consent_required": True, "max_message_chars": 300}
    for name in ("RETENTION_DAYS", "PRIVACY_URL", "CONSENT_REQUIRED", "MAX_MESSAGE_CHARS"):
        monkeypatch.delenv(name)
    assert widget_config() == DEFAULTS


@pytest.mark.parametrize("field, raw, variable", [
    ("retention_days", "ninety", "RETENTION_DAYS"),
    ("retention_days", "0", "RETENTION_DAYS"),
    ("retention_days", "-3", "RETENTION_DAYS"),
    ("retention_days", "1.5", "RETENTION_DAYS"),
    ("max_message_chars", "lots", "MAX_MESSAGE_CHARS"),
    ("max_message_chars", "0", "MAX_MESSAGE_CHARS"),
    ("consent_required", "maybe", "CONSENT_REQUIRED"),
    ("privacy_url", "javascript:alert(1)", "PRIVACY_URL"),
    ("privacy_url", "data:text/html,<b>x</b>", "PRIVACY_URL"),
    ("privacy_url", "/privacy", "PRIVACY_URL"),
    ("privacy_url", "ftp://example.com/privacy", "PRIVACY_URL"),
    ("privacy_url", "https://", "PRIVACY_URL"),
])
def test_a_bad_setting_is_logged_and_the_default_used(caplog, monkeypatch, field, raw, variable):
    monkeypatch.setattr(widget_settings, "_reported", set())
    caplog.set_level(logging.ERROR, logger="bot.channels.widget.settings")
    config = widget_config(Settings(**{field: raw}))
    assert config[field] == DEFAULTS[field]
    assert {k: v for k, v in config.items() if k != field} == {k: v for k, v in DEFAULTS.items() if k != field}
    widget_config(Settings(**{field: raw}))  # logged once, not on every request
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert variable in caplog.records[0].getMessage() and repr(raw) in caplog.records[0].getMessage()


def test_http_url():
    assert http_url("https://example.com/p?q=1") == "https://example.com/p?q=1"
    assert http_url(" HTTP://example.com ") == "HTTP://example.com"
    for bad in ("javascript:alert(1)", "JavaScript://example.com/%0aalert(1)", "mailto:a@b.c", "//example.com",
                "example.com", "https://exa mple.com", "https://example.com/\nx", "http://[::1"):
        assert http_url(bad) is None, bad


def test_session_ids():
    for good in ("a", "0f3c" * 8, "C012AB3CD:1700000000.123456", "x" * 128, "a_b-c.d:e"):
        assert session_id({"session_id": good}) == good
    for bad in (None, [], "abc", {}, {"session_id": ""}, {"session_id": "x" * 129}, {"session_id": 123},
                {"session_id": None}, {"session_id": "a b"}, {"session_id": "abc\n"}, {"session_id": "../x"},
                {"session_id": "a/b"}, {"session_id": "é"}, {"sender": "abc"}):
        assert session_id(bad) is None, bad


def test_erase_holds_the_conversation_lock(monkeypatch):
    """POST /chat/forget deletes under Rasa's lock on the conversation: a message being handled
    (holding the lock) is saved before the deletion, not written back after it."""
    import asyncio
    from types import SimpleNamespace

    from rasa.core.lock_store import InMemoryLockStore

    from bot.channels.widget.channel import erase
    from bot.privacy import erasure

    store = InMemoryLockStore()
    calls: list[tuple[str, float, bool]] = []

    def fake_forget(sender: str) -> int:
        lock = store.get_lock(sender)
        calls.append((sender, time.monotonic(), lock is not None and len(lock.tickets) >= 1))
        return 7

    monkeypatch.setattr(erasure, "forget", fake_forget)
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(lock_store=store)))

    async def scenario() -> tuple[float, int]:
        released = 0.0

        async def handling_a_message() -> None:
            nonlocal released
            async with store.lock("abc"):
                await asyncio.sleep(0.3)
                released = time.monotonic()

        message = asyncio.create_task(handling_a_message())
        await asyncio.sleep(0.05)
        deleted = await erase(app, "abc")
        await message
        return released, deleted

    released, deleted = asyncio.run(scenario())
    assert deleted == 7
    assert len(calls) == 1 and calls[0][0] == "abc" and calls[0][2], calls  # under the lock...
    assert calls[0][1] >= released  # ...taken once the message was done
    assert not (store.get_lock("abc") and store.get_lock("abc").tickets)  # and given back
    # Without an agent (no lock store), it still deletes.
    assert asyncio.run(erase(SimpleNamespace(ctx=SimpleNamespace()), "xyz")) == 7


# ------------------------------------------------------------------------------ the endpoints


@server
def test_config_endpoint(servers):
    reply = requests.get(servers.url + "/chat/config", timeout=30)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    assert reply.headers["cache-control"] == "no-store"
    assert reply.json() == widget_config()  # the test process and the servers share the environment
    if not any(os.environ.get(v) for v in ("RETENTION_DAYS", "PRIVACY_URL", "CONSENT_REQUIRED", "MAX_MESSAGE_CHARS")):
        assert reply.json() == {"retention_days": 90, "privacy_url": None, "consent_required": False,
                                "max_message_chars": 2000}


@server
def test_forget_endpoint(servers):
    sender = f"privacy-test-{uuid.uuid4().hex}"
    servers.texts("what is PIE?", sender=sender)
    assert wait_rows(servers, sender)
    # A page on a foreign origin can't erase anything.
    if "*" not in origins.configured(servers.env):
        refused = forget(servers, {"session_id": sender}, origin="https://evil.example")
        assert refused.status_code == 403, refused.text
        assert rows(servers, sender) > 0
    # Missing or malformed ids: 400, nothing deleted.
    for body in (None, [], {}, {"session_id": ""}, {"session_id": 42}, {"session_id": "a b"},
                 {"session_id": "x" * 129}, {"session_id": sender + "\n"}, {"session_id": "../" + sender},
                 {"sender": sender}):
        reply = forget(servers, body)
        assert reply.status_code == 400, (body, reply.status_code, reply.text)
        assert "session_id" in reply.json()["error"]
    assert forget(servers, None, raw=b"{not json").status_code == 400
    assert rows(servers, sender) > 0
    # An unknown id: nothing to delete.
    assert forget(servers, {"session_id": uuid.uuid4().hex}).json() == {"deleted": 0}
    # A CORS preflight from an allowed origin (a site embedding the widget) is answered.
    preflight = requests.options(servers.url + "/chat/forget", timeout=30, headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code < 300
    if not origins.configured(servers.env):
        assert preflight.headers.get("access-control-allow-origin") == "http://localhost:3000"
    # The conversation, from an allowed origin: deleted, exactly it.
    other = f"privacy-other-{uuid.uuid4().hex}"
    servers.texts("hello", sender=other)
    kept = wait_rows(servers, other)
    expected = rows(servers, sender)
    origin = None if origins.configured(servers.env) else "http://localhost:3000"
    reply = forget(servers, {"session_id": sender}, origin=origin)
    assert reply.status_code == 200 and reply.json() == {"deleted": expected}
    assert reply.headers["cache-control"] == "no-store"
    assert rows(servers, sender) == 0
    assert rows(servers, other) == kept


# ----------------------------------------------------------------------------------- the widget


@server
def test_the_notice_opens_the_conversation(visit):
    page = visit.goto()
    page.locator(LAUNCHER).click()
    notice = page.locator(NOTICE)
    # Before anything is sent: the notice is the first message, and says how long and what for.
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("This conversation is stored for 90 days and is not medical advice.")
    expect(notice.locator("a")).to_have_count(0)  # no PRIVACY_URL: no link
    expect(notice.locator(AGREE)).to_have_count(0)  # no consent asked
    expect(page.locator(INPUT)).to_be_enabled()
    expect(page.locator(BOT).first).to_contain_text(GREETING, timeout=ANSWER_TIMEOUT)
    visit.ask("what causes pimple marks?")
    # Still first: above the greeting and the answer; neither a bot nor a visitor message.
    assert shadow_eval(page, "return root.querySelector('.amc-log').firstElementChild.className") == \
        "amc-msg amc-notice"
    expect(page.locator(f"{NOTICE}.amc-bot, {NOTICE}.amc-user")).to_have_count(0)
    # Contrast: the notice's text on white (WCAG AA).
    pairs = wb.color_pairs(page, [".amc-notice-text"])
    assert wb._contrast(tuple(pairs[0][1]), tuple(pairs[0][2])) >= 4.5, pairs
    # Kept after a reload, still first.
    page.reload()
    expect(page.locator(NOTICE)).to_contain_text("stored for 90 days")
    expect(page.locator(USER)).to_have_text(["what causes pimple marks?"])


@server
def test_the_privacy_link_is_http_only(browser, servers):
    for url, link in (("https://www.example.com/privacy?from=chat", True), ("javascript:alert(1)", False),
                      ("data:text/html,hi", False), ("/privacy", False)):
        v = Visit(browser, servers.url)
        try:
            serve_config(v.page, retention_days=30, privacy_url=url)
            page = v.goto()
            page.locator(LAUNCHER).click()
            notice = page.locator(NOTICE)
            expect(notice).to_contain_text("stored for 30 days")
            if link:
                anchor = notice.get_by_role("link", name="Privacy")
                expect(anchor).to_have_attribute("href", url)
                expect(anchor).to_have_attribute("target", "_blank")
                expect(anchor).to_have_attribute("rel", "noopener noreferrer")
            else:
                expect(notice).not_to_contain_text("Privacy")
                expect(notice.locator("a")).to_have_count(0)
        finally:
            v.close()


@server
def test_without_the_config_the_widget_uses_the_defaults(browser, servers):
    v = Visit(browser, servers.url)
    try:
        v.page.route("**/chat/config", lambda route: route.abort())
        page = v.goto()
        v.open()  # greets as usual
        expect(page.locator(NOTICE)).to_contain_text("stored for 90 days")
        expect(page.locator(INPUT)).to_have_attribute("maxlength", "2000")
    finally:
        v.close()


@server
def test_input_limit_and_counter(browser, servers, visit):
    page = visit.goto()
    visit.open()
    field = page.locator(INPUT)
    expect(field).to_have_attribute("maxlength", "2000")  # MAX_MESSAGE_CHARS, from the server
    counter = page.locator(COUNTER)
    field.fill("a" * 1600)  # 80 %: not yet
    expect(counter).to_be_hidden()
    field.fill("a" * 1950)
    expect(counter).to_be_visible()
    expect(counter).to_have_text("1,950 / 2,000")
    field.fill("a" * 2100)  # pasted: cut at the limit
    assert len(field.input_value()) == 2000
    expect(counter).to_have_text("2,000 / 2,000")
    field.fill("")
    expect(counter).to_be_hidden()

    # A smaller limit from the server: typing stops there, and what is sent is no longer.
    v = Visit(browser, servers.url)
    try:
        serve_config(v.page, max_message_chars=40)
        page = v.goto()
        v.open()
        field = page.locator(INPUT)
        expect(field).to_have_attribute("maxlength", "40")
        field.focus()
        page.keyboard.type("How long do red marks take to fade away, really, in weeks?")
        assert field.input_value() == "How long do red marks take to fade away,"
        expect(page.locator(COUNTER)).to_have_text("40 / 40")
        expect(page.locator(COUNTER)).to_have_class("amc-count amc-count-full")
        page.keyboard.press("Enter")
        expect(page.locator(USER).last).to_have_text("How long do red marks take to fade away,")
        expect(page.locator(COUNTER)).to_be_hidden()
        expect(page.locator(BOT)).not_to_have_count(1, timeout=ANSWER_TIMEOUT)
        sender, deadline = widget_session(page), time.monotonic() + 10
        while len(sent := [e["text"] for e in wb.stored_events(servers, sender, "user")]) < 2:
            assert time.monotonic() < deadline, sent
            time.sleep(0.2)
        assert sent[1] == "How long do red marks take to fade away," and max(map(len, sent)) <= 40, sent
    finally:
        v.close()


@server
def test_delete_this_conversation(visit, servers):
    page = visit.goto()
    visit.open()
    visit.ask("what causes pimple marks?")
    expect(page.locator(VOTES)).to_have_count(1, timeout=ANSWER_TIMEOUT)
    page.locator(UP).click()
    expect(page.locator(".amc-bot[data-kind='feedback']")).to_have_count(1, timeout=ANSWER_TIMEOUT)
    sender = widget_session(page)
    assert wb.stored_votes(servers, sender, 1)
    other = f"privacy-other-{uuid.uuid4().hex}"  # someone else's conversation
    servers.texts("what is PIE?", sender=other)
    kept = wait_rows(servers, other)
    assert kept and rows(servers, sender)

    delete = page.get_by_role("button", name="Delete this conversation")
    expect(delete).to_be_visible()
    # The confirmation is inside the widget; Cancel (or Esc) keeps everything.
    delete.click()
    confirm = page.locator(CONFIRM)
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Delete this conversation?")
    expect(page.locator(CONFIRM_NO)).to_be_focused()
    page.locator(CONFIRM_NO).click()
    expect(confirm).to_be_hidden()
    expect(delete).to_be_focused()
    delete.press("Enter")
    expect(confirm).to_be_visible()
    page.keyboard.press("Escape")  # cancels the step, doesn't close the panel
    expect(confirm).to_be_hidden()
    expect(page.locator(PANEL)).to_be_visible()
    assert rows(servers, sender) > 0 and page.locator(USER).count() == 1

    delete.click()
    page.get_by_role("button", name="Delete", exact=True).click()
    notice = page.locator(NOTICE)
    expect(notice).to_contain_text("Conversation deleted.")
    expect(notice).to_contain_text("stored for 90 days")
    expect(confirm).to_be_hidden()
    # Erased on the server, exactly that conversation...
    assert rows(servers, sender) == 0
    assert rows(servers, other) == kept
    # ...and here: transcript and votes gone, from the page and from storage.
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(VOTES)).to_have_count(0)
    assert page.evaluate(f"Object.keys(sessionStorage).filter(k => k.includes({json.dumps(sender)}))") == []
    # A new conversation: a new id, the greeting again, and questions still work.
    expect(page.locator(BOT).first).to_contain_text(GREETING, timeout=ANSWER_TIMEOUT)
    expect(page.locator(BOT)).to_have_count(1)
    new = widget_session(page)
    assert new != sender
    visit.ask("what is PIE?")
    expect(page.locator(CITE).last).to_be_visible()
    assert wait_rows(servers, new) > 0
    assert rows(servers, sender) == 0  # not written back by anything
    # After a reload: the new conversation only.
    page.reload()
    expect(page.locator(USER)).to_have_text(["what is PIE?"])
    expect(page.locator(NOTICE)).not_to_contain_text("Conversation deleted.")


@server
def test_consent_before_the_first_message(browser, servers):
    v = Visit(browser, servers.url)
    try:
        serve_config(v.page, consent_required=True)
        page = v.goto()
        page.locator(LAUNCHER).focus()
        page.keyboard.press("Enter")
        agree = page.get_by_role("button", name="I agree")
        expect(agree).to_be_visible()
        expect(agree).to_be_focused()  # the panel opens on it: keyboard first
        expect(page.locator(NOTICE)).to_contain_text("stored for 90 days")
        expect(page.locator(INPUT)).to_be_disabled()
        # Connected, but nothing sent: no greeting, nothing stored.
        page.wait_for_function("""() => Object.keys(sessionStorage).some(k => k.endsWith(':state')
            && JSON.parse(sessionStorage.getItem(k)).sessionId)""")
        sender = widget_session(page)
        page.wait_for_timeout(2000)
        expect(page.locator(BOT)).to_have_count(0)
        assert rows(servers, sender) == 0
        # Enter on "I agree": the greeting comes, the input is usable, consent is remembered.
        page.keyboard.press("Enter")
        expect(page.locator(BOT).first).to_contain_text(GREETING, timeout=ANSWER_TIMEOUT)
        expect(page.locator(AGREE)).to_have_count(0)
        expect(page.locator(INPUT)).to_be_enabled()
        expect(page.locator(INPUT)).to_be_focused()
        v.ask("what is thiamidol?")
        assert page.evaluate("Object.keys(sessionStorage).some(k => k.endsWith(':consent'))")
        page.reload()
        expect(page.locator(USER)).to_have_text(["what is thiamidol?"])
        expect(page.locator(AGREE)).to_have_count(0)
        expect(page.locator(INPUT)).to_be_enabled()
        # After "Delete this conversation" consent is asked again before the next one is stored.
        page.get_by_role("button", name="Delete this conversation").click()
        page.get_by_role("button", name="Delete", exact=True).click()
        expect(page.locator(NOTICE)).to_contain_text("Conversation deleted.")
        expect(page.get_by_role("button", name="I agree")).to_be_focused()
        expect(page.locator(INPUT)).to_be_disabled()
        assert rows(servers, sender) == 0
        page.wait_for_timeout(1000)
        expect(page.locator(BOT)).to_have_count(0)
        page.get_by_role("button", name="I agree").click()
        expect(page.locator(BOT).first).to_contain_text(GREETING, timeout=ANSWER_TIMEOUT)
    finally:
        v.close()
