"""action_answer: the article's own words for every question, via bot.knowledge."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import get_kb, reply_to

SLOTS = ("mark_type", "last_topic", "product")


class ActionAnswer(Action):
    """Answer from the knowledge base: red flags first, then verbatim passages or an honest no."""

    def name(self) -> str:
        return "action_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        ranking = message.get("intent_ranking") or [message.get("intent") or {}]
        reply = reply_to(
            get_kb(),
            text=message.get("text") or "",
            ranking=[(r["name"], r.get("confidence") or 0.0) for r in ranking if r.get("name")],
            slots={name: tracker.get_slot(name) for name in SLOTS},
        )
        for msg in reply.messages:
            custom = {"kind": msg.kind, **({"section": msg.section} if msg.section else {}),
                      **({"topic": msg.topic} if msg.topic else {})}
            dispatcher.utter_message(text=msg.text, buttons=list(msg.buttons), json_message=custom)
        # only the slots that change: every event is stored and replayed by Rasa
        return [SlotSet(name, value) for name, value in reply.slots.items()
                if name in SLOTS and value != tracker.get_slot(name)]
