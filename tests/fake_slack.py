"""A fake Slack Web API on 127.0.0.1 for tests: records every call (chat.postMessage above all)
and answers like Slack does ({"ok": true, "ts": ...}). Never talks to a real Slack address."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOT00001"
BOT_ID = "BBOT00001"
CHANNEL = "CFAQ00001"  # SLACK_CHANNEL: every message here is answered


class FakeSlack:
    """`FakeSlack().start()`; `url` is the Web API base (SLACK_API_URL); `calls` what it was sent."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.open = threading.Event()  # cleared: chat.postMessage waits (the bot can't finish posting)
        self.open.set()

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                self.do_POST()

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ctype = self.headers.get("Content-Type") or ""
                body: dict[str, Any] = json.loads(raw or b"{}") if "json" in ctype else dict(
                    parse_qsl(raw.decode() or urlparse(self.path).query))
                if isinstance(body.get("blocks"), str):
                    body["blocks"] = json.loads(body["blocks"])
                method = urlparse(self.path).path.rsplit("/", 1)[-1]
                if method == "chat.postMessage":
                    fake.open.wait(timeout=60)
                auth = self.headers.get("Authorization", "")
                result = fake.answer(method, body, auth)
                fake.record(method, body, auth, result)
                self._reply(result)

            def _reply(self, result: dict[str, Any]) -> None:
                data = json.dumps(result).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def record(self, method: str, body: dict[str, Any], auth: str, result: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append({"method": method, "body": body, "auth": auth, "result": result})

    def answer(self, method: str, body: dict[str, Any], auth: str) -> dict[str, Any]:
        if auth != f"Bearer {self.token}":
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": "T0TEST", "user": "faq-bot"}
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {**body, "ts": ts, "user": BOT_USER, "bot_id": BOT_ID, "type": "message"}
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}
        return {"ok": True}

    def posts(self, **match: Any) -> list[dict[str, Any]]:
        """chat.postMessage calls whose body has every key=value in `match` (with the reply `ts`)."""
        with self._lock:
            calls = list(self.calls)
        return [c for c in calls if c["method"] == "chat.postMessage"
                and all(c["body"].get(k) == v for k, v in match.items())]

    def wait_posts(self, count: int = 1, timeout: float = 10.0, **match: Any) -> list[dict[str, Any]]:
        """The matching posts once there are at least `count` (or the deadline passes)."""
        deadline = time.monotonic() + timeout
        while len(self.posts(**match)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.posts(**match)
