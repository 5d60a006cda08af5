"""Votes, comments and the handoff through the real channels: REST (Rasa + action server + SQLite
store) and Slack (the fake Slack Web API on 127.0.0.1). The votes are read back from the store."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid

import pytest

from tests.channels.test_slack import block_click, click, event_body, message, new_id, post


def stored_votes(servers, sender: str, count: int) -> list[dict]:
    """The `feedback` slot events stored for `sender` (waiting up to 10 s for `count` of them)."""
    deadline = time.monotonic() + 10
    while True:
        with sqlite3.connect(servers.workdir / "tracker.db") as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' ORDER BY id",
                              (sender,)).fetchall()
        votes = [e["value"] for e in map(json.loads, (d for (d,) in rows)) if e["name"] == "feedback"]
        if len(votes) >= count or time.monotonic() > deadline:
            return votes
        time.sleep(0.1)


def diagnosis(servers, fake_slack, dm: str, ts: str) -> str:
    """What the fake Slack was sent and what the store holds for the conversation (dm, ts), and the
    servers' log lines naming it: printed when a click was not understood."""
    with sqlite3.connect(servers.workdir / "tracker.db") as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id",
                          (f"{dm}:{ts}",)).fetchall()
    events = [json.loads(data) for kind, data in rows if kind in ("user", "bot")]
    stored = [(e["event"], e.get("text"), (e.get("data") or {}).get("custom")) for e in events]
    sent = [(p["body"].get("text", "")[:60], p["body"].get("thread_ts"), json.dumps(p["body"].get("blocks"))[-160:])
            for p in fake_slack.posts(channel=dm)]
    logs = [line for name in ("rasa.log", "actions.log") if (servers.workdir / name).exists()
            for line in (servers.workdir / name).read_text(errors="replace").splitlines() if dm in line]
    return f"posted: {sent}\nstored: {stored}\nlogs: {logs[-20:]}"


def test_rest_votes_rate_the_latest_or_a_named_answer_and_are_stored(servers):
    sender = uuid.uuid4().hex
    first = servers.say("what is PIE?", sender).json()
    second = servers.say("how long until i see results", sender).json()
    (first_id,) = {m["custom"]["id"] for m in first}
    (second_id,) = {m["custom"]["id"] for m in second}
    assert first[-1]["custom"]["rate"] is True and first_id != second_id

    up = servers.say('/feedback{"rating":"up"}', sender).json()
    assert [m["custom"]["kind"] for m in up] == ["feedback"]
    down = servers.say(json.dumps({"rating": "down", "answer": first_id}).join(["/feedback", ""]), sender).json()
    assert "What was missing?" in down[0]["text"] and down[-1]["buttons"][0]["payload"] == "/handoff"
    comment = {"rating": "down", "answer": first_id, "comment": "say what PIE looks like on dark skin"}
    servers.say("/feedback" + json.dumps(comment), sender)

    assert stored_votes(servers, sender, 3) == [
        {"answer": second_id, "rating": "up", "topic": "results_time", "comment": None},
        {"answer": first_id, "rating": "down", "topic": "pie", "comment": None},
        {"answer": first_id, "rating": "down", "topic": "pie", "comment": "say what PIE looks like on dark skin"},
    ]
    # an ordinary message after a 👎 is a new question, not a comment
    assert servers.texts("what is PIH?", sender)[0].startswith("From *What causes pimple marks?*:")
    assert len(stored_votes(servers, sender, 3)) == 3


@pytest.mark.parametrize("text", ["can I talk to someone", "i'd like to speak to a pharmacist", "/handoff"])
def test_asking_for_a_person_gets_the_handoff(servers, text):
    replies = servers.say(text).json()
    assert replies[0]["custom"]["kind"] == "handoff"
    assert "can't connect you" in replies[0]["text"]  # the test servers set no HANDOFF_URL / HANDOFF_TEXT
    assert "Speak to a dermatologist" in "\n".join(m["text"] for m in replies)


def test_slack_answers_get_vote_buttons_and_a_click_is_stored(servers, fake_slack):
    dm = new_id("D")
    root = message(dm, "what is thiamidol")
    post(servers, event_body(root))
    deadline = time.monotonic() + 20
    while not (voted := [p for p in fake_slack.posts(channel=dm) if "👍" in json.dumps(p["body"], ensure_ascii=False)]):
        assert time.monotonic() < deadline, "no vote buttons posted"
        time.sleep(0.05)
    bot_post = voted[-1]
    actions = next(b for b in bot_post["body"]["blocks"] if b["type"] == "actions")["elements"]
    down = next(b for b in actions if b["text"]["text"] == "👎")
    assert json.loads(down["value"][len("/feedback"):])["rating"] == "down"
    before = len(fake_slack.posts(channel=dm))
    assert click(servers, block_click(dm, root["ts"], bot_post, down)).status_code == 200
    posts = fake_slack.wait_posts(before + 2, channel=dm)[before:]
    assert posts and "What was missing?" in posts[0]["body"]["text"], diagnosis(servers, fake_slack, dm, root["ts"])
    (vote,) = stored_votes(servers, f"{dm}:{root['ts']}", 1)
    assert vote["rating"] == "down" and vote["topic"] == "thiamidol"


def test_the_report_shows_what_the_channels_stored(servers, tmp_path):
    """Votes, a comment and an unanswerable question, through REST, then the report on the same store."""
    from bot.tools import report

    sender = uuid.uuid4().hex
    servers.say("can I use niacinamide on my marks, my email is ann@example.com", sender)
    answer = servers.say("what is PIH?", sender).json()
    comment = {"rating": "down", "answer": answer[-1]["custom"]["id"], "comment": "call me on 07700 900123"}
    servers.say("/feedback" + json.dumps(comment), sender)
    assert stored_votes(servers, sender, 1)
    out = tmp_path / "report"
    assert report.main(["--out", str(out), "--url", f"sqlite:///{servers.workdir / 'tracker.db'}", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["feedback"]["pih"]["down"] >= 1
    texts = json.dumps(summary["unanswered"])
    assert "niacinamide" in texts and "[email]" in texts and "ann@example.com" not in texts
    written = "".join((out / name).read_text() for name in ("index.html", "summary.json", "suggestions.yml"))
    assert "07700 900123" not in written and "ann@example.com" not in written and "niacinamide" in written
