"""rasa-sdk actions for tests/rasa_ext/test_in_process.py: one that answers (and says whether it held the
reader's turn), one that rejects, one that raises."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection


class Echo(Action):
    def name(self) -> str:
        return "action_echo"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        from bot.knowledge import turns

        dispatcher.utter_message(text=f"you said: {(tracker.latest_message or {}).get('text')}")
        return [SlotSet("held", bool(getattr(turns._here, "held", False)))]


class Rejects(Action):
    def name(self) -> str:
        return "action_rejects"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        raise ActionExecutionRejection(self.name(), "not now")


class Raises(Action):
    def name(self) -> str:
        return "action_raises"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        raise RuntimeError("a bug in an action")
