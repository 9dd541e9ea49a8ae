"""Files for harvesters and cross-linking in every release (issue 4, being written).

``write_release_files`` is called by the release build once every data file is in
the release folder and before the checksums are written.
"""

from __future__ import annotations

from pathlib import Path

from .model import Dataset


def write_release_files(ds: Dataset, folder: Path, *, base: str, created: str,
                        previous: Path | None) -> list[str]:
    """Write the harvesting files into ``folder``; return their relative paths."""
    return []
