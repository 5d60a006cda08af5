"""The operators' review report (bot/tools/report.py) on a small hand-written SQLite tracker store."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot.privacy.store import events_table
from bot.tools.report import main

NOW = time.time()
DAY = 86400
EMAIL, PHONE, PHONE2 = "jane.doe+x@mail.example.com", "+44 20 7946 0958", "(555) 123-4567"
XSS = '<script>alert("x")</script> help'


class Store:
    """Rows of conversations, in the shape the bot stores them."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.reorder: set[str] = set()  # conversations stored with their JSON keys in another order

    def add(self, sender: str, ts: float, type_name: str, data: dict[str, Any], action: str | None = None,
            intent: str | None = None) -> None:
        event = {"event": type_name, "timestamp": ts, "metadata": {"model_id": "m"}, **data}
        if sender in self.reorder:
            event = dict(reversed(event.items()))
        self.rows.append({"sender_id": sender, "type_name": type_name, "timestamp": ts, "intent_name": intent,
                          "action_name": action, "data": json.dumps(event)})

    def start(self, sender: str, ts: float) -> None:
        self.add(sender, ts, "action", {"name": "action_session_start"}, action="action_session_start")
        self.add(sender, ts, "session_started", {})
        self.add(sender, ts, "bot", {"text": "Hi!", "data": {"custom": {"kind": "smalltalk"}}})

    def ask(self, sender: str, ts: float, text: str, *replies: tuple[Any, ...], confidence: float = 0.9,
            sure: tuple[float, ...] = ()) -> None:
        """A user message and its reply: (kind, topic, answer id) per bot message; `sure`: the top score of
        each part of the stored analysis (bot/rasa_ext/understanding.py), when there is one."""
        intent = {"name": "ask_x", "confidence": confidence}
        parse: dict[str, Any] = {"intent": intent, "intent_ranking": [intent]}
        if sure:
            parse["analysis"] = {"text": text, "red_flag": None, "parts": [
                {"text": text, "ranking": [["ask_x", score], ["ask_y", score / 2]]} for score in sure]}
        self.add(sender, ts, "user", {"text": text, "parse_data": parse}, intent="ask_x")
        self.add(sender, ts + 0.1, "action", {"name": "action_answer"}, action="action_answer")
        for i, (kind, topic, answer) in enumerate(replies):
            custom = {"kind": kind, **({"topic": topic, "section": "S"} if topic else {}), **({"id": answer} if answer
                                                                                          else {})}
            self.add(sender, ts + 0.2 + i / 100, "bot", {"text": f"reply {i}", "data": {"buttons": None,
                                                                                         "custom": custom}})
        self.add(sender, ts + 0.3, "slot", {"name": "last_topic", "value": replies[0][1]}, action="last_topic")

    def vote(self, sender: str, ts: float, answer: str, rating: str, topic: str | None, comment: str | None = None,
             ) -> None:
        value = {"answer": answer, "rating": rating, "topic": topic, "comment": comment}
        self.add(sender, ts, "user", {"text": "/feedback" + json.dumps(value), "parse_data": {
            "intent": {"name": "feedback", "confidence": 1.0}}})
        self.add(sender, ts + 0.1, "slot", {"name": "feedback", "value": value}, action="feedback")
        self.add(sender, ts + 0.2, "bot", {"text": "Thanks!", "data": {"custom": {"kind": "feedback"}}})

    def write(self, path: Path) -> str:
        url = f"sqlite:///{path}"
        engine = sa.create_engine(url)
        metadata = sa.MetaData()
        table = events_table(metadata)
        metadata.create_all(engine)
        with engine.begin() as conn:
            if self.rows:
                conn.execute(table.insert(), self.rows)
        engine.dispose()
        return url


def conversations() -> Store:
    s, t = Store(), NOW - 3 * DAY
    s.start("c1", t)
    s.ask("c1", t + 1, "what causes red marks", ("answer", "pie", "a1"), ("answer", "pie", None), confidence=0.96,
          sure=(0.81, 0.31))  # two questions: the less sure one counts
    s.ask("c1", t + 2, "/ask_routine", ("answer", "routine", "a2"), confidence=1.0)  # a suggestion button
    s.vote("c1", t + 3, "a1", "up", "pie")
    s.start("c2", t)
    s.ask("c2", t + 1, "does lemon juice fade dark spots?", ("abstain", "home_remedies", None), confidence=0.42)
    s.ask("c2", t + 2, "Does lemon juice fade my dark spots??", ("abstain", "home_remedies", None), confidence=0.35)
    s.ask("c2", t + 3, "can I take ibuprofen with it", ("declined", None, None), confidence=0.6)
    s.start("c3", t + DAY)
    s.ask("c3", t + DAY + 1, "my mark is bleeding and hot", ("red_flag", None, None),
          ("answer", "dermatologist", "a5"), confidence=0.8)
    s.ask("c3", t + DAY + 2, "marks", ("clarify", None, None), confidence=0.3)
    s.ask("c3", t + DAY + 3, f"what about pih? email me at {EMAIL} or call {PHONE}", ("abstain", "pih", "a6"),
          confidence=0.5)
    s.vote("c3", t + DAY + 4, "a6", "down", "pih", f"nothing on pih, write to {EMAIL}")  # a vote on an abstain
    s.start("c4", t + DAY)
    s.ask("c4", t + DAY + 1, "how long until marks fade", ("answer", "results_time", "a3"), confidence=0.99)
    s.vote("c4", t + DAY + 2, "a3", "down", "results_time")
    s.vote("c4", t + DAY + 3, "a3", "down", "results_time", f"too vague, call {PHONE2}")  # the comment, later
    s.ask("c4", t + DAY + 4, "thanks", ("smalltalk", None, None), confidence=0.97)
    s.start("c5", t + 2 * DAY)
    s.ask("c5", t + 2 * DAY + 1, "is the serum safe", ("answer", "serum", "a4"), confidence=0.7)
    s.vote("c5", t + 2 * DAY + 2, "a4", "up", "serum")
    s.vote("c5", t + 2 * DAY + 3, "a4", "down", "serum", "not for pregnancy")  # changed their mind
    s.start("c6", NOW - 40 * DAY)
    s.ask("c6", NOW - 40 * DAY + 1, "old question about peels", ("abstain", "treatments", None), confidence=0.4)
    s.reorder.add("c7")  # not the layout Rasa writes: read by parsing the whole JSON
    s.start("c7", t + 2 * DAY)
    s.ask("c7", t + 2 * DAY + 1, XSS, ("declined", None, None), confidence=0.2)
    return s


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return conversations().write(tmp_path_factory.mktemp("store") / "tracker.db")


@pytest.fixture(scope="module")
def report(store: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    assert main(["--out", str(out), "--url", store, "--quiet"]) == 0
    return out


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_counts_outcomes_and_topics(report):
    s = summary(report)
    assert (s["conversations"], s["messages"], s["button_clicks"], s["other_replies"]) == (7, 13, 1, 1)
    assert s["outcomes"] == {"answered": 4, "abstained": 4, "clarified": 1, "declined": 2, "red_flag": 1}
    assert s["topics"] == {"home_remedies": 2, "dermatologist": 1, "pie": 1, "pih": 1, "results_time": 1,
                           "routine": 1, "serum": 1, "treatments": 1}
    assert s["since"] is None and s["generated_at"].endswith("Z")
    assert sum(d["messages"] for d in s["per_day"]) == 13 and len(s["per_day"]) in (40, 41)  # 40 to 1 days ago
    assert {"date", "messages", "conversations", "answered", "abstained", "clarified", "declined",
            "red_flag"} <= set(s["per_day"][0])
    hist = s["confidence_histogram"]
    assert hist["questions"] == sum(hist["counts"]) == 12  # the button click left out
    # 0.97 0.99; 0.4 and 0.42 (0.40-0.45); the stored analysis' 0.31 instead of the intent's 0.96
    assert hist["counts"][19] == 2 and hist["counts"][8] == 2 and hist["counts"][6] == 2  # 0.3 and 0.31


def test_votes_last_one_counts_and_comments_are_kept(report):
    s = summary(report)
    assert s["feedback"] == {"pie": {"up": 1, "down": 0}, "pih": {"up": 0, "down": 1},
                             "results_time": {"up": 0, "down": 1}, "serum": {"up": 0, "down": 1}}
    assert s["votes"] == {"up": 1, "down": 3}


def test_unanswered_groups(report):
    groups = {g["text"]: g for g in summary(report)["unanswered"]}
    lemon = groups["Does lemon juice fade my dark spots??"]  # two phrasings, one group (ties: in text order)
    assert lemon["count"] == 2 and lemon["reasons"] == {"abstained": 2}
    assert lemon["examples"] == ["Does lemon juice fade my dark spots??", "does lemon juice fade dark spots?"]
    assert groups["can I take ibuprofen with it"]["count"] == 1  # a different question stays apart
    assert groups["marks"]["reasons"] == {"clarified": 1}
    assert groups["how long until marks fade"] == {"text": "how long until marks fade", "count": 1, "examples": [
        "how long until marks fade", "👎 comment: too vague, call [phone]"], "reasons": {"voted_down": 1}}
    assert groups["is the serum safe"]["examples"] == ["is the serum safe", "👎 comment: not for pregnancy"]
    assert groups["what about pih? email me at [email] or call [phone]"]["examples"] == [
        "what about pih? email me at [email] or call [phone]", "👎 comment: nothing on pih, write to [email]"]
    assert "what causes red marks" not in groups and "/ask_routine" not in groups
    assert len(groups) == 8 == summary(report)["unanswered_groups"]
    assert summary(report)["unanswered"][0] == lemon  # largest first


def test_nothing_written_holds_an_email_or_phone_number(report):
    for name in ("index.html", "summary.json", "suggestions.yml"):
        text = (report / name).read_text(encoding="utf-8")
        for secret in (EMAIL, PHONE, PHONE2, "7946", "123-4567", "mail.example.com"):
            assert secret not in text, (name, secret)
    assert "[email]" in (report / "index.html").read_text(encoding="utf-8")


def test_the_page_is_self_contained_escaped_and_complete(report):
    page = (report / "index.html").read_text(encoding="utf-8")
    for anchor in ("overview", "per-day", "outcomes", "topics", "feedback", "confidence", "unanswered"):
        assert f'<h2 id="{anchor}">' in page
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*(?!["']?(?:data:|#))""", page)  # no resource but inline data
    assert "<script" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; help" in page
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 5 and all('alt="' in img and 'src="data:image/png;base64,' in img for img in images)
    assert page.count("<table>") == 6 and "<caption>" in page and 'lang="en"' in page
    assert "does lemon juice fade dark spots?" in page and "👎 comment: not for pregnancy" in page


def test_suggestions_are_yaml_and_rasa_nlu_once_assigned(report):
    text = (report / "suggestions.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {"version": "3.1", "nlu": None}
    lines = text.splitlines()
    first = lines.index("# - intent: ???  # 2 messages: abstained 2")
    group = [line[2:] for line in lines[first:first + 4]]
    assert group[0].startswith("- intent: ???")
    group[0] = "- intent: ask_lemon"
    nlu = yaml.safe_load("\n".join(lines[:first] + group) + "\n")
    assert nlu["version"] == "3.1"
    assert nlu["nlu"] == [{"intent": "ask_lemon", "examples": "- Does lemon juice fade my dark spots??\n"
                                                              "- does lemon juice fade dark spots?\n"}]
    assert "#     - how long until marks fade" in lines and "not for pregnancy" not in text  # questions, not comments


def test_since_keeps_the_recent_days(store, tmp_path):
    assert main(["--out", str(tmp_path), "--url", store, "--since", "30", "--quiet"]) == 0
    s = summary(tmp_path)
    assert (s["conversations"], s["messages"], s["outcomes"]["abstained"]) == (6, 12, 3)
    assert s["since"] and "old question about peels" not in json.dumps(s)


def test_missing_store_is_no_conversations_yet(tmp_path, capsys):
    db = tmp_path / "none.db"
    assert main(["--out", str(tmp_path / "out"), "--url", f"sqlite:///{db}", "--quiet"]) == 0
    assert "no conversations yet" in capsys.readouterr().err
    assert not db.exists()
    s = summary(tmp_path / "out")
    assert (s["conversations"], s["messages"], s["unanswered"]) == (0, 0, [])
    assert "No conversations yet" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert yaml.safe_load((tmp_path / "out" / "suggestions.yml").read_text(encoding="utf-8"))["version"] == "3.1"


@pytest.mark.parametrize("make", ["empty table", "no table"])
def test_empty_store_writes_an_empty_report(tmp_path, capsys, make):
    db = tmp_path / "tracker.db"
    if make == "empty table":
        Store().write(db)
    else:
        sa.create_engine(f"sqlite:///{db}").connect().close()
    assert main(["--out", str(tmp_path / "out"), "--url", f"sqlite:///{db}", "--quiet"]) == 0
    assert "no conversations" in capsys.readouterr().err
    assert summary(tmp_path / "out")["messages"] == 0


@pytest.mark.parametrize("url, says", [
    ("postgresql://rasa:s3cret@127.0.0.1:1/rasa", "cannot read the tracker store at postgresql://rasa:***@127.0.0.1:1"),
    ("not a url", "not a SQLAlchemy URL"),
    ("nosuchdb://x/y", "no database driver"),
])
def test_unreadable_store_exits_2_with_a_message(tmp_path, capsys, url, says):
    assert main(["--out", str(tmp_path / "out"), "--url", url, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert says in err and "s3cret" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_database_exits_2(tmp_path, capsys):
    db = tmp_path / "tracker.db"
    db.write_bytes(b"not a database" * 100)
    assert main(["--out", str(tmp_path / "out"), "--url", f"sqlite:///{db}", "--quiet"]) == 2
    assert "cannot read the tracker store" in capsys.readouterr().err


def test_unwritable_output_and_bad_arguments(store, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["--out", str(blocker), "--url", store, "--quiet"]) == 1
    assert "cannot write the report" in capsys.readouterr().err
    assert main(["--url", store]) == 2  # --out is required
    assert main(["--out", str(tmp_path), "--since", "-3"]) == 2


@pytest.mark.parametrize("event", [
    {"event": "user", "timestamp": 1, "metadata": {}, "text": "hi", "parse_data": {"intent": {"confidence": 0.5}}},
    {"event": "user", "text": 'a "text": "b", "parse_data": {"intent": {}}',
     "parse_data": {"intent": {"confidence": 1}}, "input_channel": "rest"},
    {"parse_data": {"intent": {"confidence": 0.5}}, "text": "after", "event": "user"},
    {"event": "user", "text": None, "parse_data": {"intent": {"confidence": 0.5}}},
    {"event": "user", "text": "no parse data"},
])
def test_user_events_read_fast_or_whole_agree(event):
    from bot.tools.report_data import _user

    assert _user(json.dumps(event)) == (event.get("text"), event.get("parse_data", {}).get("intent", {}).get(
        "confidence"))


@pytest.mark.parametrize("event, custom", [
    ({"event": "bot", "metadata": {"custom": {"kind": "x"}}, "text": "t", "data": {"custom": {"kind": "answer"}}},
     {"kind": "answer"}),
    ({"event": "bot", "text": '"custom": {"kind": "fake"}}}', "data": {"buttons": None, "custom": {"kind": "abstain"}}},
     {"kind": "abstain"}),
    ({"event": "bot", "data": {"custom": {"kind": "answer"}, "buttons": []}, "text": "t"}, {"kind": "answer"}),
    ({"event": "bot", "metadata": {"custom": {"kind": "x"}}, "data": {"custom": None}}, {}),
    ({"event": "bot", "data": None}, {}),
])
def test_bot_events_read_fast_or_whole_agree(event, custom):
    from bot.tools.report_data import _custom

    assert _custom(json.dumps(event)) == custom


def test_the_answers_the_bot_was_least_sure_of_come_first(report):
    least = summary(report)["least_sure"]
    # answered questions only (no abstention, decline, red flag or button), least sure first; the stored
    # analysis' least sure part counts where there is one, else the intent confidence
    assert [(q["text"], q["confidence"]) for q in least] == [
        ("what causes red marks", 0.31), ("is the serum safe", 0.7), ("how long until marks fade", 0.99)]
    page = (report / "index.html").read_text(encoding="utf-8")
    assert "Answers the bot was least sure of" in page and "what causes red marks" in page


def test_follow_ups_show_the_question_they_were_answered_as(tmp_path):
    """The `conversation` slot records the question a follow-up became (bot/knowledge/conversation.py):
    the report lists it beside what was typed; a question answered as typed is no follow-up."""
    s, t = Store(), NOW - DAY
    s.start("f1", t)
    s.ask("f1", t + 1, "how long does the serum take to work", ("answer", "results_time", "b1"))
    s.add("f1", t + 1.5, "slot", {"name": "conversation", "value": {
        "question": "how long does the serum take to work", "topics": ["results_time"]}}, action="conversation")
    s.ask("f1", t + 2, "and the fluid?", ("abstain", "fluid", "b2"))
    s.add("f1", t + 2.5, "slot", {"name": "conversation", "value": {
        "question": "how long does the fluid take to work", "topics": ["results_time", "fluid"]}},
          action="conversation")
    s.ask("f1", t + 3, "mail me at [email]", ("declined", None, None))  # (stored redacted)
    s.add("f1", t + 3.5, "slot", {"name": "conversation", "value": {"question": "mail me at"}}, action="conversation")
    s.add("f1", t + 4, "slot", {"name": "conversation", "value": "not a state"}, action="conversation")
    out = tmp_path / "out"
    assert main(["--out", str(out), "--url", s.write(tmp_path / "tracker.db"), "--quiet"]) == 0
    result = summary(out)
    assert result["follow_ups"] == 1
    assert result["follow_up_examples"] == [
        {"text": "and the fluid?", "asked_as": "how long does the fluid take to work", "topic": "fluid"}]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Follow-ups read with the conversation" in page and "how long does the fluid take to work" in page
