"""Publishing: a built release goes into the folder of releases, into the signed release log,
and ``latest`` follows the log.

:func:`publish` builds ``releases/{version}`` (:func:`pipelines.release.build`: immutable,
complete and checked before it is in place), logs it (:mod:`pipelines.log.publishing`), then
moves ``latest`` under the log's lock. A publish killed at any point leaves the log as it was,
and running it again completes it.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import CannotRun, ProblemsFound, Report, os_problem
from .folders import discard_folder, link_being_made, remove_stale
from .rdf.ids import DEFAULT_BASE
from .read.reader import Reader
from .release import (
    DEFAULT_OCID_PREFIX,
    MANIFEST,
    BuildResult,
    build,
    built_from,
    created_time,
    inputs_digest,
)


def publish(source: Path, releases: Path, *, signer=None, reason: str = "", time: str | None = None,
            **kw) -> BuildResult:
    """Build into ``releases/{version}`` (immutable), add it to the release log, and move
    ``releases/latest`` to it.

    The folder is complete, checked and flushed to disk before the log names it; the log's entry
    is committed by one rename (:mod:`pipelines.log.store`); ``latest`` moves last, to what the
    log serves. A publish killed at any point leaves the log as it was, and running it again
    completes it (a release built but not yet logged is logged as it is, not built again). A
    failing write (a full disk) leaves the log and the releases as they were and raises
    :class:`~pipelines.errors.CannotRun` naming the file. ``signer`` is the publisher's key
    (:func:`pipelines.log.keys.load_signer`): without one, the release is built and ``latest``
    moved, but nothing is logged (the tests' and ``build --out``'s way).
    """
    releases = Path(releases)
    try:
        return _publish(Path(source), releases, signer=signer, reason=reason, time=time, **kw)
    except OSError as exc:
        raise _write_failed(exc, releases) from exc


def _write_failed(exc: OSError, where: Path) -> CannotRun:
    return CannotRun(os_problem(exc, "發行紀錄與各發行版均維持原狀。",
                                "The release log and the releases are as they were.", where=str(where)))


def _publish(source: Path, releases: Path, *, signer, reason: str, time: str | None, **kw) -> BuildResult:
    from .log import publishing

    remove_stale(releases)  # of any version, and links, that killed builds left behind
    reader = Reader(source)
    try:
        meta = reader.read().meta
        version = str(meta.get("version", ""))
    except ProblemsFound:
        report = Report(checks=["records"])
        report.extend(reader.problems)
        return BuildResult(False, report)
    refused = publishing.check_version(releases, version)
    if refused is not None:
        report = Report(checks=["records", "log"])
        report.add(refused)
        return BuildResult(False, report)
    previous = publishing.served_folder(releases) or latest_release(releases)
    if previous is not None and previous.name == version:
        previous = publishing.before(releases, version)  # rebuilding: compare with what came before
    target = releases / version
    log_key = signer.verifier.vkey if signer is not None else None  # the catalogue publishes it
    inputs = inputs_digest(source, base=kw.get("base", DEFAULT_BASE), previous=previous,
                           created=created_time(meta, kw.get("source_date_epoch")),
                           ocid_prefix=kw.get("ocid_prefix", DEFAULT_OCID_PREFIX), log_key=log_key)
    if built_from(target, inputs):  # built by a publish killed before it was logged, or a rerun
        result = BuildResult(True, Report(checks=["checksums"]), target, unchanged=True)
    else:
        try:
            result = build(source, target, replace=False, previous=previous, sync=True, log_key=log_key, **kw)
        except OSError as exc:
            raise _write_failed(exc, target) from exc
    if not result.ok:
        return result
    if signer is None:
        point_latest(releases, version)
        return result
    try:
        result.report.stats["log.entry"] = publishing.record_release(releases, target, signer,
                                                                      reason=reason, time=time)
    except OSError as exc:
        if not result.unchanged and publishing.logged(releases, version) is None:
            discard_folder(target)  # made by this publish and not logged: the releases as they were
        raise _write_failed(exc, releases / "log") from exc
    point_latest_at_log(releases)
    return result


def point_latest(releases: Path, version: str) -> None:
    """Move ``releases/latest`` to ``version``: readers see the old or the new, never none."""
    link = Path(releases) / "latest"
    tmp_link = link_being_made(link)
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(version)
    os.replace(tmp_link, link)


def point_latest_at_log(releases: Path) -> None:
    """Move ``releases/latest`` to the release the log serves, under the log's lock: two
    publishers (or a publish and a rollback) that append one after the other leave ``latest``
    at the last one's, whichever moves it last."""
    from .log.store import LOG_DIR, ReleaseLog, locked

    with locked(Path(releases) / LOG_DIR):
        current = ReleaseLog.open(releases).current
        if current is not None:
            point_latest(releases, current.version)


def latest_release(releases: Path) -> Path | None:
    link = Path(releases) / "latest"
    if link.exists() and (link / MANIFEST).exists():
        return link.resolve()
    return None
