"""The change feed: an Atom feed (RFC 4287) of releases and of the cases they change.

The Atom Syndication Format, RFC 4287 (https://www.rfc-editor.org/rfc/rfc4287).
Each release adds one entry for itself and one per changed case, found by
comparing the release's tables with the previous release's (``data/*.csv``):

- a new case (§4.1.2 ``atom:entry``), or, for an existing case, new activities,
  documents, observations, risks or quality notes, rows that were removed, and
  corrected values (a field of a row that kept its identifier but changed value);
- every entry links to a page for people (``rel="alternate"``, ``text/html``): a case
  entry to the case's IRI, the release entry to the release's version IRI, both of
  which answer a browser or a feed reader in HTML and an RDF client in RDF; a case
  entry also links to the downloads of the tables that changed (``rel="related"``);
  the release entry links to the catalogue in Turtle (``rel="describedby"``) and to
  the release's downloads (``rel="enclosure"``, with type and length).

Entry ids are tag URIs (RFC 4151) built from the base IRI's host, the dataset's
``issued`` date and the version, so they are stable across rebuilds:
``tag:w3id.org,2026-11-22:lianzheng/1.0.0/case/danjiang-bridge``. ``updated`` is the
release's ``created`` time. Entries of earlier releases are carried over from the
previous release's feed, newest first, up to :data:`MAX_ENTRIES`; a release that
changes more than :data:`MAX_CASE_ENTRIES` cases lists the rest in its release entry.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..tables.schema import TABLE_BY_NAME

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 1000
MAX_CASE_ENTRIES = 500
# tables whose rows belong to a case through a case_id column, with their labels
CHILD_TABLES = {
    "activities": ("活動", "activities"),
    "documents": ("文件", "documents"),
    "observations": ("成效與事實", "observations"),
    "risks": ("廉政風險", "risks"),
    "accounts": ("示例故事", "illustrative accounts"),
    "quality_notes": ("資料品質註記", "quality notes"),
}
IGNORED_FIELDS = {"iri"}


@dataclass
class CaseChange:
    """What changed in one case between two releases."""

    case: str
    new: bool = False
    added: dict[str, list[str]] = field(default_factory=dict)  # table -> row ids
    removed: dict[str, list[str]] = field(default_factory=dict)
    corrected: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # table, row, field, old, new

    @property
    def tables(self) -> list[str]:
        names = set(self.added) | set(self.removed) | {c[0] for c in self.corrected}
        if self.new:
            names.add("cases")
        return sorted(names)

    def summary(self) -> tuple[str, str]:
        """One line in zh-Hant and one in English."""
        zh, en = [], []
        if self.new:
            zh.append("新增案件")
            en.append("new case")
        for table, rows in sorted(self.added.items()):
            label = CHILD_TABLES.get(table, (table, table))
            zh.append(f"新增{label[0]} {len(rows)} 筆")
            en.append(f"{len(rows)} new {label[1]}")
        for table, rows in sorted(self.removed.items()):
            label = CHILD_TABLES.get(table, (table, table))
            zh.append(f"移除{label[0]} {len(rows)} 筆")
            en.append(f"{len(rows)} {label[1]} removed")
        if self.corrected:
            zh.append(f"更正數值 {len(self.corrected)} 項")
            en.append(f"{len(self.corrected)} corrected value{'s' if len(self.corrected) > 1 else ''}")
        return "、".join(zh), ", ".join(en)


class Rows:
    """The rows of one table: a header and tuples (lighter than a dict per row)."""

    __slots__ = ("header", "rows", "_col")

    def __init__(self, header: list[str], rows: list[tuple]):
        self.header, self.rows = header, rows
        self._col = {name: i for i, name in enumerate(header)}

    @classmethod
    def of(cls, dicts: list[dict]) -> Rows:
        header = list(dicts[0]) if dicts else []
        return cls(header, [tuple(d.get(h, "") for h in header) for d in dicts])

    def col(self, name: str) -> int | None:
        return self._col.get(name)


def read_tables(folder: Path, names) -> dict[str, Rows]:
    """Rows of the named tables of a release folder (empty for a table that is not there)."""
    out = {}
    for name in names:
        path = Path(folder) / TABLE_BY_NAME[name].path
        if path.exists():
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader, [])
                out[name] = Rows(header, [tuple(r) for r in reader])
        else:
            out[name] = Rows([], [])
    return out


def compare(old: dict, new: dict) -> dict[str, CaseChange]:
    """Changes per case between two releases' tables (case id -> change), in case order.

    Tables are :class:`Rows` (or lists of dicts, for tests); rows are matched by primary key.
    """
    old = {k: v if isinstance(v, Rows) else Rows.of(v) for k, v in old.items()}
    new = {k: v if isinstance(v, Rows) else Rows.of(v) for k, v in new.items()}
    empty = Rows([], [])
    changes: dict[str, CaseChange] = {}

    def get(case: str) -> CaseChange:
        if case not in changes:
            changes[case] = CaseChange(case)
        return changes[case]

    def keyed(table: str, t: Rows):
        idx = [t.col(k) for k in TABLE_BY_NAME[table].primary_key]
        cols = [i for i in idx if i is not None]
        if len(cols) < len(idx):
            return {}
        return {"/".join(r[i] for i in cols): r for r in t.rows}

    def diff_rows(table: str, case_of_old, case_of_new):
        a, b = old.get(table, empty), new.get(table, empty)
        before, after = keyed(table, a), keyed(table, b)
        same_header = a.header == b.header
        for k, row in after.items():
            prev = before.get(k)
            if prev is not None and same_header and prev == row:
                continue
            case = case_of_new(row)
            if not case:
                continue
            if prev is None:
                if table != "cases":
                    get(case).added.setdefault(table, []).append(k)
                continue
            for i, col in enumerate(b.header):
                j = a.col(col)
                was = prev[j] if j is not None else ""
                if col not in IGNORED_FIELDS and was != row[i]:
                    get(case).corrected.append((table, k, col, was, row[i]))
        if table != "cases":
            for k, row in before.items():
                if k not in after:
                    case = case_of_old(row)
                    if case:
                        get(case).removed.setdefault(table, []).append(k)

    def by_column(t: Rows, name: str):
        i = t.col(name)
        return (lambda r: r[i]) if i is not None else (lambda r: "")

    ca, cb = old.get("cases", empty), new.get("cases", empty)
    old_cases = {r[ca.col("case_id")] for r in ca.rows} if ca.col("case_id") is not None else set()
    cid = cb.col("case_id")
    if cid is not None:
        for r in cb.rows:
            if r[cid] not in old_cases:
                get(r[cid]).new = True
    diff_rows("cases", by_column(ca, "case_id"), by_column(cb, "case_id"))
    for table in CHILD_TABLES:
        diff_rows(table, by_column(old.get(table, empty), "case_id"), by_column(new.get(table, empty), "case_id"))
    # participants belong to a case through their activity
    activity_case: dict[str, str] = {}
    for t in (old.get("activities", empty), new.get("activities", empty)):
        ai, ci = t.col("activity_id"), t.col("case_id")
        if ai is not None and ci is not None:
            activity_case.update((r[ai], r[ci]) for r in t.rows)
    pa, pb = old.get("participants", empty), new.get("participants", empty)
    aa, ab = pa.col("activity_id"), pb.col("activity_id")
    diff_rows("participants", lambda r: activity_case.get(r[aa], "") if aa is not None else "",
              lambda r: activity_case.get(r[ab], "") if ab is not None else "")
    return {k: changes[k] for k in sorted(changes)}


def _hashes(folder: Path) -> dict[str, str]:
    import json

    try:
        pkg = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {r.get("path", ""): r.get("hash", "") for r in pkg.get("resources", [])}


def changed_tables(old: Path, new: Path) -> tuple[dict, dict]:
    """The tables of two releases that may differ: identical files (same SHA-256) are not read."""
    tables = ["cases", *CHILD_TABLES, "participants"]
    a, b = _hashes(old), _hashes(new)
    names = [t for t in tables if not (a.get(TABLE_BY_NAME[t].path) and
                                       a.get(TABLE_BY_NAME[t].path) == b.get(TABLE_BY_NAME[t].path))]
    if "participants" in names and "activities" not in names:
        names.append("activities")  # participants belong to cases through their activities
    return read_tables(old, names), read_tables(new, names)


# --- the Atom document ---------------------------------------------------------------------


def tag_prefix(base: str, issued: str) -> str:
    """``tag:{host},{date}:{path}``: the start of every entry id (RFC 4151)."""
    parts = urlsplit(base)
    path = parts.path.strip("/")
    return f"tag:{parts.hostname},{issued or '2026'}:{path + '/' if path else ''}"


def _el(parent, name, text=None, **attrs):
    e = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _entry_links(entry, rel, tables: list[str]) -> None:
    for table in tables:
        if table in TABLE_BY_NAME:
            path = TABLE_BY_NAME[table].path
            _el(entry, "link", rel="related", href=rel.download(path), type="text/csv",
                title=f"{TABLE_BY_NAME[table].zh} {TABLE_BY_NAME[table].en} (CSV)")


def build_feed(rel, changes: dict[str, CaseChange], first: bool) -> ET.Element:
    """The feed element: this release's entries, then the previous feed's."""
    ET.register_namespace("", ATOM)
    prefix = tag_prefix(rel.base, rel.date("issued"))
    title, name = rel.title, rel.publisher_name
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-Hant"})
    _el(feed, "id", f"{prefix}{rel.slug}/changes")
    _el(feed, "title", f"{title.zh}：異動 {title.en}: changes")
    _el(feed, "subtitle", "每次發行版及其異動之案件（新增活動、新增文件、更正數值）。"
                          " Each release and the cases it changes (new activities, new documents, corrected values).")
    _el(feed, "updated", rel.created)
    author = _el(feed, "author")
    _el(author, "name", f"{name.zh} {name.en}".strip())
    _el(author, "uri", rel.publisher_iri)
    _el(feed, "link", rel="self", href=rel.url("feed"), type="application/atom+xml")
    _el(feed, "link", rel="alternate", href=rel.url("home"), type="text/html")
    _el(feed, "rights", f"{rel.licence.get('title', '')} {rel.licence.get('id', '')} {rel.licence_url}".strip())
    _el(feed, "generator", "lianzheng", uri="https://w3id.org/lianzheng")

    version_prefix = f"{prefix}{rel.slug}/{rel.version}"
    listed = list(changes.items())[:MAX_CASE_ENTRIES]
    # the release entry
    entry = _el(feed, "entry")
    _el(entry, "id", f"{version_prefix}/release")
    _el(entry, "title", f"發行版 {rel.version} Release {rel.version}")
    _el(entry, "updated", rel.created)
    _el(entry, "link", rel="alternate", href=rel.version_iri, type="text/html")
    _el(entry, "link", rel="describedby", href=rel.url("catalog"), type="text/turtle")
    for path, media in (("datapackage.json", "application/json"), ("lianzheng.xlsx", None),
                        ("lianzheng-spreadsheets.zip", "application/zip"),
                        ("lianzheng.ttl", "text/turtle"), ("ocds.json", "application/json")):
        file = rel.folder / path
        if file.exists():
            attrs = {"rel": "enclosure", "href": rel.download(path), "length": str(file.stat().st_size)}
            attrs["type"] = media or "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            _el(entry, "link", **attrs)
    n_cases = len(rel.ds.cases)
    if first:
        zh = f"首次發行：{n_cases} 件案件。"
        en = f"First release: {n_cases} cases."
    else:
        zh = f"與前一發行版相比，{len(changes)} 件案件有異動。"
        en = f"Compared with the previous release, {len(changes)} cases changed."
    lines = [zh, en]
    for case, change in changes.items():
        s_zh, s_en = change.summary()
        lines.append(f"- {case}: {s_zh} / {s_en}")
    if len(changes) > len(listed):
        lines.append(f"（另 {len(changes) - len(listed)} 件案件未個別列為項目 / "
                     f"{len(changes) - len(listed)} more cases are listed here only）")
    _el(entry, "summary", f"{zh} {en}")
    _el(entry, "content", "\n".join(lines), type="text")

    for case_id, change in listed:
        case = rel.ds.cases.get(case_id)
        label_zh = case.name.zh if case else case_id
        label_en = case.name.en if case else case_id
        s_zh, s_en = change.summary()
        entry = _el(feed, "entry")
        _el(entry, "id", f"{version_prefix}/case/{case_id}")
        _el(entry, "title", f"{label_zh}：{s_zh} {label_en}: {s_en}")
        _el(entry, "updated", rel.created)
        _el(entry, "link", rel="alternate", href=rel.ids.case(case_id), type="text/html")
        _el(entry, "link", rel="via", href=rel.version_iri)
        _entry_links(entry, rel, change.tables)
        details = [f"{s_zh} / {s_en}"]
        for table, rows in sorted(change.added.items()):
            details += [f"+ {table} {r}" for r in rows]
        for table, rows in sorted(change.removed.items()):
            details += [f"- {table} {r}" for r in rows]
        for table, row, col, old, new in change.corrected:
            details.append(f"~ {table} {row} {col}: {old!r} → {new!r}")
        _el(entry, "summary", f"{s_zh} / {s_en}")
        _el(entry, "content", "\n".join(details), type="text")

    ours = {e.findtext(f"{{{ATOM}}}id") for e in feed.findall(f"{{{ATOM}}}entry")}
    room = MAX_ENTRIES - len(ours)
    for earlier in previous_entries(rel.previous):
        if room <= 0:
            break
        if earlier.findtext(f"{{{ATOM}}}id") in ours:
            continue
        feed.append(earlier)
        room -= 1
    return feed


def previous_entries(previous: Path | None) -> list[ET.Element]:
    """The entries of the previous release's feed, as they were written."""
    if previous is None:
        return []
    path = Path(previous) / "changes.atom"
    if not path.exists():
        return []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return []
    return root.findall(f"{{{ATOM}}}entry")


def write_feed(rel) -> str:
    first = rel.previous is None or not (Path(rel.previous) / "data" / "cases.csv").exists()
    changes = {} if first else compare(*changed_tables(Path(rel.previous), rel.folder))
    feed = build_feed(rel, changes, first)
    ET.indent(feed, space=" ")
    buf = io.BytesIO()
    ET.ElementTree(feed).write(buf, encoding="utf-8", xml_declaration=True)
    path = rel.folder / "changes.atom"
    path.write_bytes(buf.getvalue().replace(b"<?xml version='1.0' encoding='utf-8'?>",
                                            b'<?xml version="1.0" encoding="utf-8"?>') + b"\n")
    return path.name
