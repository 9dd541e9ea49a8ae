"""A release: complete, accepted by the standards' own validators, byte-stable, atomic."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from api.cli import main
from pipelines import folders
from pipelines import release as rel
from pipelines.checksums import verify_sums
from pipelines.publish import publish
from pipelines.release import RDF_FILES, build
from tests.conftest import EPOCH, MINIMAL, REAL, ROOT

BIN = Path(sys.executable).parent


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_release_has_every_promised_file(minimal_release):
    names = set(files_of(minimal_release))
    expected = {"datapackage.json", "lianzheng.xlsx", "lianzheng.ttl", "lianzheng.nt", "lianzheng.jsonld",
                "validation-report.json", "validation-report.txt", "release.json", "SHA256SUMS",
                "vocab/lianzheng.ttl", "vocab/codes.ttl", "vocab/context.jsonld"}
    assert expected <= names
    tables = json.loads((minimal_release / "release.json").read_text())["files"]["tables"]
    assert set(tables.values()) <= names
    assert any(n.startswith("shapes/") for n in names)


def test_release_checksums_cover_every_file(minimal_release):
    listed = {line.split("  ", 1)[1] for line in (minimal_release / "SHA256SUMS").read_text().splitlines()}
    assert listed == set(files_of(minimal_release)) - {"SHA256SUMS"}
    assert verify_sums(minimal_release) == []
    # and the standard tool agrees
    out = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=minimal_release,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.fixture(params=["minimal", "real"])
def any_release(request):
    return request.getfixturevalue(f"{request.param}_release")


def test_frictionless_cli_accepts_the_package(any_release):
    out = subprocess.run([str(BIN / "frictionless"), "validate", "--json", "datapackage.json"],
                         cwd=any_release, capture_output=True, text=True)
    report = json.loads(out.stdout)
    assert report["valid"], json.dumps(report, ensure_ascii=False)[:3000]
    assert out.returncode == 0


def test_datapackage_declares_v2_hashes_licence_and_bilingual_fields(minimal_release):
    pkg = json.loads((minimal_release / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["$schema"].endswith("/2.0/datapackage.json")
    assert pkg["licenses"][0]["name"] == "OGDL-Taiwan-1.0"
    assert pkg["version"] == "0.0.1"
    import hashlib

    for res in pkg["resources"]:
        data = (minimal_release / res["path"]).read_bytes()
        if res["name"] == "workbook":  # its hash alone: see pipelines/release.py
            assert "bytes" not in res
        else:
            assert res["bytes"] == len(data)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        if res.get("type") == "table":
            assert not data.startswith(b"\xef\xbb\xbf")
            for f in res["schema"]["fields"]:
                zh, _, en = f["description"].partition("。")
                assert zh and en.strip(), f
    cases = next(r for r in pkg["resources"] if r["name"] == "cases")
    assert cases["schema"]["primaryKey"] == ["case_id"]
    acts = next(r for r in pkg["resources"] if r["name"] == "activities")
    assert {"fields": ["case_id"], "reference": {"resource": "cases", "fields": ["case_id"]}} in \
        acts["schema"]["foreignKeys"]


def test_pyshacl_cli_accepts_the_graph_with_the_projects_shapes(any_release):
    """pySHACL's own command line (unpatched), over the release's Turtle and its shapes."""
    shapes = sorted((any_release / "shapes").glob("*.ttl"))
    out = subprocess.run([str(BIN / "pyshacl"), "--allow-warnings", "-s", str(shapes[0]), "-f", "human",
                          str(any_release / "lianzheng.ttl")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "Conforms: True" in out.stdout


def test_rdf_formats_hold_the_same_graph(minimal_release):
    graphs = {}
    for key, name in RDF_FILES.items():
        g = Graph()
        g.parse(minimal_release / name, format={"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}[key])
        graphs[key] = g
    assert len(graphs["ntriples"]) > 100
    for key in ("turtle", "jsonld"):
        if not isomorphic(graphs[key], graphs["ntriples"]):
            _, only_a, only_b = graph_diff(to_isomorphic(graphs[key]), to_isomorphic(graphs["ntriples"]))
            pytest.fail(f"{key} differs from N-Triples:\n+{only_a.serialize(format='nt')[:2000]}\n"
                        f"-{only_b.serialize(format='nt')[:2000]}")


def test_jsonld_context_is_inline_so_nothing_is_fetched(minimal_release):
    doc = json.loads((minimal_release / "lianzheng.jsonld").read_text(encoding="utf-8"))
    assert isinstance(doc["@context"], dict)
    assert all(not (isinstance(v, str) and k == "@import") for k, v in doc["@context"].items())


def test_xlsx_copy_has_the_same_tables(minimal_release):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(minimal_release / "lianzheng.xlsx", read_only=True)
    pkg = json.loads((minimal_release / "datapackage.json").read_text(encoding="utf-8"))
    for res in (r for r in pkg["resources"] if r.get("type") == "table"):
        with open(minimal_release / res["path"], encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        sheet = list(wb[res["name"]].iter_rows(values_only=True))
        assert list(sheet[0]) == rows[0]
        assert len(sheet) == len(rows)
        for got, want in zip(sheet[1:], rows[1:], strict=True):
            assert [("" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
                    for v in got] == want


def test_two_builds_are_byte_identical(tmp_path):
    a = build(MINIMAL, tmp_path / "a", source_date_epoch=EPOCH)
    b = build(MINIMAL, tmp_path / "b", source_date_epoch=EPOCH)
    assert a.ok and b.ok
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_two_builds_of_the_project_records_are_byte_identical(tmp_path):
    """The shipped records too (issue 14's done-when): accounts, places, laws, the people's archive."""
    a = build(REAL, tmp_path / "a", source_date_epoch=EPOCH)
    b = build(REAL, tmp_path / "b", source_date_epoch=EPOCH)
    assert a.ok and b.ok
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_created_time_comes_from_the_records_not_the_clock(tmp_path):
    build(MINIMAL, tmp_path / "a")
    manifest = json.loads((tmp_path / "a" / "release.json").read_text())
    assert manifest["created"] == "2026-11-22T00:00:00Z"


def test_a_build_that_fails_midway_leaves_the_target_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert build(MINIMAL, out, source_date_epoch=EPOCH).ok
    before = files_of(out)

    def boom(*a, **k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(rel, "write_jsonld", boom)
    with pytest.raises(OSError):
        build(MINIMAL, out, source_date_epoch="1")
    assert files_of(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "a temporary folder was left behind"


def _renames_watched(monkeypatch, out: Path) -> list[tuple[str, str, bool]]:
    """Every os.rename from now on, as (source, target, whether `out` exists after it)."""
    renames, real = [], os.rename

    def rename(src, dst, *a, **k):
        real(src, dst, *a, **k)
        renames.append((Path(src).name, Path(dst).name, out.exists()))

    monkeypatch.setattr(os, "rename", rename)
    return renames


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_a_rebuild_swaps_the_release_in_one_exchange(tmp_path, monkeypatch):
    """The new release and the old swap names in one renameat2(RENAME_EXCHANGE): `out`
    exists at every step (no rename moves it away), is a new folder, holds only the new files."""
    out = tmp_path / "out"
    assert build(MINIMAL, out, source_date_epoch=EPOCH).ok
    inode = out.stat().st_ino
    (out / "left-by-the-old-release").write_text("old", encoding="utf-8")
    renames = _renames_watched(monkeypatch, out)
    assert build(MINIMAL, out, source_date_epoch="1").ok  # another time stamp: other bytes
    assert renames == [], "out was moved by rename, not exchanged"
    assert out.stat().st_ino != inode
    assert not (out / "left-by-the-old-release").exists()
    assert json.loads((out / "release.json").read_text())["created"] == "1970-01-01T00:00:01Z"
    assert verify_sums(out) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "the old release was left behind"


def test_a_failed_exchange_leaves_the_old_release_in_place(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert build(MINIMAL, out, source_date_epoch=EPOCH).ok
    before = files_of(out)

    def refused(a, b):
        raise OSError(errno.EIO, "input/output error (simulated)")

    monkeypatch.setattr(folders, "exchange", refused)
    with pytest.raises(OSError):
        build(MINIMAL, out, source_date_epoch="1")
    assert files_of(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "a temporary folder was left behind"


def test_without_renameat2_two_renames_replace_the_release(tmp_path, monkeypatch):
    """Where the platform has no renameat2 (the fallback): the same result, by two renames."""
    out = tmp_path / "out"
    assert build(MINIMAL, out, source_date_epoch=EPOCH).ok
    monkeypatch.setattr(folders, "_renameat2", lambda: None)
    renames = _renames_watched(monkeypatch, out)
    assert build(MINIMAL, out, source_date_epoch="1").ok
    pid = os.getpid()
    assert renames == [("out", f".out.old-{pid}", False), (f".out.building-{pid}", "out", True)]
    assert json.loads((out / "release.json").read_text())["created"] == "1970-01-01T00:00:01Z"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc/*/stat."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _runs(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _is_store_loader(pid: int) -> bool:
    try:
        return b"api.store" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc and prctl")
@pytest.mark.parametrize("phase", ["check-workers", "store-loader"])
def test_the_children_of_a_killed_build_die_with_it(phase, tmp_path):
    """kill -9 of `lianzheng build` while its children run: the forked check workers
    (XLSX, Frictionless, SHACL) and the store loader end within seconds, unfinished."""
    cmd = [sys.executable, "-m", "api.cli", "build", "--source", str(MINIMAL),
           "--out", str(tmp_path / "out"), "--releases", str(tmp_path / "releases"), "--workers", "2"]
    cmd += ["--store"] if phase == "store-loader" else []
    build_proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    children: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while build_proc.poll() is None and time.monotonic() < deadline:
            children = _children(build_proc.pid)
            if phase == "store-loader":
                children = [c for c in children if _is_store_loader(c)]
            if len(children) >= (3 if phase == "check-workers" else 1):  # one XLSX worker, two SHACL
                break
            time.sleep(0.005)
        assert build_proc.poll() is None and children, "the build ended before its children were seen"
        build_proc.kill()
        build_proc.wait()
        deadline = time.monotonic() + 10
        while any(_runs(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [c for c in children if _runs(c)] == [], "children of the killed build still run"
        finished = list((tmp_path / "cache").glob(".*.building-*/store.json"))
        assert finished == [], "the store loader went on after its parent was killed"
    finally:
        for pid in children + [build_proc.pid]:
            if _runs(pid):
                os.kill(pid, signal.SIGKILL)
        build_proc.wait()


def test_a_build_removes_the_folders_of_killed_builds_but_not_of_live_ones(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "120"])
    try:
        stale = [f".out.building-{dead.pid}", f".out.building-{dead.pid}.tables", f".out.old-{dead.pid}"]
        kept = [f".out.building-{live.pid}", f".out.building-{live.pid}.tables",
                f".other.building-{dead.pid}", "notes"]  # another target's is not ours to judge
        for name in stale + kept:
            (tmp_path / name).mkdir()
            (tmp_path / name / "release.json").write_text("{}", encoding="utf-8")
        assert build(MINIMAL, tmp_path / "out", source_date_epoch=EPOCH).ok
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept + ["out"])
    finally:
        live.kill()
        live.wait()


def test_publish_removes_what_killed_builds_left_in_the_releases_folder(tmp_path, minimal_source):
    dead = subprocess.Popen(["true"])
    dead.wait()
    live = subprocess.Popen(["sleep", "120"])
    releases = tmp_path / "releases"
    releases.mkdir()
    try:
        for name in (f".0.0.0.building-{dead.pid}", f".0.0.1.building-{live.pid}"):
            (releases / name).mkdir()
        (releases / f".latest-{dead.pid}").symlink_to("0.0.0")
        (releases / f".latest-{live.pid}").symlink_to("0.0.1")
        assert publish(minimal_source, releases, source_date_epoch=EPOCH).ok
        assert sorted(p.name for p in releases.iterdir()) == sorted(
            ["0.0.1", "latest", f".0.0.1.building-{live.pid}", f".latest-{live.pid}"])
    finally:
        live.kill()
        live.wait()


# Relative paths are relative to the current folder, whichever it is: (arguments, the release).
RELATIVE = {
    "out": (["--out", "rel/x"], "rel/x"),
    "releases": (["--releases", "relrel", "--no-store"], "relrel/latest"),
}


@pytest.mark.parametrize("name", sorted(RELATIVE))
def test_build_takes_relative_paths_from_the_current_folder(name, tmp_path):
    args, release = RELATIVE[name]
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANZHENG_")}
    out = subprocess.run([sys.executable, "-m", "api.cli", "build", "--source", str(MINIMAL),
                          "--quiet", *args], cwd=cwd, capture_output=True, text=True,
                         env={**env, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": EPOCH})
    assert out.returncode == 0, out.stderr[-3000:]
    assert verify_sums(cwd / release) == []
    assert [p.name for p in cwd.iterdir()] == [release.split("/")[0]], "something else was left"
    assert [p.name for p in (cwd / release).parent.iterdir() if p.name.startswith(".")] == []


def test_serve_builds_its_first_release_into_a_relative_releases_folder(tmp_path, monkeypatch):
    from api.server import pick_release
    from api.settings import load

    monkeypatch.chdir(tmp_path)
    said = io.StringIO()
    release = pick_release(load({}, releases="relserve", source=str(MINIMAL)), out=said)
    assert release == tmp_path / "relserve" / "0.0.1", said.getvalue()[-3000:]
    assert verify_sums(release) == []


# A target that cannot take a release: exit 2 and the exact message; nothing touched.
# name -> (what is there, the --out given, message_en)
UNUSABLE = {
    "a-file-in-the-path": ({"f": "x"}, "f/x/y", "{root}/f is a file, not a folder."),
    "a-file": ({"f": "x"}, "f", "{root}/f is a file, not a folder."),
    "a-folder-of-other-things": (
        {"docs/mine.txt": "keep"}, "docs",
        "The folder {root}/docs holds other files and is not a release: a build replaces it whole."),
}


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_build_refuses_a_target_that_cannot_take_a_release(name, tmp_path, monkeypatch, capsys):
    there, target, message = UNUSABLE[name]
    for path, text in there.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--source", str(MINIMAL), "--out", target]) == 2
    err = capsys.readouterr().err
    assert f"    {message.format(root=tmp_path)} Fix: " in err, err
    assert {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == there


def test_a_shacl_violation_stops_the_release(tmp_path, monkeypatch):
    from pipelines.checks import shacl as checks
    from pipelines.errors import Problem

    monkeypatch.setattr(checks, "shacl_problems", lambda *a, **k: [
        Problem("shacl:Test", "測試", "test violation", file="x", record="y")])
    result = build(MINIMAL, tmp_path / "out", source_date_epoch=EPOCH)
    assert not result.ok and not (tmp_path / "out").exists()
    assert [p.type for p in result.report.errors] == ["shacl:Test"]


def test_publish_is_immutable_and_moves_latest(tmp_path, minimal_source):
    releases = tmp_path / "releases"
    first = publish(minimal_source, releases, source_date_epoch=EPOCH)
    assert first.ok and (releases / "latest").resolve() == (releases / "0.0.1").resolve()
    again = publish(minimal_source, releases, source_date_epoch=EPOCH)
    assert again.ok and again.unchanged
    # same version, other content: refused, the published release untouched
    before = files_of(releases / "0.0.1")
    path = minimal_source / "cases" / "taipei-eco-park.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("約 40 億", "約 41 億"), encoding="utf-8")
    changed = publish(minimal_source, releases, source_date_epoch=EPOCH)
    assert not changed.ok and changed.report.errors[0].type == "release-exists"
    assert files_of(releases / "0.0.1") == before
    # a new version is published beside it, and latest moves
    meta = minimal_source / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('"0.0.1"', '"0.0.2"'), encoding="utf-8")
    assert publish(minimal_source, releases, source_date_epoch=EPOCH).ok
    assert (releases / "latest").resolve().name == "0.0.2" and (releases / "0.0.1").is_dir()


def test_validate_reports_a_tampered_release(tmp_path, minimal_release, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(minimal_release, copy)
    assert main(["validate", str(copy)]) == 0
    path = copy / "data" / "cases.csv"
    path.write_bytes(path.read_bytes().replace("約 40 億".encode(), "約 49 億".encode()))
    capsys.readouterr()
    assert main(["validate", str(copy), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    types = {p["type"] for p in report["problems"]}
    assert "checksum-mismatch" in types
    assert not report["conforms"]


def test_validate_source_folder_exit_codes(tmp_path, minimal_source, capsys):
    assert main(["validate", str(minimal_source)]) == 0
    assert "conforms" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "nope")]) == 2
    (minimal_source / "cases" / "taipei-eco-park.yaml").write_text("id: [", encoding="utf-8")
    assert main(["validate", str(minimal_source)]) == 1


def test_console_script_runs(tmp_path):
    out = subprocess.run([str(BIN / "lianzheng"), "build", "--source", str(MINIMAL), "--out",
                          str(tmp_path / "r"), "--quiet"], capture_output=True, text=True,
                         cwd=ROOT, env={"PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": EPOCH})
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r" / "SHA256SUMS").exists()


def test_the_dataset_links_its_laws_and_sources(real_release):
    g = Graph().parse(real_release / "lianzheng.nt", format="nt")
    prefixes = """
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX schema: <https://schema.org/>
        PREFIX lz: <https://w3id.org/lianzheng/vocab#>"""
    referenced = {str(r.law): str(r.url) if r.url else "" for r in g.query(prefixes + """
        SELECT ?law ?url WHERE { ?d a dcat:Dataset ; dct:references ?law .
                                 ?law a schema:Legislation . OPTIONAL { ?law schema:url ?url } }""")}
    with open(real_release / "data" / "laws.csv", encoding="utf-8") as fh:
        laws = list(csv.DictReader(fh))
    assert referenced == {law["iri"]: law["url"] for law in laws}  # every law, a URL where it has one
    assert sum(law["in_appendix"] == "true" for law in laws) == 6 and len(laws) > 6
    # "which laws does a case cite" in the graph is the table's case_ids
    cites = {(str(r.case), str(r.law)) for r in g.query(prefixes + """
        SELECT ?case ?law WHERE { ?case a lz:IntegrityPlatform ; lz:citesLaw ?law }""")}
    with open(real_release / "data" / "cases.csv", encoding="utf-8") as fh:
        cases = {c["case_id"]: c["iri"] for c in csv.DictReader(fh)}
    assert cites == {(cases[cid], law["iri"]) for law in laws for cid in law["case_ids"].split("|") if cid}
    assert cites


def test_ocid_prefix_setting_reaches_the_ocds_export(tmp_path):
    out = tmp_path / "r"
    assert main(["build", "--source", str(MINIMAL), "--out", str(out), "--quiet",
                 "--ocid-prefix", "ocds-abc123"]) == 0
    package = json.loads((out / "ocds.json").read_text(encoding="utf-8"))
    assert package["releases"] and all(r["ocid"].startswith("ocds-abc123-") for r in package["releases"])
    manifest = json.loads((out / "release.json").read_text(encoding="utf-8"))
    assert "ocds.json" in manifest["files"]["harvesting"]
