"""The Accept parser and the media-type table, as a table of cases (RFC 9110 section 12.5.1)."""

from __future__ import annotations

import pytest

from api.media import (
    ASK_FORMATS,
    FORMATS,
    GRAPH_FORMATS,
    RESOURCE_FORMATS,
    SELECT_FORMATS,
    negotiate,
    parse_accept,
    quality,
)

# (Accept header, offers, expected format key or None, expected label)
CASES = [
    # nothing said: the first offer
    (None, RESOURCE_FORMATS, "html", "text/html"),
    ("", RESOURCE_FORMATS, "html", "text/html"),
    ("*/*", RESOURCE_FORMATS, "html", "text/html"),
    ("*", RESOURCE_FORMATS, "html", "text/html"),
    # a browser
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", RESOURCE_FORMATS,
     "html", "text/html"),
    # machines
    ("text/turtle", RESOURCE_FORMATS, "turtle", "text/turtle"),
    ("application/ld+json", RESOURCE_FORMATS, "jsonld", "application/ld+json"),
    ("application/n-triples", RESOURCE_FORMATS, "ntriples", "application/n-triples"),
    ("application/rdf+xml", RESOURCE_FORMATS, "rdfxml", "application/rdf+xml"),
    ("application/json", RESOURCE_FORMATS, "json", "application/json"),
    ("application/x-turtle", RESOURCE_FORMATS, "turtle", "application/x-turtle"),
    # parameters other than q do not stop a match; case does not matter
    ("text/turtle; charset=utf-8", RESOURCE_FORMATS, "turtle", "text/turtle"),
    ("Application/LD+JSON;profile=\"http://www.w3.org/ns/json-ld#compacted\"", RESOURCE_FORMATS,
     "jsonld", "application/ld+json"),
    # weights
    ("text/turtle;q=0.5, application/ld+json", RESOURCE_FORMATS, "jsonld", "application/ld+json"),
    ("application/ld+json;q=0.2, text/turtle;q=0.9", RESOURCE_FORMATS, "turtle", "text/turtle"),
    ("text/*;q=0.3, application/n-triples;q=0.4", RESOURCE_FORMATS, "ntriples", "application/n-triples"),
    ("text/*", RESOURCE_FORMATS, "html", "text/html"),
    # the most specific range decides: text/html excluded, other text allowed
    ("text/*, text/html;q=0", RESOURCE_FORMATS, "turtle", "text/turtle"),
    ("*/*;q=0.1, text/html;q=0", RESOURCE_FORMATS, "turtle", "text/turtle"),
    # equal weights: the server's order
    ("application/n-triples, text/turtle", RESOURCE_FORMATS, "turtle", "text/turtle"),
    # nothing acceptable
    ("image/png", RESOURCE_FORMATS, None, None),
    ("text/turtle;q=0", RESOURCE_FORMATS, None, None),
    ("application/sparql-results+json", GRAPH_FORMATS, None, None),
    # malformed parts are ignored; all malformed means */*
    ("text/turtle;q=abc, application/ld+json", RESOURCE_FORMATS, "jsonld", "application/ld+json"),
    ("text/turtle;q=2", RESOURCE_FORMATS, "html", "text/html"),
    ("garbage", RESOURCE_FORMATS, "html", "text/html"),
    (",,;,", RESOURCE_FORMATS, "html", "text/html"),
    ("*/html", RESOURCE_FORMATS, "html", "text/html"),
    # SPARQL results
    (None, SELECT_FORMATS, "sparql-json", "application/sparql-results+json"),
    ("application/sparql-results+xml", SELECT_FORMATS, "sparql-xml", "application/sparql-results+xml"),
    ("application/json", SELECT_FORMATS, "sparql-json", "application/json"),
    ("application/xml", SELECT_FORMATS, "sparql-xml", "application/xml"),
    ("text/csv", SELECT_FORMATS, "csv", "text/csv"),
    ("text/tab-separated-values", SELECT_FORMATS, "tsv", "text/tab-separated-values"),
    ("text/csv", ASK_FORMATS, None, None),
    ("application/sparql-results+json,*/*;q=0.9", ASK_FORMATS, "sparql-json", "application/sparql-results+json"),
    (None, GRAPH_FORMATS, "turtle", "text/turtle"),
    ("application/rdf+xml, text/turtle;q=0.1", GRAPH_FORMATS, "rdfxml", "application/rdf+xml"),
]


@pytest.mark.parametrize("accept,offers,key,label", CASES)
def test_negotiate_table(accept, offers, key, label):
    chosen = negotiate(accept, offers)
    if key is None:
        assert chosen is None
    else:
        assert chosen is not None, accept
        assert (chosen[0].key, chosen[1]) == (key, label)


def test_parse_accept_reads_weights_and_skips_bad_ranges():
    ranges = parse_accept("text/turtle;q=0.5, bad, application/*;q=0.1, */*;q=x")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "turtle", 0.5), ("application", "*", 0.1)]


def test_quality_takes_the_most_specific_range():
    ranges = parse_accept("text/*;q=0.2, text/turtle;q=0.7, */*;q=0.1")
    assert quality(ranges, "text/turtle") == 0.7
    assert quality(ranges, "text/html") == 0.2
    assert quality(ranges, "application/json") == 0.1


def test_every_format_has_a_unique_suffix_and_text_formats_say_utf8():
    suffixes = [f.suffix for f in FORMATS.values()]
    assert len(suffixes) == len(set(suffixes))
    assert FORMATS["turtle"].content_type() == "text/turtle; charset=utf-8"
    assert FORMATS["jsonld"].content_type() == "application/ld+json"
