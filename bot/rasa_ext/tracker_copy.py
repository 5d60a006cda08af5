"""`DialogueStateTracker.copy` without replaying the conversation (installed by bot/rasa_ext/patches.py).

Rasa 3.6 copies the tracker before running every action (`MessageProcessor._run_action`, so twice
per message) by replaying all its events into a fresh tracker: linear in the conversation, ~9 % of
the server's CPU 300 turns in. A tracker's state *is* that replay (every event is applied as it is
appended), so the copy can take the state as it is: the same event objects in a new list, copies of
the slots and of the small state dicts, and what the replay would not carry over (model id,
assistant id, sender source) left unset as the replay leaves it. Where that is not certain — a
capped event history (the replay would start from the oldest kept event), slots created on the fly,
a subclass, or an attribute this code doesn't know — Rasa's own copy runs.
tests/test_tracker_copy.py checks the copy equals Rasa's, attribute by attribute, after every event
of random conversations.
"""

from __future__ import annotations

import copy as copy_module
from typing import Any

from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

_original_copy = DialogueStateTracker.copy
# what the replay rebuilds from the events: event objects shared, dicts copied
_SHARED = ("_paused", "followup_action", "latest_message", "latest_bot_utterance")
_COPIED = ("latest_action", "active_loop")
# set by __init__ and init_copy (not by the events), or ours (bot/rasa_ext/dialogue_states.py)
_KNOWN = {"_max_event_history", "events", "sender_id", "slots", "sender_source", "is_rule_tracker",
          "model_id", "assistant_id", *_SHARED, *_COPIED}
_OURS_PREFIX = "_faq_"


def _state_is_known(tracker: DialogueStateTracker) -> bool:
    return all(name in _KNOWN or name.startswith(_OURS_PREFIX) for name in vars(tracker))


def copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """A duplicate of this tracker, equal to Rasa's replayed copy."""
    if (type(self) is not DialogueStateTracker or self.events.maxlen is not None
            or isinstance(self.slots, AnySlotDict) or not _state_is_known(self)):
        return _original_copy(self)
    new = self.init_copy()
    new.events = self._create_events(list(self.events))
    new.slots = {name: copy_module.copy(slot) for name, slot in self.slots.items()}
    for name in _SHARED:
        setattr(new, name, getattr(self, name))
    for name in _COPIED:
        value: Any = getattr(self, name)
        setattr(new, name, copy_module.copy(value))
    return new


def install() -> None:
    DialogueStateTracker.copy = copy  # type: ignore[method-assign]


def uninstall() -> None:
    DialogueStateTracker.copy = _original_copy  # type: ignore[method-assign]
