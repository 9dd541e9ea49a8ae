"""One release's app as the switchboard holds it (:mod:`api.switchboard`): started by its own
lifespan, counting the requests it is answering, closed only when they are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

# The scope key in which the switchboard tells a release's app which release is served now, for
# a request to ``/releases/{version}/...`` or ``?release=`` (the portal's past-release banner)
CURRENT = "lianzheng.current_release"


class OpenFailed(RuntimeError):
    """A release that cannot be served: its folder, checksums or app did not open."""


class Opened:
    """One release's app, started by its own lifespan, and the requests it is answering."""

    def __init__(self, version: str, app, lifespan, full: bool):
        self.version = version
        self.app = app
        self.full = full  # opened with the service's settings (else as a past release's: one worker)
        self.active = 0
        self.last_used = time.monotonic()
        self.closed = False
        self._lifespan = lifespan
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, scope, receive, send) -> None:
        self.active += 1  # before any await: a request chosen for this app is counted at once
        self._idle.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
            self.last_used = time.monotonic()
            if self.active == 0:
                self._idle.set()

    async def close(self, wait: float | None = None) -> None:
        """Close once no request is in flight (or after ``wait`` seconds, at shutdown)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                while self.active:
                    await self._idle.wait()
        self.closed = True
        lifespan, self._lifespan, self.app = self._lifespan, None, None
        await lifespan.__aexit__(None, None, None)


def forget_endpoints() -> int:
    """Clear FastAPI's memos of which callables are coroutines or generators.

    FastAPI keeps them in module-level ``lru_cache`` memos of up to 4,096 entries each
    (``fastapi.dependencies.models._is_*_callable_cached``), keyed by the callables themselves:
    every endpoint and dependency of a closed app stays referenced, and through their closures
    its release's tables (measured at 10k cases: 330-370 MB a closed app, never freed, gc or
    not). A memo is safe to clear (it is rebuilt on the next request). Found by name: a FastAPI
    without them is left alone, and ``tests/api/test_switchboard.py`` shows whether a closed
    app is freed. Returns how many were cleared."""
    import fastapi.dependencies.models as models

    cleared = 0
    for name, value in vars(models).items():
        if name.startswith("_is_") and name.endswith("_cached") and callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
            cleared += 1
    return cleared
