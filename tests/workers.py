"""Real worker processes for tests: `flask --app points worker` against a test database,
its log read line by line as it comes."""

from __future__ import annotations

import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
PATIENCE_S = 120  # how long a test waits for a line before it gives up (a failure, not a timing)


def worker_environment(db_url: str, tmp_path: Path, **settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=db_url,
        SECRET_KEY=secrets.token_urlsafe(48),
        # Not the tests' key: outside TESTING the app refuses a key published here.
        LEDGER_CHAIN_KEY=secrets.token_urlsafe(48),
        POINTS_INSTANCE_PATH=str(tmp_path / "instance"),
        LEDGER_ANCHOR_PATH=str(tmp_path / "ledger-anchor.json"),
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in settings.items()})
    return env


class WorkerProcess:
    """`flask --app points worker [args]`, its output (stdout and stderr) in `lines`."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [FLASK, "--app", "points", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.ended = False  # its output is read to the end
        self._new: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._new.put(line.rstrip("\n"))
        self._new.put(None)

    def wait_for(self, text: str, count: int = 1) -> list[str]:
        """Every line so far once `count` lines contain `text` (or the process ended, or
        PATIENCE_S passed: the caller's assertion then fails with the whole log)."""
        deadline = time.monotonic() + PATIENCE_S
        while not self.ended and sum(text in line for line in self.lines) < count:
            try:
                line = self._new.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                self.ended = True
                break
            self.lines.append(line)
        return self.lines

    def stop(self) -> int:
        """SIGTERM, then its exit status (the rest of its output read into `lines`)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=PATIENCE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.wait_for("\0never\0")  # drain what is left
        self.process.stdout.close()
        return code

    @property
    def log(self) -> str:
        return "\n".join(self.lines)


def gather(processes: list[WorkerProcess], until) -> str:
    """Read every process's output until `until(log)` holds for their log together (or they
    all ended, or PATIENCE_S passed); returns that log."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        for process in processes:
            while not process.ended:
                try:
                    line = process._new.get_nowait()
                except queue.Empty:
                    break
                if line is None:
                    process.ended = True
                else:
                    process.lines.append(line)
        log = "\n".join(line for p in processes for line in p.lines)
        if until(log) or all(p.ended for p in processes) or time.monotonic() > deadline:
            return log
        time.sleep(0.1)
