"""Abuse limits every channel applies before Rasa sees a message (bot/channels/web.py `always_answer`).

- Size: a message longer than MAX_MESSAGE_CHARS (default 2,000) gets a polite reply asking for a
  shorter question and is neither processed nor stored. HTTP bodies over 256 KB get 413 from Sanic
  (`SANIC_REQUEST_MAX_SIZE`, set by `bot.cli` for every way the project starts Rasa).
- Rate: more than RATE_LIMIT_PER_MINUTE (default 30) messages in a minute from one conversation:
  REST answers 429 with Retry-After; socket.io and Slack get one polite "slow down" message per
  minute; nothing of the excess is processed or stored. 0 turns it off. Counted per replica
  (sticky sessions keep a conversation on one); the per-IP limit is nginx's (deploy/nginx.conf).
- Redaction: email addresses and phone numbers become `[email]` / `[phone]` (bot/privacy/redact.py) before
  the message is parsed or stored (REDACT=off keeps them).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from bot.config import settings
from bot.privacy.redact import redact

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
WINDOW_S = 60.0
MAX_TRACKED = 100_000  # conversations whose recent messages are remembered (least recent forgotten)
TOO_LONG = ("Sorry, that message is too long for me ({chars:,} characters; the limit is {limit:,}). "
            "Please ask your question in a few sentences.")
SLOW_DOWN = "You're sending messages faster than I can answer. Please wait a moment, then ask again."
LIMIT = "limit"  # the `kind` of these replies


def _whole(name: str, raw: str, default: int) -> int:
    try:
        value = int(raw)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        logger.error("%s must be a whole number >= 0, got %r: using %d", name, raw, default)
        return default


@dataclass(frozen=True)
class Limits:
    max_chars: int
    per_minute: int
    redact: bool

    @classmethod
    def from_settings(cls) -> Limits:
        cfg = settings()
        return cls(max_chars=_whole("MAX_MESSAGE_CHARS", cfg.max_message_chars, 2000) or 2000,
                   per_minute=_whole("RATE_LIMIT_PER_MINUTE", cfg.rate_limit_per_minute, 30),
                   redact=cfg.redact.strip().lower() not in ("off", "false", "0", "no"))

    def too_long(self, text: str) -> str | None:
        """The polite reply for a message over the size limit, else None."""
        return TOO_LONG.format(chars=len(text), limit=self.max_chars) if len(text) > self.max_chars else None

    def clean(self, text: str) -> str:
        return redact(text) if self.redact else text


class RateLimiter:
    """Messages per conversation in the last minute (sliding window, bounded memory)."""

    def __init__(self, per_minute: int, clock: object = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._warned: dict[str, float] = {}

    def check(self, sender: str) -> float:
        """0 when `sender` may send now (and counts it); else the seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()  # type: ignore[operator]
        times = self._seen.pop(sender, None) or deque()
        while times and times[0] <= now - WINDOW_S:
            times.popleft()
        self._seen[sender] = times
        while len(self._seen) > MAX_TRACKED:
            dropped, _ = self._seen.popitem(last=False)
            self._warned.pop(dropped, None)
        if len(times) >= self.per_minute:
            return max(0.001, times[0] + WINDOW_S - now)
        times.append(now)
        self._warned.pop(sender, None)
        return 0.0

    def first_refusal(self, sender: str) -> bool:
        """True once per window of refusals: the one "slow down" message."""
        now = self.clock()  # type: ignore[operator]
        if now - self._warned.get(sender, -WINDOW_S) < WINDOW_S:
            return False
        self._warned[sender] = now
        return True


_limiter: RateLimiter | None = None


def limiter() -> RateLimiter:
    """This replica's rate limiter (one per process, sized by RATE_LIMIT_PER_MINUTE at first use)."""
    global _limiter
    if _limiter is None:
        _limiter = RateLimiter(Limits.from_settings().per_minute)
    return _limiter
