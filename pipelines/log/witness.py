"""Witnesses: an independent party cosigns a checkpoint only if it extends the last one it saw.

C2SP tlog-witness and tlog-cosignature (https://c2sp.org/tlog-cosignature): a witness keeps,
per log origin, the last checkpoint it cosigned. Asked to cosign a new one, it checks the
publisher's signature, and that the new tree is consistent with the old (RFC 9162 §2.1.4), by
a consistency proof from the log's folder (a stored proof file, or computed from the entries
there after checking they give the new root). A smaller tree, or one of the same size with
another root, or one the proof does not tie to the old, is a split view: it refuses, and
keeps what it had. Gossip of these cosignatures is what makes a fork visible.

The publisher then adds the witness's line to its log (:func:`add_cosignatures`), refusing
lines that do not verify against the checkpoint text they name.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import CannotRun, Problem
from . import merkle
from .keys import generate, load_signer
from .note import COSIGNATURE, ED25519, Checkpoint, NoteError, Signer, Verifier, cosign, open_note, split
from .note import _check_name as check_name
from .store import LOG_DIR, entry_name, locked, write_file


class Refused(Exception):
    """The witness will not cosign (or the log will not take a line): a Problem says why."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.render())


def _problem(kind: str, zh: str, en: str, file: str = "", fix_zh: str = "", fix_en: str = "") -> Problem:
    return Problem(kind, zh, en, file=file, fix_zh=fix_zh, fix_en=fix_en, check="witness")


def keygen(out: Path, name: str) -> str:
    """Make a witness key at ``out`` (mode 0600, never over a file); its cosigner vkey (type 0x04)."""
    if out.exists():
        raise CannotRun(_problem("key-exists", f"{out} 已存在，不覆寫。", f"{out} exists; it is not overwritten.",
                                 str(out)))
    try:
        check_name(name)
    except NoteError as exc:
        raise CannotRun(_problem("bad-name", f"見證者名稱不合格式：{exc}", str(exc))) from None
    generate(out)
    return load_signer(out, name, cosigner=True)[0].verifier.vkey


def default_state(key: Path) -> Path:
    """Where a witness keeps the last checkpoint of each log: beside its key."""
    return key.parent / f"{key.stem}-state"


def state_file(state: Path, origin: str) -> Path:
    return state / (hashlib.sha256(origin.encode()).hexdigest()[:32] + ".checkpoint")


def _proof(log: Path | None, old: Checkpoint, new: Checkpoint) -> list[bytes]:
    """The consistency proof from ``old`` to ``new``: stored in the log folder, or computed
    from its entries (which must give the new root, so the proof speaks of that tree)."""
    if log is None:
        raise Refused(_problem("no-proof", "需要發行紀錄資料夾以取得一致性證明。",
                               "A consistency proof is needed: name the log folder with --log.",
                               fix_zh="以 --log 指定發行紀錄（log/）。",
                               fix_en="Name the log folder (log/) with --log."))
    stored = log / "proofs" / f"consistency-{old.size}-{new.size}.json"
    if stored.is_file():
        try:
            return [bytes.fromhex(h) for h in json.loads(stored.read_bytes())["path"]]
        except (ValueError, KeyError, TypeError):
            pass  # an unreadable proof: compute one instead
    leaves = []
    for i in range(new.size):
        path = log / "entries" / entry_name(i)
        if not path.is_file():
            raise Refused(_problem("no-proof", f"發行紀錄缺少第 {i} 筆，無法計算一致性證明。",
                                   f"The log lacks entry {i}: no consistency proof can be made.", str(path)))
        leaves.append(merkle.leaf_hash(path.read_bytes()))
    if merkle.root(leaves) != new.root:
        raise Refused(_problem("split-view", "發行紀錄的各筆不構成待連署的 checkpoint。",
                               "The log's entries do not give the checkpoint to be cosigned.", str(log)))
    return merkle.consistency_proof(leaves, old.size)


def _read_checkpoint(note: bytes) -> tuple[bytes, list, Checkpoint]:
    """A checkpoint note's text, signatures and tree head; :class:`Refused` if malformed."""
    try:
        text, signatures = split(note)
        return text, signatures, Checkpoint.parse(text)
    except NoteError as exc:
        raise Refused(_problem("bad-checkpoint", f"checkpoint 格式不符：{exc}",
                               f"The checkpoint is not well formed: {exc}")) from None


def cosign_checkpoint(note: bytes, witness: Signer, log_key: Verifier, state: Path, *, log: Path | None,
                      when: int) -> bytes:
    """``note`` with the witness's cosignature, if it is signed by the log and extends what the
    witness saw; the witness's state then holds it. Raises :class:`Refused` otherwise."""
    text, _, new = _read_checkpoint(note)
    if log_key.kind != ED25519 or new.origin != log_key.name:
        raise Refused(_problem("wrong-origin", f"checkpoint 的來源 {new.origin} 不是金鑰 {log_key.name}。",
                               f"The checkpoint's origin {new.origin} is not the log key's name {log_key.name}."))
    if log_key.name not in open_note(note, [log_key]).verified:
        raise Refused(_problem("bad-signature", "checkpoint 的發布者簽章不符。",
                               "The checkpoint is not signed by the log's key."))
    kept = state_file(state, new.origin)
    if kept.is_file():
        old = Checkpoint.parse(split(kept.read_bytes())[0])
        split_view = None
        if new.size < old.size:
            split_view = (f"比已連署的 {old.size} 筆小", f"is smaller than the {old.size} already cosigned")
        elif new.size == old.size and new.root != old.root:
            split_view = (f"與已連署的 {old.size} 筆之樹大小相同而根不同",
                          f"has the size of the tree cosigned ({old.size}) but another root")
        elif new.size > old.size and not merkle.verify_consistency(old.size, new.size, old.root, new.root,
                                                                  _proof(log, old, new)):
            split_view = (f"不延續已連署的 {old.size} 筆之樹",
                          f"does not extend the tree of {old.size} already cosigned")
        if split_view is not None:
            raise Refused(_problem(
                "split-view", f"拒絕連署：此 checkpoint（{new.size} 筆）{split_view[0]}：分叉的紀錄。",
                f"Refused: this checkpoint ({new.size} entries) {split_view[1]}: a split view.", str(kept),
                fix_zh="公開兩個 checkpoint 作為發布者分叉紀錄的證據。",
                fix_en="Publish both checkpoints: they are evidence that the publisher forked its log."))
    signed = cosign(note, witness, when)
    state.mkdir(parents=True, exist_ok=True)
    write_file(kept, note)
    return signed


def add_cosignatures(releases: Path, note: bytes, witnesses: list[Verifier]) -> list[str]:
    """Merge the given witnesses' cosignature lines of ``note`` into the log's copy of that
    checkpoint (and into ``checkpoint`` if it is the newest); the names added."""
    folder = Path(releases) / LOG_DIR
    text, signatures, cp = _read_checkpoint(note)
    if any(w.kind != COSIGNATURE for w in witnesses):
        raise Refused(_problem("bad-witness", "見證者金鑰須為 cosigner 金鑰（type 0x04）。",
                               "A witness key is a cosigner key (type 0x04)."))
    with locked(folder):
        stored = folder / "checkpoints" / str(cp.size)
        if not stored.is_file() or split(stored.read_bytes())[0] != text:
            raise Refused(_problem("not-our-checkpoint", f"發行紀錄沒有簽署過這個 checkpoint（{cp.size} 筆）。",
                                   f"The log never signed this checkpoint (size {cp.size}).", str(stored)))
        ours = stored.read_bytes()
        have = {(s.name, s.id) for s in split(ours)[1]}
        known = {(w.name, w.id): w for w in witnesses}
        lines = note.decode("utf-8")[len(text) + 1:].splitlines(keepends=True)
        added = []
        for sig, line in zip(signatures, lines, strict=True):
            if (sig.name, sig.id) in have:
                continue
            w = known.get((sig.name, sig.id))
            if w is None:
                raise Refused(_problem("unknown-witness", f"{sig.name} 的簽章行無對應的見證者金鑰。",
                                       f"The line of {sig.name} is of no witness key given.",
                                       fix_zh="以 --witness 指定該見證者的 vkey。",
                                       fix_en="Give its vkey with --witness."))
            if w.check(text, sig.blob) is None:
                raise Refused(_problem("bad-cosignature", f"{sig.name} 的連署不符此 checkpoint。",
                                       f"The cosignature of {sig.name} does not verify against this checkpoint."))
            ours += line.encode()
            added.append(sig.name)
        if added:
            write_file(stored, ours)
            head = folder / "checkpoint"
            if split(head.read_bytes())[0] == text:
                write_file(head, ours)
        return added
