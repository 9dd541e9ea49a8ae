"""The submissions core on a copy of the real records: the format, the check, the records it is
written into, the ledger and tokens, and the release step (its journal and its git commit)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from pipelines.errors import ERROR
from pipelines.log.publishing import signer_for
from pipelines.read.reader import read_dataset
from pipelines.submissions import changes, check, database, fold, ledger, records, tokens

ROOT = Path(__file__).resolve().parents[3]
BASE = "https://w3id.org/lianzheng"
CASE, AGENCY = "bitan-weir", "new-taipei-water-resources"
ACTIVITY = {"kind": "activity", "record": {"type": "liaison-meeting", "date": "2026-10-02",
                                           "title": {"zh": "第 5 次聯繫會議", "en": "Fifth liaison meeting"}}}
STATUS = {"kind": "field", "field": "status", "value": "ended",
          "reason": {"zh": "平臺結束。", "en": "The platform ended."}}


@pytest.fixture()
def source(tmp_path) -> Path:
    out = tmp_path / "source"
    shutil.copytree(ROOT / "datasets" / "source", out)
    return out


@pytest.fixture()
def db(tmp_path):
    return database.connect(tmp_path / "submissions.sqlite3")


def stamp(number: str = check.PROVISIONAL) -> records.Stamp:
    return records.Stamp(number, AGENCY, "新北市政府水利局", "2026-12-03T00:00:00Z")


def parsed(doc: dict) -> changes.Submission:
    sub, problems = changes.parse(doc)
    assert sub is not None, problems
    return sub


@pytest.mark.parametrize("doc, kind", [
    ([], "not-an-object"),
    ({"case": CASE}, "no-changes"),
    ({"case": "Bad Case", "changes": [ACTIVITY]}, "bad-case"),
    ({"case": CASE, "changes": [{"kind": "delete"}]}, "bad-kind"),
    ({"case": CASE, "changes": [{"kind": "activity", "record": dict(ACTIVITY["record"], cited=[])}]}, "cited-given"),
    ({"case": CASE, "changes": [{"kind": "field", "field": "table_number", "value": 3,
                                 "reason": {"zh": "x"}}]}, "bad-field"),
    ({"case": CASE, "changes": [dict(STATUS, reason={"en": "no Chinese"})]}, "no-reason"),
    ({"case": CASE, "changes": [{"kind": "quarterly-report", "year": 2026, "quarter": 5, "figures": [],
                                 "summary": {"zh": "x"}}]}, "bad-quarter"),
    ({"case": CASE, "changes": [ACTIVITY] * (changes.MAX_CHANGES + 1)}, "too-many"),
    ({"case": CASE, "changes": [{"kind": "activity", "record": {"title": "x" * (changes.MAX_TEXT + 1)}}]}, "too-long"),
])
def test_the_envelope_is_refused_with_a_named_problem(doc, kind):
    sub, problems = changes.parse(doc)
    assert sub is None
    assert f"submission:{kind}" in [p.type for p in problems]
    assert all(p.message_zh and p.message_en for p in problems)


def test_a_right_submission_passes_and_a_wrong_one_is_named_by_its_change(source):
    ok = check.check(source, parsed({"case": CASE, "changes": [ACTIVITY, STATUS]}), stamp(), base=BASE)
    assert ok.ok, [p.render() for p in ok.problems]
    wrong = {"case": CASE, "changes": [ACTIVITY, {"kind": "document", "record": {
        "category": "progres", "title": {"zh": "進度", "en": "Progress"}, "url": "ftp://x"}}]}
    out = check.check(source, parsed(wrong), stamp(), base=BASE)
    errors = {(p.record, p.field) for p in out.problems if p.severity == ERROR}
    assert ("changes[1]", "category") in errors and ("changes[1]", "url") in errors
    assert not any(p.record == "changes[0]" for p in out.problems)
    assert all(p.file == changes.FILE for p in out.problems)


def test_a_new_case_id_that_exists_and_an_unknown_case_are_refused(source):
    record = {"id": CASE, "name": {"zh": "x", "en": "x"}}
    out = check.check(source, parsed({"case": CASE, "changes": [{"kind": "case", "record": record}]}), stamp(),
                      base=BASE)
    assert [p.type for p in out.problems] == ["submission:case-exists"]
    out = check.check(source, parsed({"case": "no-such-case", "changes": [ACTIVITY]}), stamp(), base=BASE)
    assert [p.type for p in out.problems] == ["submission:unknown-case"]


def test_who_may_submit_follows_the_registry_upwards(source):
    ds = read_dataset(source)
    case = ds.cases[CASE]
    assert check.may_submit(ds, AGENCY, case)
    assert check.may_submit(ds, ds.agencies[AGENCY].parent, case)  # the city above the department
    assert not check.may_submit(ds, "thb-western-coastal-north", case)


def test_the_records_keep_their_comments_and_style_and_gain_only_new_lines(source):
    before = (source / "cases" / f"{CASE}.yaml").read_text(encoding="utf-8")
    ds = read_dataset(source)
    sub = parsed({"case": CASE, "changes": [ACTIVITY, STATUS]})
    records.apply(source, sub, stamp("7"), check._ids(ds), check.old_values(ds, CASE))
    after = (source / "cases" / f"{CASE}.yaml").read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert removed == ["status: operating"]  # the one changed line; the comment lines stay
    assert "# where:" in after and '  - {source: submissions/7, locator: "changes[0]"}' in after
    assert '    title: {zh: "第 5 次聯繫會議", en: "Fifth liaison meeting"}' in after
    again = read_dataset(source)
    note = next(n for n in again.notes if n.case == CASE and n.type == "correction")
    assert (note.official_value, note.other_value, note.official_source.source) == ("ended", "operating",
                                                                                     "submissions/7")
    assert again.sections["submissions/7"].document == "submissions"
    assert records.has_section(source, "7") and not records.has_section(source, "8")


def test_the_ledger_is_append_only_and_a_state_is_the_last_decision(db):
    token, holder = tokens.create(db, AGENCY, "submitter")
    doc = {"case": CASE, "changes": [ACTIVITY]}
    sid = ledger.add(db, holder.id, holder.agency, parsed(doc), doc)
    assert ledger.get(db, sid).state == "pending"
    assert ledger.get(db, sid).sha256 == hashlib.sha256(ledger.canonical(doc)).hexdigest()
    ledger.decide(db, [sid], "accepted", reason="ok")
    database.record_event(db, "submit", "ok", token=holder.id)
    assert ledger.get(db, sid).state == "accepted" and [e.id for e in ledger.listing(db, state="accepted")] == [sid]
    for sql in ("UPDATE submissions SET case_id = 'x'", "DELETE FROM decisions", "DELETE FROM events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    assert token not in Path(db.execute("PRAGMA database_list").fetchone()[2]).read_bytes().decode("latin-1")


def test_tokens_are_checked_by_hash_and_expire_and_revoke(db):
    token, holder = tokens.create(db, AGENCY, "reviewer", days=1)
    assert tokens.check(db, token)[0] == holder
    assert tokens.check(db, token[:-1] + ("A" if token[-1] != "A" else "B"))[1] == "unknown token"
    assert tokens.check(db, "lzt_nothing")[1] == "malformed token"
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("UPDATE tokens SET expires = '2000-01-01T00:00:00Z' WHERE id = ?", (holder.id,))
    assert tokens.check(db, token)[1] == "expired token"
    other, h2 = tokens.create(db, AGENCY, "submitter")
    assert tokens.revoke(db, other) and not tokens.revoke(db, h2.id)
    assert tokens.check(db, other)[1] == "revoked token"
    assert all("hash" not in row for row in tokens.listing(db))


def test_migrations_run_once(tmp_path):
    path = tmp_path / "m.sqlite3"
    database.connect(path).close()
    db = database.connect(path)
    assert database.migrate(db) == len(database.MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _accepted(db, docs) -> list[int]:
    _, holder = tokens.create(db, AGENCY, "submitter")
    ids = [ledger.add(db, holder.id, AGENCY, parsed(d), d) for d in docs]
    ledger.decide(db, ids, "accepted", reason="ok")
    return ids


def test_release_folds_in_order_returns_what_no_longer_applies_and_commits(tmp_path, source, db):
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    subprocess.run(["git", "-C", str(source), "add", "."], check=True)
    subprocess.run(["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm",
                    "records"], check=True)
    # each passes alone; the third, given the first's activity id, no longer applies after it
    named = {"kind": "activity", "record": dict(ACTIVITY["record"], id="bitan-weir-fifth-liaison-meeting")}
    first = {"case": CASE, "changes": [STATUS, named]}
    clash = {"case": CASE, "changes": [named]}
    quarter = {"case": CASE, "changes": [{"kind": "quarterly-report", "year": 2026, "quarter": 3,
                                          "figures": [{"indicator": "meetings-held", "value": 2, "unit": "count"}],
                                          "summary": {"zh": "兩次。", "en": "Two."}}]}
    ids = _accepted(db, [first, quarter, clash])
    signer = signer_for(tmp_path / "key.pem", BASE)[0]
    out = fold.release(source, tmp_path / "releases", tmp_path / "submissions.sqlite3", db, signer=lambda: signer,
                       base=BASE)
    assert out.ok, [p.render() for p in out.report.errors]
    assert out.version == "1.2.0" and out.released == ids[:2] and out.returned == [ids[2]]
    returned = ledger.get(db, ids[2])
    assert returned.state == "returned" and "bitan-weir-fifth-liaison-meeting" in returned.reason
    log = subprocess.run(["git", "-C", str(source), "log", "-1", "--format=%B"], capture_output=True, text=True).stdout
    assert f"#{ids[0]}" in log and f"#{ids[1]}" in log and out.commit
    assert (tmp_path / "releases" / "1.2.0" / "SHA256SUMS").exists()
    again = fold.release(source, tmp_path / "releases", tmp_path / "submissions.sqlite3", db, signer=lambda: signer,
                         base=BASE)
    assert again.ok and again.released == [] and "Nothing to release" in again.message


def test_a_fold_cut_short_is_finished_from_its_journal_and_never_applied_twice(tmp_path, source, db):
    [sid] = _accepted(db, [{"case": CASE, "changes": [ACTIVITY]}])
    database_file = tmp_path / "submissions.sqlite3"
    # what the fold had decided before it was killed: the journal is written, the records are not
    work = tmp_path / "work"
    shutil.copytree(source, work)
    ds = read_dataset(work)
    records.apply(work, ledger.get(db, sid).submission(), ledger.get(db, sid).stamp("x"), check._ids(ds))
    files = {rel: (work / rel).read_text(encoding="utf-8") for rel in ("sources.yaml", f"cases/{CASE}.yaml")}
    (database_file.with_name(fold.JOURNAL)).write_text(json.dumps({"submissions": [sid], "files": files,
                                                                    "version": "1.2.0"}), encoding="utf-8")
    out = fold.release(source, tmp_path / "releases", database_file, db, base=BASE, git=False)
    assert out.ok and out.folded == [sid] and out.released == [sid]
    assert not database_file.with_name(fold.JOURNAL).exists()
    ds = read_dataset(source)
    assert len([a for a in ds.activities if a.case == CASE and a.date.iso == "2026-10-02"]) == 1
    assert [d["state"] for d in ledger.history(db, sid)] == ["accepted", "folded", "released"]


def test_a_new_platform_passes_without_a_table_number(source):
    """A new case names no row of the guidebook's 2021 table: it has none, and the check asks for none."""
    record = {"id": "new-taipei-sewer-platform", "name": {"zh": "新北市污水下水道廉政平臺",
                                                          "en": "New Taipei Sewer Integrity Platform"},
              "procurement": {"zh": "污水下水道系統工程", "en": "Sewer system works"},
              "agencies": [AGENCY], "authority": "new-taipei-city", "established": "1150901",
              "amount": "約 10 億", "status": "operating"}
    out = check.check(source, parsed({"case": record["id"], "changes": [{"kind": "case", "record": record}]}),
                      stamp(), base=BASE)
    assert out.ok, [p.render() for p in out.problems]
    assert out.after.cases[record["id"]].table_number is None
