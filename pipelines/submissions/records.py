"""Submissions written into source records: the YAML files a person reads, edited in place.

The files are read and written with ruamel.yaml's round-trip mode, which keeps their
comments, key order, quoting and blank lines (PyYAML, which the reader uses, drops all
four), so a folded submission shows in ``git diff`` as the lines it adds and nothing else.
New entries are written in the files' own style: bilingual texts and citations as one-line
flow mappings, dates and texts double-quoted.

Every fact a submission brings cites it: a section ``submissions/{number}`` of the source
document ``submissions`` (``kind: submission``), which this module adds to ``sources.yaml``.
A changed field also gets a quality note of type ``correction`` with the old value, the new
one and the reason: a correction is recorded, never silent.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from .changes import Change, Submission

DOCUMENT = "submissions"
_QUOTED = {
    "zh",
    "en",
    "date",
    "end_date",
    "established",
    "amount",
    "locator",
    "title",
    "quote",
    "official_value",
    "other_value",
    "value_text",
    "url",
    "stated_date",
}


@dataclass(frozen=True)
class Stamp:
    """Who submitted what, when: what the submission's source section says."""

    number: str  # the submission's number, or a provisional one while it is checked
    agency: str
    agency_name: str
    received: str  # YYYY-MM-DDTHH:MM:SSZ
    sha256: str = ""

    @property
    def section(self) -> str:
        return f"{DOCUMENT}/{self.number}"


@dataclass
class Applied:
    """What applying a submission made: the id of the record each change wrote, and the files."""

    records: dict[int, list[str]] = field(default_factory=dict)  # change index -> record ids
    files: set[str] = field(default_factory=set)  # relative to the source folder


def _yaml(top_level_list: bool = False) -> YAML:
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    if top_level_list:  # agencies.yaml, laws.yaml: "- id:" at the margin
        y.indent(mapping=2, sequence=2, offset=0)
    else:
        y.indent(mapping=2, sequence=4, offset=2)
    return y


def load(path: Path):
    return _yaml().load(path.read_text(encoding="utf-8"))


def dump(data) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def styled(value, key: str = ""):
    """``value`` as ruamel nodes in the records' style."""
    if isinstance(value, dict):
        node = CommentedMap()
        first = [k for k in ("zh", "en", "role", "source", "indicator") if k in value]
        for k, v in sorted(value.items(), key=lambda kv: (0, first.index(kv[0])) if kv[0] in first else (1, 0)):
            node[k] = styled(v, k)
        if (
            set(value) <= {"zh", "en"}
            or set(value) <= {"source", "locator"}
            or key == "participants"
            or set(value) <= {"role", "agency", "description", "person", "person_title"}
            and len(str(value)) < 200
        ):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(styled(v, key) for v in value)
        if all(isinstance(v, str) for v in value) and value:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and (
        key in _QUOTED or not value or value != value.strip() or ":" in value or value[0] in "-?[{!&*#|>'\"%@`"
    ):
        return DoubleQuotedScalarString(value)
    return value


# the order the records' own files write keys in (docs/model.md); others follow as given
ORDER = " ".join((
    "id table_number type category indicator name procurement agencies authority established amount status",
    "date end_date ordinal title publisher url value value_text unit phase description participants",
    "place divisions division_basis cited place_cited division_cited",
)).split()


def ordered(record: dict) -> dict:
    rank = {k: i for i, k in enumerate(ORDER)}
    return dict(sorted(record.items(), key=lambda kv: rank.get(kv[0], len(ORDER))))


def _unique(base: str, taken: set[str]) -> str:
    rid, n = base, 2
    while rid in taken:
        rid, n = f"{base}-{n}", n + 1
    taken.add(rid)
    return rid


def _slug(text) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-" for ch in str(text).lower()).strip("-")


def _append(doc: CommentedMap, key: str, item: dict) -> None:
    if key not in doc or doc[key] is None:
        doc[key] = CommentedSeq()
    seq = doc[key]
    seq.append(styled(ordered(item)))


def _citation(stamp: Stamp, change: Change) -> dict:
    return {"source": stamp.section, "locator": f"changes[{change.index}]"}


def apply(folder: Path, sub: Submission, stamp: Stamp, taken: set[str], old: dict | None = None) -> Applied:
    """Write ``sub`` into the source records in ``folder``; ``taken`` holds every record id in use
    (new ones are added to it); ``old`` the case's values as read (for a correction's note)."""
    done = Applied()
    _add_section(folder, stamp)
    done.files.add("sources.yaml")
    case_path = folder / "cases" / f"{sub.case}.yaml"
    rel = f"cases/{sub.case}.yaml"
    if sub.new_case:
        record = dict(next(c for c in sub.changes if c.kind == "case").data["record"])
        change = next(c for c in sub.changes if c.kind == "case")
        cite = _citation(stamp, change)
        record["cited"] = [cite]
        if record.get("place"):
            place = record["place"]
            record["place_cited"] = [dict(cite, locator=place.get("zh", "") if isinstance(place, dict) else str(place))]
        if record.get("divisions"):
            record["division_cited"] = [cite]
        doc = styled(ordered(record))
        done.records[change.index] = [sub.case]
        taken.add(sub.case)
    else:
        doc = load(case_path)
    for change in sub.changes:
        cite = _citation(stamp, change)
        if change.kind in ("activity", "document", "observation"):
            record = dict(change.data["record"])
            record["id"] = str(record.get("id") or "") or _unique(_default_id(sub.case, change.kind, record), taken)
            taken.add(record["id"])
            if change.kind == "document" and not record.get("publisher"):
                record["publisher"] = stamp.agency
            record["cited"] = [cite]
            _append(
                doc,
                {"activity": "activities", "document": "documents", "observation": "observations"}[change.kind],
                record,
            )
            done.records[change.index] = [record["id"]]
        elif change.kind == "field":
            done.records[change.index] = [_correct(doc, sub.case, change, cite, taken, old or {})]
        elif change.kind == "quarterly-report":
            done.records[change.index] = _quarter(doc, sub.case, change, cite, taken)
    text = dump(doc)
    case_path.parent.mkdir(parents=True, exist_ok=True)
    case_path.write_text(text if not sub.new_case else _new_case_text(text, stamp), encoding="utf-8")
    done.files.add(rel)
    return done


def _new_case_text(text: str, stamp: Stamp) -> str:
    return f"# Added from submission {stamp.number} of {stamp.agency} ({stamp.received}).\n" + text


def _default_id(case: str, kind: str, record: dict) -> str:
    if kind == "activity":
        return f"{case}-{_slug(record.get('date', ''))}-{_slug(record.get('type', 'activity'))}"
    if kind == "document":
        return f"{case}-{_slug(record.get('category', 'document'))}"
    return f"{case}-{_slug(record.get('indicator', 'observation'))}"


def _correct(doc: CommentedMap, case: str, change: Change, cite: dict, taken: set[str], old: dict) -> str:
    name, value = change.data["field"], change.data["value"]
    before = old.get(name, doc.get(name, ""))
    doc[name] = styled(value, name)
    cited = doc.get("cited")
    if cited is None:
        doc["cited"] = cited = CommentedSeq()
    was = dict(cited[0]) if cited else None  # where the old value came from
    cited.append(styled(cite))
    reason = change.data["reason"]
    note_id = _unique(f"{case}-correction-{_slug(name)}", taken)
    _append(
        doc,
        "notes",
        {
            "id": note_id,
            "type": "correction",
            "field": name,
            "official_value": _plain(value),
            "official_source": cite,
            "other_value": _plain(before),
            **({"other_source": was} if was else {}),
            "description": {"zh": reason.get("zh", ""), "en": reason.get("en", "") or reason.get("zh", "")},
            "resolution": {
                "zh": f"依機關提交之更正（{cite['source']}）更新。",
                "en": f"Updated as the agency's correction ({cite['source']}) says.",
            },
        },
    )
    return note_id


def _plain(value) -> str:
    if isinstance(value, dict):
        return str(value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def _quarter(doc: CommentedMap, case: str, change: Change, cite: dict, taken: set[str]) -> list[str]:
    year, quarter = change.data["year"], change.data["quarter"]
    month = quarter * 3
    end = f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
    summary = change.data["summary"]
    ids = []
    for i, fig in enumerate(change.data["figures"]):
        rid = _unique(f"{case}-{year}-q{quarter}-{_slug(fig.get('indicator', 'figure'))}", taken)
        record = {"id": rid, "indicator": fig.get("indicator"), "phase": "after-platform", "date": end}
        for key in ("value", "value_text", "unit"):
            if fig.get(key) not in (None, ""):
                record[key] = fig[key]
        record["description"] = {
            "zh": f"{year} 年第 {quarter} 季廉政平臺運作情形陳報。{summary.get('zh', '')}",
            "en": f"Quarterly report on the platform's operation, {year} Q{quarter}. {summary.get('en', '')}".strip(),
        }
        record["cited"] = [dict(cite, locator=f"{cite['locator']}.figures[{i}]")]
        _append(doc, "observations", record)
        ids.append(rid)
    return ids


def _add_section(folder: Path, stamp: Stamp) -> None:
    path = folder / "sources.yaml"
    data = load(path)
    docs = data["documents"]
    doc = next((d for d in docs if d.get("id") == DOCUMENT), None)
    if doc is None:
        doc = styled(
            {
                "id": DOCUMENT,
                "title": {"zh": "機關提交之更新", "en": "Updates submitted by agencies"},
                "kind": "submission",
                "publisher": "aac",
                "language": ["zh-Hant"],
                "description": {
                    "zh": "各機關經本服務提交、經法務部廉政署審核接受之更新；"
                    "每次提交為一節，載明提交機關、時間與內容之 SHA-256。",
                    "en": "Updates that agencies submitted through this service and the Agency Against Corruption's "
                    "reviewers accepted; each submission is a section naming the agency, the time and the "
                    "SHA-256 of its content.",
                },
                "sections": [],
            }
        )
        docs.append(doc)
    if any(s.get("id") == stamp.section for s in doc["sections"]):
        return
    digest = f"，內容 SHA-256 {stamp.sha256}" if stamp.sha256 else ""
    digest_en = f", content SHA-256 {stamp.sha256}" if stamp.sha256 else ""
    doc["sections"].append(
        styled(
            {
                "id": stamp.section,
                "title": {
                    "zh": f"第 {stamp.number} 號提交：{stamp.agency_name}（{stamp.received}{digest}）",
                    "en": f"Submission {stamp.number}: {stamp.agency} ({stamp.received}{digest_en})",
                },
            }
        )
    )
    path.write_text(dump(data), encoding="utf-8")


def has_section(folder: Path, number: str) -> bool:
    """Whether submission ``number`` is already in the records (a fold that was cut short)."""
    data = load(folder / "sources.yaml")
    doc = next((d for d in data.get("documents", []) if d.get("id") == DOCUMENT), None)
    return doc is not None and any(s.get("id") == f"{DOCUMENT}/{number}" for s in doc.get("sections", []))
