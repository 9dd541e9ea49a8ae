"""Building a release: one immutable, complete, checked, checksummed folder.

Everything is written into a temporary sibling of the target folder, checked
(Frictionless and SHACL), and only then swapped into place in one step
(:func:`~pipelines.folders.replace_folder`); a build that fails for any reason
leaves the target as it was. The same records give the same bytes: rows and
triples are written in sorted order, and the only time stamp (``created``)
comes from the records or ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import datetime as _dt
import gc
import json
import multiprocessing
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalogue import harvest
from .checks import frictionless, shacl
from .checksums import SUMS, folder_digest, sha256, sha256_file, verify_sums, write_sums
from .errors import CannotRun, Problem, ProblemsFound, Report
from .folders import (
    building_folder,
    remove_stale,
    replace_folder,
    sync_folder,
    sync_tree,
    tables_folder,
)
from .model import Dataset
from .processes import collector_paused, die_with_parent, worker_collector
from .rdf.graph import TripleParts
from .rdf.ids import DEFAULT_BASE, Minter
from .rdf.prefixes import jsonld_context, prefixes_for
from .rdf.serialize import by_subject, canonical, write_jsonld, write_ntriples, write_turtle
from .read.reader import Reader
from .settings import BUILD_SETTINGS
from .tables import package as tabular
from .tables import people
from .tables.schema import TABLES
from .terms import load_codes, shapes_dir, vocab_dir

RDF_FILES = {"turtle": "lianzheng.ttl", "ntriples": "lianzheng.nt", "jsonld": "lianzheng.jsonld"}
XLSX_FILE = "lianzheng.xlsx"
MANIFEST = "release.json"
REPORT_JSON = "validation-report.json"
REPORT_TEXT = "validation-report.txt"
DEFAULT_OCID_PREFIX = str(next(s.default for s in BUILD_SETTINGS if s.name == "ocid_prefix"))



@dataclass
class BuildResult:
    ok: bool
    report: Report
    out: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    unchanged: bool = False


def created_time(meta: dict, source_date_epoch: str | None) -> _dt.datetime:
    """The release's one time stamp: SOURCE_DATE_EPOCH if given, else the records' ``modified``."""
    if source_date_epoch:
        return _dt.datetime.fromtimestamp(int(source_date_epoch), _dt.UTC).replace(tzinfo=None)
    modified = meta.get("modified") or meta.get("issued") or "1970-01-01"
    return _dt.datetime.fromisoformat(str(modified)).replace(tzinfo=None)


def inputs_digest(source: Path, *, base: str, created: _dt.datetime, ocid_prefix: str,
                  previous: Path | None, log_key: str | None = None) -> str:
    """SHA-256 of what a release is made from: the records' files, the base, the time stamp, the
    OCID prefix, the log's key the catalogue names and the release it is compared with (its
    ``SHA256SUMS``). In ``release.json`` as
    ``inputs``: a publish that finds a complete release made from the same inputs logs it as it is
    instead of building it again (a rerun after a publish was killed between build and log)."""
    prev = None
    if previous is not None and (previous / SUMS).exists():
        prev = {"version": previous.name, "sums": sha256_file(previous / SUMS)}
    facts = {"records": folder_digest(source), "base": base, "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "ocid_prefix": ocid_prefix, "previous": prev, "log_key": log_key}
    return sha256(json.dumps(facts, sort_keys=True).encode())


def built_from(folder: Path, inputs: str) -> bool:
    """Whether ``folder`` is a complete release (every file as its ``SHA256SUMS`` says) made from
    ``inputs``."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("inputs") == inputs and not verify_sums(folder)


def _copy_vocab(tmp: Path) -> list[str]:
    written = []
    for folder, names in ((vocab_dir(), ("lianzheng.ttl", "codes.ttl", "context.jsonld")),
                          (shapes_dir(), None)):
        target = tmp / folder.name
        target.mkdir(exist_ok=True)
        for path in sorted(folder.iterdir()):
            if path.is_file() and (names is None and path.suffix == ".ttl" or names and path.name in names):
                shutil.copyfile(path, target / path.name)
                written.append(f"{folder.name}/{path.name}")
    return written


_JOB: dict = {}  # what forked workers read: set before the pool starts


def _spreadsheets_job(folder: str, created: _dt.datetime, meta: dict, table_rows=None) -> float:
    """Write the XLSX copy and the people's archive of the tables; in a forked worker the rows
    come from ``_JOB`` (not pickled)."""
    if table_rows is None:
        worker_collector()
    t = time.perf_counter()
    rows = _JOB["rows"] if table_rows is None else table_rows
    title = meta.get("title", {})
    tabular.write_xlsx(rows, Path(folder) / XLSX_FILE, created=created,
                       title=f"{title.get('zh', '')} {title.get('en', '')}".strip())
    people.write_archive(Path(folder) / people.ARCHIVE, rows, meta, created=created)
    return time.perf_counter() - t


def _shacl_job(index: int) -> list[tuple]:
    worker_collector()
    try:
        return shacl.run_shacl_chunk(index)
    finally:
        gc.collect()  # the chunk's graph and report hold cycles: free them before the next


def _frictionless_job(descriptor: str) -> tuple[list[Problem], float]:
    worker_collector()
    t = time.perf_counter()
    return frictionless.frictionless_check(Path(descriptor)), time.perf_counter() - t


def build_into(ds: Dataset, tmp: Path, *, base: str, created: _dt.datetime,
               report: Report, timings: dict, workers: int | None = None,
               previous: Path | None = None, ocid_prefix: str = DEFAULT_OCID_PREFIX,
               inputs: str | None = None, log_key: str | None = None) -> None:
    """Write and check every file of a release into ``tmp`` (which must exist).

    On more than one core the XLSX copy, the Frictionless check and the SHACL
    chunks run in forked worker processes while this process writes the RDF;
    they are killed if this process dies (:func:`~pipelines.processes.die_with_parent`).
    """
    from concurrent.futures import ProcessPoolExecutor

    ids = Minter(base)
    codes = load_codes()
    meta = dict(ds.meta)
    meta["iri"] = ids.dataset(str(meta.get("id", "lianzheng")))
    created_iso = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)

    t = time.perf_counter()
    table_rows = tabular.rows(ds, ids)
    stats = tabular.write_csvs(table_rows, tmp)
    tables_only = tabular.datapackage(meta, stats, codes, created=created_iso, purpose=ds.purpose)
    check_dir = tables_folder(tmp)
    check_dir.mkdir()
    (check_dir / "data").symlink_to(Path("..") / tmp.name / "data")  # a sibling: relative works
    (check_dir / "datapackage.json").write_text(json.dumps(tables_only, ensure_ascii=False),
                                                 encoding="utf-8")
    timings["tables"] = time.perf_counter() - t

    pools: list = []
    try:
        parallel = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
        fork = multiprocessing.get_context("fork") if parallel else None
        pool_options: dict[str, Any] = dict(mp_context=fork, initializer=die_with_parent, initargs=(os.getpid(),))
        if parallel:  # one worker for the tables' jobs, started before the triples exist
            _JOB["rows"] = table_rows
            pools.append(ProcessPoolExecutor(max_workers=1, **pool_options))
            xlsx_future = pools[-1].submit(_spreadsheets_job, str(tmp), created, meta)
            fric_future = pools[-1].submit(_frictionless_job, str(check_dir))
        else:
            timings["xlsx"] = _spreadsheets_job(str(tmp), created, meta, table_rows)
        del table_rows

        t = time.perf_counter()
        parts = TripleParts(ds, base)
        shacl_jobs = shacl.prepare_shacl(parts)
        if parallel:  # SHACL workers forked now: they check the triples made here, case by case
            pools.append(ProcessPoolExecutor(max_workers=workers, **pool_options))
            shacl_futures = [pools[-1].submit(_shacl_job, i) for i in range(shacl_jobs)]
            shacl.finish_shacl()  # the forked workers hold their own view
        triples, lines = canonical(parts.all())  # sorted once, for every writer
        del parts
        timings["triples"] = time.perf_counter() - t
        t = time.perf_counter()
        write_ntriples(triples, tmp / RDF_FILES["ntriples"], lines=lines)
        del lines
        timings["ntriples"] = time.perf_counter() - t
        t = time.perf_counter()
        grouped = by_subject(triples, ordered=True)
        write_turtle(triples, tmp / RDF_FILES["turtle"], prefixes_for(base), grouped)
        timings["turtle"] = time.perf_counter() - t
        t = time.perf_counter()
        write_jsonld(triples, tmp / RDF_FILES["jsonld"], jsonld_context(base), grouped)
        timings["jsonld"] = time.perf_counter() - t
        n_triples = len(triples)
        del triples, grouped

        t = time.perf_counter()
        if parallel:
            timings["xlsx"] = xlsx_future.result()
            fric_problems, timings["frictionless"] = fric_future.result()
            shacl_parts = [f.result() for f in shacl_futures]
        else:
            fric_problems, timings["frictionless"] = frictionless.frictionless_check(check_dir), 0.0
            shacl_parts = [shacl.run_shacl_chunk(i) for i in range(shacl_jobs)]
        timings["waiting for checks"] = time.perf_counter() - t
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        _JOB.clear()
        shacl.finish_shacl()
        shutil.rmtree(check_dir, ignore_errors=True)

    report.checks.append("frictionless")
    report.extend(fric_problems)
    report.checks.append("shacl")
    report.extend(shacl.shacl_problems(ds, base, shacl_parts))

    vocab_files = _copy_vocab(tmp)
    extra = []
    for key, name, media in (("turtle", RDF_FILES["turtle"], "text/turtle"),
                             ("ntriples", RDF_FILES["ntriples"], "application/n-triples"),
                             ("jsonld", RDF_FILES["jsonld"], "application/ld+json"),
                             ("xlsx", XLSX_FILE,
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        path = tmp / name
        resource = {"name": f"rdf-{key}" if key != "xlsx" else "workbook", "path": name,
                    "format": name.rsplit(".", 1)[-1], "mediatype": media,
                    "bytes": path.stat().st_size, "hash": f"sha256:{sha256_file(path)}",
                    "title": "全部資料表的 XLSX 副本 XLSX copy of every table" if key == "xlsx"
                    else f"RDF 圖 ({key}) RDF graph"}
        if key == "xlsx":
            # `frictionless validate <URL>` reads a remote workbook from a temporary copy and
            # cannot count its bytes; it then reports any stated size as wrong (frictionless 5.18
            # to 5.21, checks/baseline.py), while it skips a hash it could not compute. So the
            # workbook states its hash alone; its size is in the catalogue (dcat:byteSize).
            del resource["bytes"]
        extra.append(resource)
    package = tabular.datapackage(meta, stats, codes, created=created_iso, extra_resources=extra,
                                  purpose=ds.purpose)
    report.extend(frictionless.descriptor_check(package))
    (tmp / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8", newline="\n")

    # catalogues and cross-links (DCAT-AP, VoID, data.gov.tw, OCDS, change feed): issue 4
    t = time.perf_counter()
    harvest_files = harvest.write_release_files(ds, tmp, base=base, created=created_iso,
                                                previous=previous, ocid_prefix=ocid_prefix, log_key=log_key)
    timings["harvest"] = time.perf_counter() - t

    counts = {name: s[2] for name, s in stats.items()}
    report.stats.update({"triples": n_triples, **{f"rows.{k}": v for k, v in counts.items()}})
    (tmp / REPORT_JSON).write_text(report.to_json(), encoding="utf-8", newline="\n")
    (tmp / REPORT_TEXT).write_text(report.to_text(), encoding="utf-8", newline="\n")
    manifest = {
        "dataset": meta.get("id", "lianzheng"),
        "version": str(meta.get("version", "")),
        "created": created_iso,
        "base": ids.base,
        "as_of": str(meta.get("as_of", "")),
        "triples": n_triples,
        "rows": counts,
        "conforms": report.conforms,
        "files": {
            "datapackage": "datapackage.json",
            "tables": {t.name: t.path for t in TABLES},
            "xlsx": XLSX_FILE, "spreadsheets": people.ARCHIVE, **RDF_FILES,
            "report": {"json": REPORT_JSON, "text": REPORT_TEXT},
            "vocabulary": [f for f in vocab_files if f.startswith("vocab/")],
            "shapes": [f for f in vocab_files if f.startswith("shapes/")],
            "harvesting": sorted(harvest_files),
            "checksums": SUMS,
        },
    }
    if inputs is not None:
        manifest["inputs"] = inputs
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8", newline="\n")
    write_sums(tmp)


def build(source: Path, out: Path, *, base: str = DEFAULT_BASE, source_date_epoch: str | None = None,
          replace: bool = True, workers: int | None = None, previous: Path | None = None,
          ocid_prefix: str = DEFAULT_OCID_PREFIX, sync: bool = False, log_key: str | None = None) -> BuildResult:
    """Build a release of ``source`` into ``out``; ``out`` is untouched unless all checks pass.
    With ``sync`` its files are flushed to disk before it is put in place (what a publish does)."""
    with collector_paused():
        return _build(source, out, base=base, source_date_epoch=source_date_epoch, replace=replace,
                      workers=workers, previous=previous, ocid_prefix=ocid_prefix, sync=sync, log_key=log_key)


def _build(source: Path, out: Path, *, base: str, source_date_epoch: str | None, replace: bool,
           workers: int | None, previous: Path | None, ocid_prefix: str, sync: bool,
           log_key: str | None) -> BuildResult:
    timings: dict[str, float] = {}
    report = Report(checks=["records"])
    t0 = time.perf_counter()
    reader = Reader(Path(source))
    try:
        ds = reader.read()
    except ProblemsFound:
        report.extend(reader.problems)
        return BuildResult(False, report, timings=timings)
    report.extend(reader.problems)  # warnings
    timings["read"] = time.perf_counter() - t0
    created = created_time(ds.meta, source_date_epoch)

    out = Path(os.path.abspath(out))  # relative to the current folder, and '.', '..' resolved
    prepare_target(out)
    remove_stale(out.parent, out.name)  # what builds killed before left behind
    tmp = building_folder(out)
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        inputs = inputs_digest(Path(source), base=base, created=created, ocid_prefix=ocid_prefix,
                               previous=previous, log_key=log_key)
        build_into(ds, tmp, base=base, created=created, report=report, timings=timings,
                   workers=workers, previous=previous, ocid_prefix=ocid_prefix, inputs=inputs, log_key=log_key)
        if not report.conforms:
            return BuildResult(False, report, timings=timings)
        if out.exists():
            if (out / SUMS).exists() and (out / SUMS).read_bytes() == (tmp / SUMS).read_bytes():
                return BuildResult(True, report, out, timings, unchanged=True)
            if not replace:
                report.add(Problem(
                    "release-exists", f"發行版 {out} 已存在且內容不同；發行版不可修改。",
                    f"The release {out} already exists with other content; releases are immutable.",
                    file=str(out), fix_zh="在 datasets/source/dataset.yaml 提高 version 後再建置。",
                    fix_en="Raise 'version' in datasets/source/dataset.yaml and build again."))
                return BuildResult(False, report, timings=timings)
        if sync:
            sync_tree(tmp)
        replace_folder(tmp, out)
        if sync:
            sync_folder(out.parent)
        timings["total"] = time.perf_counter() - t0
        return BuildResult(True, report, out, timings)
    finally:
        for folder in (tmp, tables_folder(tmp)):  # the check package too, if a write failed early
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)


def prepare_target(out: Path) -> None:
    """Check that the folder ``out`` can take a release, and create the folder it goes in.

    A build replaces ``out`` whole, so it must be missing, empty or a release
    (with ``SHA256SUMS``): never a file, nor a folder of other things, which the
    swap would delete. Raises :class:`~pipelines.errors.CannotRun` otherwise, or
    when the folder around it cannot be made.
    """
    def cannot(zh, en, fix_zh, fix_en):
        raise CannotRun(Problem("unusable-target", zh, en, file=str(out), fix_zh=fix_zh,
                                fix_en=fix_en, check="release"))

    existing = next(p for p in (out, *out.parents) if p.exists())  # the root always exists
    if not existing.is_dir():
        cannot(f"「{existing}」是檔案，不是資料夾。", f"{existing} is a file, not a folder.",
               "指定發行版要放的資料夾（不存在時會建立），或移走該檔案。",
               "Name a folder for the release (it is created if missing), or move the file away.")
    if out.is_dir() and not (out / SUMS).exists() and any(out.iterdir()):
        cannot(f"資料夾「{out}」已有其他檔案，不是發行版；建置會整個取代它。",
               f"The folder {out} holds other files and is not a release: a build replaces it whole.",
               "指定新的或空的資料夾，或先前建置的發行版。",
               "Name a new or empty folder, or a release built before.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        cannot(f"無法建立資料夾「{out.parent}」：{exc.strerror}。",
               f"The folder {out.parent} cannot be created: {exc.strerror}.",
               "指定可以寫入的位置。", "Name a place you can write to.")


def check_release(folder: Path, *, workers: int | None = None) -> Report:
    """Validate a built release: checksums, Frictionless, and SHACL over its N-Triples."""
    report = Report(checks=["checksums", "frictionless", "shacl", "harvesting"])
    folder = Path(folder)
    report.extend(verify_sums(folder))
    report.extend(harvest.check_release_files(folder))
    report.extend(frictionless.frictionless_check(folder))
    nt = folder / RDF_FILES["ntriples"]
    if not nt.exists():
        report.add(Problem("missing-file", "發行版缺少 N-Triples 檔。", "The release has no N-Triples file.",
                           file=str(nt), check="release"))
        return report
    from pyshacl import validate
    from rdflib import Graph

    g = Graph()
    g.parse(nt, format="nt")
    conforms, results, _ = validate(g, shacl_graph=shacl.shapes_graph(), inference="none",
                                    allow_warnings=True, inplace=True)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8")) if (folder / MANIFEST).exists() else {}
    ids = Minter(manifest.get("base", DEFAULT_BASE))
    for row in shacl._results(results):
        report.add(shacl._problem(row, ids, {}))
    report.stats["triples"] = len(g)
    return report
