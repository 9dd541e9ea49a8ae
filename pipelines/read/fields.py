"""What every kind of record may hold (:data:`RECORD_KEYS`) and :class:`Fields`, the reader's
field helpers: each reads one field of a record, checks it, and records a problem naming the
file, the record, the field and the fix, in zh-Hant and English."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
from pathlib import Path
from typing import Any

from .. import model as m
from ..errors import ERROR, Problem
from ..normalise import parse_date
from ..terms import load_codes
from .syntax import MISSING, parse_yaml_file

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
URL = re.compile(r"^https?://[^\s]+$")
WIKIDATA = re.compile(r"^Q[1-9][0-9]*$")

# The columns of an imported activity table (datasets/source/imports/*.csv).
IMPORT_COLUMNS = (
    "activity_id", "case_id", "type", "date", "title_zh", "title_en",
    "description_zh", "description_en", "source_ids", "locator",
)
IMPORT_REQUIRED = ("activity_id", "case_id", "type", "date", "title_zh", "source_ids")


@dataclasses.dataclass(frozen=True)
class RecordKeys:
    """The keys one kind of record may have, and its name in messages."""

    zh: str
    en: str
    keys: frozenset[str]


def _keys(zh: str, en: str, names: str) -> RecordKeys:
    return RecordKeys(zh, en, frozenset(names.split()))


# Every key the reader reads, per kind of mapping (docs/model.md is the format). Any other
# key is an error (`unknown-key`): a misspelt optional key (`activites:`) would otherwise be
# dropped without a word. Change a set together with the reader method named beside it.
RECORD_KEYS: dict[str, RecordKeys] = {
    # read_meta keeps the mapping as Dataset.meta; the release writers read the rest:
    # tabular.datapackage, harvest.Release, catalog, datagovtw.metadata. `theme` is read by
    # nothing (the catalogue's theme is fixed) but is in datasets/source/dataset.yaml.
    "dataset": _keys("資料集詮釋資料", "dataset.yaml",
                     "id title description provenance version licence publisher publisher_name issued "
                     "modified as_of contact keywords language update_frequency homepage "
                     "package_sources datagovtw theme purpose"),
    "purpose": _keys("資料集目的（purpose）", "the stated purpose", "zh en cited"),  # read_purpose
    "licence": _keys("授權（licence）", "the licence", "id title title_en url"),
    "publisher": _keys("發布者（publisher）", "the publisher", "agency name url type"),
    "contact": _keys("聯絡資訊（contact）", "the contact", "name url email phone"),
    "package-source": _keys("資料來源（package_sources）", "a package source", "title path"),
    "datagovtw": _keys("政府資料開放平臺設定（datagovtw）", "the data.gov.tw settings",
                       "identifier category category_code publisher_oid publisher_org_code "
                       "contact_name contact_phone contact_email"),
    "sources-file": _keys("sources.yaml", "sources.yaml", "documents"),  # read_sources
    "source": _keys("來源文件", "a source document",
                    "id title kind description publisher issued language url file sections"),
    "section": _keys("來源章節", "a source section", "id title url"),
    "agency": _keys("機關", "an agency",  # read_agencies
                    "id name kind level parent wikidata alt_names agency_code cited"),
    "law": _keys("法規", "a law",  # read_laws
                 "id name kind in_appendix url alt_names cases cited"),
    "notes-file": _keys("notes.yaml", "notes.yaml", "notes"),  # read_notes
    "case": _keys("案件", "a case",  # read_case
                  "id table_number name procurement agencies authority established amount "
                  "status benchmark cited alt_names pcc_tender_ids description wikidata "
                  "place place_cited divisions division_basis division_cited "
                  "activities documents observations risks accounts notes"),
    "account": _keys("示例故事", "an illustrative account",  # read_account
                     "id title quote summary names_project attribution stated_date cited"),
    "activity": _keys("活動", "an activity",  # read_activity
                      "id type date end_date title description ordinal cited participants"),
    "participant": _keys("參與者", "a participant",
                         "role agency description person person_title"),
    "document": _keys("公開文件", "a document",  # read_document
                      "id category title publisher date url description cited"),
    "observation": _keys("觀察值", "an observation",  # read_observation
                         "id indicator description value value_text unit phase date cited"),
    "risk": _keys("風險", "a risk", "id category description mitigation cited"),  # read_risk
    "note": _keys("品質註記", "a quality note",  # read_note_list
                  "id type field description official_value official_source other_value "
                  "other_source resolution"),
    "citation": _keys("出處", "a citation", "source locator"),  # citations
    "text": _keys("雙語文字", "a bilingual text", "zh en"),  # text, alt_names
}


def _with_field(p: Problem, field: str) -> Problem:
    return Problem(p.type, p.message_zh.replace(f"「{field.split('.')[-1]}」", f"「{field}」"),
                   p.message_en.replace(f"'{field.split('.')[-1]}'", f"'{field}'"), file=p.file,
                   record=p.record, field=field, fix_zh=p.fix_zh.replace(
                       field.split('.')[-1], field, 1), fix_en=p.fix_en.replace(
                       f"'{field.split('.')[-1]}'", f"'{field}'", 1), severity=p.severity,
                   line=p.line)


def _closest(value: str, known) -> str:
    hits = difflib.get_close_matches(value, list(known), n=1, cutoff=0.5)
    return hits[0] if hits else ""


class Fields:
    """The state of one reading (problems, codes, ids seen) and the helpers that read fields."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.codes = load_codes()
        self.ds = m.Dataset(meta={})
        self._ids: dict[tuple[str, str], str] = {}  # (kind, id) -> file that defined it
        self._pending: list[tuple[str, str, str, str, str, str]] = []  # deferred reference checks

    # ---- problems -------------------------------------------------------

    def err(self, type_, zh, en, *, file, record="", field="", fix_zh="", fix_en="",
            severity=ERROR, line=None):
        self.problems.append(Problem(type_, zh, en, file=file, record=record, field=field,
                                     fix_zh=fix_zh, fix_en=fix_en, severity=severity, line=line))

    def rel(self, path: Path) -> str:
        """Name files as agency staff see them: datasets/source/..., else the path as given."""
        if self.root.name == "source" and self.root.parent.name == "datasets":
            try:
                return path.relative_to(self.root.parent.parent).as_posix()
            except ValueError:
                pass
        return str(path)

    # ---- files ----------------------------------------------------------

    def load_yaml(self, path: Path, *, required: bool = True, parsed=None) -> Any:
        file = self.rel(path)
        if not path.exists():
            if required:
                self.err("missing-file", "找不到必要的檔案。", "A required file is missing.",
                         file=file, fix_zh="依 docs/model.md 建立此檔案。",
                         fix_en="Create it as docs/model.md describes.")
            return MISSING
        data, problem = parsed if parsed is not None else parse_yaml_file(path, file)
        if problem:
            self.problems.append(problem)
            return MISSING
        return data

    # ---- field helpers ----------------------------------------------------

    def get(self, rec: dict, key: str, *, file: str, record: str, kind: type | tuple = str,
            required: bool = True, default: Any = None) -> Any:
        value = rec.get(key, MISSING) if isinstance(rec, dict) else MISSING
        if value is MISSING or value is None or value == "":
            if required:
                self.err("missing-field", f"缺少必填欄位「{key}」。",
                         f"The required field '{key}' is missing.", file=file, record=record,
                         field=key, fix_zh=f"在此紀錄加上 {key}（格式見 docs/model.md）。",
                         fix_en=f"Add '{key}' to this record (see docs/model.md for its form).")
                return MISSING
            return default
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = {str: "文字 text", int: "整數 whole number", list: "清單 list", dict: "對照 mapping",
                     bool: "是非值（true/false） true-or-false"}
            want = names.get(kind, str(kind)) if not isinstance(kind, tuple) else "/".join(
                names.get(k, str(k)) for k in kind)
            self.err("wrong-type", f"欄位「{key}」應為 {want.split()[0]}，不是「{value!r}」。",
                     f"The field '{key}' must be a {want.split()[-1]}, not {value!r}.", file=file,
                     record=record, field=key, fix_zh=f"把 {key} 改成{want.split()[0]}。",
                     fix_en=f"Write '{key}' as a {want.split()[-1]}.")
            return MISSING
        return value.strip() if isinstance(value, str) else value

    def url(self, rec: dict, *, file: str, record: str) -> str | None:
        """The record's optional ``url``: '' when there is none, None (an error reported) when it is
        not an http(s) URL."""
        url = str(rec.get("url") or "")
        if url and not URL.match(url):
            self.err("bad-url", f"網址「{url}」不是 http(s) 網址。", f"'{url}' is not an http(s) URL.",
                     file=file, record=record, field="url", fix_zh="寫完整網址或留空。",
                     fix_en="Write the full URL or leave it empty.")
            return None
        return url

    def text(self, rec: dict, key: str, *, file: str, record: str, required: bool = True,
             en_required: bool = False) -> m.Text | None:
        value = self.get(rec, key, file=file, record=record, kind=(dict, str), required=required)
        if value is MISSING or value is None:
            return None
        if isinstance(value, str):
            value = {"zh": value}
        self.known_keys(value, "text", file=file, record=record, at=key)
        zh = self.get(value, "zh", file=file, record=record, required=required)
        en = self.get(value, "en", file=file, record=record, required=en_required, default="")
        if zh is MISSING or zh is None:
            if zh is MISSING:
                self.problems[-1] = _with_field(self.problems[-1], f"{key}.zh")
            return None
        if en is MISSING:
            self.problems[-1] = _with_field(self.problems[-1], f"{key}.en")
            en = ""
        return m.Text(zh, en or "")

    def known_keys(self, rec: Any, kind: str, *, file: str, record: str, at: str = "") -> None:
        """Report every key of the mapping ``rec`` that a ``kind`` record does not have.

        ``at`` is where the mapping sits in its record (``participants[0]``, ``name``);
        the field named is ``at.key``. The fix names the closest known key.
        """
        if not isinstance(rec, dict):
            return
        spec = RECORD_KEYS[kind]
        for key in rec:
            if key in spec.keys:
                continue
            name = str(key)
            hint = _closest(name, spec.keys)
            listed = ", ".join(sorted(spec.keys))
            # `{en: Office, Taipei City}` reads as the keys `en` and `Taipei City` (no value)
            comma = rec[key] is None and " " in name.strip()
            self.err("unknown-key", f"不明的欄位「{name}」（{spec.zh}）：此欄不會被讀取，其資料不會發布。",
                     f"Unknown key '{name}' in {spec.en}: it is not read, so its data would not be "
                     "published.", file=file, record=record, field=f"{at}.{name}" if at else name,
                     fix_zh="改用已知的欄位名稱" + (f"（是否為「{hint}」？）" if hint else "")
                     + f"：{listed}；格式見 docs/model.md。"
                     + ("在 { } 之內，未加引號的逗號會把文字切開：含逗號的文字請加引號。" if comma else ""),
                     fix_en="Use a known key" + (f" (did you mean '{hint}'?)" if hint else "")
                     + f": {listed}; see docs/model.md."
                     + (" Inside { }, an unquoted comma splits the text: quote text that contains "
                        "a comma." if comma else ""))

    def slug(self, rec: dict, kind: str, *, file: str, record: str, key: str = "id") -> str | None:
        value = self.get(rec, key, file=file, record=record)
        if value is MISSING:
            return None
        if not SLUG.match(value):
            self.err("bad-identifier", f"識別碼「{value}」不合規定。",
                     f"The identifier '{value}' is not a valid slug.", file=file, record=record,
                     field=key, fix_zh="識別碼只用小寫英文字母、數字與連字號（-），且以字母或數字開頭。",
                     fix_en="Use lower-case ASCII letters, digits and hyphens, starting with a "
                     "letter or digit.")
            return None
        where = self._ids.get((kind, value))
        if where:
            self.err("duplicate-identifier", f"識別碼「{value}」重複，已在 {where} 使用。",
                     f"The {kind} identifier '{value}' is used twice; it is already defined in "
                     f"{where}.", file=file, record=value, field=key,
                     fix_zh="為其中一筆換一個未用過的識別碼（識別碼一經發布不可重用）。",
                     fix_en="Give one of them an identifier not used before (published "
                     "identifiers are never reused).")
            return None
        self._ids[(kind, value)] = file
        return value

    def date(self, rec: dict, key: str, *, file: str, record: str, required: bool = True):
        value = self.get(rec, key, file=file, record=record, kind=(str, int, datetime.date),
                         required=required)
        if value is MISSING or value is None:
            return None
        try:
            return parse_date(value.isoformat() if hasattr(value, "isoformat") else str(value))
        except ValueError as exc:
            zh, en = str(exc).split(" / ", 1)
            self.err("bad-date", zh, en, file=file, record=record, field=key,
                     fix_zh="改成存在的日期：西元 YYYY-MM-DD，或民國 yyyMMdd（年 + 1911 即西元）。",
                     fix_en="Write an existing date: YYYY-MM-DD, or ROC yyyMMdd (ROC year + 1911).")
            return None

    def code(self, rec: dict, key: str, scheme: str, *, file: str, record: str,
             required: bool = True) -> str | None:
        value = self.get(rec, key, file=file, record=record, required=required)
        if value is MISSING or value is None:
            return None
        return self.check_code(value, scheme, file=file, record=record, field=key)

    def check_code(self, value: str, scheme: str, *, file, record, field) -> str | None:
        allowed = self.codes.get(scheme, set())
        if value not in allowed:
            self.err("unknown-code", f"「{value}」不是代碼表 {scheme} 的代碼。",
                     f"'{value}' is not a code of the code list '{scheme}'.", file=file,
                     record=record, field=field,
                     fix_zh=f"改用下列之一：{', '.join(sorted(allowed))}；新代碼須先加入 vocab/codes.ttl。",
                     fix_en=f"Use one of: {', '.join(sorted(allowed))}; a new code must first be "
                     "added to vocab/codes.ttl.")
            return None
        return value

    def refer(self, kind: str, value: str, *, file: str, record: str, field: str) -> None:
        """Check later, when every file is read, that ``value`` names a known ``kind``."""
        self._pending.append((kind, value, file, record, field, ""))

    def citations(self, rec: dict, *, file: str, record: str, key: str = "cited",
                  required: bool = True) -> tuple[m.Citation, ...]:
        items = self.get(rec, key, file=file, record=record, kind=list, required=required,
                         default=[])
        if items is MISSING:
            return ()
        out = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                item = {"source": item}
            if not isinstance(item, dict):
                self.err("wrong-type", f"{key} 第 {i + 1} 項應為 {{source: 章節識別碼}}。",
                         f"Item {i + 1} of '{key}' must be a mapping {{source: section-id}}.",
                         file=file, record=record, field=key, fix_zh="寫成 {source: guidebook/table}。",
                         fix_en="Write it as {source: guidebook/table}.")
                continue
            self.known_keys(item, "citation", file=file, record=record, at=f"{key}[{i}]")
            source = self.get(item, "source", file=file, record=record)
            if source is MISSING:
                continue
            self.refer("section", source, file=file, record=record, field=f"{key}[{i}].source")
            out.append(m.Citation(source, str(item.get("locator") or "").strip()))
        if required and not out and items is not MISSING and not items:
            self.err("missing-source", "此紀錄沒有註明出處。", "This record names no source.",
                     file=file, record=record, field=key,
                     fix_zh="加上 cited: [{source: 章節識別碼, locator: 原文位置}]。",
                     fix_en="Add cited: [{source: section-id, locator: where in the section}].")
        return tuple(out)

    def citation(self, rec: dict, key: str, *, file: str, record: str, required=True):
        value = self.get(rec, key, file=file, record=record, kind=(dict, str), required=required)
        if value is MISSING or value is None:
            return None
        cites = self.citations({key: [value]}, file=file, record=record, key=key)
        return cites[0] if cites else None

    # ---- the files in order --------------------------------------------------
