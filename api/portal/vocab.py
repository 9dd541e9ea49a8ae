"""The vocabulary and code lists of a release, for the pages: labels, definitions, order.

Read once from the release's own ``vocab/`` folder (the vocabulary the release was
checked with), so the words a page shows for a code are the words the data uses.
Order follows the files (the guidebook's order), not the alphabet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from pipelines.terms import CODES, LZ, VOCAB

VANN_PREFIX = URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")


def _texts(graph: Graph, subject, predicate) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in graph.objects(subject, predicate):
        if isinstance(o, Literal):
            lang = (o.language or "").lower()
            key = "zh" if lang.startswith("zh") else "en" if lang.startswith("en") or not lang else lang
            out.setdefault(key, str(o))
    return out


def _curie(iri: str) -> str:
    from pipelines.terms import PREFIXES

    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


@dataclass
class Concept:
    scheme: str
    code: str
    iri: str
    label: dict[str, str]
    definition: dict[str, str]
    broader: str | None = None
    serves: list[str] = field(default_factory=list)  # prong codes (lz:servesProng)
    scope: dict[str, str] = field(default_factory=dict)  # skos:scopeNote: the evidence, quoted
    reading: dict[str, str] = field(default_factory=dict)  # skos:editorialNote: this dataset's reading


@dataclass
class Scheme:
    id: str
    iri: str
    label: dict[str, str]
    definition: dict[str, str]
    concepts: list[Concept] = field(default_factory=list)


@dataclass
class Term:
    name: str  # the local name: IntegrityPlatform
    iri: str
    kind: str  # class | property
    label: dict[str, str]
    definition: dict[str, str]
    comment: dict[str, str]
    parents: list[str]  # CURIEs of super classes or super properties
    domain: list[str]
    range: list[str]
    matches: list[str]


@dataclass
class Vocabulary:
    title: dict[str, str]
    description: dict[str, str]
    version: str
    terms: list[Term]
    schemes: list[Scheme]
    concepts: dict[tuple[str, str], Concept]
    files: list[str]

    def label(self, scheme: str, code: str) -> dict[str, str]:
        c = self.concepts.get((scheme, code))
        return c.label if c else {"zh": code, "en": code}

    def scheme(self, scheme_id: str) -> Scheme | None:
        return next((s for s in self.schemes if s.id == scheme_id), None)


def load_vocabulary(vocab_dir: Path) -> Vocabulary:
    vocab_dir = Path(vocab_dir)
    texts = {}
    graph = Graph()
    files = []
    for name in ("lianzheng.ttl", "codes.ttl"):
        path = vocab_dir / name
        if path.exists():
            texts[name] = path.read_text(encoding="utf-8")
            graph.parse(data=texts[name], format="turtle")
            files.append(name)
    whole = "\n".join(texts.values())

    def position(iri: str, local: str | None = None) -> int:
        for needle in (f"\n<{iri}>\n", f"\nlz:{local}\n" if local else None):
            if needle and (i := whole.find(needle)) >= 0:
                return i
        return len(whole)

    ontology = URIRef(VOCAB.rstrip("#"))
    terms = []
    for s in set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, OWL.ObjectProperty)) \
            | set(graph.subjects(RDF.type, OWL.DatatypeProperty)) | set(graph.subjects(RDF.type, RDF.Property)):
        iri = str(s)
        if not iri.startswith(VOCAB):
            continue
        local = iri[len(VOCAB):]
        is_class = (s, RDF.type, OWL.Class) in graph
        parents = [_curie(str(o)) for o in graph.objects(s, RDFS.subClassOf if is_class else RDFS.subPropertyOf)
                   if isinstance(o, URIRef)]
        terms.append((position(iri, local), Term(
            name=local, iri=iri, kind="class" if is_class else "property",
            label=_texts(graph, s, RDFS.label), definition=_texts(graph, s, SKOS.definition),
            comment=_texts(graph, s, RDFS.comment), parents=sorted(parents),
            domain=sorted(_curie(str(o)) for o in graph.objects(s, RDFS.domain) if isinstance(o, URIRef)),
            range=sorted(_curie(str(o)) for o in graph.objects(s, RDFS.range) if isinstance(o, URIRef)),
            matches=sorted(_curie(str(o)) for p in (SKOS.closeMatch, SKOS.exactMatch, SKOS.relatedMatch,
                                                     OWL.equivalentClass, OWL.equivalentProperty)
                           for o in graph.objects(s, p) if isinstance(o, URIRef)),
        )))
    terms.sort(key=lambda x: x[0])

    schemes = []
    concepts: dict[tuple[str, str], Concept] = {}
    for s in graph.subjects(RDF.type, SKOS.ConceptScheme):
        iri = str(s)
        sid = iri[len(CODES):] if iri.startswith(CODES) else iri
        scheme = Scheme(sid, iri, _texts(graph, s, SKOS.prefLabel), _texts(graph, s, SKOS.definition))
        members = []
        for c in graph.subjects(SKOS.inScheme, s):
            notation = next((str(o) for o in graph.objects(c, SKOS.notation)), str(c).rsplit("/", 1)[-1])
            broader = next((str(o).rsplit("/", 1)[-1] for o in graph.objects(c, SKOS.broader)), None)
            serves = [str(o).rsplit("/", 1)[-1] for o in graph.objects(c, LZ.servesProng)]
            concept = Concept(sid, notation, str(c), _texts(graph, c, SKOS.prefLabel),
                              _texts(graph, c, SKOS.definition), broader, sorted(serves),
                              _texts(graph, c, SKOS.scopeNote), _texts(graph, c, SKOS.editorialNote))
            members.append((position(str(c)), concept))
            concepts[(sid, notation)] = concept
        scheme.concepts = [c for _, c in sorted(members, key=lambda x: x[0])]
        schemes.append((position(iri), scheme))
    schemes.sort(key=lambda x: x[0])

    from rdflib.namespace import DCTERMS

    version = next((str(o) for o in graph.objects(ontology, OWL.versionInfo)), "")
    return Vocabulary(title=_texts(graph, ontology, DCTERMS.title),
                      description=_texts(graph, ontology, DCTERMS.description), version=version,
                      terms=[t for _, t in terms], schemes=[s for _, s in schemes],
                      concepts=concepts, files=files)
