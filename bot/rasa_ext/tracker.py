"""The conversation tracker our tracker store makes: Rasa's, with two costs that grew with the
conversation taken out (bot/rasa_ext/tracker_store.py creates and loads every tracker as this class).

- `copy`: Rasa copies the tracker before running every action (`MessageProcessor._run_action`,
  twice per message) by replaying all its events into a fresh tracker (~9 % of the server's CPU
  300 turns in). A tracker's state *is* that replay (every event is applied as it is appended),
  so the copy takes the state as it is: the same event objects in a new list, copies of the slots
  and of the small state dicts, and what the replay would not carry over (model id, assistant id,
  sender source) left unset as the replay leaves it. Where that is not certain (a capped event
  history, slots created on the fly, an attribute this code doesn't know) Rasa's own copy runs.
- `applied_events` (a scan of the whole conversation, asked for at every message) is continued from
  its last result when events were only appended since: Rasa's fold, unchanged, over the new events;
  computed from the start when anything else changed.

tests/rasa_ext/test_tracker.py checks both equal Rasa's after every event of random conversations
(rewinds, restarts, sessions, loops).
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

# what the replay rebuilds from the events: event objects shared, dicts copied
_SHARED = ("_paused", "followup_action", "latest_message", "latest_bot_utterance")
_COPIED = ("latest_action", "active_loop")
_APPLIED = "_faq_applied_events"
# set by __init__ and init_copy (not by the events), or ours
_KNOWN = {"_max_event_history", "events", "sender_id", "slots", "sender_source", "is_rule_tracker",
          "model_id", "assistant_id", _APPLIED, *_SHARED, *_COPIED}


@dataclass
class _Applied:
    """`applied_events` of a tracker when its event list had `length` events."""

    events: Any  # the tracker's deque the result is for
    length: int
    first: Any  # events[0] and events[length - 1] then: unchanged means only appended to since
    last: Any
    applied: list
    loop_names: set


class FaqTracker(DialogueStateTracker):
    """A `DialogueStateTracker` whose copy and applied events don't replay the conversation."""

    def init_copy(self) -> FaqTracker:
        return FaqTracker(self.sender_id or DEFAULT_SENDER_ID, self.slots.values(), self._max_event_history,
                          is_rule_tracker=self.is_rule_tracker)

    def copy(self) -> DialogueStateTracker:
        """A duplicate of this tracker, equal to Rasa's replayed copy."""
        if (self.events.maxlen is not None or isinstance(self.slots, AnySlotDict)
                or not set(vars(self)) <= _KNOWN):
            return super().copy()
        new = self.init_copy()
        new.events = self._create_events(list(self.events))
        new.slots = {name: copy_module.copy(slot) for name, slot in self.slots.items()}
        for name in _SHARED:
            setattr(new, name, getattr(self, name))
        for name in _COPIED:
            setattr(new, name, copy_module.copy(getattr(self, name)))
        return new

    def _fold(self, applied: list, events: Iterable, loop_names: set[str]) -> list:
        """The loop of Rasa 3.6's `DialogueStateTracker.applied_events`, continued from `applied`."""
        for event in events:
            if isinstance(event, (Restarted, SessionStarted)):
                applied = []
            elif isinstance(event, ActionReverted):
                self._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                self._undo_till_previous(UserUttered, applied)
                self._undo_till_previous(ActionExecuted, applied)
            elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
                  and not self._first_loop_execution_or_unhappy_path(event.action_name, applied)):
                self._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
        return applied

    def applied_events(self) -> list:
        """Rasa's `applied_events`, continued from the last call when events were only appended since."""
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
        applied = self._fold(list(memo.applied), new, names)
        self.__dict__[_APPLIED] = _Applied(events, n, events[0] if n else None, events[-1] if n else None,
                                           applied, names)
        return list(applied)
