"""VoID: the counts it gives are the graph's."""

from __future__ import annotations

from collections import Counter

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

VOID = "http://rdfs.org/ns/void#"


def test_void_counts_match_the_graph(real_release):
    nt = (real_release / "lianzheng.nt").read_text(encoding="utf-8").splitlines()
    types = Counter(line.split(" ")[2][1:-1] for line in nt
                    if line.split(" ")[1] == "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>")
    void = Graph().parse(real_release / "void.ttl")
    d = URIRef("https://w3id.org/lianzheng/id/dataset/lianzheng")
    assert (d, RDF.type, URIRef(VOID + "Dataset")) in void
    assert int(void.value(d, URIRef(VOID + "triples"))) == len(nt)
    partitions = {str(void.value(p, URIRef(VOID + "class"))): int(void.value(p, URIRef(VOID + "entities")))
                  for p in void.objects(d, URIRef(VOID + "classPartition"))}
    assert partitions == dict(types)
    assert int(void.value(d, URIRef(VOID + "classes"))) == len(types)
    dumps = {str(o) for o in void.objects(d, URIRef(VOID + "dataDump"))}
    assert dumps == {f"https://w3id.org/lianzheng/downloads/lianzheng.{s}" for s in ("nt", "ttl", "jsonld")}
    assert str(void.value(d, URIRef(VOID + "uriSpace"))) == "https://w3id.org/lianzheng/id/"
    assert str(void.value(d, URIRef(VOID + "sparqlEndpoint"))) == "https://w3id.org/lianzheng/sparql"
