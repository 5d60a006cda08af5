"""Custom actions run inside the Rasa process: endpoints.yml's `action_endpoint: actions_module: actions`
(the option of that name in Rasa Pro 3.10, which Open Source 3.6 lacks).

Rasa 3.6 calls every custom action over HTTP (`RemoteAction.run` -> `EndpointConfig.request`). For an
endpoint naming `actions_module`, the kept session of `patches.session` is this module's instead: the
request's JSON body goes to rasa-sdk's own `ActionExecutor` in this process and its result comes back as
the action server's reply would (the same JSON, 400 for a rejection, 404 for an unknown action, 500 for an
action that raised), so Rasa validates and applies it exactly as it does over HTTP. Measured over the
bench's texts (docs/rasa.md): the HTTP call took 2.3 ms a message at the median, the executor 0.3 ms;
and no second process (~230 MB).

The actions read the knowledge base like the parse threads do, so an action holds the reader's turn
(bot/knowledge/turns.py) and one action runs at a time on the loop. Without `actions_module` (or with
ACTION_ENDPOINT_URL, for which `bot.config.endpoints_file` writes a copy without it) Rasa calls the
action server at the endpoint's `url`, as before.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from http import HTTPStatus
from typing import Any

logger = logging.getLogger(__name__)

MODULE_KEY = "actions_module"
_executors: dict[str, Any] = {}
_one_at_a_time: dict[int, asyncio.Lock] = {}  # per event loop


def module_of(endpoint: Any) -> str | None:
    """The actions' package an endpoint runs in this process, or None (an action server's URL)."""
    kwargs = getattr(endpoint, "kwargs", None) or {}
    return kwargs.get(MODULE_KEY) or None


def executor(module: str) -> Any:
    """rasa-sdk's executor with every action of `module` registered (once per module)."""
    if module not in _executors:
        from rasa_sdk.executor import ActionExecutor

        importlib.import_module(module)  # not there: ImportError, the turn fails (rasa-sdk would sys.exit)
        found = ActionExecutor()
        found.register_package(module)
        _executors[module] = found
    return _executors[module]


async def call(module: str, body: Any) -> tuple[int, Any]:
    """(HTTP status, JSON reply) of the action server's webhook for this request body."""
    from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

    from bot.knowledge.turns import reading

    action_call = json.loads(json.dumps(body))  # what the server would read off the wire
    loop = id(asyncio.get_running_loop())
    lock = _one_at_a_time.setdefault(loop, asyncio.Lock())
    async with lock:
        try:
            with reading():
                return HTTPStatus.OK, await executor(module).run(action_call)
        except ActionExecutionRejection as rejected:
            return HTTPStatus.BAD_REQUEST, {"error": rejected.message, "action_name": rejected.action_name}
        except ActionNotFoundException as missing:
            logger.error(missing)
            return HTTPStatus.NOT_FOUND, {"error": missing.message, "action_name": missing.action_name}
        except Exception:  # noqa: BLE001 - as the action server's 500: Rasa fails the turn, the channel apologises
            logger.exception("custom action %s failed", action_call.get("next_action"))
            return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "the action failed"}


class _Reply:
    """What `EndpointConfig.request` reads of an aiohttp response: status, reason, content, json()."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.reason = int(status), HTTPStatus(status).phrase
        self._bytes = json.dumps(body).encode()
        self.content = self

    async def read(self) -> bytes:
        return self._bytes

    async def json(self) -> Any:
        return json.loads(self._bytes)


class _Request:
    """`async with session.request(...) as response`, run here."""

    def __init__(self, module: str, body: Any) -> None:
        self.module, self.body = module, body

    async def __aenter__(self) -> _Reply:
        return _Reply(*await call(self.module, self.body))

    async def __aexit__(self, *_: Any) -> None:
        return None


class ActionsSession:
    """`async with endpoint.session() as session`, for an endpoint running its actions here."""

    def __init__(self, module: str) -> None:
        self.module = module

    async def __aenter__(self) -> ActionsSession:
        return self

    async def __aexit__(self, *_: Any) -> None:
        return None

    def request(self, method: str, url: Any, **kwargs: Any) -> _Request:
        """The action server's webhook: POST with a JSON body (nothing else is asked of it)."""
        if method.lower() != "post" or "json" not in kwargs:
            raise ValueError(f"actions in process answer a POST with a JSON body, not {method.upper()}")
        return _Request(self.module, kwargs["json"])
