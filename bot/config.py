"""All settings in one place: paths relative to this package, knobs from the environment."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
ARTICLE_PATH = DATA_DIR / "article.md"
TOPICS_PATH = DATA_DIR / "topics.yml"
NEAREST_PATH = DATA_DIR / "nearest.yml"  # intents learnt from their examples alone (semantic.Nearest)
SPACY_DIR = ROOT / "models" / "spacy-en-lookup"
ENCODER_MODEL = ROOT / "models" / "encoder" / "model.onnx"
NLU_DIR = ROOT / "data" / "nlu"
ENDPOINTS = ROOT / "endpoints.yml"
ENDPOINTS_KEPT_S = 3600  # a copy of it for another action server URL (endpoints_file) is removed after this


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _var(name: str, default: str = "") -> Any:
    return field(default_factory=lambda: _env(name, default))


@dataclass(frozen=True)
class Settings:
    """Every setting the bot reads from the environment, in one place (the table of them:
    docs/development.md). Values are as set; the module that uses one checks it and says what is
    wrong (a bad TRACKER_CACHE_SIZE, an unreachable TRACKER_STORE_URL...)."""

    rasa_port: int = field(default_factory=lambda: int(_env("RASA_PORT", "5005")))
    actions_port: int = field(default_factory=lambda: int(_env("ACTIONS_PORT", "5055")))
    # BM25 fallback: answer only above `min_score`; ask which one when the runner-up is this close.
    min_score: float = field(default_factory=lambda: float(_env("RETRIEVAL_MIN_SCORE", "3.0")))
    ambiguity_ratio: float = field(default_factory=lambda: float(_env("RETRIEVAL_AMBIGUITY", "0.85")))
    allowed_origins: str = _var("ALLOWED_ORIGINS")
    tracker_store_url: str = _var("TRACKER_STORE_URL")
    tracker_cache_size: str = _var("TRACKER_CACHE_SIZE")
    store_connect_wait: str = _var("STORE_CONNECT_WAIT", "10")
    redis_url: str = _var("REDIS_URL")
    action_endpoint_url: str = _var("ACTION_ENDPOINT_URL")  # an action server to call (default: actions in process)
    slack_bot_token: str = _var("SLACK_BOT_TOKEN")
    slack_signing_secret: str = _var("SLACK_SIGNING_SECRET")
    slack_channel: str = _var("SLACK_CHANNEL")
    slack_api_url: str = _var("SLACK_API_URL")
    log_format: str = _var("LOG_FORMAT", "text")  # "json": one JSON object per log line
    handoff_url: str = _var("HANDOFF_URL")  # where a person can be reached (a customer-care page...)
    handoff_text: str = _var("HANDOFF_TEXT")  # how, in words ("Call 0800 ... Mon-Fri 9-5")
    slack_handoff_group: str = _var("SLACK_HANDOFF_GROUP")  # a Slack user group ID to mention on handoff
    # privacy and abuse (docs/privacy.md); each module that uses one checks its value
    max_message_chars: str = _var("MAX_MESSAGE_CHARS", "2000")  # longer messages get a polite reply, unprocessed
    rate_limit_per_minute: str = _var("RATE_LIMIT_PER_MINUTE", "30")  # per conversation; 0: off
    redact: str = _var("REDACT", "on")  # emails and phone numbers replaced before storage; "off" to keep them
    retention_days: str = _var("RETENTION_DAYS", "90")  # `bot.cli purge` deletes conversations idle longer
    privacy_url: str = _var("PRIVACY_URL")  # linked from the widget's notice
    consent_required: str = _var("CONSENT_REQUIRED", "false")  # "true": the widget asks before the first question


def settings() -> Settings:
    """Current settings (cheap; re-reads the environment)."""
    return Settings()


def endpoints_file(action_url: str = "") -> Path:
    """endpoints.yml (the actions run in Rasa's process), or when they run in an action server
    (`action_url`, e.g. ACTION_ENDPOINT_URL in a container) a copy of it under var/ calling that server:
    Rasa's endpoints files can't default an environment variable, and plain `rasa run` reads
    endpoints.yml as it is."""
    import hashlib

    import yaml

    data = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    if not action_url:
        return ENDPOINTS
    data["action_endpoint"]["url"] = action_url
    data["action_endpoint"].pop("actions_module", None)  # the actions run there, not in Rasa's process
    path = ROOT / "var" / f"endpoints-{hashlib.sha256(action_url.encode()).hexdigest()[:8]}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    temporary.replace(path)
    # Rasa reads it once, as it starts (and a restart writes it again): older copies, one per action
    # server URL a test or benchmark used, are only litter
    for old in path.parent.glob("endpoints-*.yml"):
        with contextlib.suppress(OSError):  # (another process's clean-up may have taken it)
            if old != path and time.time() - old.stat().st_mtime > ENDPOINTS_KEPT_S:
                old.unlink()
    return path
