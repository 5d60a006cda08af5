"""The six replacements of Rasa 3.6's own functions: measured fixes with no public door.

Everything else this project changes in Rasa goes through Rasa's extension points (components
and a policy named in config.yml, our tracker store and tracker, our channels). What is left
replaces a function of Rasa's, installed by `bot.rasa_ext.install()`; each original's source is
fingerprinted there, so a Rasa whose function changed stops the start naming it. docs/rasa.md
lists each with its reason and the upstream issue it matches.

1. `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)`, which checks
   the (constant) schema itself before every validation: ~45% of the Rasa server's CPU per answered
   message (py-spy). The same validation runs, with the schema checked once, and each event against
   the one schema its `event` names: an event is valid under the schema's oneOf over 23 event schemas
   exactly when it is under the one whose `event` constant it has (0.9 ms -> ~0.1 ms an answer, whose
   conversation slot is new each turn; an event naming no schema gets the full check's error).
2. `Agent._create_tracker_store` wraps the tracker store in FailSafeTrackerStore without its
   `on_tracker_store_error` callback, so a database error is papered over with an empty in-memory
   conversation: ours passes the callback, and the error fails the turn (`create_tracker_store`).
3. `EndpointConfig.request` opens a new aiohttp session, so a new TCP connection, for every call to
   the action server. One session per endpoint and event loop is kept open instead (keep-alive),
   closed when the server stops (`close_sessions`, registered by the REST channel); a call that
   can't reach the server is tried again for up to RETRY_FOR seconds, so a restart delays turns
   rather than failing them. An endpoint naming `actions_module` (endpoints.yml) gets no HTTP session
   at all: its actions run in this process (bot/rasa_ext/in_process.py).
4. `RemoteAction._action_call_format` sends the action server every event of the conversation, so
   each call serialises, sends and parses more the longer it is (~25 % of the server's CPU 300
   turns in). The actions in `RECENT_EVENTS_ONLY` read only the latest message and the slots
   (actions/actions.py): they get the events since the latest user message; the others (the vote,
   which looks up any earlier answer) still get them all.
5. `DaskGraphRunner.run` builds and schedules a dask graph for every message:
   bot/rasa_ext/graph_runner.py calls the nodes directly.
6. `MessageProcessor.parse_message` reads every message on the event loop, one at a time, while the
   encoder computes without Python: bot/rasa_ext/parsing.py reads on two parse threads while other
   messages are in hand, their Python one at a time (bot/knowledge/turns.py).

Not a replacement: `freeze_startup_objects`, a listener the REST channel registers (a loaded
server holds ~600,000 objects that never die; `gc.freeze` keeps full collections from walking them).
"""

from __future__ import annotations

import functools
import gc
from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_ext import graph_runner, in_process, parsing
from bot.rasa_ext.tracker import FaqTracker

_original_session = EndpointConfig.session
_original_action_call_format = RemoteAction._action_call_format
RECENT_EVENTS_ONLY = frozenset({"action_answer", "action_handoff"})
RETRY_FOR, RETRY_EVERY = 4.0, 0.25  # seconds: how long, and how often, an unreachable action server is tried
_sessions: dict[tuple[int, int], Any] = {}


@functools.lru_cache(maxsize=1)
def _validators() -> tuple[Any, dict[str, Any]]:
    """A validator for the whole action response, and one for each kind of event, by its `event` name:
    the event schema's own properties with the one of its oneOf that names that kind (schemas checked
    once). Rasa's oneOf tells its event schemas apart by their `event` constant; one that doesn't
    (not so in 3.6) leaves the full oneOf for every event."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    item = schema["properties"]["events"]["items"]
    common = {key: value for key, value in item.items() if key != "oneOf"}
    names = [one.get("properties", {}).get("event", {}).get("const") for one in item.get("oneOf", ())]
    if not names or None in names or len(set(names)) < len(names):
        return cls(schema), {}
    return cls(schema), {name: cls({"allOf": [common, one]}) for name, one in zip(names, item["oneOf"], strict=True)}


def _events_are_valid(events: Any) -> bool:
    """Each event valid under the schema of its kind (False sends it to the full check, for its error)."""
    by_kind = _validators()[1]
    return isinstance(events, list) and bool(by_kind) and all(
        isinstance(event, dict) and isinstance(event.get("event"), str) and event["event"] in by_kind
        and by_kind[event["event"]].is_valid(event) for event in events)


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


async def freeze_startup_objects(*_: Any) -> None:
    """Sanic `after_server_start` listener (the model is loaded by then): collect, then freeze."""
    gc.collect()
    gc.freeze()


class _RetriedRequest:
    """`async with session.request(...)`, tried again every RETRY_EVERY seconds for RETRY_FOR seconds
    while the server can't be reached (refused, or a kept-alive connection it closed, found closed as
    the request is written: "Can not write request body", once in ~4,000 messages at saturation): the
    action server restarting (`make run` restarts it in ~3 s) delays the turn instead of failing it. The
    actions have no effect but their response, so a request the server may have seen is safe to send again."""

    def __init__(self, session: Any, args: tuple, kwargs: dict[str, Any]) -> None:
        self.session, self.args, self.kwargs = session, args, kwargs
        self.entered: Any = None

    async def __aenter__(self) -> Any:
        import asyncio
        import time

        import aiohttp

        deadline = time.monotonic() + RETRY_FOR
        while True:
            self.entered = self.session.request(*self.args, **self.kwargs)
            try:
                return await self.entered.__aenter__()
            except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):  # (ClientConnectorError is one)
                if time.monotonic() + RETRY_EVERY > deadline:
                    raise
                await asyncio.sleep(RETRY_EVERY)

    async def __aexit__(self, *exc: Any) -> Any:
        return await self.entered.__aexit__(*exc)


class _RetryingSession:
    """The kept session, its `request` retried (`_RetriedRequest`); everything else as it is."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def request(self, *args: Any, **kwargs: Any) -> _RetriedRequest:
        return _RetriedRequest(self.session, args, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


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
        return _RetryingSession(session)

    async def __aexit__(self, *_: Any) -> None:
        return None


def session(self: EndpointConfig) -> Any:
    module = in_process.module_of(self)
    return in_process.ActionsSession(module) if module else _KeptSession(self)


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


def _fail_the_turn(error: Exception) -> None:
    """FailSafeTrackerStore's `on_tracker_store_error` callback: re-raise (see `create_tracker_store`)."""
    raise error


class _FailSafeStore(FailSafeTrackerStore):
    """Rasa's FailSafeTrackerStore, its new conversations' trackers our `FaqTracker`: its own
    `init_tracker` (TrackerStore's) makes Rasa's class for every conversation the server starts, and our
    store's cache then kept that object, so no served conversation had FaqTracker's copy and applied
    events unless it was read back from the database (bot/rasa_ext/tracker.py)."""

    def init_tracker(self, sender_id: str) -> Any:
        return FaqTracker(sender_id, self.domain.slots, max_event_history=self.max_event_history)


def create_tracker_store(store: Any, domain: Any) -> Any:
    """`Agent._create_tracker_store`, with FailSafeTrackerStore's own callback set so that a tracker
    store error fails the message instead of being papered over.

    Rasa's Agent wraps the tracker store in FailSafeTrackerStore without the callback: when the
    database is down it answers from an empty in-memory tracker (ignoring the conversation so far)
    and keeps the turn in that process's memory only, so it never reaches the database; a replica or
    a restart then never sees it. Re-raising lets the channel send its apology (bot/channels/web.py)
    with nothing half-stored, and the user can simply send the message again once the database is
    back. (Our store counts and logs the failure: bot/rasa_ext/tracker_store.py.) Its trackers are
    ours (`_FailSafeStore`).
    """
    if store is not None:
        store.domain = domain
    else:
        store = InMemoryTrackerStore(domain)
    return _FailSafeStore(store, on_tracker_store_error=_fail_the_turn)


REPLACEMENTS: tuple[tuple[Any, str, Any], ...] = (  # (owner, name, ours)
    (RemoteAction, "_validate_action_result", _validate_action_result),
    (Agent, "_create_tracker_store", staticmethod(create_tracker_store)),
    (EndpointConfig, "session", session),
    (RemoteAction, "_action_call_format", _action_call_format),
    (graph_runner.DaskGraphRunner, "run", graph_runner.run),
    (parsing.MessageProcessor, "parse_message", parsing.parse_message),
)
ORIGINALS: dict[str, Any] = {f"{owner.__module__}.{owner.__name__}.{name}": vars(owner)[name]
                             for owner, name, _ in REPLACEMENTS}


def apply() -> None:
    """Install the replacements (idempotent)."""
    for owner, name, ours in REPLACEMENTS:
        setattr(owner, name, ours)


def undo() -> None:
    """Put back Rasa's own functions."""
    for owner, name, _ in REPLACEMENTS:
        setattr(owner, name, ORIGINALS[f"{owner.__module__}.{owner.__name__}.{name}"])
