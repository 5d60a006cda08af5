"""Incremental `Domain.states_for_tracker_history` for Rasa 3.6 (installed by bot/rasa_ext/patches.py).

Every dialogue prediction featurises the whole conversation: Rasa replays all its events into a
fresh copy of the tracker and builds one state per action, several times per message (once per
policy and prediction). That is linear in the length of the conversation and was the largest
single cost per message (~20-35% of a replica's CPU, 20 turns in). The states of a conversation's
past don't change when events are appended, so each tracker keeps its replay (the copy, the states
so far and the loop's two variables) and the next call only replays the new events. When the
applied events are not an extension of the ones replayed (a restart, a rewind, a new session) the
replay starts over. The loop body is Rasa's, unchanged. `applied_events` (a scan of the whole
conversation, asked for several times per prediction) is likewise computed once per event list.
tests/test_dialogue_states.py checks both equal Rasa's own for every prefix of random conversations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

_original = Domain.states_for_tracker_history
_original_applied_events = DialogueStateTracker.applied_events
_MEMO, _APPLIED = "_faq_states_memo", "_faq_applied_events"


@dataclass
class _Replay:
    rule_only_data: Any
    prior: Any  # the tracker copy with `events` applied
    events: list = field(default_factory=list)
    states: list = field(default_factory=list)
    last_ml_action: Any = None
    turn_was_hidden: bool = False


def _step(domain: Domain, replay: _Replay, hide_rule_turn: bool, omit_unset_slots: bool,
          ignore_rule_only_turns: bool) -> tuple[dict | None, Any, bool]:
    """One iteration of Rasa's loop: (state or None if hidden, last ML action, turn hidden)."""
    tr, last_ml, hidden = replay.prior, replay.last_ml_action, replay.turn_was_hidden
    if ignore_rule_only_turns:
        if not hidden:
            last_ml = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            hidden = hide_rule_turn
        if hidden:
            return None, last_ml, hidden
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, replay.rule_only_data)
        if replay.states:
            domain._substitute_rule_only_user_input(state, replay.states[-1])
        if last_ml:
            state[PREVIOUS_ACTION] = last_ml
    return domain._clean_state(state), last_ml, hidden


def states_for_tracker_history(self: Domain, tracker: Any, omit_unset_slots: bool = False,
                               ignore_rule_only_turns: bool = False,
                               rule_only_data: dict[str, Any] | None = None) -> list[dict]:
    """Same result as Rasa's `Domain.states_for_tracker_history`, replaying only new events."""
    applied = tracker.applied_events()
    memo = tracker.__dict__.setdefault(_MEMO, {})
    key = (id(self), omit_unset_slots, ignore_rule_only_turns)
    replay = memo.get(key)
    if (replay is None or replay.rule_only_data != rule_only_data or len(applied) < len(replay.events)
            or applied[:len(replay.events)] != replay.events):
        replay = memo[key] = _Replay(rule_only_data, tracker.init_copy())
    for event in applied[len(replay.events):]:
        if isinstance(event, ActionExecuted):
            state, replay.last_ml_action, replay.turn_was_hidden = _step(
                self, replay, event.hide_rule_turn, omit_unset_slots, ignore_rule_only_turns)
            if state is not None:
                replay.states.append(state)
        replay.prior.update(event)
        replay.events.append(event)
    final, _, _ = _step(self, replay, False, omit_unset_slots, ignore_rule_only_turns)
    states = replay.states + ([final] if final is not None else [])
    # callers may edit the states they get (e.g. drop the last user text): hand out copies
    return [{kind: dict(sub) for kind, sub in state.items()} for state in states]


def applied_events(self: DialogueStateTracker) -> list:
    """Rasa's `applied_events`, computed once per state of the (append-only) event list: it is a
    scan of the whole conversation and each prediction asks for it several times."""
    events = self.events
    key = (id(events), len(events), id(events[0]) if events else 0, id(events[-1]) if events else 0)
    memo = self.__dict__.get(_APPLIED)
    if memo is None or memo[0] != key:
        memo = self.__dict__[_APPLIED] = (key, _original_applied_events(self))
    return list(memo[1])


def install() -> None:
    """Replace Domain.states_for_tracker_history and DialogueStateTracker.applied_events (idempotent)."""
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]


def uninstall() -> None:
    Domain.states_for_tracker_history = _original  # type: ignore[method-assign]
    DialogueStateTracker.applied_events = _original_applied_events  # type: ignore[method-assign]
