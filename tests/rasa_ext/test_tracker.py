"""bot/rasa_ext/tracker.py: FaqTracker's copy and applied events equal Rasa's own after every event of
random conversations that grow one event at a time (rewinds, restarts, new sessions, loops), and it
falls back to Rasa's copy where unsure."""

from __future__ import annotations

import itertools
import random
from collections import deque
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import ROOT
from bot.rasa_ext.tracker import FaqTracker


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def user_turn(rng: random.Random, domain: Domain) -> list:
    intent = rng.choice(domain.intents)
    return [
        UserUttered(f"text {rng.random()}", {"name": intent, "confidence": 0.9}),
        ActionExecuted("action_answer", hide_rule_turn=rng.random() < 0.3),
        SlotSet("mark_type", rng.choice(["red", "brown", None])),
        SlotSet("last_topic", rng.choice(["serum", "routine", None])),
        BotUttered("an answer"),
        ActionExecuted("action_listen", hide_rule_turn=rng.random() < 0.3),
    ]


def conversation(seed: int, domain: Domain) -> list:
    """A random conversation of turns and the events that rewrite history."""
    rng = random.Random(seed)
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for _ in range(12):
        events += user_turn(rng, domain)
        roll = rng.random()
        if roll < 0.1:
            events += [UserUtteranceReverted(), ActionExecuted("action_listen")]
        elif roll < 0.15:
            events += [ActionReverted()]
        elif roll < 0.2:
            events += [FollowupAction("action_answer"), ActionExecuted("action_answer")]
        elif roll < 0.25:
            events += [Restarted(), ActionExecuted("action_listen")]
        elif roll < 0.3:
            events += [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        elif roll < 0.4:  # a loop: seen for the first time, it changes how earlier events fold
            events += [ActionExecuted("some_form"), ActiveLoop("some_form"), ActionExecuted("some_form"),
                       ActiveLoop(None), ActionExecuted("action_listen")]
    return events


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds (our memo aside), slots by their attributes."""
    found = {name: value for name, value in vars(tracker).items() if not name.startswith("_faq_")}
    found["slots"] = {name: vars(slot) for name, slot in tracker.slots.items()}
    found["events"] = list(tracker.events)
    return found


@pytest.mark.parametrize(("seed", "every"), [(seed, every) for seed in range(6) for every in (1, 5)])
def test_applied_events_equal_rasas_for_every_prefix(domain, seed, every):
    """Checked after every event, or after bursts of up to `every` events."""
    events = conversation(seed, domain)
    growing = FaqTracker("someone", domain.slots)
    rng = random.Random(seed)
    checked = 0
    for i, event in enumerate(events):
        growing.update(event)
        if i < len(events) - 1 and rng.randint(1, every) != 1:
            continue
        fresh = DialogueStateTracker.from_events("someone", list(growing.events), domain.slots)
        assert growing.applied_events() == fresh.applied_events()
        checked += 1
    assert checked >= (len(events) if every == 1 else 5)


def test_editing_applied_events_does_not_change_the_next_result(domain):
    tracker = FaqTracker("someone", domain.slots)
    for event in conversation(2, domain):
        tracker.update(event)
    tracker.applied_events().clear()
    assert tracker.applied_events() == DialogueStateTracker.applied_events(tracker) != []


def test_applied_events_fold_only_the_new_events(domain, monkeypatch):
    tracker = FaqTracker("someone", domain.slots)
    events = list(itertools.islice(itertools.cycle(user_turn(random.Random(4), domain)), 60))
    folded = []
    original_fold = FaqTracker._fold
    monkeypatch.setattr(FaqTracker, "_fold", lambda t, a, new, names: folded.append(len(new))
                        or original_fold(t, a, new, names))
    for event in events[:54]:
        tracker.update(event)
    tracker.applied_events()
    for event in events[54:]:
        tracker.update(event)
    assert tracker.applied_events() == DialogueStateTracker.applied_events(tracker)
    assert folded == [54, 6]


@pytest.mark.parametrize("rewrite", [
    [UserUtteranceReverted(), ActionExecuted("action_listen")],
    [ActionReverted()],
    [Restarted(), ActionExecuted("action_listen")],
    [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
])
def test_history_rewritten_between_two_calls_folds_again(domain, rewrite):
    rng = random.Random(7)
    tracker = FaqTracker("someone", domain.slots)
    for event in [ActionExecuted("action_listen")] + user_turn(rng, domain) + user_turn(rng, domain):
        tracker.update(event)
    tracker.applied_events()
    for event in rewrite + user_turn(rng, domain) + user_turn(rng, domain) + user_turn(rng, domain):
        tracker.update(event)
    assert tracker.applied_events() == DialogueStateTracker.applied_events(tracker)


@pytest.mark.parametrize("seed", range(6))
def test_copy_equals_rasas_after_every_event(domain, seed):
    tracker = FaqTracker("someone", domain.slots)
    tracker.model_id, tracker.sender_source = "model-1", "rest"
    ends = [FollowupAction("action_answer"), ConversationPaused(), ActiveLoop("some_form"), ConversationResumed()]
    for event in conversation(seed, domain) + ends:
        tracker.update(event)
        tracker.applied_events()  # our memo on the tracker is not copied
        fast, rasa = tracker.copy(), DialogueStateTracker.copy(tracker)
        assert state(fast) == state(rasa)
        assert type(fast) is FaqTracker and fast.events is not tracker.events and fast.slots is not tracker.slots


def test_the_copy_is_independent(domain):
    tracker = FaqTracker("someone", domain.slots)
    for event in conversation(1, domain)[:30]:
        tracker.update(event)
    before = state(tracker)
    duplicate = tracker.copy()
    duplicate.update(SlotSet("mark_type", "brown"))
    duplicate.latest_action["action_name"] = "changed"
    assert state(tracker) == before


def test_unsure_cases_use_rasas_copy(domain, monkeypatch):
    replayed = []
    monkeypatch.setattr(DialogueStateTracker, "copy", lambda t: replayed.append(t) or t)
    capped = FaqTracker("a", domain.slots, max_event_history=5)
    any_slots = FaqTracker("b", None)
    unknown = FaqTracker("c", domain.slots)
    unknown.something_new = 1
    for tracker in (capped, any_slots, unknown):
        assert tracker.copy() is tracker
    assert replayed == [capped, any_slots, unknown]
    assert isinstance(FaqTracker("d", domain.slots).copy().events, deque)


def test_the_store_makes_and_loads_our_tracker(tmp_path, domain):
    import asyncio

    from bot.rasa_ext.tracker_store import CachedSQLTrackerStore

    store = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"), cache_size=0)
    tracker = asyncio.run(store.create_tracker("x"))
    assert type(tracker) is FaqTracker
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve("x"))
    assert loaded is not None and [e.as_dict() for e in loaded.events] == [e.as_dict() for e in tracker.events]


def test_the_served_store_starts_each_conversation_with_our_tracker(tmp_path, domain, rasa_changes):
    """Rasa's Agent wraps the store in FailSafeTrackerStore, whose own `init_tracker` made Rasa's class for
    every new conversation (and the store's cache kept it): served, FaqTracker's copy never ran."""
    import asyncio

    from rasa.core.agent import Agent

    from bot.rasa_ext.tracker_store import CachedSQLTrackerStore

    inner = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    store = Agent._create_tracker_store(inner, domain)  # what Rasa's Agent does with every store
    tracker = asyncio.run(store.get_or_create_tracker("x", append_action_listen=False))
    assert type(tracker) is FaqTracker
    tracker.update(UserUttered("hi", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("x"))
    assert type(again) is FaqTracker and [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
