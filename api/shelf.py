"""The shelf: the releases a service can serve, and the release log that lists them.

One object per service, shared by every served release's app (``app.state.shelf``): the log
it holds is the newest committed snapshot (:class:`pipelines.log.store.ReleaseLog`), replaced
whole by :meth:`Shelf.reload` when the log grows, so a request reads one consistent log.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.log.store import ReleaseLog


class Shelf:
    def __init__(self, releases: Path):
        self.releases = Path(releases)
        self.log = ReleaseLog.open(self.releases)

    def reload(self) -> bool:
        """Read the log again; True if it changed."""
        log = ReleaseLog.open(self.releases)
        changed = log.checkpoint_note != self.log.checkpoint_note
        if changed:
            self.log = log
        return changed

    def folder(self, version: str) -> Path:
        return self.releases / version
