"""deploy/nginx.conf run for real: Debian's nginx (package nginx-light) with the shipped file in front of
two small test backends on 127.0.0.1 that echo what they receive and say which one they are.

The shipped file is used as is, except for what only a test can choose: the upstream servers (rasa-1:5005
and rasa-2:5005 become the two backends' ports), the listen port, and (only for the timeout test) a 1 s
proxy_read_timeout in `location /`. Paths nginx writes to (pid, logs, temp files) go to a temp prefix, so
nginx runs as the current user. Clients connect from several 127.0.0.x addresses (the whole 127/8 is on
the loopback interface), so nginx sees distinct client addresses.

Skipped when the nginx binary is missing (`apt-get install nginx-light`); under CI (CI=true) that fails.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import ROOT
from tests.servers import free_port

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SLOW_SECONDS = 3.0  # what /slow takes on a backend: longer than the 1 s read timeout of the timeout test


@pytest.fixture(scope="module", autouse=True)
def nginx_binary() -> str:
    if NGINX is None:
        message = "nginx is not installed (Debian: apt-get install nginx-light)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; .ci/run must install it")
        pytest.skip(message)
    return NGINX


# --- the test backends ---------------------------------------------------------------------------------------


class Backend:
    """A threaded HTTP server standing in for one Rasa replica. It records every request (method, path,
    headers) and answers JSON naming itself; `/slow` answers after SLOW_SECONDS; a websocket upgrade is
    accepted and one text message echoed back, prefixed with the backend's name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[dict] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def record(self, call: dict) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, path: str) -> list[dict]:
        with self._lock:
            return [c for c in self.calls if c["path"] == path]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(backend: Backend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # nginx keeps upstream connections alive (keepalive 32)
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def _handle(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            backend.record({"method": self.command, "path": self.path.split("?")[0], "headers": headers,
                            "time": time.monotonic()})
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if headers.get("upgrade", "").lower() == "websocket":
                self._websocket(headers)
                return
            if self.path.startswith("/slow"):
                time.sleep(SLOW_SECONDS)
            body = json.dumps({"backend": backend.name, "headers": headers}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # nginx gave up on a /slow request
                self.close_connection = True

        def _websocket(self, headers: dict[str, str]) -> None:
            accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + WS_GUID).encode()).digest())
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept.decode())
            self.end_headers()
            self.wfile.flush()
            message = read_ws_frame(self.rfile.read)
            self.wfile.write(ws_frame(f"{backend.name}:{message}".encode(), mask=False))
            self.wfile.flush()
            self.close_connection = True

    return Handler


def ws_frame(payload: bytes, mask: bool) -> bytes:
    """One final text frame (short payloads only); clients must mask, servers must not."""
    assert len(payload) < 126
    if not mask:
        return bytes([0x81, len(payload)]) + payload
    key = os.urandom(4)
    return bytes([0x81, 0x80 | len(payload)]) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_ws_frame(read: Callable[[int], bytes]) -> str:
    first, second = read(2)
    assert first == 0x81, f"not a final text frame: {first:#x}"
    length = second & 0x7F
    key = read(4) if second & 0x80 else b"\0\0\0\0"
    data = read(length)
    return bytes(b ^ key[i % 4] for i, b in enumerate(data)).decode()


@pytest.fixture(scope="module")
def backends() -> Iterator[tuple[Backend, Backend]]:
    pair = (Backend("A"), Backend("B"))
    yield pair
    for backend in pair:
        backend.close()


@pytest.fixture
def fresh_backends(backends: tuple[Backend, Backend]) -> tuple[Backend, Backend]:
    for backend in backends:
        backend.reset()
    return backends


# --- nginx with the shipped config -------------------------------------------------------------------------


def adapt(conf: str, upstream_ports: list[int], listen_port: int, prefix: Path, read_timeout: str | None) -> str:
    """The shipped config with the test's addresses: the upstream servers, the listen port, and the paths
    nginx writes to (the Debian build's defaults are under /var, writable by root only)."""
    upstream = re.search(r"upstream\s+rasa\s*\{.*?\}", conf, re.S)
    assert upstream, "no `upstream rasa` block"
    names = re.findall(r"^\s*server\s+([^\s;]+)", upstream.group(0), re.M)
    assert len(names) == len(upstream_ports), names
    block = upstream.group(0)
    for name, port in zip(names, upstream_ports, strict=True):
        block = re.sub(rf"(^\s*server\s+){re.escape(name)}(?=[\s;])", rf"\g<1>127.0.0.1:{port}", block,
                       count=1, flags=re.M)
    conf = conf.replace(upstream.group(0), block)
    conf, count = re.subn(r"^(\s*listen\s+)80;", rf"\g<1>127.0.0.1:{listen_port};", conf, flags=re.M)
    assert count == 1, "expected one `listen 80;`"
    if read_timeout is not None:
        location = re.search(r"location / \{.*?\}", conf, re.S).group(0)
        changed, count = re.subn(r"proxy_read_timeout \S+;", f"proxy_read_timeout {read_timeout};", location)
        assert count == 1, "expected one proxy_read_timeout in `location /`"
        conf = conf.replace(location, changed)
    paths = "".join(f"  {kind}_temp_path {prefix / kind};\n"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    paths += f"  access_log {prefix / 'access.log'};\n"
    conf, count = re.subn(r"^http \{\n", lambda m: m.group(0) + paths, conf, flags=re.M)
    assert count == 1, "expected one `http {`"
    return conf


class Nginx:
    def __init__(self, port: int, proc: subprocess.Popen, prefix: Path) -> None:
        self.port, self.proc, self.prefix = port, proc, prefix

    def errors(self) -> str:
        log = self.prefix / "error.log"
        return log.read_text() if log.exists() else ""


@pytest.fixture
def start_nginx(tmp_path: Path, nginx_binary: str) -> Iterator[Callable[..., Nginx]]:
    started: list[Nginx] = []

    def start(upstream_ports: list[int], read_timeout: str | None = None) -> Nginx:
        prefix = tmp_path / f"nginx{len(started)}"
        prefix.mkdir()
        port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(adapt(NGINX_CONF.read_text(), upstream_ports, port, prefix, read_timeout))
        error_log = prefix / "error.log"
        globals_ = f"daemon off; pid {prefix / 'nginx.pid'}; error_log {error_log} info;"
        if os.geteuid() == 0:  # workers would otherwise switch to `nobody`: stay the current user
            globals_ += f" user {pwd.getpwuid(os.geteuid()).pw_name};"
        proc = subprocess.Popen([nginx_binary, "-p", str(prefix), "-c", str(conf), "-e", str(error_log),
                                 "-g", globals_], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        nginx = Nginx(port, proc, prefix)
        started.append(nginx)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited ({proc.returncode}): {proc.stderr.read().decode()}{nginx.errors()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return nginx
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"nginx did not listen on {port}: {nginx.errors()}")

    yield start
    for nginx in started:
        if nginx.proc.poll() is None:
            nginx.proc.send_signal(signal.SIGTERM)  # fast shutdown (open connections closed)
            try:
                nginx.proc.wait(10)
            except subprocess.TimeoutExpired:
                nginx.proc.kill()
                nginx.proc.wait()
        nginx.proc.stderr.close()


@pytest.fixture
def nginx(start_nginx, fresh_backends) -> Nginx:
    return start_nginx([b.port for b in fresh_backends])


def get(port: int, path: str = "/echo", source: str = "127.0.0.1", method: str = "GET",
        headers: dict[str, str] | None = None, timeout: float = 15) -> tuple[int, bytes]:
    """One request on a new connection from `source` (a 127.0.0.x address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request(method, path, body=b"{}" if method == "POST" else None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the checks ------------------------------------------------------------------------------------------------


def test_host_keeps_the_port_and_the_client_address_is_forwarded(nginx):
    status, body = get(nginx.port, headers={"Host": "bot.test:8080"}, source="127.0.0.7")
    assert status == 200, body
    seen = json.loads(body)["headers"]
    # the widget's origin check compares http://bot.test:8080 with Host: $host would send "bot.test"
    assert seen["host"] == "bot.test:8080"
    assert seen["x-forwarded-host"] == "bot.test:8080"
    assert seen["x-forwarded-for"] == "127.0.0.7"
    assert seen["x-forwarded-proto"] == "http"


def test_websocket_upgrade_goes_through_socketio_location(nginx, fresh_backends):
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=10, source_address=("127.0.0.8", 0)) as sock:
        sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: bot.test:8080\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\nOrigin: http://bot.test:8080\r\n\r\n").encode())
        stream = sock.makefile("rb")
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = stream.readline()
            assert line, f"connection closed after {head!r}"
            head += line
        assert head.startswith(b"HTTP/1.1 101 "), head
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if line)
        assert {k.lower(): v for k, v in fields.items()}["sec-websocket-accept"] == expected
        sock.sendall(ws_frame(b"hello", mask=True))
        reply = read_ws_frame(stream.read)
    assert reply in ("A:hello", "B:hello")
    backend = next(b for b in fresh_backends if b.name == reply[0])
    [call] = backend.calls_to("/socket.io/")
    assert call["headers"]["upgrade"] == "websocket" and call["headers"]["connection"].lower() == "upgrade"
    assert call["headers"]["host"] == "bot.test:8080"


def test_stickiness_per_client_address_spread_over_both_replicas(nginx):
    """One client address -> always the same replica; different addresses of one /24 use both (ip_hash
    sent every 127.0.0.x to one replica)."""
    seen: dict[str, set[str]] = {}
    for last in range(10, 50):
        source = f"127.0.0.{last}"
        for _ in range(3):
            status, body = get(nginx.port, source=source)
            assert status == 200, body
            seen.setdefault(source, set()).add(json.loads(body)["backend"])
    assert all(len(b) == 1 for b in seen.values()), seen  # sticky
    spread = {b for backends in seen.values() for b in backends}
    assert spread == {"A", "B"}, f"40 addresses of 127.0.0.0/24 all went to {spread}"
    counts = [sum(b == {name} for b in seen.values()) for name in "AB"]
    assert min(counts) >= 5, counts  # both get a real share (~half each; the hash ring varies with the ports)


def test_a_body_over_256k_gets_413_before_any_replica(nginx, fresh_backends):
    body = b"x" * (300 * 1024)
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=10, source_address=("127.0.0.9", 0)) as sock:
        sock.sendall(b"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: bot.test\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body))
        try:
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # nginx may answer and close before reading it all
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"413", status_line
    assert not any(b.calls for b in fresh_backends)
    status, _ = get(nginx.port, path="/webhooks/rest/webhook", method="POST", source="127.0.0.9")
    assert status == 200  # a small body passes


def test_a_burst_past_the_per_ip_limit_gets_429(nginx):
    statuses = [get(nginx.port, source="127.0.0.50")[0] for _ in range(60)]
    assert statuses[:40] == [200] * 40  # burst=40, answered at once
    assert statuses.count(429) >= 10, statuses  # 2 r/s beyond the burst
    assert get(nginx.port, source="127.0.0.51")[0] == 200  # per client address


def test_a_request_that_timed_out_on_a_replica_is_not_resent_to_the_other(start_nginx, fresh_backends):
    """GET and POST on /slow (3 s) with a 1 s proxy_read_timeout: one 504 (given as the apology's 503)
    after ~1 s, one call in all.
    With `proxy_next_upstream error timeout` the GET was sent to the other replica too (504 after 2 s)."""
    nginx = start_nginx([b.port for b in fresh_backends], read_timeout="1s")
    for method, source in (("GET", "127.0.0.60"), ("POST", "127.0.0.61")):
        start = time.monotonic()
        status, _ = get(nginx.port, path="/slow", method=method, source=source)
        elapsed = time.monotonic() - start
        calls = [c for b in fresh_backends for c in b.calls_to("/slow") if c["method"] == method]
        assert status == 503, method  # nginx's 504, as the bot's JSON apology (test below)
        assert len(calls) == 1, f"{method} /slow sent {len(calls)} times (retried on the other replica)"
        assert elapsed < 1.9, f"{method}: 504 after {elapsed:.1f} s, not one read timeout"


def test_a_replica_that_cannot_be_reached_is_skipped(start_nginx, fresh_backends):
    """Connection errors are still retried once on the other replica: with replica B down (nothing
    listening), clients that hash to B are answered by A."""
    a = fresh_backends[0]
    nginx = start_nginx([a.port, free_port()])
    for last in range(70, 80):
        for method in ("GET", "POST"):
            status, body = get(nginx.port, method=method, source=f"127.0.0.{last}")
            assert status == 200, (method, last, body)
            assert json.loads(body)["backend"] == "A"


def test_no_replica_reachable_gets_the_bots_json_apology_with_retry_after(start_nginx):
    """Both replicas down: nginx's 502 becomes the bot's apology (JSON, kind `error`), 503 + Retry-After."""
    from bot.channels.web import UNAVAILABLE

    nginx = start_nginx([free_port(), free_port()])
    conn = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=15)
    try:
        conn.request("POST", "/webhooks/rest/webhook", body=b'{"sender": "s", "message": "hi"}',
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 503 and response.getheader("Retry-After") == "5"
    assert response.getheader("Content-Type").startswith("application/json")
    assert json.loads(body) == [{"text": UNAVAILABLE, "custom": {"kind": "error"}}]
