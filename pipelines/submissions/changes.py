"""What a submission says: one case, and a list of changes to it, in the source records' words.

A submission is JSON (a sheet of the template is read into the same form by
:mod:`.sheets`)::

    {"case": "bitan-weir",
     "changes": [
       {"kind": "activity", "record": {"type": "liaison-meeting", "date": "2026-10-02",
                                       "title": {"zh": "...", "en": "..."}}},
       {"kind": "document", "record": {"category": "progress", "title": {...}, "url": "..."}},
       {"kind": "field", "field": "status", "value": "ended", "reason": {"zh": "...", "en": "..."}},
       {"kind": "quarterly-report", "year": 2026, "quarter": 3,
        "figures": [{"indicator": "meetings-held", "value": 2, "unit": "count"}],
        "summary": {"zh": "...", "en": "..."}},
       {"kind": "case", "record": {...a whole case record, as docs/model.md shows...}}]}

Records use the keys of the source records (``docs/model.md``), so that the build's own
reader checks them (:mod:`.apply`). What this module checks is the envelope: kinds, types,
sizes, and that the submitter does not write what the service writes (``cited``: every
submitted fact cites the submission itself, as a section of the ``submissions`` source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Problem

KINDS = ("activity", "document", "observation", "field", "quarterly-report", "case")
FIELDS = ("status", "name", "procurement", "amount", "established", "description", "place", "wikidata")
MAX_CHANGES = 200
MAX_TEXT = 20_000  # characters of any one string
MAX_ITEMS = 500  # items of any one list
MAX_DEPTH = 8
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
FILE = "submission"


@dataclass(frozen=True)
class Change:
    index: int
    kind: str
    data: dict  # the change as given
    origin: dict = field(default_factory=dict)  # {"sheet": ..., "row": ...} for a change read from a sheet

    @property
    def where(self) -> str:
        return f"changes[{self.index}]"


@dataclass(frozen=True)
class Submission:
    case: str
    changes: tuple[Change, ...]

    @property
    def new_case(self) -> bool:
        return any(c.kind == "case" for c in self.changes)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for c in self.changes:
            counts[c.kind] = counts.get(c.kind, 0) + 1
        return f"{self.case}: " + ", ".join(f"{n} {k}" for k, n in counts.items())


def _problem(kind: str, zh: str, en: str, record: str, fld: str = "", fix_zh: str = "", fix_en: str = "") -> Problem:
    return Problem(
        f"submission:{kind}",
        zh,
        en,
        file=FILE,
        record=record,
        field=fld,
        fix_zh=fix_zh,
        fix_en=fix_en,
        check="submission",
    )


def _shape_problems(value, where: str, depth: int = 0) -> list[Problem]:
    """Strings, numbers, booleans, lists and objects only, bounded in depth, length and size."""
    if depth > MAX_DEPTH:
        return [_problem("too-deep", f"巢狀層數超過 {MAX_DEPTH}。", f"Nested deeper than {MAX_DEPTH} levels.", where)]
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return [
                _problem(
                    "too-long",
                    f"文字超過 {MAX_TEXT} 字。",
                    f"Text longer than {MAX_TEXT} characters.",
                    where,
                    fix_zh="縮短，或改為附上文件連結。",
                    fix_en="Shorten it, or link a document instead.",
                )
            ]
        if "\x00" in value:
            return [_problem("control-character", "文字含 NUL 字元。", "Text contains a NUL character.", where)]
        return []
    if isinstance(value, dict):
        out = []
        if len(value) > MAX_ITEMS:
            out.append(_problem("too-many", "欄位過多。", "Too many keys.", where))
        for k, v in value.items():
            out.extend(_shape_problems(v, f"{where}.{k}", depth + 1))
        return out
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return [
                _problem("too-many", f"清單超過 {MAX_ITEMS} 項。", f"A list of more than {MAX_ITEMS} items.", where)
            ]
        return [p for i, v in enumerate(value) for p in _shape_problems(v, f"{where}[{i}]", depth + 1)]
    if value is None or isinstance(value, bool | int | float):
        return []
    return [_problem("bad-value", "無法辨識的值。", "A value of an unknown type.", where)]


def parse(doc) -> tuple[Submission | None, list[Problem]]:
    """The submission in ``doc`` (parsed JSON), or None and every problem of its envelope."""
    if not isinstance(doc, dict):
        return None, [
            _problem(
                "not-an-object",
                "提交內容應為 JSON 物件。",
                "A submission must be a JSON object.",
                "submission",
                fix_zh='例如 {"case": "...", "changes": [...]}。',
                fix_en='For example {"case": "...", "changes": [...]}.',
            )
        ]
    problems = _shape_problems(doc, "submission")
    if problems:
        return None, problems
    unknown = sorted(set(doc) - {"case", "changes", "origin"})
    if unknown:
        problems.append(
            _problem(
                "unknown-key",
                f"不認得的欄位：{', '.join(unknown)}。",
                f"Unknown keys: {', '.join(unknown)}.",
                "submission",
                unknown[0],
                "只用 case 與 changes。",
                "Use only 'case' and 'changes'.",
            )
        )
    changes = doc.get("changes")
    if not isinstance(changes, list) or not changes:
        problems.append(
            _problem(
                "no-changes",
                "changes 應為至少一項的清單。",
                "'changes' must be a list of at least one change.",
                "submission",
                "changes",
            )
        )
        changes = []
    elif len(changes) > MAX_CHANGES:
        problems.append(
            _problem(
                "too-many",
                f"一次最多提交 {MAX_CHANGES} 項變更。",
                f"At most {MAX_CHANGES} changes per submission.",
                "submission",
                "changes",
                "分成數次提交。",
                "Split it into several submissions.",
            )
        )
        changes = []
    parsed = []
    for i, change in enumerate(changes):
        where = f"changes[{i}]"
        if not isinstance(change, dict) or change.get("kind") not in KINDS:
            problems.append(
                _problem(
                    "bad-kind",
                    f"變更種類應為 {'、'.join(KINDS)} 之一。",
                    f"A change's 'kind' must be one of {', '.join(KINDS)}.",
                    where,
                    "kind",
                )
            )
            continue
        origin = change["origin"] if isinstance(change.get("origin"), dict) else {}
        data = {k: v for k, v in change.items() if k not in ("kind", "origin")}
        problems.extend(_check_change(change["kind"], data, where))
        parsed.append(Change(i, change["kind"], data, origin))
    case = doc.get("case")
    new_cases = [c for c in parsed if c.kind == "case"]
    if new_cases:
        if len(new_cases) > 1:
            problems.append(
                _problem(
                    "one-case",
                    "一次提交只能新增一個案件。",
                    "A submission adds at most one case.",
                    "submission",
                    "changes",
                )
            )
        record = new_cases[0].data.get("record") or {}
        new_id = record.get("id") if isinstance(record, dict) else None
        case = case or new_id
        if new_id != case:
            problems.append(
                _problem(
                    "case-mismatch",
                    "case 與新案件之 id 不同。",
                    "'case' differs from the new case's 'id'.",
                    "submission",
                    "case",
                )
            )
    if not isinstance(case, str) or not SLUG.match(case):
        problems.append(
            _problem(
                "bad-case",
                "case 應為案件識別碼（小寫英數與連字號）。",
                "'case' must be a case id (lower-case letters, digits and hyphens).",
                "submission",
                "case",
                "例如 bitan-weir。",
                "For example bitan-weir.",
            )
        )
    if problems:
        return None, problems
    return Submission(str(case), tuple(parsed)), []


def _check_change(kind: str, data: dict, where: str) -> list[Problem]:
    problems = []
    if kind in ("activity", "document", "observation", "case"):
        record = data.get("record")
        if not isinstance(record, dict):
            return [
                _problem(
                    "no-record",
                    "此種變更須附 record 物件。",
                    "This kind of change needs a 'record' object.",
                    where,
                    "record",
                )
            ]
        extra = sorted(set(data) - {"record"})
        if extra:
            problems.append(
                _problem(
                    "unknown-key",
                    f"不認得的欄位：{', '.join(extra)}。",
                    f"Unknown keys: {', '.join(extra)}.",
                    where,
                    extra[0],
                )
            )
        for item, path in _cited_keys(record, f"{where}.record"):
            problems.append(
                _problem(
                    "cited-given",
                    "出處由本服務填入（即此次提交），請勿自填。",
                    "The service writes the citations (this submission itself); leave them out.",
                    where,
                    path,
                    f"刪除 {item}。",
                    f"Remove '{item}'.",
                )
            )
    elif kind == "field":
        if data.get("field") not in FIELDS:
            problems.append(
                _problem(
                    "bad-field",
                    f"可更正之欄位為 {'、'.join(FIELDS)}。",
                    f"The fields that can be changed are {', '.join(FIELDS)}.",
                    where,
                    "field",
                )
            )
        if "value" not in data:
            problems.append(_problem("no-value", "請給新的值。", "Give the new 'value'.", where, "value"))
        problems.extend(_reason(data.get("reason"), where))
    elif kind == "quarterly-report":
        year, quarter = data.get("year"), data.get("quarter")
        if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
            problems.append(
                _problem(
                    "bad-year", "year 應為西元年（例如 2026）。", "'year' must be a year (e.g. 2026).", where, "year"
                )
            )
        if quarter not in (1, 2, 3, 4):
            problems.append(
                _problem("bad-quarter", "quarter 應為 1 至 4。", "'quarter' must be 1 to 4.", where, "quarter")
            )
        figures = data.get("figures")
        if not isinstance(figures, list) or not figures or not all(isinstance(f, dict) for f in figures):
            problems.append(
                _problem(
                    "no-figures",
                    "figures 應為至少一項的清單（indicator、value、unit）。",
                    "'figures' must be a list of at least one figure (indicator, value, unit).",
                    where,
                    "figures",
                )
            )
        problems.extend(_reason(data.get("summary"), where, key="summary"))
    return problems


def _reason(value, where: str, key: str = "reason") -> list[Problem]:
    if isinstance(value, dict) and isinstance(value.get("zh"), str) and value["zh"].strip():
        return []
    return [
        _problem(
            f"no-{key}",
            f"請以中文（可附英文）說明{'理由' if key == 'reason' else '摘要'}。",
            f"Give the {key} in Chinese ('zh'), and in English ('en') if you can.",
            where,
            key,
            '例如 {"zh": "...", "en": "..."}。',
            'For example {"zh": "...", "en": "..."}.',
        )
    ]


def _cited_keys(value, path: str):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("cited", "place_cited", "division_cited", "official_source", "other_source"):
                yield k, f"{path}.{k}"
            else:
                yield from _cited_keys(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _cited_keys(v, f"{path}[{i}]")
