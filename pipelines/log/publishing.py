"""Publishing into the log: a built release becomes an entry; a rollback is an entry too.

What :func:`pipelines.publish.publish` and ``lianzheng rollback`` call. A version is logged
once: publishing it again with the same files adds nothing (a rerun after an interrupted
publish completes it), with other files is refused (releases are immutable), and returning
to it later is a rollback, which is itself an entry: nothing is ever erased from the log.
"""

from __future__ import annotations

from pathlib import Path

from ..checksums import SUMS, sha256_file
from ..errors import CannotRun, Problem
from . import entries, keys
from .note import Signer
from .store import ReleaseLog, append, origin_for


def signer_for(key_path: str, base: str, *, create: bool = True) -> tuple[Signer, str | None]:
    """The publisher's signer (named after the log's origin) and, if the key was made now, a
    message that says where it is."""
    path = Path(key_path) if key_path else keys.default_key_path()
    signer, created = keys.load_signer(path, origin_for(base), create=create)
    note = None
    if created:
        note = (f"已建立新的發布者簽章私鑰 {path}，請妥善保存；公鑰：{signer.verifier.vkey}\n"
                f"A new publisher signing key was made at {path}: keep it safe. Its verifier key: "
                f"{signer.verifier.vkey}")
    elif keys.loosely_kept(path):
        note = f"簽章私鑰 {path} 可被他人讀取。 The signing key {path} can be read by others: chmod 600 it."
    return signer, note


def served_folder(releases: Path) -> Path | None:
    """The folder of the release the log puts in service (None for an empty log)."""
    current = ReleaseLog.open(releases).current
    return Path(releases) / current.version if current is not None else None


def logged(releases: Path, version: str):
    """The entry that published ``version`` (None if the log has none)."""
    return ReleaseLog.open(releases).release(version)


def before(releases: Path, version: str) -> Path | None:
    """The release ``version`` was built after (what a rebuild of it compares with): the one in
    service when it was logged -- its entry's ``after``, which a rollback may have made older
    than the newest release logged before it -- or, for a version not logged, the one served
    before the last entry."""
    log = ReleaseLog.open(releases)
    entry = log.release(version)
    if entry is not None:
        after = entry.data.get("after")
        return Path(releases) / str(after) if after else None
    earlier = [e for e in log.entries[:-1] if e.version != version]
    return Path(releases) / earlier[-1].version if earlier else None


def check_version(releases: Path, version: str) -> Problem | None:
    """A problem if ``version`` cannot be published: it is logged and is not the one served
    (returning to it is a rollback), or its folder is missing or was changed."""
    log = ReleaseLog.open(releases)
    entry = log.release(version)
    if entry is None:
        return None
    folder = Path(releases) / version
    if log.current is not None and log.current.version != version:
        return Problem(
            "version-logged", f"版本 {version} 已在發行紀錄中（第 {entry.index} 筆）；發行版不可修改。",
            f"Version {version} is already in the release log (entry {entry.index}); releases are immutable.",
            file=str(log.folder / "checkpoint"), check="log",
            fix_zh=f"在 dataset.yaml 提高 version；若要恢復提供 {version}，請用 lianzheng rollback {version}。",
            fix_en=f"Raise 'version' in dataset.yaml; to serve {version} again, run lianzheng rollback {version}.")
    if not (folder / SUMS).exists() or sha256_file(folder / SUMS) != entry.sums:
        return Problem(
            "release-changed", f"發行版 {folder} 與發行紀錄第 {entry.index} 筆不符。",
            f"The release {folder} does not match entry {entry.index} of the release log.",
            file=str(folder), check="log", fix_zh="以 lianzheng verify 檢查；不可覆寫已發布之發行版。",
            fix_en="Check it with lianzheng verify; a published release is never overwritten.")
    return None


def rdf_digest(folder: Path) -> str | None:
    from .canon import rdfc_digest

    path = folder / entries.NTRIPLES
    return rdfc_digest(path) if path.exists() else None


def record_release(releases: Path, folder: Path, signer: Signer, *, reason: str = "",
                   time: str | None = None) -> int:
    """Log the release in ``folder`` (already complete and checked); its entry's index."""
    releases = Path(releases)
    digest = rdf_digest(folder)  # before the lock: seconds at a million triples

    def make(log: ReleaseLog) -> dict | None:
        logged = log.release(folder.name)
        if logged is not None:
            if logged.sums != sha256_file(folder / SUMS):
                raise CannotRun(check_version(releases, folder.name) or Problem(
                    "release-changed", "發行版與發行紀錄不符。", "The release does not match the log.",
                    file=str(folder), check="log"))
            return None  # logged already (a rerun): nothing to add
        previous = None
        if log.current is not None:
            previous = releases / log.current.version
        return entries.release_entry(folder, previous=previous, reason=reason,
                                     time=time or entries.now(), rdf_digest=digest)

    log, added = append(releases, make, signer, keys.public_pem(signer))
    return added.index if added is not None else log.release(folder.name).index  # type: ignore[union-attr]


def record_rollback(releases: Path, version: str, signer: Signer, *, reason: str,
                    time: str | None = None) -> int:
    """Put the service back on ``version``, a release logged before: a new entry."""
    releases = Path(releases)

    def make(log: ReleaseLog) -> dict | None:
        target = log.release(version)
        if target is None:
            raise CannotRun(Problem(
                "not-logged", f"發行紀錄中沒有版本 {version}。", f"Version {version} is not in the release log.",
                file=str(log.folder / "checkpoint"), check="log",
                fix_zh="以 lianzheng verify 或 /releases/ 查看已發布的版本。",
                fix_en="See the published versions with lianzheng verify or at /releases/."))
        if log.current is not None and log.current.version == version:
            raise CannotRun(Problem(
                "already-served", f"目前已提供版本 {version}。", f"Version {version} is already the one served.",
                file=str(log.folder / "checkpoint"), check="log"))
        folder = releases / version
        if not (folder / SUMS).exists() or sha256_file(folder / SUMS) != target.sums:
            raise CannotRun(check_version(releases, version) or Problem(
                "release-changed", f"發行版 {folder} 已被更動。", f"The release {folder} was changed.",
                file=str(folder), check="log"))
        return entries.rollback_entry(target, reason=reason, time=time or entries.now(),
                                      serving=log.current.version if log.current else None)

    _, added = append(releases, make, signer, keys.public_pem(signer))
    assert added is not None
    return added.index
