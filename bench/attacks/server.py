"""The server under attack: started afresh, its memory and descriptors sampled."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.serve_bench import Proc, free_port, memory, tree

from .config import QUERY_WORKERS, RECOVERY_TIMEOUT, RSS_CAP, SAMPLE_EVERY


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def fd_limit(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
    except (OSError, ValueError, IndexError):
        pass
    return None


class Sampler(threading.Thread):
    """The server's memory, descriptors and processes every :data:`SAMPLE_EVERY` s, in a
    thread (reading ``/proc`` must not delay the victim); ``on_cap()`` once if its RSS passes
    :data:`RSS_CAP`."""

    def __init__(self, pid: int, on_cap: Callable[[], None] | None = None):
        super().__init__(daemon=True)
        self.pid, self.on_cap = pid, on_cap
        self.start_rss = memory(pid)["rss"]
        self.start_fds = open_fds(pid)
        self.first = set(tree(pid))
        self.seen = set(self.first)
        self.peak_rss, self.peak_fds = self.start_rss, self.start_fds
        self.capped_after: float | None = None
        self._done = threading.Event()
        self._began = time.monotonic()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_EVERY):
            self.peak_rss = max(self.peak_rss, memory(self.pid)["rss"])
            self.peak_fds = max(self.peak_fds, open_fds(self.pid))
            self.seen |= set(tree(self.pid))
            if self.peak_rss > RSS_CAP and self.on_cap and self.capped_after is None:
                self.capped_after = round(time.monotonic() - self._began, 1)
                self.on_cap()

    def result(self) -> dict:
        self._done.set()
        self.join()
        out = {"rss_start": self.start_rss, "rss_peak": self.peak_rss, "fds_start": self.start_fds,
               "fds_peak": self.peak_fds, "processes_started": len(self.seen - self.first)}
        if self.capped_after is not None:
            out["attack_stopped_at_rss_cap_after_s"] = self.capped_after
        return out


class Server:
    """``lianzheng serve`` of ``release`` on a free loopback port (started as serve_bench does)."""

    def __init__(self, release: Path, work: Path, flags: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "api.cli", "serve", "--release", str(release),
                        "--releases", str(work / "releases"), "--host", "127.0.0.1",
                        "--port", str(self.port), "--query-workers", str(QUERY_WORKERS), *flags]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("LIANZHENG_") and k != "FORWARDED_ALLOW_IPS"}
        self.proc = Proc(self.command, work / f"serve-{self.port}.log", env)

    @property
    def pid(self) -> int:
        return self.proc.proc.pid

    def wait_ready(self) -> float:
        return self.proc.wait_ready(self.url + "/-/health", 600)

    def health(self) -> dict:
        try:
            r = httpx.get(self.url + "/-/health", timeout=5)
        except httpx.HTTPError as exc:
            return {"status": None, "error": type(exc).__name__}
        facts = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        facts = facts.get("detail", facts) if r.status_code != 200 else facts
        return {"status": r.status_code, **(facts if isinstance(facts, dict) else {})}

    def recovery(self) -> float | None:
        """Seconds until ``/-/health`` answers 200 with every worker alive, or None."""
        started = time.monotonic()
        while time.monotonic() - started < RECOVERY_TIMEOUT:
            h = self.health()
            if h["status"] == 200 and h.get("workers_alive") == h.get("workers"):
                return round(time.monotonic() - started, 2)
            time.sleep(0.1)
        return None

    def stop(self) -> None:
        self.proc.stop()
