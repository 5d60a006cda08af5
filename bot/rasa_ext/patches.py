"""Measured performance fixes for Rasa 3.6, installed by bot.rasa_ext.install() at start.

1. `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which checks
   the (constant) schema itself before every validation: ~45% of the Rasa server's CPU per answered
   message (py-spy). The same validation runs, with the schema checked once, and each distinct
   event validated once (an LRU of valid events: validating one is a oneOf over 23 schemas).
2. `Event.resolve_by_type` walks every Event subclass (recursively, with `inspect.isabstract`) for
   each stored event it deserialises, so loading a conversation costs more the longer it is: ~23% of
   the CPU per message 50 turns into a conversation. The same lookup runs from a map, rebuilt when
   a name is not in it (so subclasses defined later are still found).
3. `Domain.states_for_tracker_history` replays the whole conversation for every prediction:
   bot/rasa_ext/dialogue_states.py replays only the events added since the last call on that tracker.
4. A loaded Rasa server holds ~600,000 objects (TensorFlow, spaCy, the domain...) that never die;
   each full garbage collection walks them all: a 400 ms pause of the whole server every few
   hundred messages (the p99 spikes under load). `freeze_startup_objects` moves them out of the
   collector's sight once the model is loaded (the REST channel registers it; `gc.freeze`).
5. `EndpointConfig.request` opens a new aiohttp session, so a new TCP connection, for every call to
   the action server. One session per endpoint and event loop is kept open instead (keep-alive),
   closed when the server stops (`close_sessions`, registered by the REST channel).
6. `DialogueStateTracker.copy` replays the whole conversation (twice per message):
   bot/rasa_ext/tracker_copy.py copies the state as it is.
7. `RemoteAction._action_call_format` sends the action server every event of the conversation, so
   each call serialises, sends and parses more the longer it is (~25 % of the server's CPU 300
   turns in). The actions in `RECENT_EVENTS_ONLY` read only the latest message and the slots
   (actions/actions.py): they get the events since the latest user message; the others (the vote,
   which looks up any earlier answer) still get them all.
8. `DaskGraphRunner.run` builds and schedules a dask graph three times per message:
   bot/rasa_ext/graph_runner.py calls the nodes directly.
9. The rule and memoization policies deep-copy the conversation's dialogue states for a debug log
   line at every prediction, whether or not debug logging is on: linear in the conversation and
   ~25 % of the server's CPU 300 turns in; the message processor likewise deep-copies the parse
   result and each action's events. They copy only when that line will be written.
10. `SpacyNLP.load_model` reads the spaCy pipeline from disk for each graph node that uses it (two
   in the prediction graph): loaded once per process and name instead (~1 s of the start).
11. `CountVectorsFeaturizer` counts each message twice per analyzer (tokens, then the joined text):
   bot/rasa_ext/count_vectors.py sums the tokens' counts where that is exact.
"""

from __future__ import annotations

import copy
import functools
import gc
import importlib
import json
import logging
import types
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import EventVerbosity
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_ext import count_vectors, dialogue_states, graph_runner, tracker_copy

_original_resolve_by_type = Event.resolve_by_type
_original_validate_action_result = RemoteAction._validate_action_result
_original_session = EndpointConfig.session
_original_action_call_format = RemoteAction._action_call_format
RECENT_EVENTS_ONLY = frozenset({"action_answer", "action_handoff"})
_original_load_spacy = SpacyNLP.load_model
DEBUG_COPIES = ("rasa.core.policies.rule_policy", "rasa.core.policies.memoization", "rasa.core.processor")
_sessions: dict[tuple[int, int], Any] = {}
_event_types: dict[str, type] = {}


@functools.lru_cache(maxsize=1)
def _validators() -> tuple[Any, Any]:
    """Validators for the whole action response and for one of its events (schemas checked once)."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema), cls(schema["properties"]["events"]["items"])


@functools.lru_cache(maxsize=4096)
def _event_is_valid(event_json: str) -> bool:
    return _validators()[1].is_valid(json.loads(event_json))


def _events_are_valid(events: Any) -> bool:
    """Each event checked once per distinct event (a oneOf over 23 event schemas is costly)."""
    if not isinstance(events, list):
        return False
    try:
        return all(_event_is_valid(json.dumps(event, sort_keys=True)) for event in events)
    except (TypeError, ValueError):
        return False


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    whole = _validators()[0]
    try:
        if isinstance(result, dict) and _events_are_valid(result.get("events")):
            whole.validate({**result, "events": []})  # the rest of the response
        else:
            whole.validate(result)  # the full check, for its error message
    except ValidationError as exc:
        exc.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
        raise
    return True


def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
    """`Event.resolve_by_type` from a map of type names (first subclass found wins, as in Rasa)."""
    cls = _event_types.get(type_name)
    if cls is None:
        _event_types.clear()
        for subclass in all_subclasses(Event):
            _event_types.setdefault(subclass.type_name, subclass)
        cls = _event_types.get(type_name)
    return cls if cls is not None else _original_resolve_by_type(type_name, default)


async def freeze_startup_objects(*_: Any) -> None:
    """Sanic `after_server_start` listener (the model is loaded by then): collect, then freeze."""
    gc.collect()
    gc.freeze()


class _KeptSession:
    """`async with endpoint.session() as s`, without closing the shared session at the end."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint

    async def __aenter__(self) -> Any:
        import asyncio

        key = (id(self.endpoint), id(asyncio.get_running_loop()))
        session = _sessions.get(key)
        if session is None or session.closed:
            session = _sessions[key] = _original_session(self.endpoint)
        return session

    async def __aexit__(self, *_: Any) -> None:
        return None


def session(self: EndpointConfig) -> Any:
    return _KeptSession(self)


async def close_sessions(*_: Any) -> None:
    """Sanic `after_server_stop` listener: close the kept sessions of this event loop."""
    import asyncio

    loop = id(asyncio.get_running_loop())
    for key in [k for k in _sessions if k[1] == loop]:
        await _sessions.pop(key).close()


class _RecentEvents:
    """What `_action_call_format` reads of a tracker, with only the events since the user's message."""

    def __init__(self, tracker: Any) -> None:
        self.tracker = tracker
        self.sender_id = tracker.sender_id

    def current_state(self, event_verbosity: Any = None) -> dict[str, Any]:
        state = self.tracker.current_state(EventVerbosity.NONE)
        recent = []
        for event in reversed(self.tracker.events):
            recent.append(event)
            if isinstance(event, UserUttered):
                break
        state["events"] = [event.as_dict() for event in reversed(recent)]
        return state


def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
    if self.name() in RECENT_EVENTS_ONLY:
        tracker = _RecentEvents(tracker)
    return _original_action_call_format(self, tracker, domain)


def _copy_for_debug_log(module: str) -> types.SimpleNamespace:
    """The `copy` module as `module` sees it: deepcopy only when its debug lines are written."""
    logger = logging.getLogger(module)

    def deepcopy(x: Any, memo: Any = None, _nil: Any = []) -> Any:  # noqa: B006 (copy.deepcopy's own)
        return copy.deepcopy(x, memo) if logger.isEnabledFor(logging.DEBUG) else x

    return types.SimpleNamespace(**{**vars(copy), "deepcopy": deepcopy})


def apply() -> None:
    """Install the fixes (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    EndpointConfig.session = session  # type: ignore[method-assign]
    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
    for module in DEBUG_COPIES:
        importlib.import_module(module).copy = _copy_for_debug_log(module)
    SpacyNLP.load_model = staticmethod(functools.lru_cache(maxsize=4)(_original_load_spacy))  # type: ignore[method-assign]
    dialogue_states.install()
    tracker_copy.install()
    graph_runner.install()
    count_vectors.install()


def undo() -> None:
    """Put back Rasa's own methods."""
    RemoteAction._validate_action_result = _original_validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = _original_resolve_by_type  # type: ignore[method-assign]
    EndpointConfig.session = _original_session  # type: ignore[method-assign]
    RemoteAction._action_call_format = _original_action_call_format  # type: ignore[method-assign]
    for module in DEBUG_COPIES:
        importlib.import_module(module).copy = copy
    SpacyNLP.load_model = staticmethod(_original_load_spacy)  # type: ignore[method-assign]
    dialogue_states.uninstall()
    tracker_copy.uninstall()
    graph_runner.uninstall()
    count_vectors.uninstall()
