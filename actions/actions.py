"""action_answer: the article's own words for every question, via bot.respond."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import get_kb
from bot.respond import respond


class ActionAnswer(Action):
    """Answer from the knowledge base: red flags first, then verbatim passages or an honest no."""

    def name(self) -> str:
        return "action_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        reply = respond(
            get_kb(),
            text=message.get("text") or "",
            intent=(message.get("intent") or {}).get("name"),
            slots={"mark_type": tracker.get_slot("mark_type"), "last_topic": tracker.get_slot("last_topic")},
            ranking=[(r.get("name"), r.get("confidence") or 0.0) for r in message.get("intent_ranking") or []],
        )
        for msg in reply.messages:
            dispatcher.utter_message(text=msg.text, buttons=list(msg.buttons))
        return [SlotSet(name, value) for name, value in reply.slots.items()]
