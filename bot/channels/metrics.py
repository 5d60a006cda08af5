"""GET /metrics: the Prometheus text format of this replica's counters (bot/observability/metrics.py)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.observability.metrics import REGISTRY


class MetricsChannel(InputChannel):
    """GET /metrics: the Prometheus text format (no messages come in here)."""

    @classmethod
    def name(cls) -> str:
        return "metrics"

    def url_prefix(self) -> str:
        return "/metrics"  # absolute: escapes Rasa's /webhooks/ prefix (like the widget's /chat)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Any) -> Blueprint:
        metrics = Blueprint("prometheus_metrics", __name__)

        @metrics.route("/", methods=["GET"], strict_slashes=False)
        async def scrape(_: Request) -> HTTPResponse:
            return response.raw(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)

        return metrics
