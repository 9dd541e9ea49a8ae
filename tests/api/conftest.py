"""Fixtures for the service's tests: one app over the real release, started once per session."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from api.settings import load


@pytest.fixture(scope="session")
def api_root(tmp_path_factory) -> Path:
    """A folder standing in for ``datasets/``: releases and the store cache go here."""
    return tmp_path_factory.mktemp("service")


def settings_for(root: Path, **flags):
    return load({}, releases=str(root / "releases"), **flags)


@pytest.fixture(scope="session")
def api_settings(api_root):
    return settings_for(api_root)


def client_for(settings, release):
    from fastapi.testclient import TestClient

    from api.app import create_app

    return TestClient(create_app(settings, release))


@pytest.fixture(scope="session")
def client(real_release, api_settings):
    """A TestClient of the app serving the project's own release, workers running."""
    with client_for(api_settings, real_release) as c:
        yield c


def by_value(graph: Graph) -> Graph:
    """The graph with numeric literals in one lexical form: the store keeps values, not spellings."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out


# ------------------------------------------------------------------ a real server

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``lianzheng serve`` in a child process on a free loopback port."""

    def __init__(self, release: Path | None, root: Path, **flags):
        import os
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "api.cli", "serve", "--releases", str(root / "releases"),
                "--host", "127.0.0.1", "--port", str(self.port)]
        if release is not None:
            args += ["--release", str(release)]
        for name, value in flags.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIANZHENG_")}
        self.log = root / f"server-{self.port}.log"
        self._out = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT, env=env,
                                     cwd=str(Path(__file__).resolve().parents[2]))

    def wait_ready(self, timeout: float = 90) -> Server:
        import time

        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(self.url + "/-/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server was not ready in {timeout} s: {self.log.read_text(errors='replace')[-3000:]}")

    def children(self) -> set[int]:
        """Pids of the server's child processes (the query workers)."""
        out = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.proc.pid:
                out.add(int(stat.parent.name))
        return out

    def stop(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


class Writable:
    """A service that takes submissions, over a copy of the real records in ``root``: built with
    ``lianzheng build``, tokens made with ``lianzheng tokens create`` (``tokens[name]``, for
    ``who``: name -> (agency, role)), served by :class:`Server` watching its release log."""

    ROOT = Path(__file__).resolve().parents[2]

    def __init__(self, root: Path, who: dict[str, tuple[str, str]], **flags):
        import shutil

        self.root = root
        self.source = root / "source"
        shutil.copytree(self.ROOT / "datasets" / "source", self.source)
        self.paths = ["--source", str(self.source), "--releases", str(root / "releases")]
        built = self.cli("build", *self.paths)
        assert built.returncode == 0, built.stderr[-2000:]
        self.tokens = {name: self.token(agency, role) for name, (agency, role) in who.items()}
        self.database = root / "submissions.sqlite3"
        self.server = Server(None, root, source=self.source, log_poll=0.5, **flags).wait_ready()
        self.url = self.server.url

    def cli(self, *args: str):
        import subprocess
        import sys

        return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True,
                              cwd=self.ROOT, timeout=600)

    def token(self, agency: str, role: str, *more: str) -> str:
        made = self.cli("tokens", "create", "--agency", agency, "--role", role, *more, *self.paths)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture(scope="session")
def server(real_release, api_root):
    """The real server: query_timeout 2 s and max_results 50, so limits are quick to reach."""
    s = Server(real_release, api_root, query_timeout=2, max_results=50)
    try:
        yield s.wait_ready()
    finally:
        s.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (no browser download), a fresh profile each launch.

    One per test module, closed when the module ends: Playwright's sync API runs an event loop in
    this thread while it is open, and the tests that follow call asyncio.run, which refuses to run
    inside one. (Modules run one after another, so only one instance is ever open.)"""
    from playwright.sync_api import sync_playwright

    from .portal.browser import ARGS, CHROMIUM

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
