"""Checking a SPARQL query before it runs: read-only, nothing fetched, only our graphs.

SPARQL 1.1 Query (https://www.w3.org/TR/sparql11-query/): the lexical rules of
section 19.8 (terminals) and 19.2 (codepoint escapes). The engine (pyoxigraph)
follows ``SERVICE`` to any URL and cannot be told not to; rdflib reads
``FROM <file:///...>`` from disk. So before a query reaches a worker this module
tokenizes it -- skipping strings, IRIs and comments, never a substring test -- and
refuses:

* ``SERVICE`` anywhere (federation: the server would fetch a URL);
* update operations (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``CREATE``,
  ``DROP``, ``COPY``, ``MOVE``, ``ADD``, ``WITH``, ``USING``): the endpoint is read-only;
* ``FROM`` / ``FROM NAMED`` with a prefixed name whose prefix is not declared.

A ``FROM`` or ``FROM NAMED`` graph the store does not hold is not refused: it is listed
(:attr:`QueryInfo.unknown_graphs`) and the engine reads it as empty, as other engines do;
pyoxigraph answers from its own store only and never loads a graph from a URL or a file.

One lexical ambiguity matters: ``<`` after an operand may start an IRI
(``?s <p> ?o``) or be the less-than operator (``FILTER(?a<?b)``), and an IRI may
hold ``#``, which after a less-than operator starts a comment. So wherever a ``<``
follows an operand and could be either, both readings are followed, and a
forbidden keyword on any reading refuses the query. Readings that reach the
same position in the same state are the same from there on and are scanned
once. Readings that never meet again (an ambiguous ``<`` on line after line,
each opening a comment that hides a closing parenthesis) would make the scan
quadratic, in the service's own process: past :data:`WORK_PER_CHAR` lexer steps
a character, over all readings, the query is refused as too ambiguous to check.
The same is done for the text with its ``\\uXXXX`` escapes decoded (section 19.2
lets them stand anywhere).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE",
                          "ADD", "WITH", "USING"})
FEDERATION_WORDS = frozenset({"SERVICE"})


class QueryRefused(ValueError):
    """A query this endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, detail: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


@dataclass
class QueryInfo:
    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    unknown_graphs: list[str] = field(default_factory=list)  # named in FROM, not held: read as empty

    @property
    def has_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named)


# --------------------------------------------------------------------------- lexer

_PN_CHARS_BASE = "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF" \
                 "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD" \
                 "\U00010000-\U000EFFFF"
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "0-9\u00B7\u0300-\u036F\u203F-\u2040-"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"

_TOKENS = [
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("string", r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\""
               r"|'(?:[^'\\\r\n]|\\.)*'|\"(?:[^\"\\\r\n]|\\.)*\""),
    ("open_string", r"'''|\"\"\"|['\"]"),  # a string that does not end: the engine refuses it too
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    ("var", rf"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"),
    ("bnode", rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", rf"(?:[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?:"
              rf"(?:(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?)?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("punct", r"\^\^|\|\||&&|!=|<=|>=|[{}()\[\].,;*+\-/!=<>^|~@]"),
    ("other", r"."),
]
_LEXER = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _TOKENS), re.DOTALL)
_UESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

WORK_PER_CHAR = 1  # lexer steps a query text may take per character, over all its readings
WORK_SLACK = 64
OPERAND = "operand"  # the previous token could end an expression operand
OTHER = "other"
_OPERAND_KINDS = frozenset({"string", "iri", "var", "bnode", "pname", "langtag", "number"})


@dataclass
class _Token:
    kind: str
    text: str
    pos: int


def _after(tok: _Token) -> str:
    if tok.kind in _OPERAND_KINDS or tok.text in (")", "]"):
        return OPERAND
    if tok.kind == "word" and tok.text.lower() in ("true", "false"):
        return OPERAND
    return OTHER


def _scan(text: str, pos: int, state: str, depth: int, seen: set, forks: list):
    """Tokens from ``pos`` until the end or a (position, state, depth) already scanned.

    At an ambiguous ``<`` the IRI reading is followed and the operator reading is
    pushed onto ``forks``. The operator reading can only differ where it matters if
    the ``<`` is inside parentheses (every SPARQL expression is) and the would-be IRI
    holds ``#`` (a comment to the operator reading) or ``'`` (a string): without
    them the operator reading sees the same tokens, ending in ``>``, which no
    ``SERVICE <iri> {`` can precede.
    """
    n = len(text)
    limit = WORK_PER_CHAR * n + WORK_SLACK
    while pos < n:
        key = (pos, state, depth)
        if key in seen:
            return
        seen.add(key)
        if len(seen) > limit:
            raise QueryRefused(
                400, "the query is too ambiguous to check: too many '<' read both as less-than "
                "and as the start of an IRI", "write '< ' with a space where a less-than is meant")
        m = _LEXER.match(text, pos)
        assert m is not None and m.lastgroup is not None  # the lexer's last alternative takes any character
        kind = m.lastgroup
        tok = _Token(kind, m.group(), pos)
        if kind == "iri" and state == OPERAND and depth > 0 and ("#" in tok.text or "'" in tok.text):
            step = 2 if text.startswith("<=", pos) else 1
            forks.append((pos + step, OTHER, depth))
        pos = m.end()
        if kind in ("ws", "comment"):
            continue
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            depth = max(0, depth - 1)
        yield tok
        state = _after(tok)


def _readings(text: str):
    """Every reading of ``text``: the first is the plain one (an IRI wherever one can be)."""
    seen: set = set()
    forks: list = [(0, OTHER, 0)]
    first = True
    while forks:
        pos, state, depth = forks.pop(0)
        yield first, _scan(text, pos, state, depth, seen, forks)
        first = False


def _unescape(text: str) -> str:
    def repl(m):
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()
    return _UESCAPE.sub(repl, text)


# ------------------------------------------------------------------- the check

def _resolve(tok: _Token, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


def inspect(query: str, allowed_graphs: frozenset[str] | set[str] = frozenset()) -> QueryInfo:
    """What ``query`` is, or :class:`QueryRefused` if it must not run (answers are cached).

    Its cost grows with the query's length and ambiguity (up to a few tenths of a second for
    100,000 characters): the service calls it in a query worker, charged to the client, and
    :func:`quick_inspect` in its own process."""
    if len(query) > _CACHE_QUERY_CHARS:
        return _inspect(query, frozenset(allowed_graphs))
    return _cached(query, frozenset(allowed_graphs))


def quick_inspect(query: str) -> QueryInfo | None:
    """:func:`inspect`'s answer where it is cheap enough for the service's event loop: a query of
    at most :data:`INLINE_CHARS` characters that its plain reading settles (lookups, mostly).
    None otherwise: then the query worker runs :func:`inspect` before the query."""
    if len(query) > INLINE_CHARS:
        return None
    return _cached_quick(query)


# A plain reading of this many characters, measured: 3 us for a lookup, at worst (a token a
# character or two, and brackets enough to be followed) ~0.5 ms, what the service spends on a
# request anyway. Longer queries are checked in a worker.
INLINE_CHARS = 1024
_CACHE_QUERY_CHARS = 4096  # only short queries are kept: the same lookups come again and again


@functools.lru_cache(maxsize=4096)
def _cached(query: str, allowed_graphs: frozenset[str]) -> QueryInfo:
    return _inspect(query, allowed_graphs)


@functools.lru_cache(maxsize=4096)
def _cached_quick(query: str) -> QueryInfo | None:
    if "\x00" in query:
        raise QueryRefused(400, "the query holds a NUL character")
    return _plain_only(query)


def _inspect(query: str, allowed_graphs: frozenset[str]) -> QueryInfo:
    if "\x00" in query:
        raise QueryRefused(400, "the query holds a NUL character")
    info = _plain_only(query)
    return info if info is not None else _every_reading(query, allowed_graphs)


MAX_NESTING = 256  # brackets, braces and parentheses inside one another
MAX_UNARY_RUN = 64  # unary operators in a row (! - + ^)
_NESTERS = "({["
_UNARY = "!-+^"


def _may_nest_deeply(query: str) -> bool:
    """Whether the query has enough brackets or unary operators to pass a limit below (counted
    in C: the exact check, token by token, is left to the full check)."""
    return sum(query.count(c) for c in _NESTERS) > MAX_NESTING or \
        sum(query.count(c) for c in _UNARY) > MAX_UNARY_RUN


def _too_deep(depth: int, run: int, tok: _Token) -> None:
    if depth > MAX_NESTING:
        raise QueryRefused(400, f"the query nests brackets more than {MAX_NESTING} deep",
                           f"at character {tok.pos + 1}; the engine's parser would overflow its stack")
    if run > MAX_UNARY_RUN:
        raise QueryRefused(400, f"the query has more than {MAX_UNARY_RUN} unary operators in a row",
                           f"at character {tok.pos + 1}")


# Words that make the full check necessary: on any reading, a word or a dotted name's part
# refused or FROM is a substring of the text in capitals (str.upper of a substring is a
# substring of str.upper of the text, even for characters such as U+017F that become 'S').
_NEEDS_FULL_CHECK = tuple(sorted(UPDATE_WORDS | FEDERATION_WORDS | {"FROM"}))


def _plain_only(query: str) -> QueryInfo | None:
    """The check's answer, from the plain reading alone, where the other readings cannot change it.

    They can only add refusals, and every refusal except "not a query" and "a string that does
    not end" (both on the plain reading) needs one of :data:`_NEEDS_FULL_CHECK`: a text without
    those words and without backslashes (no codepoint escapes, no escaped name characters) gets
    the same answer from its plain reading as from all of them, at a fraction of the cost. None:
    use :func:`_every_reading`. (Nesting is the plain reading's too: where there are brackets
    enough to pass a limit, they are followed token by token.)
    """
    if "\\" in query:
        return None
    upper = query.upper()
    for word in _NEEDS_FULL_CHECK:
        if word in upper:
            return None
    form = None
    strings = "'" in query or '"' in query
    deep = _may_nest_deeply(query)
    depth = run = 0
    for m in _LEXER.finditer(query):  # the plain reading: tokens one after another from the start
        kind = m.lastgroup
        if deep and kind != "ws" and kind != "comment":
            if kind == "punct":
                text = m.group()
                if text in _NESTERS:
                    depth += 1
                elif text in ")}]":
                    depth = max(0, depth - 1)
                run = run + 1 if text in _UNARY else 0
                if depth > MAX_NESTING or run > MAX_UNARY_RUN:
                    _too_deep(depth, run, _Token(kind, text, m.start()))
            else:
                run = 0
        if kind == "word" and form is None:
            word = m.group().upper()
            if word in FORMS:
                form = word
                if not strings and not deep:
                    break
        elif kind == "open_string":
            raise QueryRefused(400, "the query has a string that does not end", f"at character {m.start() + 1}")
    if form is None:
        raise QueryRefused(400, "not a SPARQL query: expected SELECT, CONSTRUCT, DESCRIBE or ASK")
    return QueryInfo(form=form)


def _every_reading(query: str, allowed_graphs: frozenset[str]) -> QueryInfo:
    info: QueryInfo | None = None
    texts = [query]
    decoded = _unescape(query)
    if decoded != query:
        texts.append(decoded)
    main_prefixes: dict[str, str] = {}
    for text_index, text in enumerate(texts):
        for plain, tokens in _readings(text):
            main = plain and text_index == 0
            # the prologue comes before any fork, so other readings start with its prefixes
            prefixes: dict[str, str] = main_prefixes if main else dict(main_prefixes)
            form = None
            prev: list[_Token] = []
            depth = run = 0
            for tok in tokens:
                if main:  # how deep the engine's parser would recurse
                    if tok.kind == "punct" and tok.text in _NESTERS:
                        depth += 1
                    elif tok.kind == "punct" and tok.text in ")}]":
                        depth = max(0, depth - 1)
                    run = run + 1 if tok.kind == "punct" and tok.text in _UNARY else 0
                    _too_deep(depth, run, tok)
                if tok.kind == "open_string":
                    if main:
                        raise QueryRefused(400, "the query has a string that does not end",
                                           f"at character {tok.pos + 1}")
                    break  # the engine cannot read this reading either
                if tok.kind in ("pname", "bnode") and "." in tok.text:
                    # a name with dots: also look at what follows a dot, in case an engine splits there
                    for part in re.split(r"\.", tok.text)[1:]:
                        if part.upper() in FEDERATION_WORDS:
                            raise QueryRefused(
                                400, "federated queries (SERVICE) are not allowed: this endpoint "
                                "never fetches other URLs", f"at character {tok.pos + 1}")
                if tok.kind == "word":
                    word = tok.text.upper()
                    if word in FEDERATION_WORDS:
                        raise QueryRefused(
                            400, "federated queries (SERVICE) are not allowed: this endpoint never "
                            "fetches other URLs", f"at character {tok.pos + 1}")
                    if word in UPDATE_WORDS and main:
                        raise QueryRefused(403, "this endpoint is read-only: updates are refused",
                                           f"'{tok.text}' at character {tok.pos + 1}")
                    if form is None and word in FORMS:
                        form = word
                # PREFIX p: <iri>
                if len(prev) >= 2 and prev[-2].kind == "word" and prev[-2].text.upper() == "PREFIX" \
                        and prev[-1].kind == "pname" and tok.kind == "iri":
                    prefixes[prev[-1].text[:-1]] = tok.text[1:-1]
                # FROM <g> / FROM NAMED <g>
                if tok.kind in ("iri", "pname") and prev and prev[-1].kind == "word":
                    before = prev[-1].text.upper()
                    named = before == "NAMED" and len(prev) >= 2 and prev[-2].kind == "word" and \
                        prev[-2].text.upper() == "FROM"
                    if before == "FROM" or named:
                        graph = _resolve(tok, prefixes)
                        if graph is None:
                            raise QueryRefused(
                                400, f"FROM{' NAMED' if named else ''} names {tok.text}, whose prefix "
                                "the query does not declare", "declare it with PREFIX, or write the graph's <IRI>")
                        if main:
                            if info is None:
                                info = QueryInfo(form="")
                            (info.from_named if named else info.from_graphs).append(graph)
                            if graph not in allowed_graphs:
                                info.unknown_graphs.append(graph)
                prev.append(tok)
                if len(prev) > 3:
                    prev.pop(0)
            if main:
                if form is None:
                    raise QueryRefused(400, "not a SPARQL query: expected SELECT, CONSTRUCT, "
                                       "DESCRIBE or ASK")
                if info is None:
                    info = QueryInfo(form=form)
                info.form = form
    assert info is not None
    return info
