"""GET /ready: whether this replica can answer now (its dependencies reachable), for load balancers,
Kubernetes' readiness probe and Docker's HEALTHCHECK. Liveness stays Rasa's GET / (the process).

Checked, each within CHECK_TIMEOUT seconds and off the event loop (a paused database must not hold
up this replica's other requests): the model is loaded, the tracker store answers a query, the lock
store (Redis) answers a ping, the action server's /health answers (when the actions run in one, not in
this process). 200 {"ready": true, "checks": {...}} when all pass; 503 with Retry-After and the failing
ones named when not.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

CHECK_TIMEOUT = 2.0  # seconds per dependency
RETRY_AFTER = 5


async def _action_server(url: str) -> None:
    import aiohttp

    health = url.rsplit("/webhook", 1)[0].rstrip("/") + "/health"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT)) as session, \
            session.get(health) as reply:
        reply.raise_for_status()


async def checks(agent: Any) -> dict[str, str]:
    """Each dependency of this replica: "ok", or what failed."""
    from bot.rasa_ext import in_process
    from bot.rasa_ext.tracker_store import CachedSQLTrackerStore, off_loop

    found: dict[str, str] = {}

    async def run(name: str, check: Any) -> None:
        try:
            await check
            found[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means not ready; say which
            found[name] = f"{type(error).__name__}: {error}"[:200] or type(error).__name__

    found["model"] = "ok" if agent is not None and agent.is_ready() else "not loaded"
    pending = [run("tracker_store", off_loop(store.ping, timeout=CHECK_TIMEOUT))
               for store in CachedSQLTrackerStore.instances()]
    redis = getattr(getattr(agent, "lock_store", None), "red", None)
    if redis is not None:  # Redis: several replicas share it
        pending.append(run("lock_store", off_loop(redis.ping, timeout=CHECK_TIMEOUT)))
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is not None and endpoint.url and not in_process.module_of(endpoint):  # (else part of this one)
        pending.append(run("action_server", _action_server(endpoint.url)))
    await asyncio.gather(*pending)
    return found


class ReadinessChannel(InputChannel):
    """GET /ready (no messages come in here)."""

    @classmethod
    def name(cls) -> str:
        return "ready"

    def url_prefix(self) -> str:
        return "/ready"  # absolute: escapes Rasa's /webhooks/ prefix

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Any) -> Blueprint:
        ready = Blueprint("readiness", __name__)

        @ready.route("/", methods=["GET"], strict_slashes=False)
        async def readiness(request: Request) -> HTTPResponse:
            found = await checks(getattr(request.app.ctx, "agent", None))
            if all(v == "ok" for v in found.values()):
                return response.json({"ready": True, "checks": found})
            return response.json({"ready": False, "checks": found}, status=503,
                                 headers={"Retry-After": str(RETRY_AFTER)})

        return ready
