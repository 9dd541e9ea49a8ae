"""The case files (``cases/*.yaml``) and the activity tables (``imports/*.csv``): each case
with its activities, documents, observations, risks and quality notes."""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import os
from pathlib import Path

from .. import model as m
from ..errors import Problem
from ..normalise import parse_amount, parse_number
from ..processes import die_with_parent
from ..textfiles import read_source_text
from .fields import IMPORT_COLUMNS, IMPORT_REQUIRED, Fields
from .syntax import MISSING, PARALLEL_FROM, parse_yaml_file


class Cases(Fields):
    """Reads the case files and the imported activity tables."""

    def parse_many(self, paths: list[Path]) -> list:
        """Parse YAML files, on two cores when there are many (libyaml parsing dominates)."""
        jobs = [(p, self.rel(p)) for p in paths]
        if len(jobs) >= PARALLEL_FROM and "fork" in mp.get_all_start_methods() and \
                (os.cpu_count() or 1) > 1:
            with mp.get_context("fork").Pool(2, initializer=die_with_parent,
                                             initargs=(os.getpid(),)) as pool:
                return pool.starmap(parse_yaml_file, jobs, chunksize=64)
        return [parse_yaml_file(p, f) for p, f in jobs]

    def read_case(self, path: Path, parsed=None):
        data = self.load_yaml(path, parsed=parsed)
        if data is MISSING:
            return
        file = self.rel(path)
        if not isinstance(data, dict):
            self.err("wrong-type", "案件檔應為一個對照（mapping）。", "A case file must be a mapping.",
                     file=file, fix_zh="見 docs/model.md 的案件檔範例。",
                     fix_en="See the case file example in docs/model.md.")
            return
        record = str(data.get("id") or path.stem)
        cid = self.slug(data, "case", file=file, record=record)
        if cid and cid != path.stem:
            self.err("id-file-mismatch", f"案件識別碼「{cid}」與檔名「{path.name}」不符。",
                     f"The case id '{cid}' does not match the file name '{path.name}'.",
                     file=file, record=cid, field="id",
                     fix_zh=f"把檔名改成 {cid}.yaml，或把 id 改成 {path.stem}。",
                     fix_en=f"Rename the file to {cid}.yaml, or set id to {path.stem}.")
        record = cid or record
        self.known_keys(data, "case", file=file, record=record)
        table_number = self.get(data, "table_number", file=file, record=record, kind=int, required=False)
        if table_number not in (MISSING, None) and table_number < 1:
            self.err("out-of-range", "table_number 應為 1 以上的整數。",
                     "table_number must be a whole number of 1 or more.", file=file, record=record,
                     field="table_number", fix_zh="填一覽表中的列序。",
                     fix_en="Write the case's row number in the table.")
            table_number = MISSING
        name = self.text(data, "name", file=file, record=record, en_required=True)
        procurement = self.text(data, "procurement", file=file, record=record, en_required=True)
        agencies = self.get(data, "agencies", file=file, record=record, kind=list)
        if agencies is not MISSING:
            if not agencies:
                self.err("missing-field", "agencies 不可為空清單。", "agencies must not be empty.",
                         file=file, record=record, field="agencies",
                         fix_zh="列出採購機關的識別碼。", fix_en="List the procuring agencies' ids.")
            for j, aid in enumerate(agencies):
                self.refer("agency", str(aid), file=file, record=record, field=f"agencies[{j}]")
        authority = self.get(data, "authority", file=file, record=record)
        if authority is not MISSING:
            self.refer("agency", authority, file=file, record=record, field="authority")
        established = self.date(data, "established", file=file, record=record)
        if established and established.precision != "day":
            self.err("bad-date", "成立日期須到日。", "The establishment date must give the day.",
                     file=file, record=record, field="established",
                     fix_zh="依一覽表寫民國 yyyMMdd。", fix_en="Write the table's ROC yyyMMdd.")
            established = None
        amount_text = self.get(data, "amount", file=file, record=record)
        amount = None
        if amount_text is not MISSING:
            try:
                amount = parse_amount(amount_text)
            except ValueError as exc:
                zh, en = str(exc).split(" / ", 1)
                self.err("bad-amount", f"{zh}。", f"{en}.", file=file, record=record,
                         field="amount",
                         fix_zh="依來源的寫法填金額，如「約 125 億」（億 = 1 億元新臺幣）；金額不可為負，"
                         "且小於 10^15 元。",
                         fix_en="Write the amount as the source does, e.g. '約 125 億' (億 = 10^8 "
                         "TWD); amounts are never negative and are below 10^15 TWD.")
        status = self.code(data, "status", "case-status", file=file, record=record)
        benchmark = self.get(data, "benchmark", file=file, record=record, kind=int, required=False)
        cited = self.citations(data, file=file, record=record)
        alt = []
        for j, a in enumerate(data.get("alt_names") or []):
            self.known_keys(a, "text", file=file, record=record, at=f"alt_names[{j}]")
            alt.append(m.Text(a, "") if isinstance(a, str) else m.Text(str(a.get("zh", "")),
                                                                        str(a.get("en", "") or "")))
        pcc = tuple(str(x) for x in (data.get("pcc_tender_ids") or []))
        description = self.text(data, "description", file=file, record=record, required=False)
        place, place_cited, divisions, basis, division_cited = self.read_where(data, file=file, record=record)
        ok = table_number is not MISSING and all(x not in (MISSING, None) for x in (
            cid, name, procurement, agencies, authority, established, amount, status))
        if ok and benchmark is not MISSING:
            assert cid is not None and name is not None and procurement is not None  # ok checked them
            assert amount is not None and status is not None
            self.ds.cases[cid] = m.Case(
                cid, table_number, name, procurement, tuple(str(a) for a in agencies), authority,
                "", established, amount, amount_text, status, cited, tuple(alt), benchmark, pcc,
                str(data.get("wikidata") or ""), description, place, place_cited, divisions, basis,
                division_cited)
        case = cid or ""
        for i, rec in enumerate(self.items(data, "activities", file, record)):
            self.read_activity(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "documents", file, record)):
            self.read_document(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "observations", file, record)):
            self.read_observation(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "risks", file, record)):
            self.read_risk(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "accounts", file, record)):
            self.read_account(rec, i, case=case, file=file)
        notes = self.items(data, "notes", file, record)
        self.read_note_list(notes, case=case, file=file)

    def read_where(self, data: dict, *, file: str, record: str):
        """A case's place (as the source names it, with its citations) and its divisions (codes
        of the division list, with their basis and citations). Each part needs the others it
        rests on; what the citations must be is checked when every source is known
        (:meth:`check_where`)."""
        place = self.text(data, "place", file=file, record=record, required=False, en_required=True)
        place_cited = self.citations(data, file=file, record=record, key="place_cited", required=False)
        raw = self.get(data, "divisions", file=file, record=record, kind=list, required=False, default=[])
        divisions: list[str] = []
        for j, code in enumerate(raw if raw is not MISSING else []):
            checked = self.check_code(str(code), "division", file=file, record=record, field=f"divisions[{j}]")
            if checked and checked in divisions:
                self.err("duplicate-code", f"divisions 重複列出「{checked}」。",
                         f"divisions lists '{checked}' twice.", file=file, record=record,
                         field=f"divisions[{j}]", fix_zh="每個代碼只列一次。", fix_en="List each code once.")
            elif checked:
                divisions.append(checked)
        basis = self.code(data, "division_basis", "division-basis", file=file, record=record, required=False)
        division_cited = self.citations(data, file=file, record=record, key="division_cited", required=False)
        needs = (  # (present, what it needs is there, key, the key it needs, fix)
            (place is not None, bool(place_cited), "place", "place_cited",
             "地點須註明出處：加上 place_cited: [{source: 章節識別碼, locator: 原文}]。",
             "A place needs its source: add place_cited: [{source: section-id, locator: the words}]."),
            (bool(place_cited), place is not None, "place_cited", "place",
             "加上 place（zh 與 en），或刪除 place_cited。", "Add place (zh and en), or remove place_cited."),
            (bool(divisions), bool(basis), "divisions", "division_basis",
             "加上 division_basis：text（來源文字指明）、agency（僅見主辦機關所屬政府）或 outside（外部知識）。",
             "Add division_basis: text (named in the source), agency (only the owning government is "
             "named) or outside (outside knowledge)."),
            (bool(divisions), bool(division_cited), "divisions", "division_cited",
             "行政區須註明出處：加上 division_cited（來源文字；依據非 text 者另加外部來源，"
             "如 outside/site-location）。",
             "Divisions need their sources: add division_cited (the source's words; for a basis other "
             "than text also an outside source, such as outside/site-location)."),
            (bool(basis), bool(divisions), "division_basis", "divisions",
             "加上 divisions，或刪除 division_basis。", "Add divisions, or remove division_basis."),
            (bool(division_cited), bool(divisions), "division_cited", "divisions",
             "加上 divisions，或刪除 division_cited。", "Add divisions, or remove division_cited."),
        )
        for present, met, key, other, fix_zh, fix_en in needs:
            if present and not met:
                self.err("missing-field", f"「{key}」須有「{other}」。", f"'{key}' needs '{other}'.",
                         file=file, record=record, field=other, fix_zh=fix_zh, fix_en=fix_en)
        return place, place_cited, tuple(divisions), basis or "", division_cited

    def items(self, data: dict, key: str, file: str, record: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.err("wrong-type", f"「{key}」應為清單。", f"'{key}' must be a list.", file=file,
                     record=record, field=key, fix_zh=f"每項以「- 」開頭列在 {key}: 之下。",
                     fix_en=f"List the items under '{key}:', each starting with '- '.")
            return []
        return value

    def _record(self, rec, kind, i, file, case) -> str | None:
        if not isinstance(rec, dict):
            self.err("wrong-type", f"{kind} 第 {i + 1} 項不是對照。", f"{kind} item {i + 1} is not a mapping.",
                     file=file, record=f"{case} {kind} #{i + 1}", fix_zh="寫成 - id: ...",
                     fix_en="Write it as - id: ...")
            return None
        record = str(rec.get("id") or f"{kind} #{i + 1}")
        self.known_keys(rec, kind, file=file, record=record)
        return self.slug(rec, kind, file=file, record=record)

    def read_activity(self, rec, i, *, case, file, cited_default=None):
        aid = self._record(rec, "activity", i, file, case)
        if aid is None:
            return
        type_ = self.code(rec, "type", "activity-type", file=file, record=aid)
        date = self.date(rec, "date", file=file, record=aid)
        end = self.date(rec, "end_date", file=file, record=aid, required=False)
        title = self.text(rec, "title", file=file, record=aid, en_required=True)
        description = self.text(rec, "description", file=file, record=aid, required=False)
        ordinal = self.get(rec, "ordinal", file=file, record=aid, kind=int, required=False)
        cited = cited_default or self.citations(rec, file=file, record=aid)
        participants = []
        for j, p in enumerate(self.items(rec, "participants", file, aid)):
            where = f"participants[{j}]"
            if not isinstance(p, dict):
                self.err("wrong-type", f"{where} 不是對照。", f"{where} is not a mapping.", file=file,
                         record=aid, field=where, fix_zh="寫成 {role: ..., agency: ...}。",
                         fix_en="Write it as {role: ..., agency: ...}.")
                continue
            self.known_keys(p, "participant", file=file, record=aid, at=where)
            role = self.code(p, "role", "participant-role", file=file, record=aid)
            agency = str(p.get("agency") or "")
            if agency:
                self.refer("agency", agency, file=file, record=aid, field=f"{where}.agency")
            desc = self.text(p, "description", file=file, record=aid, required=False)
            person = self.text(p, "person", file=file, record=aid, required=False)
            ptitle = self.text(p, "person_title", file=file, record=aid, required=False)
            if not agency and not desc and not person:
                self.err("missing-field", f"{where} 沒有指明參與者。", f"{where} names no participant.",
                         file=file, record=aid, field=where,
                         fix_zh="加上 agency（機關識別碼）或 description（如 施工廠商）。",
                         fix_en="Add 'agency' (a registry id) or 'description' (e.g. 施工廠商).")
                continue
            if role:
                participants.append(m.Participant(role, agency, desc, person, ptitle))
        if type_ is None or date is None or title is None or ordinal is MISSING:
            return
        if end and end.iso < date.iso:
            self.err("bad-date", "結束日期早於開始日期。", "end_date is before date.", file=file,
                     record=aid, field="end_date", fix_zh="更正日期。", fix_en="Correct the dates.")
            return
        self.ds.activities.append(m.Activity(aid, case, type_, date, title, description,
                                             tuple(participants), cited, ordinal, end))

    def read_document(self, rec, i, *, case, file):
        did = self._record(rec, "document", i, file, case)
        if did is None:
            return
        category = self.code(rec, "category", "document-category", file=file, record=did)
        title = self.text(rec, "title", file=file, record=did, en_required=True)
        publisher = self.get(rec, "publisher", file=file, record=did)
        if publisher is not MISSING:
            self.refer("agency", publisher, file=file, record=did, field="publisher")
        date = self.date(rec, "date", file=file, record=did, required=False)
        url = self.url(rec, file=file, record=did)
        if url is None:
            return
        description = self.text(rec, "description", file=file, record=did, required=False)
        cited = self.citations(rec, file=file, record=did)
        if category is None or title is None or publisher is MISSING:
            return
        self.ds.documents.append(m.Document(did, case, category, title, publisher, cited, date,
                                            url, description))

    def read_observation(self, rec, i, *, case, file):
        oid = self._record(rec, "observation", i, file, case)
        if oid is None:
            return
        indicator = self.code(rec, "indicator", "indicator", file=file, record=oid)
        description = self.text(rec, "description", file=file, record=oid, en_required=True)
        raw = rec.get("value")
        value = None
        if raw is not None and raw != "":
            try:
                value = parse_number(raw)
            except ValueError as exc:
                zh, en = str(exc).split(" / ", 1)
                self.err("bad-number", f"{zh}。", f"{en}.", file=file, record=oid, field="value",
                         fix_zh="填阿拉伯數字（如 90），絕對值小於 10^15、小數至多 15 位；文字放 value_text。",
                         fix_en="Write digits (e.g. 90), of size below 10^15 with at most 15 decimal "
                         "places; put words in value_text.")
                return
        unit = self.code(rec, "unit", "unit", file=file, record=oid, required=value is not None)
        phase = self.code(rec, "phase", "phase", file=file, record=oid, required=False)
        date = self.date(rec, "date", file=file, record=oid, required=False)
        value_text = str(rec.get("value_text") or "")
        if value is None and not value_text:
            self.err("missing-field", "觀察值須有 value 或 value_text。",
                     "An observation needs a value or a value_text.", file=file, record=oid,
                     field="value", fix_zh="填數值或文字。", fix_en="Add a number or a text.")
            return
        cited = self.citations(rec, file=file, record=oid)
        if indicator is None or description is None or (value is not None and unit is None):
            return
        self.ds.observations.append(m.Observation(oid, case, indicator, description, cited, value,
                                                  unit or "", value_text, phase or "", date))

    def read_risk(self, rec, i, *, case, file):
        rid = self._record(rec, "risk", i, file, case)
        if rid is None:
            return
        category = self.code(rec, "category", "risk-category", file=file, record=rid)
        description = self.text(rec, "description", file=file, record=rid, en_required=True)
        mitigation = self.text(rec, "mitigation", file=file, record=rid, required=False)
        cited = self.citations(rec, file=file, record=rid)
        if category is None or description is None:
            return
        self.ds.risks.append(m.Risk(rid, case, category, description, mitigation, cited))

    def read_account(self, rec, i, *, case, file):
        sid = self._record(rec, "account", i, file, case)
        if sid is None:
            return
        title = self.text(rec, "title", file=file, record=sid, en_required=True)
        summary = self.text(rec, "summary", file=file, record=sid, en_required=True)
        attribution = self.text(rec, "attribution", file=file, record=sid, en_required=True)
        quote = self.get(rec, "quote", file=file, record=sid)
        names = self.get(rec, "names_project", file=file, record=sid, kind=bool)
        stated = self.date(rec, "stated_date", file=file, record=sid, required=False)
        cited = self.citations(rec, file=file, record=sid)
        if None in (title, summary, attribution) or MISSING in (quote, names):
            return
        assert title is not None and summary is not None and attribution is not None
        self.ds.accounts.append(m.Account(sid, case, title, str(quote), summary, bool(names), attribution,
                                          cited, stated))

    def read_notes(self, path: Path, *, case: str):
        data = self.load_yaml(path, required=False)
        if data is MISSING:
            return
        self.known_keys(data, "notes-file", file=self.rel(path), record="notes")
        notes = data.get("notes") if isinstance(data, dict) else data
        self.read_note_list(notes or [], case=case, file=self.rel(path))

    def read_note_list(self, notes, *, case, file):
        for i, rec in enumerate(notes):
            nid = self._record(rec, "note", i, file, case)
            if nid is None:
                continue
            type_ = self.code(rec, "type", "quality-note-type", file=file, record=nid)
            field = self.get(rec, "field", file=file, record=nid)
            description = self.text(rec, "description", file=file, record=nid, en_required=True)
            official = self.get(rec, "official_value", file=file, record=nid,
                                required=type_ != "gap", default="")  # a gap may have no value
            official_source = self.citation(rec, "official_source", file=file, record=nid)
            other = self.get(rec, "other_value", file=file, record=nid, required=False, default="")
            other_source = self.citation(rec, "other_source", file=file, record=nid,
                                         required=bool(other))
            resolution = self.text(rec, "resolution", file=file, record=nid, required=False)
            if type_ is None or description is None or official_source is None or MISSING in (field, official, other):
                continue
            self.ds.notes.append(m.QualityNote(nid, type_, field, description, str(official),
                                               official_source, str(other), other_source, case,
                                               resolution))

    def read_import(self, path: Path):
        """An activity table an agency handed in (CSV, UTF-8 without BOM)."""
        file = self.rel(path)
        if path.suffix.lower() != ".csv":
            self.err("unsupported-file", "imports/ 只收 CSV 檔。", "imports/ takes CSV files only.",
                     file=file, fix_zh="以 CSV（UTF-8）另存。", fix_en="Save it as CSV (UTF-8).")
            return
        text, problem = read_source_text(path, file)
        if problem:
            self.problems.append(problem)
            return
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            self.err("csv-syntax", f"CSV 格式錯誤：{exc}。", f"Malformed CSV: {exc}.", file=file,
                     fix_zh="檢查引號是否成對。", fix_en="Check that quotes are balanced.")
            return
        if not rows:
            self.err("empty-file", "檔案是空的。", "The file is empty.", file=file,
                     fix_zh="加上標題列與資料列，或刪除此檔。", fix_en="Add a header and rows, or remove it.")
            return
        header = [h.strip() for h in rows[0]]
        missing = [c for c in IMPORT_REQUIRED if c not in header]
        unknown = [c for c in header if c not in IMPORT_COLUMNS]
        if missing or unknown:
            self.err("bad-header", f"標題列不符：缺少 {missing or '無'}，多出 {unknown or '無'}。",
                     f"The header does not match: missing {missing or 'none'}, unknown "
                     f"{unknown or 'none'}.", file=file, line=1,
                     fix_zh=f"標題列用這些欄位：{','.join(IMPORT_COLUMNS)}。",
                     fix_en=f"Use these columns: {','.join(IMPORT_COLUMNS)}.")
            return
        for n, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                self.err("bad-row", f"第 {n} 列有 {len(row)} 欄，標題列有 {len(header)} 欄。",
                         f"Row {n} has {len(row)} cells; the header has {len(header)}.", file=file,
                         line=n, record=f"row {n}", fix_zh="補齊或刪除多餘的欄位（含逗號的文字請加引號）。",
                         fix_en="Add or remove cells (quote text that contains commas).")
                continue
            rec = {k: v.strip() for k, v in zip(header, row, strict=True) if v.strip() != ""}
            case = rec.get("case_id", "")
            if case:
                self.refer("case", case, file=file, record=rec.get("activity_id", f"row {n}"),
                           field="case_id")
            sources = [s for s in rec.get("source_ids", "").split("|") if s]
            act = {
                "id": rec.get("activity_id"), "type": rec.get("type"), "date": rec.get("date"),
                "title": {"zh": rec.get("title_zh"), "en": rec.get("title_en", "")},
            }
            if rec.get("description_zh"):
                act["description"] = {"zh": rec["description_zh"], "en": rec.get("description_en", "")}
            cited = tuple(m.Citation(s, rec.get("locator", "")) for s in sources)
            for s in sources:
                self.refer("section", s, file=file, record=rec.get("activity_id", f"row {n}"),
                           field="source_ids")
            before = len(self.problems)
            self.read_activity(act, n - 2, case=case, file=file, cited_default=cited or None)
            for k in range(before, len(self.problems)):
                p = self.problems[k]
                self.problems[k] = Problem(p.type, p.message_zh, p.message_en, file=p.file,
                                           record=p.record, field=p.field, fix_zh=p.fix_zh,
                                           fix_en=p.fix_en, severity=p.severity, line=n, check="import")

    # ---- cross-file checks -------------------------------------------------
