"""Reading the source records (``datasets/source/``) into the domain model.

The reader checks as it reads and collects every problem, each naming the
file, the record and the field and saying how to fix it in zh-Hant and
English. It returns a :class:`~pipelines.model.Dataset` only when there is no
error; otherwise it raises :class:`~pipelines.errors.ProblemsFound`.

The record format is documented in ``docs/model.md``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import difflib
import io
import multiprocessing as mp
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from . import model as m
from .errors import ERROR, WARNING, Problem, ProblemsFound, Report
from .normalise import parse_amount, parse_date, parse_number
from .processes import die_with_parent
from .terms import load_codes
from .textfiles import read_source_text

try:  # libyaml is ten times faster; PyYAML's wheels ship it
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader  # type: ignore[misc,assignment]  # the pure-Python twin of CSafeLoader


class _Loader(_Base):
    """The safe loader, with a value YAML cannot build reported at its line.

    PyYAML raises a bare ``ValueError`` for an unquoted integer of more than 4,300
    digits (Python's limit on converting text to int) and for an unquoted date that
    does not exist (``2021-02-30``); here those are ``ConstructorError`` with the mark.
    """


def _int_problem(value: str) -> tuple[str, str]:
    shown = value if len(value) <= 40 else f"{value[:40]}…"
    digits = sum(c.isdigit() for c in value)
    return (f"整數「{shown}」有 {digits} 位數，超過可讀取的位數",
            f"the integer '{shown}' has {digits} digits, more than can be read")


def _date_problem(value: str) -> tuple[str, str]:
    return f"「{value[:40]}」不是存在的日期", f"'{value[:40]}' is not an existing date"


def _guarded(construct, describe):
    """``construct``, raising a ``ConstructorError`` at the node for a value it cannot build."""
    def build(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, " / ".join(describe(str(node.value))), node.start_mark) from None
    return build


for _tag, _construct, _describe in (
        ("int", yaml.constructor.SafeConstructor.construct_yaml_int, _int_problem),
        ("timestamp", yaml.constructor.SafeConstructor.construct_yaml_timestamp, _date_problem)):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _guarded(_construct, _describe))

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
                     "id title description version licence publisher publisher_name issued "
                     "modified as_of contact keywords language update_frequency homepage "
                     "package_sources datagovtw theme"),
    "licence": _keys("授權（licence）", "the licence", "id title title_en url"),
    "contact": _keys("聯絡資訊（contact）", "the contact", "name url email phone"),
    "package-source": _keys("資料來源（package_sources）", "a package source", "title path"),
    "datagovtw": _keys("政府資料開放平臺設定（datagovtw）", "the data.gov.tw settings",
                       "identifier category category_code publisher_oid publisher_org_code "
                       "contact_name contact_phone contact_email"),
    "sources-file": _keys("sources.yaml", "sources.yaml", "documents"),  # read_sources
    "source": _keys("來源文件", "a source document",
                    "id title publisher issued language url file sections"),
    "section": _keys("來源章節", "a source section", "id title"),
    "agency": _keys("機關", "an agency",  # read_agencies
                    "id name kind level parent wikidata alt_names agency_code cited"),
    "law": _keys("法規", "a law", "id name url cited"),  # read_laws
    "notes-file": _keys("notes.yaml", "notes.yaml", "notes"),  # read_notes
    "case": _keys("案件", "a case",  # read_case
                  "id table_number name procurement agencies authority established amount "
                  "status benchmark cited alt_names pcc_tender_ids description wikidata "
                  "activities documents observations risks notes"),
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


class _Missing:
    def __reduce__(self):  # one MISSING, also across processes
        return (_missing, ())


def _missing():
    return MISSING


MISSING = _Missing()
PARALLEL_FROM = 400  # files; below this a second process costs more than it saves


def parse_yaml_file(path: Path, file: str) -> tuple[Any, Problem | None]:
    """(data, None) or (MISSING, the problem): decoding and YAML syntax, nothing else."""
    text, problem = read_source_text(path, file)
    if problem:
        return MISSING, problem
    assert text is not None  # read_source_text gives a text or a problem
    try:
        return yaml.load(text, Loader=_Loader), None
    except yaml.constructor.ConstructorError as exc:
        zh, _, en = str(exc.problem).partition(" / ")
        return MISSING, Problem(
            "yaml-value", f"YAML 無法讀取此值：{zh}。", f"YAML cannot read this value: {en}.",
            file=file, line=exc.problem_mark.line + 1 if exc.problem_mark else None,
            fix_zh="把該值加上引號（如 amount: \"約 125 億\"、date: \"2021-02-28\"），"
            "讀取程式就會逐欄檢查並指出問題與修正方式。",
            fix_en="Quote the value (e.g. amount: \"約 125 億\", date: \"2021-02-28\"): the reader "
            "then checks it field by field and says what to fix.")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return MISSING, Problem(
            "yaml-syntax", f"YAML 格式錯誤：{what}。", f"Malformed YAML: {what}.", file=file,
            line=line, fix_zh="檢查該行的縮排、冒號與引號；含冒號或 # 的文字請加引號。",
            fix_en="Check the indentation, colons and quotes on that line; quote text that "
            "contains ':' or '#'.")


class Reader:
    """Reads one source folder. Use :func:`read_dataset`."""

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
            names = {str: "文字 text", int: "整數 whole number", list: "清單 list", dict: "對照 mapping"}
            want = names.get(kind, str(kind)) if not isinstance(kind, tuple) else "/".join(
                names.get(k, str(k)) for k in kind)
            self.err("wrong-type", f"欄位「{key}」應為 {want.split()[0]}，不是「{value!r}」。",
                     f"The field '{key}' must be a {want.split()[-1]}, not {value!r}.", file=file,
                     record=record, field=key, fix_zh=f"把 {key} 改成{want.split()[0]}。",
                     fix_en=f"Write '{key}' as a {want.split()[-1]}.")
            return MISSING
        return value.strip() if isinstance(value, str) else value

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

    def read(self) -> m.Dataset:
        if not self.root.is_dir():
            raise ProblemsFound([Problem(
                "missing-folder", "找不到來源資料夾。", "The source folder does not exist.",
                file=str(self.root), fix_zh="指定 datasets/source 資料夾。",
                fix_en="Name the datasets/source folder.")])
        self.read_meta()
        self.read_sources()
        self.read_agencies()
        self.read_laws()
        case_files = sorted((self.root / "cases").glob("*.yaml")) + sorted(
            (self.root / "cases").glob("*.yml"))
        if not case_files:
            self.err("no-cases", "cases/ 資料夾裡沒有任何案件檔。", "There are no case files in cases/.",
                     file=self.rel(self.root / "cases"), fix_zh="每個平臺一個 YAML 檔。",
                     fix_en="Add one YAML file per platform.")
        for path, parsed in zip(case_files, self.parse_many(case_files), strict=True):
            self.read_case(path, parsed)
        self.read_notes(self.root / "notes.yaml", case="")
        for path in sorted((self.root / "imports").glob("*")) if (self.root / "imports").is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                self.read_import(path)
        self.resolve()
        self.check_cases()
        if any(p.severity == ERROR for p in self.problems):
            raise ProblemsFound(self.problems)
        self.ds.activities.sort(key=lambda a: a.id)
        self.ds.documents.sort(key=lambda d: d.id)
        self.ds.observations.sort(key=lambda o: o.id)
        self.ds.risks.sort(key=lambda r: r.id)
        self.ds.notes.sort(key=lambda n: n.id)
        self.ds.cases = dict(sorted(self.ds.cases.items()))
        self.ds.agencies = dict(sorted(self.ds.agencies.items()))
        return self.ds

    def read_meta(self):
        path = self.root / "dataset.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        if not isinstance(data, dict):
            self.err("wrong-type", "dataset.yaml 應為一個對照（mapping）。",
                     "dataset.yaml must be a mapping.", file=file, fix_zh="見 docs/model.md。",
                     fix_en="See docs/model.md.")
            return
        self.meta_keys(data, file)
        for key in ("id", "title", "description", "version", "licence", "publisher"):
            self.get(data, key, file=file, record="dataset", kind=(str, dict))
        version = str(data.get("version", ""))
        if version and not re.match(r"^\d+\.\d+\.\d+$", version):
            self.err("bad-version", f"版本「{version}」不是 X.Y.Z 格式。",
                     f"Version '{version}' is not of the form X.Y.Z.", file=file, record="dataset",
                     field="version", fix_zh="寫成如 1.0.0。", fix_en="Write it like 1.0.0.")
        for key in ("issued", "modified", "as_of"):
            if data.get(key) is not None:
                self.date(data, key, file=file, record="dataset")
        self.ds.meta = data

    def meta_keys(self, data: dict, file: str) -> None:
        """Check the keys of dataset.yaml and of its mappings (read by the release writers)."""
        self.known_keys(data, "dataset", file=file, record="dataset")
        for key, kind in (("title", "text"), ("description", "text"), ("keywords", "text"),
                          ("theme", "text"), ("licence", "licence"), ("contact", "contact"),
                          ("datagovtw", "datagovtw")):
            self.known_keys(data.get(key), kind, file=file, record="dataset", at=key)
        if isinstance(data.get("contact"), dict):
            self.known_keys(data["contact"].get("name"), "text", file=file, record="dataset",
                            at="contact.name")
        sources = data.get("package_sources")
        for i, item in enumerate(sources if isinstance(sources, list) else []):
            self.known_keys(item, "package-source", file=file, record="dataset",
                            at=f"package_sources[{i}]")

    def read_sources(self):
        path = self.root / "sources.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        self.known_keys(data, "sources-file", file=file, record="sources")
        docs = self.get(data if isinstance(data, dict) else {}, "documents", file=file,
                        record="sources", kind=list)
        if docs is MISSING:
            return
        for i, rec in enumerate(docs):
            rid = rec.get("id") if isinstance(rec, dict) else None
            record = str(rid or f"#{i + 1}")
            self.known_keys(rec, "source", file=file, record=record)
            did = self.slug(rec if isinstance(rec, dict) else {}, "source", file=file, record=record)
            if did is None:
                continue
            title = self.text(rec, "title", file=file, record=did, en_required=True)
            publisher = self.get(rec, "publisher", file=file, record=did)
            if publisher is not MISSING:
                self.refer("agency", publisher, file=file, record=did, field="publisher")
            issued = self.date(rec, "issued", file=file, record=did, required=False)
            langs = self.get(rec, "language", file=file, record=did, kind=list, required=False,
                             default=[])
            self.ds.sources[did] = m.SourceDocument(
                did, title or m.Text(did), publisher if publisher is not MISSING else "", issued,
                tuple(langs or ()), str(rec.get("url") or ""), str(rec.get("file") or ""))
            sections = self.get(rec, "sections", file=file, record=did, kind=list)
            for order, sec in enumerate(sections if sections is not MISSING else [], start=1):
                sid = sec.get("id") if isinstance(sec, dict) else None
                if not sid or not isinstance(sid, str) or not sid.startswith(did + "/") or \
                        not all(SLUG.match(part) for part in sid.split("/")):
                    self.err("bad-identifier", f"章節識別碼「{sid}」應為「{did}/小寫-連字號」。",
                             f"Section id '{sid}' must be '{did}/' followed by slugs.",
                             file=file, record=str(sid or f"{did} #{order}"), field="id",
                             fix_zh=f"例如 {did}/table。", fix_en=f"For example {did}/table.")
                    continue
                if ("section", sid) in self._ids:
                    self.err("duplicate-identifier", f"章節識別碼「{sid}」重複。",
                             f"Section id '{sid}' is used twice.", file=file, record=sid, field="id",
                             fix_zh="改用未用過的識別碼。", fix_en="Use an unused identifier.")
                    continue
                self._ids[("section", sid)] = file
                self.known_keys(sec, "section", file=file, record=sid)
                stitle = self.text(sec, "title", file=file, record=sid, en_required=True)
                self.ds.sections[sid] = m.SourceSection(sid, did, stitle or m.Text(sid), order)

    def read_agencies(self):
        path = self.root / "agencies.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        if not isinstance(data, list):
            self.err("wrong-type", "agencies.yaml 應為機關清單。", "agencies.yaml must be a list.",
                     file=file, fix_zh="每個機關一項：- id: ...", fix_en="One item per agency: - id: ...")
            return
        for i, rec in enumerate(data):
            if not isinstance(rec, dict):
                self.err("wrong-type", f"第 {i + 1} 項不是對照。", f"Item {i + 1} is not a mapping.",
                         file=file, record=f"#{i + 1}", fix_zh="寫成 - id: ...",
                         fix_en="Write it as - id: ...")
                continue
            record = str(rec.get("id") or f"#{i + 1}")
            self.known_keys(rec, "agency", file=file, record=record)
            aid = self.slug(rec, "agency", file=file, record=record)
            name = self.text(rec, "name", file=file, record=record, en_required=True)
            kind = self.code(rec, "kind", "organisation-kind", file=file, record=record)
            level = self.code(rec, "level", "government-level", file=file, record=record,
                              required=False)
            parent = self.get(rec, "parent", file=file, record=record, required=False, default="")
            if parent:
                self.refer("agency", parent, file=file, record=record, field="parent")
            wikidata = str(rec.get("wikidata") or "")
            if wikidata and not WIKIDATA.match(wikidata):
                self.err("bad-identifier", f"Wikidata 識別碼「{wikidata}」格式錯誤。",
                         f"Wikidata id '{wikidata}' is malformed.", file=file, record=record,
                         field="wikidata", fix_zh="寫成 Q 加數字，如 Q123；不確定就留空。",
                         fix_en="Write Q followed by digits, e.g. Q123; leave it empty if unsure.")
            alt = rec.get("alt_names") or []
            cited = self.citations(rec, file=file, record=record, required=False)
            if aid and name and kind:
                self.ds.agencies[aid] = m.Agency(
                    aid, name, kind, parent or "", level or "", tuple(str(a) for a in alt),
                    str(rec.get("agency_code") or ""), wikidata, cited)

    def read_laws(self):
        path = self.root / "laws.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        for i, rec in enumerate(data if isinstance(data, list) else []):
            record = str(rec.get("id") if isinstance(rec, dict) else f"#{i + 1}")
            self.known_keys(rec, "law", file=file, record=record)
            lid = self.slug(rec if isinstance(rec, dict) else {}, "law", file=file, record=record)
            if lid is None:
                continue
            name = self.text(rec, "name", file=file, record=lid, en_required=True)
            url = self.get(rec, "url", file=file, record=lid)
            if url is not MISSING and not URL.match(url):
                self.err("bad-url", f"網址「{url}」不是 http(s) 網址。", f"'{url}' is not an http(s) URL.",
                         file=file, record=lid, field="url", fix_zh="寫完整網址，如 https://law.moj.gov.tw/...",
                         fix_en="Write the full URL, e.g. https://law.moj.gov.tw/...")
                url = MISSING
            cited = self.citations(rec, file=file, record=lid)
            if name and url is not MISSING:
                self.ds.laws[lid] = m.Law(lid, name, url, cited)

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
        table_number = self.get(data, "table_number", file=file, record=record, kind=int)
        if table_number is not MISSING and table_number < 1:
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
        ok = all(x not in (MISSING, None) for x in (cid, table_number, name, procurement, agencies,
                                                     authority, established, amount, status))
        if ok and benchmark is not MISSING:
            assert cid is not None and name is not None and procurement is not None  # ok checked them
            assert amount is not None and status is not None
            self.ds.cases[cid] = m.Case(
                cid, table_number, name, procurement, tuple(str(a) for a in agencies), authority,
                "", established, amount, amount_text, status, cited, tuple(alt), benchmark, pcc,
                str(data.get("wikidata") or ""), description)
        case = cid or ""
        for i, rec in enumerate(self.items(data, "activities", file, record)):
            self.read_activity(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "documents", file, record)):
            self.read_document(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "observations", file, record)):
            self.read_observation(rec, i, case=case, file=file)
        for i, rec in enumerate(self.items(data, "risks", file, record)):
            self.read_risk(rec, i, case=case, file=file)
        notes = self.items(data, "notes", file, record)
        self.read_note_list(notes, case=case, file=file)

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
        url = str(rec.get("url") or "")
        if url and not URL.match(url):
            self.err("bad-url", f"網址「{url}」不是 http(s) 網址。", f"'{url}' is not an http(s) URL.",
                     file=file, record=did, field="url", fix_zh="寫完整網址或留空。",
                     fix_en="Write the full URL or leave it empty.")
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

    def resolve(self) -> None:
        known: dict[str, dict] = {
            "agency": self.ds.agencies, "section": self.ds.sections, "case": self.ds.cases,
        }
        kinds_zh = {"agency": "機關", "section": "出處章節", "case": "案件"}
        registry = {"agency": "datasets/source/agencies.yaml", "section": "datasets/source/sources.yaml",
                    "case": "datasets/source/cases/"}
        for kind, value, file, record, field, _ in self._pending:
            if value in known[kind]:
                continue
            # an id that failed its own checks was already reported where it is defined
            if (kind, value) in self._ids:
                continue
            hint = _closest(value, known[kind])
            self.err(f"unknown-{kind}", f"不明的{kinds_zh[kind]}「{value}」。",
                     f"Unknown {kind} '{value}'.", file=file, record=record, field=field,
                     fix_zh=f"改用 {registry[kind]} 已登錄的識別碼" + (f"（是否為「{hint}」？）" if hint else "")
                     + f"，或先在 {registry[kind]} 登錄。",
                     fix_en=f"Use an id registered in {registry[kind]}" + (f" (did you mean '{hint}'?)" if hint else "")
                     + ", or register it there first.")
        # parent cycles: reported once per cycle, at its first member in sorted order
        reported: set[frozenset] = set()
        for aid in self.ds.agencies:
            path, cur = [], aid
            while cur in self.ds.agencies and cur not in path:
                path.append(cur)
                cur = self.ds.agencies[cur].parent
            if cur in path:
                cycle = path[path.index(cur):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    loop = " → ".join(cycle + [cycle[0]])
                    self.err("agency-cycle", f"上級機關形成循環：{loop}。",
                             f"The parent chain loops: {loop}.",
                             file=self.rel(self.root / "agencies.yaml"), record=min(cycle),
                             field="parent", fix_zh="更正其中一個機關的 parent。",
                             fix_en="Correct the 'parent' of one of them.")

    def check_cases(self) -> None:
        """Facts that span records: levels, authority, table numbers, activity case ids."""
        numbers: dict[int, str] = {}
        for cid, case in list(self.ds.cases.items()):
            file = self.rel(self.root / "cases" / f"{cid}.yaml")
            if case.table_number in numbers:
                self.err("duplicate-identifier",
                         f"一覽表列序 {case.table_number} 已由案件「{numbers[case.table_number]}」使用。",
                         f"table_number {case.table_number} is already used by case "
                         f"'{numbers[case.table_number]}'.", file=file, record=cid,
                         field="table_number", fix_zh="每案的列序不同。",
                         fix_en="Each case has its own row number.")
            numbers[case.table_number] = cid
            auth = self.ds.agencies.get(case.authority)
            if auth is None:
                continue
            level = auth.level
            if not level:
                self.err("missing-field", f"主管機關「{case.authority}」沒有層級。",
                         f"The authority '{case.authority}' has no level.",
                         file=self.rel(self.root / "agencies.yaml"), record=case.authority, field="level",
                         fix_zh="加上 level: central 或 local。", fix_en="Add level: central or local.")
            for aid in case.agencies:
                if aid in self.ds.agencies and not self._under(aid, case.authority):
                    self.err("authority-mismatch",
                             f"採購機關「{aid}」不隸屬於主管機關「{case.authority}」。",
                             f"The procuring agency '{aid}' is not under the authority "
                             f"'{case.authority}'.", file=file, record=cid, field="authority",
                             fix_zh="更正 authority 或該機關在 agencies.yaml 的 parent。",
                             fix_en="Correct 'authority', or the agency's 'parent' in agencies.yaml.",
                             severity=WARNING)
            self.ds.cases[cid] = dataclasses.replace(case, level=level)
        if not self.ds.agencies:
            return
        for _kind, items in (("activity", self.ds.activities), ("document", self.ds.documents),
                            ("observation", self.ds.observations), ("risk", self.ds.risks)):
            for item in items:
                if not item.case:
                    self.err("missing-field", "紀錄沒有所屬案件。", "The record belongs to no case.",
                             file=self.rel(self.root), record=item.id, field="case_id",
                             fix_zh="填 case_id。", fix_en="Fill in case_id.")
        for note in self.ds.notes:
            if note.case and note.case not in self.ds.cases and ("case", note.case) not in self._ids:
                self.err("unknown-case", f"不明的案件「{note.case}」。", f"Unknown case '{note.case}'.",
                         file=self.rel(self.root), record=note.id, field="case",
                         fix_zh="更正案件識別碼。", fix_en="Correct the case id.")

    def _under(self, agency: str, authority: str) -> bool:
        cur, seen = agency, set()
        while cur and cur not in seen:
            if cur == authority:
                return True
            seen.add(cur)
            cur = self.ds.agencies[cur].parent if cur in self.ds.agencies else ""
        return False


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


def read_dataset(root: Path | str) -> m.Dataset:
    """Read and check a source folder; raise ProblemsFound with every problem if any."""
    return Reader(Path(root)).read()


def check_sources(root: Path | str) -> Report:
    """Read a source folder and report, never raise (for ``lianzheng validate``)."""
    report = Report(checks=["records"])
    reader = Reader(Path(root))
    try:
        ds = reader.read()
        report.stats = {"cases": len(ds.cases), "agencies": len(ds.agencies),
                        "activities": len(ds.activities)}
    except ProblemsFound:
        pass
    report.extend(reader.problems)
    return report


if __name__ == "__main__":  # a quick check while editing records
    rep = check_sources(sys.argv[1] if len(sys.argv) > 1 else "datasets/source")
    print(rep.to_text())
    sys.exit(0 if rep.conforms else 1)
