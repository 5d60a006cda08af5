"""bot/rasa_ext/tracker_copy.py copies a tracker exactly as Rasa's replaying copy does, after every
event of random conversations (rewinds, restarts, sessions, loops), and falls back where unsure."""

from __future__ import annotations

from collections import deque
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    FollowupAction,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import ROOT
from bot.rasa_ext import tracker_copy
from tests.test_dialogue_states import conversation


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds (our memos aside), slots by their attributes."""
    found = {name: value for name, value in vars(tracker).items() if not name.startswith("_faq_")}
    found["slots"] = {name: vars(slot) for name, slot in tracker.slots.items()}
    found["events"] = list(tracker.events)
    return found


@pytest.mark.parametrize("seed", range(6))
def test_copy_equals_rasas_after_every_event(domain, seed):
    tracker = DialogueStateTracker("someone", domain.slots)
    tracker.model_id, tracker.sender_source = "model-1", "rest"
    ends = [FollowupAction("action_answer"), ConversationPaused(), ActiveLoop("some_form"), ConversationResumed()]
    for event in conversation(seed, domain) + ends:
        tracker.update(event)
        tracker.applied_events()  # a memo of ours on the tracker is not copied
        fast, rasa = tracker_copy.copy(tracker), tracker_copy._original_copy(tracker)
        assert state(fast) == state(rasa)
        assert fast.events is not tracker.events and fast.slots is not tracker.slots


def test_the_copy_is_independent(domain):
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in conversation(1, domain)[:30]:
        tracker.update(event)
    before = state(tracker)
    duplicate = tracker_copy.copy(tracker)
    duplicate.update(SlotSet("mark_type", "brown"))
    duplicate.latest_action["action_name"] = "changed"
    assert state(tracker) == before


def test_unsure_cases_use_rasas_copy(domain, monkeypatch):
    replayed = []
    monkeypatch.setattr(tracker_copy, "_original_copy", lambda t: replayed.append(t) or t)
    capped = DialogueStateTracker("a", domain.slots, max_event_history=5)
    any_slots = DialogueStateTracker("b", None)
    unknown = DialogueStateTracker("c", domain.slots)
    unknown.something_new = 1
    for tracker in (capped, any_slots, unknown):
        assert tracker_copy.copy(tracker) is tracker
    assert replayed == [capped, any_slots, unknown]
    assert isinstance(tracker_copy.copy(DialogueStateTracker("d", domain.slots)).events, deque)
