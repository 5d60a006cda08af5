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
"""

from __future__ import annotations

import functools
import gc
import json
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_ext import dialogue_states

_original_resolve_by_type = Event.resolve_by_type
_original_validate_action_result = RemoteAction._validate_action_result
_original_session = EndpointConfig.session
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


def apply() -> None:
    """Install the fixes (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    EndpointConfig.session = session  # type: ignore[method-assign]
    dialogue_states.install()


def undo() -> None:
    """Put back Rasa's own methods."""
    RemoteAction._validate_action_result = _original_validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = _original_resolve_by_type  # type: ignore[method-assign]
    EndpointConfig.session = _original_session  # type: ignore[method-assign]
    dialogue_states.uninstall()
