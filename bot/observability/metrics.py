"""Prometheus metrics of one Rasa replica, served at GET /metrics by bot/channels/metrics.py (each
replica its own; Prometheus adds them up). Counted where every channel passes: bot/channels/web.py's
`always_answer` (messages, replies by kind, votes, apologies, latency) and the tracker store
(bot/rasa_ext/stores.py: failures).

    faq_messages_total{channel}          user messages received (votes included)
    faq_replies_total{kind}              bot messages sent: answer, abstain, red_flag, declined, error...
    faq_votes_total{rating}              👍 / 👎 on answers
    faq_errors_total{channel}            messages that got the apology instead of an answer
    faq_store_failures_total{operation}  tracker store errors (retrieve / save)
    faq_outages_total{kind}              messages answered with the apology, by what failed: tracker_store,
                                         lock_store, action_server, internal
    faq_reply_seconds{channel}           histogram: message in to its last reply out

Alert rules worth having: deploy/prometheus-alerts.yml (docs/operations.md).
"""

from __future__ import annotations

import json
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
MESSAGES = Counter("faq_messages", "User messages received", ["channel"], registry=REGISTRY)
REPLIES = Counter("faq_replies", "Bot messages sent, by kind", ["kind"], registry=REGISTRY)
VOTES = Counter("faq_votes", "Votes on answers", ["rating"], registry=REGISTRY)
ERRORS = Counter("faq_errors", "Messages answered with the apology", ["channel"], registry=REGISTRY)
OUTAGES = Counter("faq_outages", "Messages answered with the apology, by what failed", ["kind"], registry=REGISTRY)
STORE_FAILURES = Counter("faq_store_failures", "Tracker store errors", ["operation"], registry=REGISTRY)
LATENCY = Histogram("faq_reply_seconds", "Message in to its last reply out", ["channel"], registry=REGISTRY,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
FEEDBACK = "/feedback"


def message_in(message: Any) -> str:
    """Count a user message (Rasa's UserMessage) and its vote; returns the channel label for the turn."""
    channel = message.input_channel or "unknown"
    MESSAGES.labels(channel).inc()
    text = (message.text or "").strip()
    if text.startswith(FEEDBACK):
        try:
            rating = json.loads(text[len(FEEDBACK):]).get("rating")
        except (ValueError, AttributeError):
            rating = None
        if rating in ("up", "down"):
            VOTES.labels(rating).inc()
    return channel


def reply_out(message: dict[str, Any]) -> None:
    custom = message.get("custom")
    kind = custom.get("kind") if isinstance(custom, dict) else None
    REPLIES.labels(kind if isinstance(kind, str) and kind else "other").inc()
