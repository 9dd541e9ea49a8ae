"""RDF Dataset Canonicalization, RDFC-1.0, and the digest of a release's RDF file.

W3C Recommendation RDFC-1.0 (https://www.w3.org/TR/rdf-canon/), the algorithm once called
URDNA2015, so that a release's N-Triples, Turtle and JSON-LD hash the same, and a copy that
another tool re-serialised still verifies:

- §4.4 the canonicalization algorithm (``_relabel``): hash every blank node's first degree
  quads, issue canonical identifiers (§4.5, ``_Issuer``) to the unique hashes in hash order,
  then break ties with Hash N-Degree Quads;
- §4.6 Hash First Degree Quads (``_Labeller.first_degree``);
- §4.7 Hash Related Blank Node (``_Labeller.related``);
- §4.8 Hash N-Degree Quads with its permutation search (``_Labeller.n_degree``);
- §4.9 / appendix A the canonical N-Quads form of each quad, and the document: its lines in
  code point order, each once, each ending in LF.

A dataset without blank nodes needs no labelling (§4.4 issues no identifier), so it is
written by oxigraph's N-Quads serialiser (Rust) and its lines sorted; only datasets with
blank nodes go through the Python labelling. Oxigraph writes the canonical form of terms
(appendix A: ``xsd:string`` left out; ``\\b \\t \\n \\f \\r \\" \\\\`` as ECHAR; the other
control characters, DEL, U+FFFE and U+FFFF as ``\\u`` with upper-case HEX; everything else
as itself); ``_check_writer`` probes this once and refuses to run on a version that does not.

Dataset poisoning (§6.1, https://www.w3.org/TR/rdf-canon/#dataset-poisoning): the work of the
N-degree search (calls of Hash N-Degree Quads plus permutations tried) and its recursion
depth are bounded; past either, ``CanonicalizationError`` is raised rather than running on.

Language tags: RDFC-1.0 changes no case, and its introduction notes that ``xx-YY`` and
``xx-yy`` then hash differently and advises communities to agree on lower case. Ours is lower
case: oxigraph lower-cases language tags when it builds a literal, in every format it parses,
so the ``zh-Hant`` of our Turtle, N-Triples and JSON-LD is ``zh-hant`` in the canonical form,
and a copy written by a tool that keeps ``zh-Hant`` hashes the same.

Triple terms (RDF 1.2) are outside RDFC-1.0 and refused.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

# bounds on the N-degree search (calls plus permutations, and depth); the W3C suite needs at most 3,348
# units (test044) and refuses its poison graph at this bound in a quarter of a second
MAX_WORK = 100_000
MAX_DEPTH = 200

_NQUADS = ox.RdfFormat.N_QUADS
_FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS, ".ttl": ox.RdfFormat.TURTLE,
            ".jsonld": ox.RdfFormat.JSON_LD}


class CanonicalizationError(ValueError):
    """The dataset cannot be canonicalised: past the work bound (a poison dataset), or outside RDFC-1.0."""


def canonical_nquads(quads: Iterable[ox.Quad] | Iterable[ox.Triple], *, hash_algorithm: str = "sha256",
                     max_work: int = MAX_WORK) -> bytes:
    """The canonical N-Quads document of ``quads`` (RDFC-1.0 §4.4 step 7 and appendix A), UTF-8.

    Triples are quads of the default graph; duplicates count once. ``hash_algorithm`` is the
    hashlib name of the hash the labelling uses (RDFC-1.0 allows SHA-384 besides SHA-256).
    """
    _check_writer()
    data = ox.serialize(quads, format=_NQUADS) or b""  # bytes, since no output is named
    # "_:" can only be a blank node or inside a literal or IRI; only then look closer
    if b"_:" not in data and b"<<" not in data:
        return _document(data.splitlines())
    rows = {_row(quad) for quad in ox.parse(data, format=_NQUADS)}
    if not any(term.startswith("_:") for row in rows for term in row):
        return _document(data.splitlines())
    labels = _relabel(rows, lambda text: hashlib.new(hash_algorithm, text.encode()).hexdigest(), max_work)
    lines = []
    for row in rows:
        s, p, o, g = (labels.get(term, term) for term in row)
        lines.append(_line(s, p, o, g)[:-1].encode())
    return _document(lines)


def rdfc_digest(path: Path, format: str | None = None) -> str:
    """Hex SHA-256 of the canonical N-Quads of the RDF file at ``path``.

    ``format`` is a file extension (``ttl``) or a media type (``text/turtle``); without it,
    the extension of ``path`` decides (.nt, .nq, .ttl, .jsonld).
    """
    if format is None:
        rdf_format = _FORMATS.get(path.suffix.lower())
    else:
        rdf_format = ox.RdfFormat.from_extension(format) or ox.RdfFormat.from_media_type(format)
    if rdf_format is None:
        raise ValueError(f"{path}: which RDF format is it? Name it ({', '.join(_FORMATS)} or a media type)")
    quads = ox.parse(path=path, format=rdf_format)
    return hashlib.sha256(canonical_nquads(quads)).hexdigest()


# ---- canonical N-Quads (appendix A)

def _document(lines: Iterable[bytes]) -> bytes:
    """Lines in code point order (UTF-8 bytes sort the same way), each once, each ending in LF."""
    ordered = sorted(set(lines))
    return b"\n".join(ordered) + b"\n" if ordered else b""


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def _row(quad: ox.Quad) -> tuple[str, str, str, str]:
    """A quad as the canonical N-Quads of its terms, blank nodes as ``_:id``, "" for the default graph."""
    if isinstance(quad.subject, ox.Triple) or isinstance(quad.object, ox.Triple):
        raise CanonicalizationError(f"a triple term in {quad}: RDFC-1.0 defines no canonical form for triple terms")
    graph = quad.graph_name
    return (str(quad.subject), str(quad.predicate), str(quad.object),
            "" if isinstance(graph, ox.DefaultGraph) else str(graph))


_PROBE = "\x00\x07\x08\t\n\x0b\x0c\r\x0e\x1f \"\\\x7f\x80é\ufffd\ufffe\uffff\U0001f600"
_PROBE_CANONICAL = ('"\\u0000\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E\\u001F \\"\\\\\\u007F\x80é\ufffd'
                    '\\uFFFE\\uFFFF\U0001f600"')
_writer_checked = False


def _check_writer() -> None:
    """Refuse to run if this oxigraph does not write literals in the canonical form of appendix A."""
    global _writer_checked
    if _writer_checked:
        return
    written = str(ox.Literal(_PROBE))
    typed = str(ox.Literal("x", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")))
    if written != _PROBE_CANONICAL or typed != '"x"':
        raise CanonicalizationError(f"pyoxigraph {ox.__version__} does not write canonical N-Quads literals "
                                    f"(RDFC-1.0 appendix A): {written!r}, {typed!r}")
    _writer_checked = True


# ---- the canonicalization algorithm (§4.4 to §4.8)

class _Issuer:
    """An identifier issuer (§4.5): a prefix, a counter, the identifiers issued in order."""

    __slots__ = ("prefix", "issued")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = issued if issued is not None else {}

    def issue(self, node: str) -> str:
        label = self.issued.get(node)
        if label is None:
            label = self.issued[node] = f"_:{self.prefix}{len(self.issued)}"
        return label

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


class _Labeller:
    """The canonicalization state of §4.3 and the hash algorithms that read it."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str]], hash_text: Callable[[str], str],
                 max_work: int) -> None:
        self.hash = hash_text
        self.quads: dict[str, list[tuple[str, str, str, str]]] = {}
        for row in rows:
            for term in (row[0], row[2], row[3]):
                if term.startswith("_:"):
                    mentions = self.quads.setdefault(term, [])
                    if not mentions or mentions[-1] is not row:
                        mentions.append(row)
        self.canonical = _Issuer("c14n")
        self.first: dict[str, str] = {}
        self.max_work = max_work
        self.work = 0

    def first_degree(self, node: str) -> str:
        """Hash First Degree Quads (§4.6): the node's quads, itself as _:a, other blank nodes as _:z."""
        known = self.first.get(node)
        if known is not None:
            return known
        lines = sorted(_line(*(("_:a" if t == node else "_:z") if t.startswith("_:") else t for t in row))
                       for row in self.quads[node])
        self.first[node] = digest = self.hash("".join(lines))
        return digest

    def related(self, node: str, row: tuple[str, str, str, str], issuer: _Issuer, position: str) -> str:
        """Hash Related Blank Node (§4.7)."""
        label = self.canonical.issued.get(node) or issuer.issued.get(node) or self.first_degree(node)
        predicate = row[1] if position != "g" else ""
        return self.hash(position + predicate + label)

    def _spend(self, units: int) -> None:
        self.work += units
        if self.work > self.max_work:
            raise CanonicalizationError(
                f"canonicalising this dataset takes more than {self.max_work} steps of Hash N-Degree Quads: "
                "refused as a possible poison dataset (RDFC-1.0 §6.1); raise max_work if the data is trusted")

    def n_degree(self, node: str, issuer: _Issuer, depth: int = 0) -> tuple[str, _Issuer]:
        """Hash N-Degree Quads (§4.8): the hash of the node's gossip paths and the issuer they used."""
        self._spend(1)
        if depth > MAX_DEPTH:
            raise CanonicalizationError(f"Hash N-Degree Quads recurses deeper than {MAX_DEPTH}: refused as a "
                                        "possible poison dataset (RDFC-1.0 §6.1)")
        by_hash: dict[str, list[str]] = {}  # step 1: related hash -> related blank nodes
        for row in self.quads[node]:
            for term, position in ((row[0], "s"), (row[2], "o"), (row[3], "g")):
                if term.startswith("_:") and term != node:
                    by_hash.setdefault(self.related(term, row, issuer, position), []).append(term)
        data = []
        for related_hash in sorted(by_hash):  # step 5
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in itertools.permutations(by_hash[related_hash]):
                self._spend(1)
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                for related in permutation:  # step 5.4.4
                    label = self.canonical.issued.get(related)
                    if label is None:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        label = issuer_copy.issue(related)
                    path += label
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        break
                else:
                    for related in recursion:  # step 5.4.5
                        result, issuer_copy = self.n_degree(related, issuer_copy, depth + 1)
                        path += issuer_copy.issue(related) + "<" + result + ">"
                        if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                            break
                    else:
                        if not chosen_path or path < chosen_path:
                            chosen_path, chosen_issuer = path, issuer_copy
            data.append(chosen_path)
            assert chosen_issuer is not None  # the first permutation is always chosen
            issuer = chosen_issuer
        return self.hash("".join(data)), issuer


def _relabel(rows: Iterable[tuple[str, str, str, str]], hash_text: Callable[[str], str],
             max_work: int) -> dict[str, str]:
    """The canonical label of each blank node (§4.4): its issued identifiers map, as ``_:id -> _:c14nN``."""
    state = _Labeller(rows, hash_text, max_work)
    by_hash: dict[str, list[str]] = {}
    for node in state.quads:  # step 3
        by_hash.setdefault(state.first_degree(node), []).append(node)
    shared = []
    for first_hash in sorted(by_hash):  # step 4: unique hashes, in hash order
        nodes = by_hash[first_hash]
        if len(nodes) == 1:
            state.canonical.issue(nodes[0])
        else:
            shared.append(nodes)
    for nodes in shared:  # step 5, still in hash order
        results = []
        for node in nodes:
            if node in state.canonical.issued:
                continue
            issuer = _Issuer("b")
            issuer.issue(node)
            results.append(state.n_degree(node, issuer))
        for _, issuer in sorted(results, key=lambda result: result[0]):
            for node in issuer.issued:
                state.canonical.issue(node)
    return state.canonical.issued
