"""What a log entry says about a release: which files (the SHA-256 of its ``SHA256SUMS``), which
graph (its RDFC-1.0 digest), and what changed since the release before it, and why.

The changes are those the change feed finds (:func:`pipelines.catalogue.feed.compare`),
kept to names: cases added and removed, and for each changed case the tables and the fields
that changed and how many rows came or went. Values stay in the releases themselves.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from ..catalogue import feed
from ..checksums import SUMS, sha256_file

MANIFEST = "release.json"
NTRIPLES = "lianzheng.nt"


def now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def case_ids(folder: Path) -> set[str]:
    rows = feed.read_tables(folder, ["cases"])["cases"]
    i = rows.col("case_id")
    return {r[i] for r in rows.rows} if i is not None else set()


def changes(previous: Path | None, folder: Path) -> dict:
    """Cases added, removed and changed between two releases (all cases added for the first)."""
    if previous is None:
        return {"added": sorted(case_ids(folder)), "removed": [], "changed": {}}
    found = feed.compare(*feed.changed_tables(previous, folder))
    before, after = case_ids(previous), case_ids(folder)
    changed = {}
    for case, change in found.items():
        if change.new:
            continue
        fields = sorted({f"{table}.{column}" for table, _, column, _, _ in change.corrected})
        changed[case] = {
            "tables": change.tables, "fields": fields,
            "rows_added": {t: len(r) for t, r in sorted(change.added.items())},
            "rows_removed": {t: len(r) for t, r in sorted(change.removed.items())},
        }
    return {"added": sorted(after - before), "removed": sorted(before - after), "changed": changed}


def release_entry(folder: Path, *, previous: Path | None, reason: str, time: str,
                  rdf_digest: str | None) -> dict:
    """The entry for the release in ``folder`` (its ``index`` and ``previous`` are the log's)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    entry = {
        "kind": "release",
        "version": str(manifest.get("version", "")),
        "time": time,
        "created": manifest.get("created", ""),
        "sums": sha256_file(folder / SUMS),
        "changes": changes(previous, folder),
        "reason": reason,
    }
    if previous is not None:
        entry["after"] = previous.name
    if rdf_digest is not None:
        entry["rdf"] = {"file": NTRIPLES, "algorithm": "RDFC-1.0", "hash": "SHA-256", "digest": rdf_digest}
    return entry


def rollback_entry(target, *, reason: str, time: str, serving: str | None) -> dict:
    """An entry that puts the service back on an earlier release (``target``: its entry)."""
    data = target.data
    entry = {"kind": "rollback", "version": target.version, "time": time, "created": data.get("created", ""),
             "sums": target.sums, "reason": reason, "returns_to": target.index}
    if serving is not None:
        entry["after"] = serving
    if "rdf" in data:
        entry["rdf"] = data["rdf"]
    return entry
