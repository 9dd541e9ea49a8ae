"""The project vocabulary's terms, for Python: one namespace object that fails on a typo.

``vocab/lianzheng.ttl`` is the authority for the ``lz:`` terms; ``LZ`` lists the same
terms (``tests/test_vocab.py`` checks that the two agree), so ``LZ.tableNumber`` is the
IRI and ``LZ.tabelNumber`` raises ``AttributeError``. The code lists are the SKOS
concept schemes of ``vocab/codes.ttl``; ``load_codes`` reads them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS, DefinedNamespace

VOCAB = "https://w3id.org/lianzheng/vocab#"
CODES = "https://w3id.org/lianzheng/vocab/"
SHAPES = "https://w3id.org/lianzheng/shapes#"

# prefix -> namespace IRI, in the order the release's files declare them
PREFIXES: dict[str, str] = {
    "lz": VOCAB,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "dqv": "http://www.w3.org/ns/dqv#",
    "oa": "http://www.w3.org/ns/oa#",
    "epo": "http://data.europa.eu/a4g/ontology#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
}


class LZ(DefinedNamespace):
    """The lianzheng vocabulary (``lz:``), as defined in ``vocab/lianzheng.ttl``."""

    _fail = True
    _NS = Namespace(VOCAB)

    # classes
    IntegrityPlatform: URIRef
    MonitoredProcurement: URIRef
    Activity: URIRef
    Document: URIRef
    Observation: URIRef
    Risk: URIRef
    IllustrativeAccount: URIRef
    QualityNote: URIRef
    SourceDocument: URIRef
    SourceSection: URIRef

    # a platform (a case)
    tableNumber: URIRef
    monitors: URIRef
    procuringAgency: URIRef
    authority: URIRef
    governmentLevel: URIRef  # code list: government-level
    established: URIRef
    establishedOriginal: URIRef
    status: URIRef  # code list: case-status
    benchmarkCase: URIRef
    activity: URIRef
    publishedDocument: URIRef
    observation: URIRef
    risk: URIRef
    account: URIRef
    citesLaw: URIRef
    placeName: URIRef
    divisionBasis: URIRef  # code list: division-basis

    # the monitored procurement
    estimatedAmount: URIRef
    amountWording: URIRef
    buyer: URIRef
    pccTenderId: URIRef

    # an agency
    organisationKind: URIRef  # code list: organisation-kind
    agencyCode: URIRef

    # an activity and its participations
    activityType: URIRef  # code list: activity-type
    endDate: URIRef
    ordinal: URIRef
    platform: URIRef
    participantDescription: URIRef
    personName: URIRef
    personTitle: URIRef
    position: URIRef

    # a transparency-zone document
    documentCategory: URIRef  # code list: document-category

    # an observation
    indicator: URIRef  # code list: indicator
    value: URIRef
    unit: URIRef  # code list: unit
    valueText: URIRef
    phase: URIRef  # code list: phase

    # a risk
    riskCategory: URIRef  # code list: risk-category
    mitigation: URIRef

    # an illustrative account
    quotation: URIRef
    namesProject: URIRef
    attribution: URIRef
    statedDate: URIRef

    # a law (schema:Legislation)
    inAppendix: URIRef

    # a quality note
    noteType: URIRef  # code list: quality-note-type
    field: URIRef
    officialValue: URIRef
    officialSource: URIRef
    otherValue: URIRef
    otherSource: URIRef
    resolution: URIRef

    # a code (a concept of vocab/codes.ttl)
    servesProng: URIRef  # code list: prong

    # the dataset
    statedPurpose: URIRef
    purposeSource: URIRef
    releaseLogKey: URIRef

    # sources and citations
    order: URIRef
    locator: URIRef


def code_iri(scheme: str, code: str) -> str:
    """The IRI of a code: ``code_iri("case-status", "ended")`` ends ``/vocab/case-status/ended``."""
    if not scheme or not code or "/" in scheme or "/" in code:
        raise ValueError(f"not a scheme and code: {scheme!r}, {code!r}")
    return f"{CODES}{scheme}/{code}"


def scheme_iri(scheme: str) -> str:
    """The IRI of a SKOS concept scheme (a code list)."""
    if not scheme or "/" in scheme:
        raise ValueError(f"not a scheme: {scheme!r}")
    return CODES + scheme


def vocab_dir() -> Path:
    """The repository's ``vocab/`` folder."""
    return Path(__file__).resolve().parents[1] / "vocab"


def shapes_dir() -> Path:
    """The repository's ``shapes/`` folder."""
    return Path(__file__).resolve().parents[1] / "shapes"


@functools.cache
def load_code_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """Scheme name -> code (``skos:notation``) -> its (zh-Hant, English) ``skos:prefLabel``,
    read from ``vocab/codes.ttl``."""
    g = Graph().parse(vocab_dir() / "codes.ttl", format="turtle")
    out: dict[str, dict[str, tuple[str, str]]] = {
        str(scheme)[len(CODES):]: {} for scheme in g.subjects(RDF.type, SKOS.ConceptScheme)}
    for concept in g.subjects(RDF.type, SKOS.Concept):
        labels = {(lit.language or "").lower(): str(lit) for lit in g.objects(concept, SKOS.prefLabel)
                  if isinstance(lit, Literal)}
        pair = (labels.get("zh-hant", ""), labels.get("en", ""))
        for scheme in g.objects(concept, SKOS.inScheme):
            name = str(scheme)[len(CODES):]
            for notation in g.objects(concept, SKOS.notation):
                out.setdefault(name, {})[str(notation)] = pair
    return out


@functools.cache
def load_codes() -> dict[str, set[str]]:
    """Scheme name -> its codes (``skos:notation``), read from ``vocab/codes.ttl``."""
    return {name: set(codes) for name, codes in load_code_labels().items()}
