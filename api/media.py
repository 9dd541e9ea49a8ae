"""Media types: one table of the formats the service writes, and one Accept parser.

Content negotiation follows RFC 9110 section 12.5.1
(https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1): an ``Accept`` header is a
list of media ranges with optional ``q`` weights; the most specific range that
matches a media type gives its weight; ``q=0`` means "not acceptable". Of the
formats a route offers, the one with the highest weight wins, ties going to the
route's order. A missing or unreadable ``Accept`` means ``*/*``.

A format may answer to aliases (``application/json`` for SPARQL JSON results)
that count only where the client names them (not through ``*/*``); if the client
named only the alias, the response is labelled with the alias.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    suffix: str | None = None  # a file-name suffix that selects it (x.ttl)
    charset: bool = False  # label it "; charset=utf-8"
    aliases: tuple[str, ...] = ()
    label: str = ""

    def content_type(self, media_type: str | None = None) -> str:
        mt = media_type or self.media_type
        return f"{mt}; charset=utf-8" if self.charset else mt


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("html", "text/html", "html", True, ("application/xhtml+xml",), "HTML"),
    Format("turtle", "text/turtle", "ttl", True, ("application/x-turtle",), "Turtle"),
    Format("jsonld", "application/ld+json", "jsonld", False, (), "JSON-LD"),
    Format("json", "application/json", "json", False, (), "JSON"),
    # text/plain: N-Triples' type in RDF 1.0 (https://www.w3.org/TR/rdf-testcases/#ntriples), which
    # rdflib still asks for ("text/plain, */*;q=0.1")
    Format("ntriples", "application/n-triples", "nt", False, ("text/plain",), "N-Triples"),
    Format("rdfxml", "application/rdf+xml", "rdf", False, (), "RDF/XML"),
    Format("sparql-json", "application/sparql-results+json", "srj", False, ("application/json",),
           "SPARQL JSON results"),
    Format("sparql-xml", "application/sparql-results+xml", "srx", False,
           ("application/xml", "text/xml"), "SPARQL XML results"),
    Format("csv", "text/csv", "csv", True, (), "CSV"),
    Format("tsv", "text/tab-separated-values", "tsv", True, (), "TSV"),
    Format("text", "text/plain", "txt", True, (), "text"),
)}

# What each kind of answer can be written as, in the order preferred when the client
# does not mind (the first is the default).
RESOURCE_FORMATS = ("html", "turtle", "jsonld", "ntriples", "rdfxml", "json")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
SELECT_FORMATS = ("sparql-json", "sparql-xml", "csv", "tsv")
ASK_FORMATS = ("sparql-json", "sparql-xml")
QUERY_FORM_FORMATS = {"SELECT": SELECT_FORMATS, "ASK": ASK_FORMATS, "CONSTRUCT": GRAPH_FORMATS,
                      "DESCRIBE": GRAPH_FORMATS}  # what each SPARQL query form can be answered in


def form_not_acceptable(form: str) -> str:
    """The 406 message for a query of ``form`` (``SELECT``, ``ASK`` ...) that no format asked for fits."""
    return f"{'an' if form[:1] in 'AEIOU' else 'a'} {form} query cannot be answered in the format asked for"


BY_SUFFIX = {f.suffix: f for f in FORMATS.values() if f.suffix}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return 0 if self.type == "*" else 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t) and (self.subtype == "*" or self.subtype == s)


ANY = (MediaRange("*", "*", 1.0),)


def _token_ok(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c in "!#$&^_.+-*" for c in text)


def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """The media ranges of an ``Accept`` header; ``*/*`` when it is missing or unreadable."""
    if not header or not header.strip():
        return ANY
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if media == "*":  # some old clients send a bare "*"
            media = "*/*"
        t, slash, s = media.partition("/")
        if not slash or not _token_ok(t) or not _token_ok(s) or (t == "*" and s != "*"):
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
                if not 0.0 <= q <= 1.0:
                    q = -1.0
                break
        if q < 0:
            continue
        ranges.append(MediaRange(t, s, q))
    return tuple(ranges) or ANY


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The weight the client gives ``media_type``: that of the most specific matching range."""
    best, best_spec = 0.0, -1
    for r in ranges:
        if r.matches(media_type) and r.specificity > best_spec:
            best, best_spec = r.q, r.specificity
        elif r.matches(media_type) and r.specificity == best_spec:
            best = max(best, r.q)
    return best


def _exact(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The weight of a range naming ``media_type`` itself (0 if none does)."""
    q = 0.0
    for r in ranges:
        if r.specificity == 2 and r.matches(media_type):
            q = max(q, r.q)
    return q


def negotiate(accept: str | None, offers: Sequence[str]) -> tuple[Format, str] | None:
    """The best of ``offers`` (format keys) for ``accept``, and the media type to label it with.

    None when nothing offered is acceptable (the caller answers 406). Answers are
    remembered for the short ``Accept`` headers clients send again and again.
    """
    if accept is not None and len(accept) > _REMEMBER_ACCEPT:
        return _negotiate(accept, tuple(offers))
    return _negotiate_cached(accept, tuple(offers))


_REMEMBER_ACCEPT = 256  # characters: longer headers are worked out every time


@functools.lru_cache(maxsize=1024)
def _negotiate_cached(accept: str | None, offers: tuple[str, ...]) -> tuple[Format, str] | None:
    return _negotiate(accept, offers)


def _negotiate(accept: str | None, offers: tuple[str, ...]) -> tuple[Format, str] | None:
    ranges = parse_accept(accept)
    best: tuple[float, int, Format, str] | None = None
    for order, key in enumerate(offers):
        fmt = FORMATS[key]
        q = quality(ranges, fmt.media_type)
        label = fmt.media_type
        for alias in fmt.aliases:  # an alias counts only where the client names it
            qa = _exact(ranges, alias)
            if qa > q:
                q, label = qa, alias
        if q <= 0:
            continue
        if best is None or q > best[0]:
            best = (q, order, fmt, label)
    return None if best is None else (best[2], best[3])


def acceptable(offers: Sequence[str]) -> list[str]:
    """The media types of ``offers``, for a 406 message."""
    return [FORMATS[k].media_type for k in offers]
