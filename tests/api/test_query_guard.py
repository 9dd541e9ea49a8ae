"""The query check: what runs, what is refused and why, before any engine sees it."""

from __future__ import annotations

import pytest

from api.sparql.guard import QueryRefused, inspect

GRAPHS = frozenset({"https://w3id.org/lianzheng/vocab", "https://w3id.org/lianzheng/shapes"})

# (query, expected form) -- these must run
ALLOWED = [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("ASK {}", "ASK"),
    ("CONSTRUCT { <s> <p> 1 } WHERE {}", "CONSTRUCT"),
    ("DESCRIBE <http://example.org/>", "DESCRIBE"),
    ("PREFIX lz: <https://w3id.org/lianzheng/vocab#>\nselect ?c { ?c a lz:IntegrityPlatform }", "SELECT"),
    # the word SERVICE where it is not the keyword
    ("SELECT * { ?s <http://example.org/SERVICE> ?o }", "SELECT"),
    ("SELECT * { ?s ?p 'SERVICE <http://x/> {}' }", "SELECT"),
    ('SELECT * { ?s ?p """\nSERVICE <http://x/> {}\n""" }', "SELECT"),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://x/> {}", "SELECT"),
    ("SELECT ?SERVICE { ?SERVICE ?p ?o }", "SELECT"),
    ("PREFIX ex: <http://e/> SELECT * { ?s ex:service ?o }", "SELECT"),
    ("SELECT * { ?s ?type <https://schema.org/Service> }", "SELECT"),
    ("SELECT * { ?s ?p ?o FILTER(?o = <https://schema.org/Service>) }", "SELECT"),
    ("SELECT * { VALUES (?a ?b) { (<http://x#a> <https://schema.org/Service>) } }", "SELECT"),
    ("SELECT * { ?s ?p ?o FILTER(?a<?b&&?c>?d) }", "SELECT"),
    # update words inside strings and IRIs are data
    ("SELECT * { ?s ?p 'INSERT DATA' . ?s <http://x/DELETE> ?o }", "SELECT"),
    # a subquery: the form is the outer one
    ("SELECT ?x { { SELECT ?x WHERE { ?x ?p ?o } LIMIT 1 } }", "SELECT"),
    # graphs the store holds
    ("SELECT * FROM <https://w3id.org/lianzheng/vocab> { ?s ?p ?o }", "SELECT"),
    ("PREFIX g: <https://w3id.org/lianzheng/> SELECT * FROM NAMED g:shapes { GRAPH ?g { ?s ?p ?o } }", "SELECT"),
]

# (query, status, words the message must hold)
REFUSED = [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
    ("select * where { service silent <http://x/> {} }", 400, "SERVICE"),
    ("SELECT * { ?s ?p ?o . SERVICE ?endpoint { ?a ?b ?c } VALUES ?endpoint { <http://x/> } }", 400, "SERVICE"),
    # codepoint escapes stand anywhere (SPARQL 1.1 section 19.2)
    (r"SELECT * WHERE { \u0053ERVICE <http://x/> {} }", 400, "SERVICE"),
    # "<" after an operand read as the less-than operator: '#' then starts a comment
    ("SELECT * { ?s ?p ?o FILTER(?s<?x)SERVICE#>\n<http://x/>{} }", 400, "SERVICE"),
    # ... and a long string on the other reading hides the next line
    ("SELECT * { ?s ?p ?o FILTER(?s<?x)#>'''\nSERVICE <http://x/> {}\n#''' }", 400, "SERVICE"),
    ("SELECT * { ?s ?p ?o FILTER(?s<?x)'''> 'a' ) . ''' SERVICE <http://x/> {} #''' }", 400, "SERVICE"),
    ("SELECT * { ?s ?p 1.SERVICE<http://x/>{} }", 400, "SERVICE"),
    ("PREFIX ex: <http://e/> SELECT * { ?s ?p ex:a.SERVICE<http://x/>{} }", 400, "SERVICE"),
    # updates
    ("INSERT DATA { <a> <b> <c> }", 403, "read-only"),
    ("LOAD <http://example.org/data.ttl>", 403, "read-only"),
    ("DELETE WHERE { ?s ?p ?o }", 403, "read-only"),
    ("CLEAR ALL", 403, "read-only"),
    ("DROP GRAPH <http://x/>", 403, "read-only"),
    ("WITH <http://x/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", 403, "read-only"),
    # a graph named with a prefix the query does not declare
    ("SELECT * FROM undeclared:x { ?s ?p ?o }", 400, "FROM names undeclared:x"),
    # not a query
    ("hello", 400, "not a SPARQL query"),
    ("SELECT * { ?s ?p 'no end }", 400, "does not end"),
    ("SELECT * { ?s ?p ?o }\x00", 400, "NUL"),
]


@pytest.mark.parametrize("query,form", ALLOWED)
def test_inspect_allows(query, form):
    assert inspect(query, GRAPHS).form == form


@pytest.mark.parametrize("query,status,words", REFUSED)
def test_inspect_refuses(query, status, words):
    with pytest.raises(QueryRefused) as caught:
        inspect(query, GRAPHS)
    assert caught.value.status == status
    assert words in caught.value.message


@pytest.mark.parametrize("query,unknown", [
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", ["file:///etc/passwd"]),
    ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", ["http://example.org/g"]),
    ("PREFIX f: <file:///etc/> SELECT * FROM f:passwd { ?s ?p ?o }", ["file:///etc/passwd"]),
    ("PREFIX g: <https://w3id.org/lianzheng/> SELECT * FROM g:vocab FROM <http://x/> { ?s ?p ?o }", ["http://x/"]),
])
def test_inspect_lists_the_graphs_it_does_not_hold(query, unknown):
    """Not refused: the engine reads them as empty (it never loads a graph from a URL or a file)."""
    assert inspect(query, GRAPHS).unknown_graphs == unknown


def test_inspect_lists_the_dataset_of_the_query():
    info = inspect("PREFIX g: <https://w3id.org/lianzheng/> SELECT * FROM g:vocab FROM NAMED g:shapes "
                   "{ ?s ?p ?o }", GRAPHS)
    assert info.from_graphs == ["https://w3id.org/lianzheng/vocab"]
    assert info.from_named == ["https://w3id.org/lianzheng/shapes"]
    assert info.has_dataset


def _counting_lexer(monkeypatch):
    """Count the lexer's steps: the check's work, measured without a clock."""
    from api.sparql import guard as query_guard

    lexer = query_guard._LEXER
    counted = {"steps": 0}

    class Counting:
        def match(self, text, pos):
            counted["steps"] += 1
            return lexer.match(text, pos)

        def finditer(self, text):  # the plain reading alone: one pass
            for m in lexer.finditer(text):
                counted["steps"] += 1
                yield m

    monkeypatch.setattr(query_guard, "_LEXER", Counting())
    return counted


def test_inspect_is_linear_on_long_queries(monkeypatch):
    counted = _counting_lexer(monkeypatch)
    # an ambiguous '<' (after a value, before an IRI with '#') in every FILTER: the readings meet again
    body = " ".join(f"?s{i} ?p ?o{i} . FILTER(?o{i}<http://x#{i}>) ?s{i} <http://ex.org/p#{i}> ?v{i} ."
                    for i in range(1500))
    query = f"SELECT * FROM <https://w3id.org/lianzheng/vocab> WHERE {{ {body} }}"  # FROM: every reading
    assert inspect(query, GRAPHS).form == "SELECT"
    assert 3000 < counted["steps"] <= len(query)  # a quadratic scan would need millions


def test_readings_that_never_meet_are_refused_within_a_linear_bound(monkeypatch):
    """On separate lines the other reading's comment hides each ')': its readings never meet
    the plain one, and scanning them all took 20 s for 35 KB (quadratic). Refused instead."""
    from api.sparql.guard import WORK_PER_CHAR, WORK_SLACK

    counted = _counting_lexer(monkeypatch)
    body = "\n".join(f"?s{i} ?p ?o{i} . FILTER(?o{i}<http://x#{i}>)" for i in range(2000))
    query = f"SELECT * FROM <https://w3id.org/lianzheng/vocab> WHERE {{ {body} }}"  # FROM: every reading
    with pytest.raises(QueryRefused) as caught:
        inspect(query, GRAPHS)
    assert caught.value.status == 400 and "too ambiguous" in caught.value.message
    assert counted["steps"] <= WORK_PER_CHAR * len(query) + WORK_SLACK
    # the same comparisons written unambiguously (a space after the less-than) are checked and allowed
    assert inspect(query.replace("<http", "< <http"), GRAPHS).form == "SELECT"
    # without FROM nothing in the text could be refused on any reading: the plain one answers
    assert inspect(query.replace("FROM <https://w3id.org/lianzheng/vocab> ", ""), GRAPHS).form == "SELECT"


# Pieces of queries, joined at random: keywords in every case, in IRIs, strings, comments and
# names, ambiguous '<', escapes, characters whose capitals are ASCII letters.
PIECES = ["SELECT", "select", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o",
          "<http://x/>", "<http://x#a>", "<http://x/SERVICE>", "'", '"', "'''", "'a b'", '"SERVICE"', "#",
          "# SERVICE\n", "\n", "SERVICE", "service", "ſervice", "Service", "ex:a.service", "ex:a.ſervice",
          "_:b.SERVICE", "FROM", "from", "NAMED", "<https://w3id.org/lianzheng/vocab>", "<file:///etc/passwd>",
          "PREFIX", "ex:", "<http://e/>", "INSERT", "DATA", "LOAD", "WITH", "add", "1.", "1", "<", ">", "<=",
          "&&", "FILTER", "\\u0053ERVICE", "\\u0041SK", ".", ";", "a", "?SERVICE", "$x", "@en", "^^", "ſelect"]


def test_the_plain_reading_answers_as_every_reading_would():
    """Where the check answers from the plain reading alone, the full check answers the same:
    the same form, or the same refusal (or, only for a text too ambiguous for the full check,
    an answer where it gave up)."""
    import random

    from api.sparql.guard import _every_reading, _plain_only

    def outcome(check, query):
        try:
            info = check(query)
            return None if info is None else ("ok", info.form, info.from_graphs, info.from_named)
        except QueryRefused as exc:
            return ("refused", exc.status, exc.message, exc.detail)

    rng = random.Random(20261122)
    queries = [q for q, _ in ALLOWED] + [q for q, _, _ in REFUSED]
    for _ in range(6000):
        queries.append("".join(rng.choice(PIECES) + rng.choice(["", " ", " ", "\n"])
                               for _ in range(rng.randint(1, 14))))
    answered = 0
    for query in queries:
        fast = outcome(_plain_only, query)
        if fast is None:
            continue
        answered += 1
        full = outcome(lambda q: _every_reading(q, GRAPHS), query)
        if full[0] == "refused" and "too ambiguous" in full[2]:
            continue
        assert fast == full, query
    assert answered > 500  # the plain reading answers often, and is checked on those
