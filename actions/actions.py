"""The custom actions: the article's own words for every question (bot.knowledge), votes on answers
and the way to a person (bot.operators). Thin: each reads the message once and sends what it gets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import operators
from bot.config import settings
from bot.knowledge import Analysis, Message, get_kb, reply_to, respond

SLOTS = ("mark_type", "last_topic", "product", "conversation")
RATED = ("answer", "abstain", "clarify", "red_flag")  # replies a visitor can vote on (not "declined")


def send(dispatcher: CollectingDispatcher, messages: Sequence[Message], answer_id: str | None = None) -> None:
    """Each message with its custom payload: `kind`, the `section` quoted, the `topic`; for an answer,
    the `id` a vote names and `rate` on its last message (where the 👍/👎 go)."""
    for i, msg in enumerate(messages):
        custom: dict[str, Any] = {"kind": msg.kind, **({"section": msg.section} if msg.section else {}),
                                  **({"topic": msg.topic} if msg.topic else {})}
        if answer_id:
            custom.update({"id": answer_id, **({"rate": True} if i == len(messages) - 1 else {})})
        dispatcher.utter_message(text=msg.text, buttons=list(msg.buttons), json_message=custom)


def _stored_analysis(message: dict[str, Any]) -> Analysis | None:
    """The analysis Rasa's pipeline put in the parse data, if it is one this code can read (a model
    trained by another version of the bot may write another shape: then the message is read here)."""
    try:
        return Analysis.from_dict(message["analysis"]) if message.get("analysis") else None
    except (KeyError, TypeError, ValueError):
        return None


class ActionAnswer(Action):
    """Answer from the knowledge base: red flags first, then verbatim passages or an honest no."""

    def name(self) -> str:
        return "action_answer"

    def run(  # type: ignore[override]  # sync: rasa-sdk types run as async, its executor takes both
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        slots = {name: tracker.get_slot(name) for name in SLOTS}
        analysis = _stored_analysis(message)
        if analysis:  # read in Rasa's pipeline (bot/rasa_ext/understanding.py)
            reply = respond(get_kb(), analysis, slots)
        else:  # a button's payload, or a model without the component: read here, the same way
            ranking = message.get("intent_ranking") or [message.get("intent") or {}]
            reply = reply_to(get_kb(), text=message.get("text") or "", slots=slots,
                             ranking=[(r["name"], r.get("confidence") or 0.0) for r in ranking if r.get("name")])
        rated = any(m.kind in RATED for m in reply.messages)
        send(dispatcher, reply.messages, answer_id=operators.new_answer_id() if rated else None)
        # only the slots that change: every event is stored and replayed by Rasa
        return [SlotSet(name, value) for name, value in reply.slots.items()
                if name in SLOTS and value != tracker.get_slot(name)]


class ActionFeedback(Action):
    """A 👍/👎 (and comment) on an answer: thanks, and the vote stored in the conversation."""

    def name(self) -> str:
        return "action_feedback"

    def run(  # type: ignore[override]  # sync: rasa-sdk types run as async, its executor takes both
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        messages, vote = operators.feedback(get_kb(), (tracker.latest_message or {}).get("text") or "",
                                            tracker.events)
        send(dispatcher, messages)
        return [SlotSet("feedback", vote.as_slot())] if vote else []


class ActionHandoff(Action):
    """Someone asks for a person: the handoff the operator configured, or the article's advice."""

    def name(self) -> str:
        return "action_handoff"

    def run(  # type: ignore[override]  # sync: rasa-sdk types run as async, its executor takes both
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        send(dispatcher, operators.handoff(get_kb(), settings()))
        return []
