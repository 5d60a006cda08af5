"""Incremental `Domain.states_for_tracker_history` for Rasa 3.6 (installed by bot/rasa_ext/patches.py).

Every dialogue prediction featurises the whole conversation: Rasa replays all its events into a
fresh copy of the tracker and builds one state per action, several times per message (once per
policy and prediction). That is linear in the length of the conversation and was the largest
single cost per message (~20-35% of a replica's CPU, 20 turns in). The states of a conversation's
past don't change when events are appended, so each tracker keeps its replay (the copy, the states
so far and the loop's two variables) and the next call only replays the new events. When the
applied events are not an extension of the ones replayed (a restart, a rewind, a new session) the
replay starts over. The loop body is Rasa's, unchanged. `applied_events` (a scan of the whole
conversation, asked for several times per prediction) is likewise continued from its last result
when events were only appended (Rasa's fold, unchanged, over the new events).
tests/test_dialogue_states.py checks both equal Rasa's own for every prefix of random conversations.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_original = Domain.states_for_tracker_history
_original_applied_events = DialogueStateTracker.applied_events
_original_find_action_from_rules = RulePolicy._find_action_from_rules
_original_get_possible_keys = RulePolicy._get_possible_keys
_MEMO, _APPLIED, _RULE_WINDOW, _RULE_INDEX = ("_faq_states_memo", "_faq_applied_events", "_faq_rule_window",
                                             "_faq_rule_index")
_WINDOW: ContextVar[int | None] = ContextVar("states_window", default=None)  # only the last N states


@dataclass
class _Applied:
    """`applied_events` of a tracker when its event list had `length` events."""

    events: Any  # the tracker's deque the result is for
    length: int
    first: Any  # events[0] and events[length - 1] then: unchanged means only appended to since
    last: Any
    applied: list
    loop_names: set


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
    window = _WINDOW.get()
    if window:
        states = states[-window:]
    # callers may edit the states they get (e.g. drop the last user text): hand out copies
    return [{kind: dict(sub) for kind, sub in state.items()} for state in states]


def _fold(tracker: DialogueStateTracker, applied: list, events: Iterable, loop_names: set) -> list:
    """The loop of Rasa 3.6's `DialogueStateTracker.applied_events`, continued from `applied`."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def applied_events(self: DialogueStateTracker) -> list:
    """Rasa's `applied_events`, continued from the last call on this tracker when events were only
    appended since (each prediction asks for it several times, and it was a scan of the whole
    conversation); computed from the start when anything else changed."""
    events = self.events
    n = len(events)
    memo: _Applied | None = self.__dict__.get(_APPLIED)
    if memo is not None and memo.events is events and memo.length == n and (not n or memo.last is events[-1]):
        return list(memo.applied)
    if (memo is None or memo.events is not events or not memo.length or n < memo.length
            or memo.first is not events[0] or memo.last is not events[memo.length - 1]):
        memo = _Applied(events, 0, None, None, [], set())
    new = [events[i] for i in range(memo.length, n)]
    names = memo.loop_names | {e.name for e in new if isinstance(e, ActiveLoop) and e.name}
    if names != memo.loop_names:  # a loop seen for the first time changes how earlier events fold
        memo, new = _Applied(events, 0, None, None, [], names), list(events)
    applied = _fold(self, list(memo.applied), new, names)
    self.__dict__[_APPLIED] = _Applied(events, n, events[0] if n else None, events[-1] if n else None,
                                       applied, names)
    return list(applied)


def rule_window(policy: RulePolicy) -> int:
    """How many of the latest states can decide which rules apply: the longest rule's, plus one."""
    window = policy.__dict__.get(_RULE_WINDOW)
    if window is None:
        keys = [key for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH) for key in policy.lookup.get(table, {})]
        window = policy.__dict__[_RULE_WINDOW] = max((len(policy._rule_key_to_state(k)) for k in keys), default=0) + 1
    return window


def find_action_from_rules(self: RulePolicy, tracker: DialogueStateTracker, domain: Domain,
                           use_text_for_last_user_input: bool) -> Any:
    """RulePolicy's rule search over the latest `rule_window` states instead of the whole conversation.

    A rule of k states is matched against the last k states only; once every remaining rule is
    shorter than the states looked at, older states can't rule any out (Rasa's `_is_rule_applicable`
    returns True past a rule's length). So the rules found are the same, at a cost that doesn't grow.
    """
    token = _WINDOW.set(rule_window(self))
    try:
        return _original_find_action_from_rules(self, tracker, domain, use_text_for_last_user_input)
    finally:
        _WINDOW.reset(token)


def _required(state: dict, kind: str, key: str) -> Any:
    """The value a rule's state requires for `kind`/`key` (None: no requirement this index can use)."""
    value = (state.get(kind) or {}).get(key)
    return value if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET else None


def _rule_index(policy: RulePolicy, lookup: dict) -> tuple[list, dict]:
    """The rule keys of `lookup` by what their last state requires: (keys any state may match,
    {(intent, previous action): keys}), built once per lookup table."""
    indexes = policy.__dict__.setdefault(_RULE_INDEX, {})
    found = indexes.get(id(lookup))
    if found is None or found[0] is not lookup or found[1] != len(lookup):
        always: list = []
        by_need: dict = {}
        for key in lookup:
            rule_states = policy._rule_key_to_state(key)
            last = rule_states[-1] if rule_states else {}
            if not last.get(PREVIOUS_ACTION):  # a conversation start: matched by other rules (Rasa's own test)
                always.append(key)
            else:
                need = (_required(last, USER, INTENT), _required(last, PREVIOUS_ACTION, ACTION_NAME))
                by_need.setdefault(need, []).append(key)
        found = indexes[id(lookup)] = (lookup, len(lookup), always, by_need)
    return found[2], found[3]


def get_possible_keys(self: RulePolicy, lookup: dict, states: list) -> set:
    """RulePolicy's `_get_possible_keys`, checking only the rules whose last state can match the
    conversation's last state (its user intent and previous action) instead of every rule: the rules
    left out are exactly some of those Rasa's first comparison rejects."""
    if not states:
        return _original_get_possible_keys(self, lookup, states)
    always, by_need = _rule_index(self, lookup)
    last = states[-1]
    intent, action = _required(last, USER, INTENT), _required(last, PREVIOUS_ACTION, ACTION_NAME)
    candidates = [*always, *by_need.get((None, None), ())]
    if intent:
        candidates += by_need.get((intent, None), ())
    if action:
        candidates += by_need.get((None, action), ())
    if intent and action:
        candidates += by_need.get((intent, action), ())
    return _original_get_possible_keys(self, dict.fromkeys(candidates), states)


def install() -> None:
    """Replace Domain.states_for_tracker_history, DialogueStateTracker.applied_events,
    RulePolicy._find_action_from_rules and RulePolicy._get_possible_keys (idempotent)."""
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
    RulePolicy._find_action_from_rules = find_action_from_rules  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]


def uninstall() -> None:
    Domain.states_for_tracker_history = _original  # type: ignore[method-assign]
    DialogueStateTracker.applied_events = _original_applied_events  # type: ignore[method-assign]
    RulePolicy._find_action_from_rules = _original_find_action_from_rules  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = _original_get_possible_keys  # type: ignore[method-assign]
