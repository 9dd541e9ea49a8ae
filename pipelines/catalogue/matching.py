"""Finding and scoring the candidates of a reconciliation query over a release's names file
(``reconcile.json``, written by :mod:`.reconcile`): the engine the service's reconciliation
worker runs. How names compare, and what the spec leaves to the service, is told in
:mod:`.reconcile`."""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path

from ..normalise import AMOUNT_DIGITS, fold, parse_amount
from .reconcile import (
    AMOUNT_TOLERANCE,
    MAX_CANDIDATES,
    MAX_LIMIT,
    MAX_VALUES,
    MIN_SCORE,
    PROPERTIES,
    PUNCT,
    TYPE_BY_ID,
    TYPES,
    bigrams,
    keys,
    latin,
    name_score,
    suggest_answer,
    words,
)


@dataclass
class Entity:
    row: dict
    keys: set[str]
    words: set[str]
    position: int = 0
    flat: frozenset = frozenset()  # folded names without punctuation, the keys and the slug (for suggest)


class QueryError(ValueError):
    """A reconciliation query that cannot be answered (the service answers 400)."""


class Index:
    """Reconciliation over the entities of one release."""

    def __init__(self, rows: list[dict]):
        self.entities: list[Entity] = []
        self.by_id: dict[str, Entity] = {}
        self.by_slug: dict[tuple[str, str], Entity] = {}
        self._grams: dict[str, set[int]] = defaultdict(set)
        self._words: dict[str, set[int]] = defaultdict(set)
        self._agency_keys: dict[str, set[str]] = defaultdict(set)  # key -> agency slugs
        for row in rows:
            e = Entity(row, set().union(*(keys(n) for n in row["names"])) if row["names"] else set(),
                       set().union(*(words(n) for n in row["names"] if latin(n))) if row["names"] else set())
            i = e.position = len(self.entities)
            e.flat = frozenset({PUNCT.sub("", fold(n)) for n in row["names"]} | e.keys | {row["slug"]})
            self.entities.append(e)
            self.by_id[row["id"]] = e
            self.by_slug[(row["type"], row["slug"])] = e
            for k in e.keys:
                for g in bigrams(k):
                    self._grams[g].add(i)
            for w in e.words:
                self._words[w].add(i)
            if row["type"] == "agency":
                for k in e.keys:
                    self._agency_keys[k].add(row["slug"])
        self.agency_slugs = {row["slug"] for row in rows if row["type"] == "agency"}
        # cases by the values of their properties: a query by properties alone reads only those
        # that match one, never every entity for every value
        self._by_agency: dict[str, list[int]] = defaultdict(list)
        self._by_year: dict[int, list[int]] = defaultdict(list)
        amounts = []
        for e in self.entities:
            row = e.row
            if row["type"] != "case":
                continue
            for slug in row["agencies"]:
                self._by_agency[slug].append(e.position)
            self._by_year[row["year"]].append(e.position)
            amounts.append((Decimal(row["amount"]), e.position))
        amounts.sort()
        self._amounts = [a for a, _ in amounts]
        self._amount_positions = [i for _, i in amounts]

    @classmethod
    def load(cls, path: Path) -> Index:
        return cls(json.loads(Path(path).read_text(encoding="utf-8"))["entities"])

    # --- one query

    def lookup(self, ident: str) -> Entity | None:
        """An entity by IRI, or by slug (a case first)."""
        ident = ident.strip()
        if ident in self.by_id:
            return self.by_id[ident]
        return self.by_slug.get(("case", ident)) or self.by_slug.get(("agency", ident))

    def _types(self, value) -> set[str]:
        if value in (None, "", []):
            return set(TYPES)
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise QueryError("'type' must be a type id or a list of them")
        out = {TYPE_BY_ID[v] for v in values if v in TYPE_BY_ID}
        if not out:
            raise QueryError(f"unknown type {values!r}; known: {', '.join(TYPES)}")
        return out

    def _candidates(self, q_keys: set[str], q_words: set[str]) -> list[int]:
        votes: Counter = Counter()
        for k in q_keys:
            for g in bigrams(k):
                votes.update(self._grams.get(g, ()))
        for w in q_words:
            votes.update(self._words.get(w, ()))
        return [i for i, _ in votes.most_common(MAX_CANDIDATES)]

    def agencies_named(self, value) -> set[str]:
        """Agency slugs a property value names (by IRI, slug or name)."""
        if isinstance(value, dict):
            value = value.get("id") or value.get("name") or ""
        text = str(value).strip()
        hit = self.lookup(text)
        if hit is not None and hit.row["type"] == "agency":
            return {hit.row["slug"]}
        found: set[str] = set()
        for k in keys(text):
            found |= self._agency_keys.get(k, set())
        return found

    def _wanted(self, pid: str, values: list):
        """What a property's values ask for, worked out once per query: agency slugs, years, or
        amounts (:class:`QueryError` for a property this service does not know)."""
        if pid == "agency":
            return set().union(*(self.agencies_named(v) for v in values))
        if pid == "year":
            return {y for y in (_year(v) for v in values) if y is not None}
        if pid == "amount":
            return [a for a in (_amount(v) for v in values) if a is not None]
        raise QueryError(f"unknown property '{pid}'; known: {', '.join(PROPERTIES)}")

    def _matches(self, pid: str, wanted) -> set[int]:
        """Positions of the cases that a property's wanted values match (through the indexes)."""
        if pid == "agency":
            return {i for slug in wanted for i in self._by_agency.get(slug, ())}
        if pid == "year":
            return {i for year in wanted for i in self._by_year.get(year, ())}
        found: set[int] = set()
        for amount in wanted:  # |a - w| <= t * max(a, w)  <=>  w (1 - t) <= a <= w / (1 - t)
            lo = bisect.bisect_left(self._amounts, amount * (1 - AMOUNT_TOLERANCE))
            hi = bisect.bisect_right(self._amounts, amount / (1 - AMOUNT_TOLERANCE))
            found.update(self._amount_positions[lo:hi])
        return found

    def _property(self, pid: str, wanted, row: dict) -> bool | None:
        """True/False when the property applies to the entity, None when it does not."""
        if row["type"] != "case":
            return None
        if pid == "agency":
            return bool(wanted & set(row["agencies"]))
        if pid == "year":
            return row["year"] in wanted
        amount = Decimal(row["amount"])
        return any(abs(w - amount) <= AMOUNT_TOLERANCE * max(w, amount) for w in wanted)

    def query(self, q: dict) -> list[dict]:
        """Candidates for one reconciliation query (spec § Structure of a Reconciliation Query)."""
        if not isinstance(q, dict):
            raise QueryError("each query must be an object")
        text = q.get("query")
        props = q.get("properties") or []
        if text is not None and not isinstance(text, str):
            raise QueryError("'query' must be a string")
        if not isinstance(props, list) or not all(isinstance(p, dict) and "pid" in p and "v" in p for p in props):
            raise QueryError("'properties' must be a list of {pid, v}")
        name = text if isinstance(text, str) else ""
        named = bool(name.strip())
        if text is None and not props:  # reconciliation-query-batch.json: anyOf required query, or properties
            raise QueryError("a query needs 'query' or 'properties'")
        limit = _limit(q.get("limit", 5))
        types = self._types(q.get("type"))
        wanted = []
        for p in props:
            pid, values = str(p["pid"]), p["v"] if isinstance(p["v"], list) else [p["v"]]
            if pid not in PROPERTIES:
                raise QueryError(f"unknown property '{pid}'; known: {', '.join(PROPERTIES)}")
            if len(values) > MAX_VALUES:
                raise QueryError(f"property '{pid}' gives {len(values)} values; at most {MAX_VALUES} "
                                 "per property (split them into several queries)")
            wanted.append((pid, self._wanted(pid, values)))
        if not named and not wanted:
            return []  # a blank name and nothing else (the schema allows it, the test bench sends it): no candidates

        if named:
            q_keys, q_words = keys(name), words(name) if latin(name) else set()
            direct = self.lookup(name)
            pool = self._candidates(q_keys, q_words)
            if direct is not None:
                pool.insert(0, direct.position)
        else:  # properties alone: the cases one of them matches (a case matching none scores 0)
            q_keys, q_words, direct = set(), set(), None
            pool = sorted(set().union(*(self._matches(pid, w) for pid, w in wanted)))

        results = []
        for i in dict.fromkeys(pool):
            e = self.entities[i]
            if e.row["type"] not in types:
                continue
            features = []
            if named:
                score = 100.0 if e is direct else name_score(q_keys, q_words, e.keys, e.words)
                features.append({"id": "name", "value": score})
            else:
                score = None
            checks = [(pid, self._property(pid, w, e.row)) for pid, w in wanted]
            applied = [(pid, ok) for pid, ok in checks if ok is not None]
            for pid, ok in applied:
                features.append({"id": pid, "value": ok})
            frac = sum(ok for _, ok in applied) / len(applied) if applied else None
            if score is None:
                if not frac:
                    continue
                final = round(100.0 * frac, 1)
            else:
                final = score if frac is None else round(0.7 * score + 30.0 * frac, 1)
            if final < MIN_SCORE:
                continue
            results.append((final, score == 100.0 and (frac is None or frac == 1.0), e, features))
        results.sort(key=lambda r: (-r[0], r[2].row["type"] != "case", r[2].row["slug"]))
        exact = [r for r in results if r[1]]
        out = []
        for final, is_exact, e, features in results[:limit]:
            row = e.row
            out.append({
                "id": row["id"],
                "name": label(row),
                "description": row.get("description", ""),
                "score": final,
                "match": bool(is_exact and len(exact) == 1),
                "type": [TYPES[row["type"]]],
                "features": features,
            })
        return out

    def batch(self, queries: dict) -> dict:
        """A reconciliation result batch for a query batch (spec § Sending Reconciliation Queries)."""
        if not isinstance(queries, dict):
            raise QueryError("the query batch must be an object of queries by key")
        return {key: {"result": self.query(q)} for key, q in queries.items()}

    # --- data extension

    def extend(self, query) -> dict:
        """A data extension response for a data extension query (spec § Data Extension Service;
        schemas data-extension-query.json and data-extension-response.json): for each id asked,
        the values of each property asked. The properties are the cases': agencies as entities
        (their IRIs, in the identifier space), the year as ``int`` and the amount as ``float``
        (OpenRefine reads ``int`` as 32 bits, too few for amounts in TWD). An id that is no case,
        or none of ours, has no values. Settings are not supported (the manifest lists none)."""
        if not isinstance(query, dict):
            raise QueryError("the data extension query must be an object with 'ids' and 'properties'")
        ids, props = query.get("ids"), query.get("properties")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise QueryError("'ids' must be a list of entity ids")
        if not isinstance(props, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in props):
            raise QueryError("'properties' must be a list of {id}")
        pids = list(dict.fromkeys(p["id"] for p in props))
        for pid in pids:
            if pid not in PROPERTIES:
                raise QueryError(f"unknown property '{pid}'; known: {', '.join(PROPERTIES)}")
        meta = [{"id": pid, "name": PROPERTIES[pid]["name"]} for pid in pids]
        for column in meta:
            if column["id"] == "agency":  # its values are entities of this type (spec: MAY say so)
                column["type"] = dict(TYPES["agency"])
        rows = {}
        for ident in dict.fromkeys(ids):
            e = self.lookup(ident)
            rows[ident] = {pid: self._values(pid, e.row) if e is not None else [] for pid in pids}
        return {"meta": meta, "rows": rows}

    def _values(self, pid: str, row: dict) -> list[dict]:
        if row["type"] != "case":
            return []
        if pid == "agency":
            found = (self.by_slug.get(("agency", slug)) for slug in row["agencies"])
            return [{"id": a.row["id"], "name": label(a.row)} for a in found if a is not None]
        if pid == "year":
            return [{"int": row["year"]}]
        return [{"float": float(Decimal(row["amount"]))}]

    # --- suggest and preview

    def suggest(self, prefix: str, cursor: int = 0) -> dict:
        """The suggest answer for ``prefix`` (spec § Suggest Services): entities whose names start
        with it, then those that contain it, one page from ``cursor`` on (:func:`.suggest_answer`)."""
        p_keys = {PUNCT.sub("", fold(prefix))} - {""}
        if not p_keys:
            return suggest_answer([], cursor)
        ranked = []
        for e in self.entities:
            flat = e.flat
            starts = any(k.startswith(p) for k in flat for p in p_keys)
            if starts or any(p in k for k in flat for p in p_keys):
                ranked.append((not starts, e.row["type"] != "case", len(e.row["name"]), e.row["slug"], e))
        ranked.sort(key=lambda r: r[:4])
        return suggest_answer([r[-1] for r in ranked], cursor, _suggestion)

    def preview_html(self, ident: str) -> str | None:
        """A small HTML page for an entity (spec § Preview Service), or None if unknown."""
        e = self.lookup(ident)
        if e is None:
            return None
        row = e.row
        lines = [f"<p><a href=\"{escape(row['id'])}\" target=\"_blank\"><strong>{escape(row['name'])}</strong></a>"
                 f"<br>{escape(row.get('name_en', ''))}</p>"]
        if row["type"] == "case":
            names = [self.by_slug[("agency", a)].row["name"] for a in row["agencies"]
                     if ("agency", a) in self.by_slug]
            lines.append("<dl>"
                         f"<dt>採購案 Procurement</dt><dd>{escape(row['procurement'])}</dd>"
                         f"<dt>機關 Agencies</dt><dd>{escape('、'.join(names))}</dd>"
                         f"<dt>成立 Established</dt><dd>{escape(row['established'])}</dd>"
                         f"<dt>金額 Amount</dt><dd>{escape(row['amount_text'])}</dd>"
                         f"<dt>狀態 Status</dt><dd>{escape(row['status'])}</dd></dl>")
        else:
            lines.append(f"<p>{escape(row.get('description', ''))}</p>")
        return ("<!DOCTYPE html><html lang=\"zh-Hant\"><head><meta charset=\"utf-8\">"
                f"<title>{escape(row['name'])}</title></head><body style=\"margin:0;font:14px sans-serif\">"
                + "".join(lines) + "</body></html>")


def label(row: dict) -> str:
    """An entity's name as candidates, suggestions and extended values show it: Chinese, then English."""
    return row["name"] + (f" {row['name_en']}" if row.get("name_en") else "")


def _suggestion(e: Entity) -> dict:
    row = e.row
    return {"id": row["id"], "name": label(row),
            "description": row.get("description", ""), "notable": [TYPES[row["type"]]]}


def _limit(value) -> int:
    """A query's ``limit``: a whole number of candidates from 1, at most :data:`MAX_LIMIT`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 1:
        raise QueryError("'limit' must be a positive whole number of candidates")
    return min(int(value), MAX_LIMIT)


def _year(value) -> int | None:
    text = str(value).strip()
    if not text.isdigit() or len(text) > 4:  # a Gregorian or ROC year, never a long number
        return None
    year = int(text)
    return year + 1911 if year < 1911 else year


def _amount(value) -> Decimal | None:
    """An amount a query names: a number or the source's wording (``125 億``); None for anything
    else, NaN, infinities, negatives and numbers past the largest amount a record may hold."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    text = str(value).replace(",", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        try:
            return parse_amount(str(value))
        except ValueError:
            return None
    if not amount.is_finite() or amount < 0 or amount.adjusted() >= AMOUNT_DIGITS:
        return None
    return amount
