"""The VoID description of the RDF dataset: ``void.ttl``, served at ``/.well-known/void``.

Describing Linked Datasets with the VoID Vocabulary (https://www.w3.org/TR/void/):
the dataset (§2 ``void:Dataset``) with its size (§4.5 ``void:triples``,
``void:entities``, ``void:classes``), its class partitions (§4.6
``void:classPartition``), its URI space (§3.3 ``void:uriSpace``), the vocabularies
it uses (§3.4), where to query it and download it (§3.1 ``void:sparqlEndpoint``,
§3.2 ``void:dataDump``) and example resources (§3.5). RFC 5785 well-known URI
``/.well-known/void`` as VoID §7.2 asks.

The class counts come from the domain model through :data:`CLASS_COUNTS`, which
mirrors how ``rdf/graph.py`` types each record (a test compares them with the
``rdf:type`` triples of a built release); the triple count is the number of lines
of ``lianzheng.nt`` (one triple a line).
"""

from __future__ import annotations

from ..rdf.graph import DCAT_DATASET, FOAF_DOC, LEGISLATION, ORG_ORG, PROV_ASSOC, P
from ..rdf.serialize import by_subject, write_turtle
from ..rdf.terms import IRI, RDF_TYPE, XSD, Lit, en, typed, zh
from ..terms import PREFIXES
from .catalog import DCAT, DCT, FOAF, VOID, prefixes

A = IRI(RDF_TYPE)
# class -> how many records of the dataset are typed with it (as rdf/graph.py writes them)
CLASS_COUNTS = {
    DCAT_DATASET: lambda ds: 1,  # the dataset node (rdf/graph.py dataset_node)
    P["IntegrityPlatform"]: lambda ds: len(ds.cases),
    P["MonitoredProcurement"]: lambda ds: len(ds.cases),
    ORG_ORG: lambda ds: len(ds.agencies),
    P["Activity"]: lambda ds: len(ds.activities),
    PROV_ASSOC: lambda ds: sum(len(a.participants) for a in ds.activities),
    P["Document"]: lambda ds: len(ds.documents),
    P["Observation"]: lambda ds: len(ds.observations),
    P["Risk"]: lambda ds: len(ds.risks),
    P["IllustrativeAccount"]: lambda ds: len(ds.accounts),
    P["QualityNote"]: lambda ds: len(ds.notes),
    LEGISLATION: lambda ds: len(ds.laws),
    P["SourceDocument"]: lambda ds: len(ds.sources),
    FOAF_DOC: lambda ds: len(ds.sources),
    P["SourceSection"]: lambda ds: len(ds.sections),
}
VOCABULARIES = ("https://w3id.org/lianzheng/vocab", PREFIXES["dct"][:-1], PREFIXES["skos"][:-1],
                PREFIXES["prov"][:-1], PREFIXES["org"][:-1], PREFIXES["foaf"][:-1], PREFIXES["schema"][:-1],
                PREFIXES["dqv"][:-1], PREFIXES["oa"][:-1], PREFIXES["owl"][:-1])
DUMPS = (("lianzheng.nt", "http://www.w3.org/ns/formats/N-Triples"),
         ("lianzheng.ttl", "http://www.w3.org/ns/formats/Turtle"),
         ("lianzheng.jsonld", "http://www.w3.org/ns/formats/JSON-LD"))


def count_lines(path) -> int:
    n = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            n += block.count(b"\n")
    return n


def void_triples(rel, n_triples: int) -> list[tuple]:
    ds = rel.ds
    d = IRI(rel.dataset_iri)
    t = [
        (d, A, IRI(VOID + "Dataset")),
        (d, IRI(DCT + "title"), zh(rel.title.zh)),
        (d, IRI(DCT + "title"), en(rel.title.en)),
        (d, IRI(DCT + "description"), zh(rel.description.zh)),
        (d, IRI(DCT + "description"), en(rel.description.en)),
        (d, IRI(DCT + "publisher"), IRI(rel.publisher_iri)),
        (d, IRI(DCT + "license"), IRI(rel.licence_url)),
        (d, IRI(DCT + "modified"), typed(rel.created, XSD + "dateTime")),
        (d, IRI(DCAT + "hasCurrentVersion"), IRI(rel.version_iri)),
        (d, IRI("http://www.w3.org/2002/07/owl#versionInfo"), Lit(rel.version)),
        (d, IRI(FOAF + "homepage"), IRI(rel.url("home"))),
        (d, IRI(VOID + "uriSpace"), Lit(f"{rel.base}/id/")),
        (d, IRI(VOID + "sparqlEndpoint"), IRI(rel.url("sparql"))),
        (d, IRI(VOID + "triples"), typed(str(n_triples), XSD + "integer")),
        (d, IRI(DCT + "conformsTo"), IRI("https://w3id.org/lianzheng/vocab")),
        (d, IRI("http://www.w3.org/2000/01/rdf-schema#seeAlso"), IRI(rel.url("catalog"))),
    ]
    for path, fmt in DUMPS:
        if (rel.folder / path).exists():
            t.append((d, IRI(VOID + "dataDump"), IRI(rel.download(path))))
            t.append((d, IRI(VOID + "feature"), IRI(fmt)))
    for v in VOCABULARIES:
        t.append((d, IRI(VOID + "vocabulary"), IRI(v)))
    for case in list(ds.cases)[:3]:
        t.append((d, IRI(VOID + "exampleResource"), IRI(rel.ids.case(case))))
    entities = 0
    classes = 0
    names = prefixes(rel)
    for cls, count in CLASS_COUNTS.items():
        n = count(ds)
        if not n:
            continue
        classes += 1
        prefix, ns = max(((k, v) for k, v in names.items() if cls.startswith(v)), key=lambda kv: len(kv[1]))
        part = IRI(f"{d}#class-{prefix}-{cls[len(ns):]}")
        t += [(d, IRI(VOID + "classPartition"), part), (part, A, IRI(VOID + "Dataset")),
              (part, IRI(VOID + "class"), cls), (part, IRI(VOID + "entities"), typed(str(n), XSD + "integer"))]
        if cls != FOAF_DOC:  # source documents are typed twice; count them once
            entities += n
    t.append((d, IRI(VOID + "entities"), typed(str(entities), XSD + "integer")))
    t.append((d, IRI(VOID + "classes"), typed(str(classes), XSD + "integer")))
    return t


def write_void(rel) -> str:
    nt = rel.folder / "lianzheng.nt"
    n = count_lines(nt) if nt.exists() else 0
    triples = void_triples(rel, n)
    write_turtle(triples, rel.folder / "void.ttl", prefixes(rel), by_subject(triples))
    return "void.ttl"
