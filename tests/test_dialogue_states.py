"""bot/rasa_ext/dialogue_states.py gives exactly Rasa's states, for every prefix of conversations that grow
one event at a time on the same tracker (as in the server), including rewinds, restarts and new
sessions, with and without rule-only turns hidden."""

from __future__ import annotations

import itertools
import random

import pytest
from rasa.shared.core.constants import RULE_ONLY_LOOPS, RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import ROOT
from bot.rasa_ext import dialogue_states

ORIGINAL = dialogue_states._original
VARIANTS = [  # (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    (False, False, None),
    (False, True, {RULE_ONLY_SLOTS: [], RULE_ONLY_LOOPS: []}),
    (True, True, {RULE_ONLY_SLOTS: ["last_topic"], RULE_ONLY_LOOPS: []}),
]


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


@pytest.mark.parametrize(("seed", "every"), [(seed, every) for seed in range(6) for every in (1, 5)])
def test_incremental_states_equal_rasas_for_every_prefix(domain, seed, every):
    """Checked after every event, or after bursts of up to `every` events (a rewind and a new
    turn may come between two predictions)."""
    events = conversation(seed, domain)
    growing = DialogueStateTracker("someone", domain.slots)
    rng = random.Random(seed)
    checked = 0
    try:
        dialogue_states.install()
        for i, event in enumerate(events):
            growing.update(event)
            if i < len(events) - 1 and rng.randint(1, every) != 1:
                continue
            fresh = DialogueStateTracker.from_events("someone", list(growing.events), domain.slots)
            assert growing.applied_events() == dialogue_states._original_applied_events(fresh)
            for omit, ignore, rule_only in VARIANTS:
                expected = ORIGINAL(domain, fresh, omit, ignore, rule_only)
                got = domain.states_for_tracker_history(growing, omit, ignore, rule_only)
                assert got == expected, (len(growing.events), omit, ignore)
                checked += 1
    finally:
        dialogue_states.uninstall()
    assert checked >= (3 * len(events) if every == 1 else 3 * 5)


def test_callers_editing_the_states_do_not_change_the_next_result(domain):
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in conversation(1, domain)[:20]:
        tracker.update(event)
    first = dialogue_states.states_for_tracker_history(domain, tracker)
    expected = ORIGINAL(domain, tracker)
    for state in first:  # e.g. featurizers drop the user text from the last state
        for sub in state.values():
            sub.clear()
    assert dialogue_states.states_for_tracker_history(domain, tracker) == expected


def test_editing_applied_events_does_not_change_the_next_result(domain):
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in conversation(2, domain):
        tracker.update(event)
    dialogue_states.install()
    try:
        tracker.applied_events().clear()
        assert tracker.applied_events() == dialogue_states._original_applied_events(tracker) != []
    finally:
        dialogue_states.uninstall()


def test_only_new_events_are_replayed(domain, monkeypatch):
    tracker = DialogueStateTracker("someone", domain.slots)
    events = list(itertools.islice(itertools.cycle(user_turn(random.Random(3), domain)), 60))
    for event in events[:54]:
        tracker.update(event)
    dialogue_states.states_for_tracker_history(domain, tracker)
    replayed = []
    original_update = DialogueStateTracker.update

    def counting(self, event, *args, **kwargs):
        if self is not tracker:
            replayed.append(event)
        return original_update(self, event, *args, **kwargs)

    monkeypatch.setattr(DialogueStateTracker, "update", counting)
    for event in events[54:]:
        tracker.update(event)
    dialogue_states.states_for_tracker_history(domain, tracker)
    assert replayed == events[54:]


def test_applied_events_fold_only_the_new_events(domain, monkeypatch):
    tracker = DialogueStateTracker("someone", domain.slots)
    events = list(itertools.islice(itertools.cycle(user_turn(random.Random(4), domain)), 60))
    folded = []
    original_fold = dialogue_states._fold
    monkeypatch.setattr(dialogue_states, "_fold", lambda t, a, new, names: folded.append(len(new))
                        or original_fold(t, a, new, names))
    for event in events[:54]:
        tracker.update(event)
    dialogue_states.applied_events(tracker)
    for event in events[54:]:
        tracker.update(event)
    assert dialogue_states.applied_events(tracker) == dialogue_states._original_applied_events(tracker)
    assert folded == [54, 6]


@pytest.mark.parametrize("rewrite", [
    [UserUtteranceReverted(), ActionExecuted("action_listen")],
    [ActionReverted()],
    [Restarted(), ActionExecuted("action_listen")],
    [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
])
def test_history_rewritten_between_two_predictions_starts_the_replay_over(domain, rewrite):
    rng = random.Random(7)
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in [ActionExecuted("action_listen")] + user_turn(rng, domain) + user_turn(rng, domain):
        tracker.update(event)
    dialogue_states.states_for_tracker_history(domain, tracker)
    for event in rewrite + user_turn(rng, domain) + user_turn(rng, domain) + user_turn(rng, domain):
        tracker.update(event)
    assert len(tracker.applied_events()) > 13  # longer than before: only the prefix check notices
    for omit, ignore, rule_only in VARIANTS:
        got = dialogue_states.states_for_tracker_history(domain, tracker, omit, ignore, rule_only)
        assert got == ORIGINAL(domain, tracker, omit, ignore, rule_only)
