"""LOG_FORMAT=json: one JSON object per log line, for log collectors in production."""

from __future__ import annotations

import json
import logging

from bot.config import ROOT

CONFIG = ROOT / "deploy" / "logging-json.yml"


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message"[, "error"]} per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure() -> None:
    """Apply the JSON logging config (for processes Rasa's command line doesn't start)."""
    import logging.config

    import yaml

    logging.config.dictConfig(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))
