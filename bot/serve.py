"""`make run` (`python -m bot.cli serve`): Rasa (its custom actions inside it) as a supervised child;
the supervisor takes any number of children.

- When a child exits, the console says which one, how (its exit code or the signal that killed it)
  and what happens next; it is started again after a back-off of 1, 2, 4... up to 16 s while any
  others keep running. After `MAX_RESTARTS` restarts of one child within `WINDOW` seconds the
  supervisor stops them all and exits 1, saying so.
- Children die with the supervisor, however it ends (Linux: the parent-death signal), so a killed
  `make run` leaves no process holding the ports.
- Ctrl-C or SIGTERM stops them and exits 0.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

MAX_RESTARTS = 5
WINDOW = 60.0  # seconds
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 16.0  # seconds
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the supervisor dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: Ctrl-C and SIGTERM still stop the children
        pass


def how(returncode: int) -> str:
    """An exit status in words: "exited with code 1", "was killed by SIGKILL"."""
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with code {returncode}"


@dataclass
class Child:
    """One supervised process: its name for the console, its command, and its restarts."""

    name: str
    argv: Sequence[str]
    ready_url: str  # answers once the child serves
    proc: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)  # when it was restarted (monotonic)
    restart_at: float | None = None  # when to start it again (it died)
    announced: bool = False  # "is back" said since the last restart


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


class Supervisor:
    """Runs the children until stopped; restarts one that dies (see the module's docstring)."""

    def __init__(self, children: Sequence[Child], cwd: Path, env: dict[str, str], ready: str = "",
                 say: Callable[[str], None] = lambda text: print(f"[serve] {text}", flush=True)) -> None:
        """`ready`: printed once, when every child first answers."""
        self.children, self.cwd, self.env, self.say, self.ready = list(children), cwd, env, say, ready
        self.stopping = False

    def start(self, child: Child) -> None:
        child.proc = subprocess.Popen(list(child.argv), cwd=self.cwd, env=self.env, preexec_fn=_die_with_parent)
        child.announced = False
        self.say(f"{child.name} started (pid {child.proc.pid})")

    def stop(self, *_: object) -> None:
        self.stopping = True

    def _died(self, child: Child, returncode: int, now: float) -> bool:
        """Decide what follows a child's exit; False when it failed too often (stop everything)."""
        child.restarts = [t for t in child.restarts if now - t < WINDOW]
        if len(child.restarts) >= MAX_RESTARTS:
            self.say(f"{child.name} {how(returncode)}; it failed {len(child.restarts) + 1} times within "
                     f"{WINDOW:.0f} s: stopping (see its messages above)")
            return False
        backoff = min(FIRST_BACKOFF * 2 ** len(child.restarts), MAX_BACKOFF)
        others = [c.name for c in self.children if c is not child]
        still = f"; {' and '.join(others)} keep{'s' if len(others) == 1 else ''} running" if others else ""
        self.say(f"{child.name} {how(returncode)}; starting it again in {backoff:.0f} s "
                 f"(restart {len(child.restarts) + 1} of {MAX_RESTARTS} allowed within {WINDOW:.0f} s{still})")
        child.restart_at = now + backoff
        return True

    def run(self, poll: float = 0.2) -> int:
        """Supervise until stopped (0) or a child fails too often (1)."""
        signal.signal(signal.SIGTERM, self.stop)
        for child in self.children:
            self.start(child)
        code, next_look = 0, 0.0
        try:
            while not self.stopping:
                time.sleep(poll)
                now = time.monotonic()
                if self.ready and now >= next_look:  # once a second until every child answers
                    next_look = now + 1
                    if all(c.proc is not None and c.proc.poll() is None and _answers(c.ready_url)
                           for c in self.children):
                        print(self.ready, flush=True)
                        self.ready = ""
                for child in self.children:
                    if child.restart_at is not None:
                        if now >= child.restart_at:
                            child.restart_at = None
                            child.restarts.append(now)
                            self.start(child)
                        continue
                    assert child.proc is not None
                    returncode = child.proc.poll()
                    if returncode is not None and not self._died(child, returncode, now):
                        self.stopping, code = True, 1
                    elif returncode is None and child.restarts and not child.announced and _answers(child.ready_url):
                        child.announced = True
                        self.say(f"{child.name} is back")
        except KeyboardInterrupt:
            pass
        self.shutdown()
        return code

    def shutdown(self) -> None:
        for child in self.children:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.terminate()
        for child in self.children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
