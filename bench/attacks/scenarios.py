"""The scenarios and their variants (``--only`` takes their names)."""

from __future__ import annotations

import time

from .attacker import Attack, Scenario, repeat
from .config import (
    ATTACKER,
    CRASH_DEPTH,
    GUARD_QUERY_CHARS,
    RECONCILE_ALLOWED_VALUES,
    RECONCILE_BATCH,
    RECONCILE_VALUES,
    SLOW_BYTE_EVERY,
    SLOW_RCVBUF,
    SLOW_READ,
    VICTIM,
)
from .floods import forwarded_for, header_stream, slowloris
from .payloads import (
    big_answer,
    big_answer_page,
    guard_post,
    guard_query,
    huge_header,
    many_headers,
    nested_post,
    reconcile_allowed_most,
    reconcile_by_agencies,
    reconcile_texts,
    slow_query,
)


def guard_cost() -> dict:
    """The query check's time for one :func:`guard_query`, here in the probe's process."""
    from api.sparql.guard import QueryRefused, inspect

    query = guard_query(0)
    started = time.perf_counter()
    try:
        verdict = f"passes ({inspect(query).form})"
    except QueryRefused as exc:
        verdict = f"refused {exc.status}: {exc.message}"
    return {"query_chars": len(query), "check_verdict": verdict,
            "check_seconds_in_probe": round(time.perf_counter() - started, 2)}


SMALL_BUDGET = ("--query-timeout", "2", "--client-budget", "4")
SLOW_READER = {"connections": 4, "read_rate": SLOW_READ, "rcvbuf": SLOW_RCVBUF}
SCENARIOS = {s.name: s for s in (
    Scenario("reconcile", "POST /reconcile, form-encoded, 3 attacker connections", (
        Attack(f"{RECONCILE_VALUES} agency values in one property-only query", repeat,
               {"make": reconcile_by_agencies, "connections": 3}),
        Attack(f"{RECONCILE_BATCH} queries of {RECONCILE_ALLOWED_VALUES} agency values (the most "
               "allowed) in one batch", repeat, {"make": reconcile_allowed_most, "connections": 3}),
        Attack(f"{RECONCILE_BATCH} text queries in one batch", repeat,
               {"make": reconcile_texts, "connections": 3}),
    )),
    Scenario("sparql-flood", "12 slow SPARQL queries at once (a count over a product of "
             "three 3,000-triple tables), "
             "each sent again as soon as it returns", (
                 Attack("12 slow queries", repeat, {"make": slow_query, "connections": 12}),
             )),
    Scenario("slowloris", f"request heads that never end: a byte every {SLOW_BYTE_EVERY:g} s", (
        Attack("5,000 connections", slowloris, {"connections": 5_000}, held=5_000),
        Attack("20,000 connections (2 processes x 10,000)", slowloris, {"connections": 10_000},
               processes=2, held=10_000),
    )),
    Scenario("header-flood", "request heads that never end, or are huge", (
        Attack("4 connections streaming header lines", header_stream, {"connections": 4}),
        Attack("100,000 headers in one request, again and again", repeat,
               {"make": many_headers, "connections": 1}),
        Attack("one 1 MB header, again and again", repeat, {"make": huge_header, "connections": 1}),
    )),
    Scenario("query-check", f"~{GUARD_QUERY_CHARS // 1000} KB queries that the query check takes "
             "seconds over, POST application/sparql-query, 4 connections", (
                 Attack("ambiguous '<' before comments, full check, twice", repeat,
                        {"make": guard_post, "connections": 4}, probe_facts=guard_cost),
             )),
    Scenario("big-answers", f"a 1 KB query with a huge answer, read at {SLOW_READ} B/s by "
             "4 connections", (
                 Attack("GET /sparql, JSON", repeat, {"make": big_answer, **SLOW_READER}),
                 Attack("GET /query, the HTML page", repeat,
                        {"make": big_answer_page, **SLOW_READER}),
             )),
    Scenario("crash-loop", f"{CRASH_DEPTH:,} nested groups (a worker's parser overflows its "
             "stack), 2 connections, again and again", (
                 Attack("nested braces, POST", repeat, {"make": nested_post, "connections": 2}),
             )),
    Scenario("forwarded-for", "a budget key of the client's choosing, with X-Forwarded-For "
             f"(server: {' '.join(SMALL_BUDGET)}, so that a budget is spent in seconds); then "
             "12 slow queries at once, a new key each", (
                 Attack(f"from {ATTACKER} (not a trusted proxy)", forwarded_for,
                        {"source": ATTACKER, "other": VICTIM, "connections": 12},
                        server_flags=SMALL_BUDGET),
                 Attack("from 127.0.0.1 (uvicorn's default trusted proxy; ours trusts none unless "
                        "--trusted-proxies says so; victim 127.0.0.3)",
                        forwarded_for,
                        {"source": "127.0.0.1", "other": "127.0.0.3", "connections": 12},
                        server_flags=SMALL_BUDGET, victim="127.0.0.3"),
             )),
)}
