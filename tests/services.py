"""Throwaway PostgreSQL and Redis servers on free 127.0.0.1 ports, for the scale tests and the
load benchmark. Debian's packages: `apt-get install -y postgresql redis-server` (.ci/run does).

PostgreSQL runs from /usr/lib/postgresql/*/bin as a fresh cluster in a temp dir; initdb refuses
root, so as root it runs as the `postgres` user (`runuser`). Redis runs without persistence.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import BotServers, free_port


def pg_bindir() -> Path | None:
    """Newest PostgreSQL server bin dir (with initdb and pg_ctl), or None."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    for d in reversed(dirs):
        if os.access(f"{d}/initdb", os.X_OK) and os.access(f"{d}/pg_ctl", os.X_OK):
            return Path(d)
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def missing_binaries() -> str | None:
    """Why the services can't start here (None if they can)."""
    missing = []
    if pg_bindir() is None:
        missing.append("PostgreSQL (initdb/pg_ctl)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing.append("runuser (to run initdb as the postgres user)")
    return ", ".join(missing) or None


class Postgres:
    """A throwaway PostgreSQL cluster with a `rasa` database; stop() deletes it."""

    def __init__(self, port: int | None = None) -> None:
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL binaries not found: apt-get install -y postgresql")
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rasa-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/rasa"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self._as, *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync", timeout=120)

    def start(self) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c max_connections=300"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts,
                  "-w", "-t", "60", "start", timeout=90)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode 'immediate' is a crash (recovery from the WAL at next start)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", timeout=60)

    def createdb(self, name: str = "rasa") -> None:
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def setup(self) -> Postgres:
        self.init()
        self.start()
        self.createdb()
        return self

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, sql: str, *params: object) -> list[tuple]:
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="rasa",
                                connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            conn.close()


class Redis:
    """A redis-server without persistence on a free port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Redis:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return self
            except redis.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def two_replicas(workdir: Path, env: dict[str, str]) -> tuple[BotServers, BotServers]:
    """Rasa replicas a and b (b sharing a's action server) with `env`, the three started at once."""
    from concurrent.futures import ThreadPoolExecutor

    for name in ("a", "b"):
        (workdir / name).mkdir()
    a = BotServers(workdir / "a", env, action_server=True)
    b = BotServers(workdir / "b", env, actions_port=a.actions_port)
    with ThreadPoolExecutor(3) as pool:  # all three load at once
        for started in [pool.submit(a.start_actions), pool.submit(a.start_rasa), pool.submit(b.start_rasa)]:
            started.result()
    return a, b
