"""Votes on answers and the way to a person (bot/operators.py, actions.ActionFeedback/ActionHandoff),
on the real knowledge base with real rasa-sdk trackers (no Rasa server)."""

import json

import pytest
from rasa_sdk import Tracker

from actions.actions import ActionAnswer, ActionFeedback, ActionHandoff
from bot import operators
from bot.config import settings


def bot_event(answer_id, topic, kind="answer"):
    return {"event": "bot", "text": "...", "data": {"custom": {"kind": kind, "topic": topic, "id": answer_id}}}


EVENTS = [bot_event("a1", "pie"), bot_event("a1", None), bot_event("b2", "routine")]


@pytest.mark.parametrize("text, vote", [
    ('/feedback{"rating":"up"}', {"answer": "b2", "rating": "up", "topic": "routine", "comment": None}),
    ('/feedback{"rating":"down","answer":"a1"}', {"answer": "a1", "rating": "down", "topic": "pie", "comment": None}),
    ('/feedback{"rating":"down","answer":"a1","comment":"  more on PIE please "}',
     {"answer": "a1", "rating": "down", "topic": "pie", "comment": "more on PIE please"}),
])
def test_a_vote_names_its_answer_and_topic(kb, text, vote):
    _, stored = operators.feedback(kb, text, EVENTS)
    assert stored.as_slot() == vote


def test_a_down_vote_asks_what_was_missing_then_offers_a_person(kb):
    messages, _ = operators.feedback(kb, '/feedback{"rating":"down"}', EVENTS)
    ask, offer = messages
    assert ask.kind == offer.kind == "feedback" and "What was missing?" in ask.text
    comments = [json.loads(b["payload"][len("/feedback"):]) for b in ask.buttons]
    assert {c["answer"] for c in comments} == {"b2"} and all(c["rating"] == "down" and c["comment"] for c in comments)
    assert offer.buttons == ({"title": "Talk to a person", "payload": "/handoff"},)


@pytest.mark.parametrize("text, events, reply", [
    ('/feedback{"rating":"meh"}', EVENTS, "feedback_unreadable"),
    ("/feedback{not json", EVENTS, "feedback_unreadable"),
    ('/feedback{"rating":"up","comment":42}', EVENTS, "feedback_unreadable"),
    ('/feedback{"rating":"up","answer":"nope"}', EVENTS, "feedback_unknown"),
    ('/feedback{"rating":"up"}', [], "feedback_nothing"),
    ("that answer didn't help", [], "feedback_nothing"),
])
def test_votes_that_cant_be_stored_get_a_polite_reply(kb, text, events, reply):
    messages, vote = operators.feedback(kb, text, events)
    assert vote is None and [m.text for m in messages] == [kb.replies[reply]]


def test_feedback_in_words_offers_the_one_tap_comments_for_the_latest_answer(kb):
    (message,), vote = operators.feedback(kb, "that answer didn't help", EVENTS)
    assert vote is None and message.text == kb.replies["feedback_words"]
    assert all('"answer": "b2"' in b["payload"] for b in message.buttons)


def test_handoff_unset_says_so_and_quotes_the_articles_advice(kb, monkeypatch):
    monkeypatch.delenv("HANDOFF_URL", raising=False)
    monkeypatch.delenv("HANDOFF_TEXT", raising=False)
    first, *advice = operators.handoff(kb, settings())
    assert first.kind == "handoff" and "can't connect you" in first.text
    text = "\n".join(m.text for m in advice)
    assert "Speak to a dermatologist" in text and "Find your nearest Eucerin pharmacy" in text


def test_handoff_as_configured(kb, monkeypatch):
    monkeypatch.setenv("HANDOFF_URL", "https://care.example.com/contact")
    monkeypatch.setenv("HANDOFF_TEXT", "Our pharmacists answer on 0800 123 (Mon-Fri 9-5):")
    (message,) = operators.handoff(kb, settings())
    assert message.kind == "handoff"
    assert message.text == "Our pharmacists answer on 0800 123 (Mon-Fri 9-5): https://care.example.com/contact"


def test_each_answer_carries_an_id_and_its_last_message_is_the_one_rated(dispatcher, tracker, domain):
    ActionAnswer().run(dispatcher, tracker("what is PIE and what is PIH", "ask_red_marks"), domain)
    customs = [m["custom"] for m in dispatcher.messages]
    assert len(customs) >= 2 and len({c["id"] for c in customs}) == 1 and len(customs[0]["id"]) >= 8
    assert [c.get("rate", False) for c in customs] == [False] * (len(customs) - 1) + [True]


def test_action_feedback_stores_the_vote_as_a_slot(dispatcher, domain):
    message = {"text": '/feedback{"rating":"down","answer":"a1","comment":"too long"}',
               "intent": {"name": "feedback", "confidence": 1.0}, "entities": []}
    tracker = Tracker("u1", {}, message, EVENTS, False, None, {}, "action_listen")
    events = ActionFeedback().run(dispatcher, tracker, domain)
    assert events == [{"event": "slot", "timestamp": None, "name": "feedback",
                       "value": {"answer": "a1", "rating": "down", "topic": "pie", "comment": "too long"}}]
    assert dispatcher.messages[0]["custom"] == {"kind": "feedback"}


def test_action_handoff(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_URL", "https://care.example.com")
    tracker = Tracker("u1", {}, {"text": "can i talk to someone"}, [], False, None, {}, "action_listen")
    assert ActionHandoff().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[0]["custom"] == {"kind": "handoff"}
    assert dispatcher.messages[0]["text"].endswith("https://care.example.com")


def test_a_vote_survives_the_redaction_of_what_visitors_send():
    """The vote's answer id comes back as visitor text, redacted before Rasa reads it: no id may read as
    a phone number (an all-digit uuid4 prefix, 1 in 250, did: its vote was lost)."""
    from bot.channels.limits import Limits

    clean = Limits(max_chars=2000, per_minute=30, redact=True).clean
    for _ in range(5000):
        (down,) = [b for b in operators.vote_buttons(operators.new_answer_id()) if "down" in b["payload"]]
        assert clean(down["payload"]) == down["payload"]
    assert clean('/feedback{"rating": "down", "comment": "call 0161 496 0000"}').endswith('"call [phone]"}')
