"""Matching names to cases and agencies: the logic behind the reconciliation service.

The service (``api/harvest.py``) follows the W3C Entity Reconciliation Community
Group's Reconciliation Service API 0.2 (https://reconciliation-api.github.io/specs/0.2/);
this module owns what that spec leaves to the service: how candidates are found
and scored (§ "A Note on Candidate Retrieval and Scoring"), the types
(§ "Types"), the properties (§ "Properties"), and ``match`` (§ "Reconciliation
Query Responses"). The same properties are what a data extension fetches
(§ "Data Extension Service"). It works from ``reconcile.json``, a names file written into
every release (the service never reads source records).

The candidates of a query are found and scored by :class:`.matching.Index`. Names are
compared after :func:`keys`: NFKC (full-width to half-width), 臺/台,
lower case, no spaces or punctuation, brackets dropped (both with and without
their content), and the suffixes 廉政平臺, 平臺, 案 and "Integrity Platform"
removed, so 「台北車站特定專用區Ｃ１／Ｄ１」, "淡江大橋" and "danjiang bridge" find
their case. Scores run from 0 to 100: 100 is an equal key; containment scores
50–95 by length; otherwise Dice similarity of character bigrams (Chinese) or
Jaccard similarity of words (English), times 90. ``match`` is true only for the
one candidate whose key equals the query's, when no other entity's does, and when
every property given agrees.
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal

from ..normalise import fold
from ..terms import VOCAB

ORG = "http://www.w3.org/ns/org#Organization"
TYPES = {
    "case": {"id": VOCAB + "IntegrityPlatform", "name": "廉政平臺案件 Integrity platform case"},
    "agency": {"id": ORG, "name": "機關 Agency"},
}
TYPE_BY_ID = {**{k: k for k in TYPES}, **{v["id"]: k for k, v in TYPES.items()}}
PROPERTIES = {
    "agency": {"id": "agency", "name": "採購機關或主管機關 Procuring agency or parent authority",
               "description": "機關名稱或識別碼；符合任一採購機關或主管機關即算。 An agency's name, slug or IRI."},
    "year": {"id": "year", "name": "成立年 Year established",
             "description": "西元年或民國年（如 2019 或 108）。 Gregorian or ROC year (2019 or 108)."},
    "amount": {"id": "amount", "name": "金額（新臺幣元）Amount (TWD)",
               "description": "數字或「125 億」之寫法；相差 10% 以內算符合。 "
                              "A number or '125 億'; within 10% matches."},
}
AMOUNT_TOLERANCE = Decimal("0.10")
MIN_SCORE = 20.0
MAX_CANDIDATES = 200
MAX_VALUES = 20  # values one property may give in one query
BATCH_SIZE = 100  # queries in one batch (the manifest's batchSize)
MAX_LIMIT = 100  # candidates one query may ask for
SUGGEST_PAGE = 10  # suggestions in one answer

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕"
                        r"|「[^「」]*」|『[^『』]*』|《[^《》]*》|〈[^〈〉]*〉")
PUNCT = re.compile(r"[^\w]|_", re.UNICODE)
_SUFFIXES = ("廉政平臺", "平臺", "integrityplatform", "案")
_WORD = re.compile(r"[a-z0-9]+")


def _strip_suffixes(key: str) -> str:
    changed = True
    while changed and key:
        changed = False
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)], True
    return key


def keys(name: str) -> set[str]:
    """The comparison keys of a name (see the module docstring).

    >>> sorted(keys("臺中(水湳)國際會展中心廉政平臺"))
    ['臺中國際會展中心', '臺中水湳國際會展中心']
    >>> keys("Danjiang Bridge Integrity Platform")
    {'danjiangbridge'}
    """
    folded = fold(name)
    out = set()
    for variant in {folded, _BRACKETED.sub("", folded)}:
        key = _strip_suffixes(PUNCT.sub("", variant))
        if key:
            out.add(key)
    return out


def words(name: str) -> set[str]:
    """Lower-case words of an English name, without 'integrity platform'."""
    found = _WORD.findall(unicodedata.normalize("NFKC", name).lower())
    while len(found) > 2 and found[-2:] == ["integrity", "platform"]:
        found = found[:-2]
    return set(found)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def latin(text: str) -> bool:
    """True for a name written without Chinese characters (compared word by word)."""
    return not _CJK.search(text)


def bigrams(key: str) -> set[str]:
    return {key[i:i + 2] for i in range(len(key) - 1)} if len(key) > 1 else {key}


def _is_ascii(key: str) -> bool:
    return key.isascii()


def name_score(q_keys: set[str], q_words: set[str], e_keys: set[str], e_words: set[str]) -> float:
    """How well a query's name matches an entity's names, 0..100."""
    if q_keys & e_keys:
        return 100.0
    best = 0.0
    for qk in q_keys:
        for ek in e_keys:
            short, long_ = (qk, ek) if len(qk) <= len(ek) else (ek, qk)
            if len(short) >= 2 and short in long_:
                best = max(best, 50.0 + 45.0 * len(short) / len(long_))
            elif _is_ascii(qk) and _is_ascii(ek):
                continue  # words are compared below
            else:
                a, b = bigrams(qk), bigrams(ek)
                best = max(best, 90.0 * 2 * len(a & b) / (len(a) + len(b)))
    if q_words and e_words:
        best = max(best, 90.0 * len(q_words & e_words) / len(q_words | e_words))
    return round(best, 1)


def suggest_answer(items: list, cursor: int, show=lambda item: item, size: int = SUGGEST_PAGE) -> dict:
    """A suggest answer (spec § Suggest Responses): the ``size`` items from ``cursor`` on, each
    through ``show``, and, when more follow, ``cursor``: the value a client sends back for the next
    page (spec § Suggest Queries). The 0.2 schemas neither name nor forbid that field; OpenRefine's
    suggest widget (``suggest-4_3a.js``) offers "view more" only when an answer carries it.

    >>> suggest_answer(list(range(25)), 10)
    {'result': [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'cursor': 20}
    >>> suggest_answer(list(range(25)), 20)
    {'result': [20, 21, 22, 23, 24]}
    """
    answer: dict = {"result": [show(item) for item in items[cursor:cursor + size]]}
    if cursor + size < len(items):
        answer["cursor"] = cursor + size
    return answer


# --- the names file, written into every release ------------------------------------------


def entities_of(rel) -> list[dict]:
    """Cases and agencies of a release as reconciliation entities (rows of ``reconcile.json``)."""
    ds, ids = rel.ds, rel.ids
    out = []
    for c in ds.cases.values():
        names = [c.name.zh, c.name.en, c.procurement.zh, c.procurement.en]
        for alt in c.alt_names:
            names += [alt.zh, alt.en]
        agencies = list(dict.fromkeys([*c.agencies, c.authority]))
        agency_names = [ds.agencies[a].name.zh for a in c.agencies if a in ds.agencies]
        out.append({
            "id": ids.case(c.id), "type": "case", "slug": c.id, "name": c.name.zh, "name_en": c.name.en,
            "names": [n for n in dict.fromkeys(names) if n],
            "description": f"{c.procurement.zh}；{', '.join(agency_names)}；"
                           f"{c.established.iso} 成立；{c.amount_text}",
            "agencies": agencies, "year": c.established.year, "amount": str(c.amount_twd),
            "established": c.established.iso, "amount_text": c.amount_text, "status": c.status,
            "procurement": c.procurement.zh, "procurement_en": c.procurement.en,
        })
    for a in ds.agencies.values():
        names = [a.name.zh, a.name.en, *a.alt_names]
        parent = ds.agencies.get(a.parent)
        out.append({
            "id": ids.agency(a.id), "type": "agency", "slug": a.id, "name": a.name.zh, "name_en": a.name.en,
            "names": [n for n in dict.fromkeys(names) if n],
            "description": a.name.en + (f"；上級機關 {parent.name.zh}" if parent else ""),
            "agencies": [a.id], "kind": a.kind,
        })
    return out


def write_index(rel) -> str:
    path = rel.folder / "reconcile.json"
    body = {"base": rel.base, "version": rel.version, "types": TYPES, "properties": PROPERTIES,
            "entities": entities_of(rel)}
    path.write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                    encoding="utf-8", newline="\n")
    return path.name


# --- the index the service queries -------------------------------------------------------
