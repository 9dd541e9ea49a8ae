"""A release folder against its entry in the log: its ``SHA256SUMS``, the SHA-256 of that file
as the entry's ``sums``, its inclusion in the signed tree (RFC 9162 §2.1.3), and the RDFC-1.0
digest (https://www.w3.org/TR/rdf-canon/) of its RDF files or of a re-serialised copy."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

from ..checksums import SUMS, sha256_file, verify_sums
from ..errors import CannotRun, Problem
from . import merkle
from .note import Checkpoint
from .outcome import Outcome

RDF_FILES = ("lianzheng.nt", "lianzheng.ttl", "lianzheng.jsonld")


def _cannot(kind: str, zh: str, en: str, file: str = "") -> CannotRun:
    return CannotRun(Problem(kind, zh, en, file=file, check="verify"))


def entry_for(release: Path, entries: list[dict]) -> int | None:
    version = release.name
    manifest = release / "release.json"
    with contextlib.suppress(OSError, ValueError):
        version = str(json.loads(manifest.read_text(encoding="utf-8")).get("version") or version)
    return next((i for i, d in enumerate(entries) if d.get("kind", "release") == "release"
                 and str(d.get("version")) == version), None)


def check_release(out: Outcome, folder: Path, cp: Checkpoint, entries: list[dict],
             leaves: list[bytes], quick: bool, progress: Callable[[str], object]) -> None:
    i = entry_for(folder, entries)
    if i is None:
        out.failed("release in log", "not-logged", f"發行版 {folder} 不在發行紀錄中。",
                   f"The release {folder} is not in the log.",
                   version=folder.name, file=str(folder))
        return
    version = str(entries[i].get("version", ""))
    where: dict = {"entry": i, "version": version}
    problems = verify_sums(folder)
    if problems:
        p = problems[0]
        out.failed(f"{version}: checksums", p.type, p.message_zh, p.message_en,
                   file=str(folder / p.file) if p.file != SUMS else str(folder / SUMS),
                   fix_zh=p.fix_zh, fix_en=p.fix_en, **where)
    else:
        out.passed(f"{version}: checksums", f"every file matches {SUMS}", **where)
    sums = sha256_file(folder / SUMS) if (folder / SUMS).exists() else ""
    if sums == entries[i].get("sums"):
        out.passed(f"{version}: sums in entry", f"SHA-256 of {SUMS} is entry {i}'s 'sums'", **where)
    else:
        out.failed(f"{version}: sums in entry", "sums-mismatch",
                   f"{SUMS} 的 SHA-256 與第 {i} 筆的 sums 不符：發行版被改寫。",
                   f"The SHA-256 of {SUMS} is not entry {i}'s 'sums': the release was rewritten.",
                   file=str(folder / SUMS), **where)
    proof = merkle.inclusion_proof(leaves, i) if len(leaves) == cp.size else []
    if len(leaves) == cp.size and merkle.verify_inclusion(leaves[i], i, cp.size, proof, cp.root):
        out.passed(f"{version}: inclusion", f"entry {i} is in the signed tree of {cp.size} ({len(proof)} hashes)",
                   **where)
    else:
        out.failed(f"{version}: inclusion", "not-included", f"第 {i} 筆不在簽署的樹中。",
                   f"Entry {i} is not in the signed tree.", file=str(out.log), **where)
    if quick:
        out.passed(f"{version}: RDF", "skipped (--quick)", **where)
        return
    present = [folder / n for n in RDF_FILES if (folder / n).exists()]
    progress(f"RDFC-1.0 digests of {len(present)} RDF files of {version} (seconds per file at a million "
             "triples; --quick skips them)")
    for path in present:
        check_rdf(out, path, i, entries, label=f"{version}: RDF {path.name}")


def check_rdf(out: Outcome, path: Path, i: int | None, entries: list[dict], label: str | None = None) -> None:
    from .canon import CanonicalizationError, rdfc_digest

    label = label or f"RDF {path.name}"
    if i is None or "rdf" not in entries[i]:
        out.failed(label, "no-rdf-digest", "發行紀錄中沒有此發行版的 RDF 摘要。",
                   "The log holds no RDF digest for this release.",
                   entry=i, file=str(path))
        return
    version = str(entries[i].get("version", ""))
    if not path.is_file():
        raise _cannot("no-such-path", f"找不到 {path}。", f"{path} does not exist.", str(path))
    try:
        digest = rdfc_digest(path)
    except (ValueError, SyntaxError, CanonicalizationError, OSError) as exc:
        out.failed(label, "rdf-unreadable", f"無法讀取 RDF：{exc}", f"The RDF cannot be read: {exc}",
                   entry=i, version=version, file=str(path))
        return
    if digest == entries[i]["rdf"].get("digest"):
        out.passed(label, f"RDFC-1.0 digest is entry {i}'s ({digest[:16]}…)", entry=i, version=version)
    else:
        out.failed(label, "rdf-mismatch", f"{path.name} 的 RDFC-1.0 摘要與第 {i} 筆不符：圖的內容不同。",
                   f"The RDFC-1.0 digest of {path.name} is not entry {i}'s: the graph differs.",
                   entry=i, version=version, file=str(path))
