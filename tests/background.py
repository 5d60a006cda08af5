"""Work a test only starts and reads: Rasa's own CLI, Rasa loaded in a clean interpreter, the plain
`rasa run` servers, the short fault suite, `make run`'s supervisor. Each takes ~7-15 s (the fault suite
~45 s), mostly imports, restarts and waits. Every one the session's tests need is started when they
are collected (a test marked `runs(job)`: `tests/conftest.py`), one at a time, and its test waits for
the result: they overlap the other tests on the core those leave idle (two at a time took a core from
the servers and the browser early in the run). A test run alone starts its job itself. A job that
waits for a part of the session (`with_tests`: the fault suite, the supervisor) starts when the
session's first test under that folder does, and its own tests run last (tests/conftest.py), so that
it overlaps tests that leave a core idle. The whole run: 4:08 (5:15 two at a time, none waiting)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

from bot.config import ROOT

T = TypeVar("T")
# the environment the session started with: a job runs while tests patch os.environ (a REDIS_URL of a
# Redis gone by then once kept `make run`'s Rasa from starting), so what it starts gets this one
SESSION_ENV = dict(os.environ)
TIMEOUT = 900  # seconds a test waits for its command (the command's own timeout is shorter)


class Background(Generic[T]):
    """`run(workdir)` in a background thread, started at most once; `result()` waits for it;
    `close(result)`, if given, at the end of the session (servers it started: stopped); `with_tests`: a
    folder whose first test starts it, its own tests going last (tests/conftest.py)."""

    _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
    _started: list[Background] = []

    def __init__(self, run: Callable[[Path], T], close: Callable[[T], object] | None = None,
                 with_tests: Path | None = None) -> None:
        self.run, self.close, self.with_tests = run, close, with_tests
        self._future: Future[T] | None = None
        self._workdir: Path | None = None

    def start(self) -> None:
        if self._future is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="pytest-background-"))
            Background._started.append(self)
            self._future = self._pool.submit(self.run, self._workdir)

    def result(self) -> T:
        """What `run` returned (its exception, raised here)."""
        self.start()
        assert self._future is not None
        return self._future.result(TIMEOUT)

    def finish(self) -> None:
        """Close what `run` started (waiting for it if it is running) and remove its folder."""
        future, self._future = self._future, None
        # not begun: it never runs; running: waited for, so that what it starts is closed too
        if self.close and future is not None and not future.cancel() and future.exception(TIMEOUT) is None:
            self.close(future.result())
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    @classmethod
    def clean(cls) -> None:
        """`finish` every one started (end of the session)."""
        while cls._started:
            cls._started.pop().finish()


Ran = tuple[subprocess.CompletedProcess[str], Path]  # what a command printed, and its working folder


def command(argv: list[str], env: dict[str, str] | None = None, stdin: str = "", timeout: float = 600,
            cwd: Path = ROOT, with_tests: Path | None = None) -> Background[Ran]:
    """`argv` run in `cwd` with `stdin`, output captured; "{workdir}" in `argv` or in a value of `env`
    is a folder of the command's own."""

    def run(workdir: Path) -> Ran:
        done = subprocess.run([a.format(workdir=workdir) for a in argv], cwd=cwd, input=stdin, text=True,
                              capture_output=True, timeout=timeout,
                              env={k: v.format(workdir=workdir) for k, v in (env or SESSION_ENV).items()})
        return done, workdir

    return Background(run, with_tests=with_tests)
