"""Verification by anyone: a release folder, a folder of releases or a log folder, checked
against the signed release log, in the order a reader trusts things.

1. the checkpoint (C2SP tlog-checkpoint, https://c2sp.org/tlog-checkpoint): its form and the
   publisher's signature (C2SP signed-note, https://c2sp.org/signed-note), under a key the
   reader pinned (a key taken from the log it checks proves nothing against the log's operator);
2. the witnesses' cosignatures (C2SP tlog-cosignature, https://c2sp.org/tlog-cosignature);
3. the entries: as many as the checkpoint counts, each ``index`` right, each ``previous`` the
   SHA-256 of the entry before, and their Merkle tree hash (RFC 9162 §2.1.1) the signed root;
4. every stored checkpoint signed and consistent with the newest (RFC 9162 §2.1.4), and every
   stored proof verifying;
5. each release present: its ``SHA256SUMS``, the SHA-256 of that file as its entry's ``sums``,
   its inclusion in the signed tree (RFC 9162 §2.1.3) and the RDFC-1.0 digest of its RDF files
   (https://www.w3.org/TR/rdf-canon/), so a re-serialised copy still verifies;
6. ``--since``: an older checkpoint the reader kept, and the consistency proof from it to now.

Every check runs (one failure does not hide the next); the report names the first entry
where one failed (the release checks are in :mod:`.release_checks`). What cannot be read at
all raises :class:`~pipelines.errors.CannotRun`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..checksums import SUMS, sha256
from ..errors import WARNING, CannotRun, Problem
from . import merkle
from .keys import raw_from_pem
from .note import ED25519, Checkpoint, NoteError, Verifier, open_note, split
from .outcome import Outcome, Step  # noqa: F401 - Step is part of what verify() gives
from .release_checks import RDF_FILES, check_rdf, check_release, entry_for  # noqa: F401
from .store import LOG_DIR, _sides, entry_name

_INCLUSION = re.compile(r"^inclusion-(\d+)-(\d+)\.json$")
_CONSISTENCY = re.compile(r"^consistency-(\d+)-(\d+)\.json$")


def _cannot(kind: str, zh: str, en: str, file: str = "", fix_zh: str = "", fix_en: str = "") -> CannotRun:
    return CannotRun(Problem(kind, zh, en, file=file, fix_zh=fix_zh, fix_en=fix_en, check="verify"))


@dataclass(frozen=True)
class Target:
    """What PATH names: the log folder and the release folders to check against it."""

    log: Path
    releases: list[Path]
    release: Path | None  # PATH itself, when it is one release
    scan: Path | None = None  # a folder of releases: check every release the log names that is in it


def resolve(path: Path, log: Path | None = None) -> Target:
    path = Path(path)
    if not path.exists():
        raise _cannot("no-such-path", f"找不到 {path}。", f"{path} does not exist.", str(path))
    if (path / SUMS).exists():
        folder = log or path.parent / LOG_DIR
        return Target(folder, [path], path)
    if (path / "checkpoint").exists() and (path / "entries").is_dir():
        return Target(path, [], None)
    if (path / LOG_DIR / "checkpoint").exists() or log is not None:
        folder = log or path / LOG_DIR
        return Target(folder, [], None, path)
    raise _cannot("not-a-release", f"{path} 不是發行版、發行版資料夾或發行紀錄。",
                  f"{path} is not a release folder, a folder of releases or a release log.", str(path),
                  "指定含 SHA256SUMS 的發行版資料夾，或含 log/ 的資料夾；以 --log 指定發行紀錄。",
                  "Name a release folder (with SHA256SUMS) or a folder with log/; name the log with --log.")


def publisher_key(log: Path, origin: str, key: str | None, key_file: Path | None) -> tuple[Verifier, Problem | None]:
    """The publisher's verifier: pinned (--key, --key-file), or the log's own with a warning."""
    try:
        if key:
            return _ed25519(Verifier.parse(key)), None
        if key_file is not None:
            if not key_file.is_file():
                raise _cannot("no-key-file", f"找不到金鑰檔 {key_file}。", f"There is no key file {key_file}.",
                              str(key_file))
            data = key_file.read_bytes()
            if data.lstrip().startswith(b"-----BEGIN"):
                return Verifier(origin, ED25519, raw_from_pem(data)), None
            return _ed25519(Verifier.parse(data.decode())), None
    except (NoteError, ValueError, UnicodeDecodeError) as exc:
        raise _cannot("bad-key", f"無法讀取發布者公鑰：{exc}", f"The publisher's key cannot be read: {exc}",
                      str(key_file or ""), "提供 vkey（name+id+base64）或 Ed25519 公鑰 PEM。",
                      "Give a vkey (name+id+base64) or an Ed25519 public key PEM.") from None
    own = log / "key"
    if not own.is_file():
        raise _cannot("no-key", "未指定發布者公鑰，發行紀錄中也沒有 key 檔。",
                      "No publisher key was given and the log has no key file.", str(own),
                      "以 --key 或 --key-file 指定發布者公布的公鑰。",
                      "Name the publisher's key with --key or --key-file.")
    try:
        verifier = _ed25519(Verifier.parse(own.read_text(encoding="utf-8")))
    except (NoteError, UnicodeDecodeError) as exc:
        raise _cannot("bad-key", f"發行紀錄的 key 檔無法讀取：{exc}", f"The log's key file cannot be read: {exc}",
                      str(own)) from None
    return verifier, Problem(
        "key-not-pinned", "公鑰取自受檢查的發行紀錄本身：這無法對抗紀錄的經營者。",
        "The publisher's key was taken from the log being checked: that proves nothing against the "
        "log's operator.", file=str(own), severity=WARNING, check="verify",
        fix_zh="以 --key 指定從目錄（catalogue）或 /.well-known/ 取得並保存的公鑰。",
        fix_en="Pin the key with --key, as published in the catalogue or at the well-known URL, and keep it.")


def _ed25519(v: Verifier) -> Verifier:
    if v.kind != ED25519:
        raise NoteError("the publisher's key is an Ed25519 key (type 0x01), not a cosigner key")
    return v


def read_checkpoint(path: Path) -> tuple[bytes, Checkpoint]:
    """A checkpoint note's bytes and what it says (NoteError if it is not well formed)."""
    note = path.read_bytes()
    text, _ = split(note)
    return note, Checkpoint.parse(text)


def verify(path: Path, *, log: Path | None = None, key: str | None = None, key_file: Path | None = None,
           witnesses: Sequence[str] = (), quorum: int | None = None, since: Path | None = None,
           since_size: int | None = None, since_root: str | None = None, rdf: Sequence[Path] = (),
           quick: bool = False, progress: Callable[[str], object] = lambda _: None) -> Outcome:
    target = resolve(path, log)
    folder = target.log
    head = folder / "checkpoint"
    if not head.is_file():
        raise _cannot("no-log", f"找不到發行紀錄 {head}。", f"There is no release log at {head}.", str(head),
                      "以 --log 指定發行紀錄資料夾（發行版旁的 log/）。",
                      "Name the log folder (log/ beside the releases) with --log.")
    out = Outcome(str(path), str(folder))
    try:
        cosigners = [Verifier.parse(w) for w in witnesses]
    except NoteError as exc:
        raise _cannot("bad-witness", f"見證者金鑰無法讀取：{exc}", f"A witness key cannot be read: {exc}") from None
    if any(c.kind != 0x04 for c in cosigners):
        raise _cannot("bad-witness", "見證者金鑰須為 cosigner 金鑰（type 0x04）。",
                      "A witness key is a cosigner key (type 0x04).")
    since_cp = _since(since, since_size, since_root)

    # 1. the checkpoint
    try:
        note, cp = read_checkpoint(head)
    except NoteError as exc:
        out.failed("checkpoint", "bad-checkpoint", f"checkpoint 格式不符：{exc}",
                   f"The checkpoint is not well formed: {exc}",
                   file=str(head))
        return out
    out.size = cp.size
    publisher, warning = publisher_key(folder, cp.origin, key, key_file)
    if warning is not None:
        out.warnings.append(warning)
    opened = open_note(note, [publisher, *cosigners])
    if cp.origin != publisher.name:
        out.failed("checkpoint", "wrong-origin", f"checkpoint 的來源 {cp.origin} 不是金鑰名稱 {publisher.name}。",
                   f"The checkpoint's origin {cp.origin} is not the key's name {publisher.name}.", file=str(head))
    elif publisher.name in opened.verified:
        out.passed("checkpoint", f"tree size {cp.size}, signed by {publisher.name} "
                   f"({'pinned key' if warning is None else 'key from the log itself'})")
    else:
        out.failed("checkpoint", "bad-signature", "checkpoint 的發布者簽章不符。",
                   "The checkpoint's signature does not verify under the publisher's key.", file=str(head),
                   fix_zh="此紀錄非發布者所簽，或公鑰有誤。",
                   fix_en="The publisher did not sign this log, or the key is wrong.")

    # 2. cosignatures
    if cosigners or quorum:
        _cosignatures(out, opened, cosigners, publisher, quorum, str(head))

    # 3. the entries
    raws = _entries(out, folder, cp)
    leaves = [merkle.leaf_hash(r) for r in raws]
    if len(raws) == cp.size:
        _root(out, folder, cp, leaves)

    # 4. stored checkpoints and proofs
    roots = _stored_checkpoints(out, folder, cp, publisher, leaves if len(leaves) == cp.size else None)
    _stored_proofs(out, folder, roots, raws)

    # 5. the releases
    entries = [_parse(r) for r in raws]
    releases = target.releases
    if target.scan is not None:
        seen: list[str] = []
        for data in entries:
            v = str(data.get("version", "")) if data.get("kind", "release") == "release" else ""
            if v and v not in seen and (target.scan / v / SUMS).exists():
                seen.append(v)
        releases = [target.scan / v for v in seen]
        for extra in sorted(p.parent for p in target.scan.glob(f"*/{SUMS}")):
            if extra.name not in seen and not extra.is_symlink():
                out.warnings.append(Problem(
                    "not-logged", f"資料夾 {extra} 是發行版，但不在發行紀錄中。",
                    f"The folder {extra} is a release but is not in the log.", file=str(extra), severity=WARNING,
                    check="verify", fix_zh="若是中斷的發布，重新執行 lianzheng build 即可補上；否則它未經發布。",
                    fix_en="If a publish was interrupted, rerun lianzheng build to complete it; else it was "
                    "never published."))
    for rel in releases:
        check_release(out, rel, cp, entries, leaves, quick, progress)
    if rdf:
        rel_entry = entry_for(target.release, entries) if target.release else (len(entries) - 1 if entries else None)
        for f in rdf:
            check_rdf(out, Path(f), rel_entry, entries)

    # 6. since
    if since_cp is not None:
        _check_since(out, since, since_cp, cp, publisher, leaves)
    return out


def _since(since: Path | None, size: int | None, root: str | None) -> tuple[bytes | None, Checkpoint] | None:
    if since is not None:
        if not since.is_file():
            raise _cannot("no-since", f"找不到 {since}。", f"There is no checkpoint file {since}.", str(since))
        try:
            return read_checkpoint(since)
        except NoteError as exc:
            raise _cannot("bad-since", f"{since} 不是 checkpoint：{exc}", f"{since} is not a checkpoint: {exc}",
                          str(since)) from None
    if size is None and root is None:
        return None
    if size is None or root is None or size < 1:
        raise _cannot("bad-since", "--since-size 與 --since-root 須一起給（大小至少 1）。",
                      "Give --since-size (at least 1) and --since-root together.")
    try:
        digest = base64.b64decode(root, validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise _cannot("bad-since", "--since-root 須為 32 位元組根雜湊的 base64。",
                      "--since-root is the base64 of a 32-byte root hash.")
    return None, Checkpoint("", size, digest)


def _cosignatures(out: Outcome, opened, cosigners: list[Verifier], publisher: Verifier, quorum: int | None,
                  file: str) -> None:
    need = len(cosigners) if quorum is None else quorum
    good = [c.name for c in cosigners if c.name in opened.verified]
    bad = [n for n in opened.failed if n != publisher.name]
    missing = [c.name for c in cosigners if c.name not in opened.verified and c.name not in bad]
    detail = (f"checked {', '.join(c.name for c in cosigners) or 'none'}; verified {', '.join(good) or 'none'}; "
              f"failed {', '.join(bad) or 'none'}; absent {', '.join(missing) or 'none'}; "
              f"unknown lines {', '.join(opened.unknown) or 'none'}; quorum {need}")
    if len(good) >= need and not bad:
        out.passed("cosignatures", detail)
    else:
        out.failed("cosignatures", "quorum",
                   f"見證者連署不足：需 {need} 個，驗證通過 {len(good)} 個（失敗：{', '.join(bad) or '無'}）。",
                   f"Too few witness cosignatures: {need} needed, {len(good)} verified "
                   f"(failed: {', '.join(bad) or 'none'}).", file=file, detail=detail,
                   fix_zh="請見證者以 lianzheng witness cosign 連署，再以 lianzheng witness add 併入。",
                   fix_en="Ask the witnesses to cosign (lianzheng witness cosign) and add it (lianzheng witness add).")


def _parse(raw: bytes) -> dict:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _entries(out: Outcome, folder: Path, cp: Checkpoint) -> list[bytes]:
    raws: list[bytes] = []
    for i in range(cp.size):
        path = folder / "entries" / entry_name(i)
        if not path.is_file():
            out.failed("entries", "missing-entry", f"缺少第 {i} 筆（checkpoint 記為 {cp.size} 筆）。",
                       f"Entry {i} is missing (the checkpoint counts {cp.size}).", entry=i, file=str(path))
            return raws
        raws.append(path.read_bytes())
    out.passed("entries", f"{cp.size} entries, as the checkpoint counts")
    previous = None
    bad_index = bad_prev = None
    for i, raw in enumerate(raws):
        data = _parse(raw)
        if bad_index is None and data.get("index") != i:
            bad_index = i
        if bad_prev is None and data.get("previous") != previous:
            bad_prev = i
        previous = sha256(raw)
    for check, bad, zh, en in (
            ("entry index", bad_index, "index 欄位不是其位置", "its 'index' is not its position"),
            ("previous hashes", bad_prev, "previous 不是前一筆的 SHA-256",
             "its 'previous' is not the SHA-256 of the entry before")):
        if bad is None:
            out.passed(check, f"all {len(raws)} entries")
        else:
            version = str(_parse(raws[bad]).get("version", ""))
            out.failed(check, "bad-entry", f"第 {bad} 筆的{zh}：此筆或前一筆被改寫。",
                       f"Entry {bad}: {en}; this entry or the one before was rewritten.", entry=bad, version=version,
                       file=str(folder / "entries" / entry_name(bad)))
    return raws


def _root(out: Outcome, folder: Path, cp: Checkpoint, leaves: list[bytes]) -> None:
    if merkle.root(leaves) == cp.root:
        out.passed("Merkle root", f"the tree of the {len(leaves)} entries has the signed root")
        return
    first = None  # the smallest signed tree that these entries no longer give
    for m in range(1, len(leaves) + 1):
        stored = folder / "checkpoints" / str(m)
        try:
            if stored.is_file() and read_checkpoint(stored)[1].root != merkle.root(leaves[:m]):
                first = m - 1
                break
        except NoteError:
            continue
    out.failed("Merkle root", "bad-root", "各筆紀錄的 Merkle 樹根與簽署的 checkpoint 不符。",
               "The Merkle tree hash of the entries is not the checkpoint's signed root.", entry=first,
               file=str(folder / "entries" / entry_name(first)) if first is not None else str(folder / "checkpoint"))


def _stored_checkpoints(out: Outcome, folder: Path, cp: Checkpoint, publisher: Verifier,
                        leaves: list[bytes] | None) -> dict[int, bytes]:
    roots: dict[int, bytes] = {cp.size: cp.root}
    where = folder / "checkpoints"
    names = sorted((int(p.name), p) for p in where.iterdir() if p.name.isdigit()) if where.is_dir() else []
    for size, path in names:
        try:
            note, old = read_checkpoint(path)
        except NoteError as exc:
            out.failed("stored checkpoints", "bad-checkpoint", f"{path.name} 格式不符：{exc}",
                       f"{path} is not well formed: {exc}",
                       entry=size - 1, file=str(path))
            return roots
        problem = None
        if old.size != size or old.origin != cp.origin:
            problem = ("不是其檔名所示的樹", "is not the tree its name says")
        elif publisher.name not in open_note(note, [publisher]).verified:
            problem = ("的簽章不符", "is not signed by the publisher")
        elif size > cp.size:
            problem = (f"大於最新的 checkpoint（{cp.size}）：紀錄被截短",
                       f"is larger than the newest ({cp.size}): the log was cut back")
        elif size == cp.size and old.root != cp.root:
            problem = ("與最新的 checkpoint 大小相同而根不同", "has the newest's size but another root")
        elif size < cp.size and (leaves is None or not merkle.verify_consistency(
                size, cp.size, old.root, cp.root, merkle.consistency_proof(leaves, size))):
            problem = ("與最新的 checkpoint 不一致", "is not consistent with the newest")
        if problem is not None:
            out.failed("stored checkpoints", "inconsistent", f"checkpoints/{size} {problem[0]}。",
                       f"checkpoints/{size} {problem[1]}.", entry=size - 1, file=str(path))
            return roots
        roots[size] = old.root
    out.passed("stored checkpoints", f"{len(names)} signed, each consistent with the newest")
    return roots


def _stored_proofs(out: Outcome, folder: Path, roots: dict[int, bytes], raws: list[bytes]) -> None:
    where = folder / "proofs"
    paths = sorted(where.glob("*.json")) if where.is_dir() else []
    for path in paths:
        ok, entry = False, None
        try:
            doc = json.loads(path.read_bytes())
            steps = [bytes.fromhex(h) for h in doc["path"]]
            if (m := _INCLUSION.match(path.name)) is not None:
                i, n = int(m[1]), int(m[2])
                entry = i
                ok = (n in roots and i < len(raws) and doc.get("sides") == _sides(i, n)
                      and merkle.verify_inclusion(merkle.leaf_hash(raws[i]), i, n, steps, roots[n]))
            elif (m := _CONSISTENCY.match(path.name)) is not None:
                a, n = int(m[1]), int(m[2])
                entry = a
                ok = a in roots and n in roots and merkle.verify_consistency(a, n, roots[a], roots[n], steps)
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            out.failed("stored proofs", "bad-proof", f"證明檔 {path.name} 驗證失敗。",
                       f"The proof {path.name} does not verify.",
                       entry=entry, file=str(path))
            return
    out.passed("stored proofs", f"{len(paths)} inclusion and consistency proofs verify")


def _check_since(out: Outcome, since: Path | None, kept: tuple[bytes | None, Checkpoint], cp: Checkpoint,
                 publisher: Verifier, leaves: list[bytes]) -> None:
    note, old = kept
    file = str(since or "--since-root")
    if note is not None and publisher.name not in open_note(note, [publisher]).verified:
        out.failed("since", "bad-signature", "保存的 checkpoint 簽章不符。",
                   "The kept checkpoint is not signed by the publisher.",
                   file=file)
        return
    if note is not None and old.origin != cp.origin:
        out.failed("since", "wrong-origin", "保存的 checkpoint 屬於另一個紀錄。",
                   "The kept checkpoint is of another log.",
                   file=file)
        return
    if old.size > cp.size:
        out.failed("since", "log-shrank", f"保存的 checkpoint 有 {old.size} 筆，現在只有 {cp.size} 筆：紀錄被截短。",
                   f"The kept checkpoint counts {old.size} entries, the log now {cp.size}: the log was cut back.",
                   entry=cp.size, file=file)
        return
    proof = merkle.consistency_proof(leaves, old.size) if len(leaves) == cp.size else []
    if len(leaves) == cp.size and merkle.verify_consistency(old.size, cp.size, old.root, cp.root, proof):
        out.passed("since", f"the log of {cp.size} extends the kept tree of {old.size} ({len(proof)} hashes)")
    else:
        out.failed("since", "inconsistent", f"現在的紀錄不延續保存的 {old.size} 筆之樹：紀錄被改寫或分叉。",
                   f"The log does not extend the kept tree of {old.size}: it was rewritten or forked.",
                   entry=old.size - 1, file=file,
                   fix_zh="保存此報告與兩個 checkpoint，作為發布者改寫紀錄的證據。",
                   fix_en="Keep this report and both checkpoints: they are evidence the publisher rewrote its log.")
