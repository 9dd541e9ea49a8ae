"""The vocabulary (vocab/lianzheng.ttl), its code lists (vocab/codes.ttl), its JSON-LD
context and pipelines/terms.py agree with each other and with docs/model.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from pipelines import terms
from pipelines.terms import CODES, LZ, PREFIXES, VOCAB, code_iri, load_codes

ROOT = Path(__file__).resolve().parents[1]
MODEL_DOC = ROOT / "docs" / "model.md"
ONTOLOGY = URIRef("https://w3id.org/lianzheng/vocab")
VANN = "http://purl.org/vocab/vann/"
TERM_TYPES = (
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property,
)


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(terms.vocab_dir() / "lianzheng.ttl", format="turtle")


@pytest.fixture(scope="module")
def codes() -> Graph:
    return Graph().parse(terms.vocab_dir() / "codes.ttl", format="turtle")


def _lz_terms(g: Graph) -> set[str]:
    return {
        str(s)[len(VOCAB):]
        for t in TERM_TYPES
        for s in g.subjects(RDF.type, t)
        if str(s).startswith(VOCAB)
    }


def _langs(g: Graph, s, p) -> list[str]:
    return sorted(o.language for o in g.objects(s, p) if isinstance(o, Literal) and o.language)


def _model_code_lists() -> dict[str, list[tuple[str, str, str | None]]]:
    """docs/model.md "Code lists": scheme -> [(code, bracketed term, broader code)]."""
    text = MODEL_DOC.read_text(encoding="utf-8")
    section = text.split("## Code lists", 1)[1].split("\n## ", 1)[0]
    bullets = re.split(r"\n- (?=`)", "\n" + section)[1:]
    lists = {}
    for bullet in bullets:
        bullet = " ".join(bullet.split())
        scheme = re.match(r"`([a-z-]+)`", bullet)[1]
        body = bullet[re.search(r":\s+`", bullet).end() - 1:]
        entries = []
        # `code` optionally followed by (bracketed words, possibly "broader `x`")
        for m in re.finditer(r"(?<!broader )`([A-Za-z0-9-]+)`(?:\s*\(([^)]*)\))?", body):
            bracket = m[2] or ""
            broader = re.search(r"broader `([a-z0-9-]+)`", bracket)
            term = re.split(r",\s*broader|:", bracket)[0].strip()
            entries.append((m[1], term, broader[1] if broader else None))
        lists[scheme] = entries
    return lists


MODEL_CODES = _model_code_lists()


# --- the files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["vocab/lianzheng.ttl", "vocab/codes.ttl", "shapes/lianzheng.ttl"])
def test_turtle_file_parses(name):
    g = Graph().parse(ROOT / name, format="turtle")
    assert len(g) > 100


def test_context_is_prefixes_only():
    ctx = json.loads((terms.vocab_dir() / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert ctx.pop("@version") == 1.1
    expected = {k: v for k, v in PREFIXES.items() if k not in ("vann", "sh")}
    assert ctx == expected  # plain prefix strings: no coercion, no remote contexts
    assert list(ctx) == list(expected)


def test_context_expands_a_compact_document():
    ctx = json.loads((terms.vocab_dir() / "context.jsonld").read_text(encoding="utf-8"))
    doc = {
        **ctx,
        "@id": "https://w3id.org/lianzheng/id/case/x",
        "@type": "lz:IntegrityPlatform",
        "lz:tableNumber": {"@value": "1", "@type": "xsd:integer"},
        "skos:prefLabel": {"@value": "淡江大橋廉政平臺", "@language": "zh-Hant"},
        "lz:status": {"@id": code_iri("case-status", "operating")},
    }
    g = Graph().parse(data=json.dumps(doc), format="json-ld")
    s = URIRef("https://w3id.org/lianzheng/id/case/x")
    assert (s, RDF.type, LZ.IntegrityPlatform) in g
    assert g.value(s, LZ.tableNumber) == Literal(1)
    assert g.value(s, SKOS.prefLabel) == Literal("淡江大橋廉政平臺", lang="zh-Hant")
    assert g.value(s, LZ.status) == URIRef(CODES + "case-status/operating")


# --- the ontology ------------------------------------------------------------------------


def test_vocab_ontology_has_metadata(vocab):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in vocab
    assert _langs(vocab, ONTOLOGY, DCTERMS.title) == ["en", "zh-Hant"]
    assert vocab.value(ONTOLOGY, DCTERMS.description) is not None
    assert str(vocab.value(ONTOLOGY, OWL.versionInfo)) == "1.1.0"
    assert vocab.value(ONTOLOGY, DCTERMS.license) is not None
    assert vocab.value(ONTOLOGY, DCTERMS.creator) is not None
    assert str(vocab.value(ONTOLOGY, DCTERMS.modified)) == "2026-12-03"
    assert str(vocab.value(ONTOLOGY, URIRef(VANN + "preferredNamespacePrefix"))) == "lz"
    assert str(vocab.value(ONTOLOGY, URIRef(VANN + "preferredNamespaceUri"))) == VOCAB


def test_terms_namespace_matches_vocab(vocab):
    in_python = set(LZ.__annotations__)
    in_vocab = _lz_terms(vocab)
    assert in_python - in_vocab == set(), "in pipelines/terms.py but not in vocab/lianzheng.ttl"
    assert in_vocab - in_python == set(), "in vocab/lianzheng.ttl but not in pipelines/terms.py"


def test_terms_namespace_fails_on_typo():
    assert str(LZ.tableNumber) == VOCAB + "tableNumber"
    with pytest.raises(AttributeError):
        LZ.tabelNumber  # noqa: B018


def test_vocab_defines_every_lz_term_of_the_model_doc(vocab):
    rdf_section = MODEL_DOC.read_text(encoding="utf-8").split("## RDF", 1)[1]
    named = set(re.findall(r"`lz:([A-Za-z]+)`", rdf_section))
    assert len(named) > 40
    assert named - _lz_terms(vocab) == set()


def test_vocab_terms_have_bilingual_label_and_definition(vocab):
    for name in sorted(_lz_terms(vocab)):
        s = URIRef(VOCAB + name)
        assert _langs(vocab, s, RDFS.label) == ["en", "zh-Hant"], name
        assert _langs(vocab, s, SKOS.definition) == ["en", "zh-Hant"], name
        assert (s, RDFS.isDefinedBy, ONTOLOGY) in vocab, name


def test_vocab_properties_have_a_range(vocab):
    for name in sorted(_lz_terms(vocab)):
        s = URIRef(VOCAB + name)
        if (s, RDF.type, OWL.Class) in vocab:
            continue
        # a date known to a day, a month or a year has no one range: it names the ones it includes
        includes = {str(o) for o in vocab.objects(s, URIRef("https://schema.org/rangeIncludes"))}
        assert vocab.value(s, RDFS.range) is not None or includes >= {str(XSD.date), str(XSD.gYear)}, name


def test_vocab_classes_reuse_known_vocabularies(vocab):
    expected = {
        "IntegrityPlatform": {
            "http://www.w3.org/ns/org#OrganizationalCollaboration",
            "http://www.w3.org/ns/prov#Entity",
        },
        "Activity": {"http://www.w3.org/ns/prov#Activity"},
        "Document": {"http://xmlns.com/foaf/0.1/Document"},
        "QualityNote": {"http://www.w3.org/ns/dqv#QualityAnnotation"},
        "SourceDocument": {"http://xmlns.com/foaf/0.1/Document"},
        "SourceSection": {"http://xmlns.com/foaf/0.1/Document"},
    }
    for name, supers in expected.items():
        got = {str(o) for o in vocab.objects(URIRef(VOCAB + name), RDFS.subClassOf)}
        assert supers <= got, name
    epo = "http://data.europa.eu/a4g/ontology#"
    assert (LZ.MonitoredProcurement, SKOS.closeMatch, URIRef(epo + "Procedure")) in vocab
    assert (LZ.estimatedAmount, SKOS.closeMatch, URIRef(epo + "hasEstimatedValue")) in vocab
    assert not list(vocab.subjects(OWL.equivalentClass, None))  # alignments are SKOS mappings


def test_vocab_code_list_properties_name_their_scheme(vocab):
    schemes = set(load_codes())
    coded = {
        "status": "case-status", "governmentLevel": "government-level",
        "organisationKind": "organisation-kind", "activityType": "activity-type",
        "documentCategory": "document-category", "riskCategory": "risk-category",
        "indicator": "indicator", "unit": "unit", "phase": "phase", "noteType": "quality-note-type",
        "servesProng": "prong",
        "divisionBasis": "division-basis",
    }
    for name, scheme in coded.items():
        s = URIRef(VOCAB + name)
        assert scheme in schemes
        assert (s, RDFS.range, SKOS.Concept) in vocab, name
        assert (s, RDFS.seeAlso, URIRef(CODES + scheme)) in vocab, name
        assert any(scheme in str(d) for d in vocab.objects(s, SKOS.definition)), name


# --- the code lists ----------------------------------------------------------------------


def test_codes_concepts_are_complete(codes):
    concepts = set(codes.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == sum(len(v) for v in MODEL_CODES.values())
    for c in concepts:
        schemes = list(codes.objects(c, SKOS.inScheme))
        assert len(schemes) == 1, c
        notations = list(codes.objects(c, SKOS.notation))
        assert len(notations) == 1, c
        assert notations[0].datatype is None and not notations[0].language, c  # plain literal
        scheme = str(schemes[0])[len(CODES):]
        assert str(c) == code_iri(scheme, str(notations[0])), c
        assert _langs(codes, c, SKOS.prefLabel) == ["en", "zh-Hant"], c
        assert _langs(codes, c, SKOS.definition) == ["en", "zh-Hant"], c


def test_codes_schemes_have_bilingual_label_and_definition(codes):
    for s in codes.subjects(RDF.type, SKOS.ConceptScheme):
        assert _langs(codes, s, SKOS.prefLabel) == ["en", "zh-Hant"], s
        assert _langs(codes, s, SKOS.definition) == ["en", "zh-Hant"], s


def test_codes_match_model_doc():
    doc = {scheme: {code for code, _, _ in entries} for scheme, entries in MODEL_CODES.items()}
    assert len(doc) == 16  # with prong and law-kind, source-kind, division, division-basis (issue 14)
    assert load_codes() == doc


def test_codes_broader_matches_model_doc(codes):
    for scheme, entries in MODEL_CODES.items():
        for code, _, broader in entries:
            got = [str(o) for o in codes.objects(URIRef(code_iri(scheme, code)), SKOS.broader)]
            assert got == ([code_iri(scheme, broader)] if broader else []), (scheme, code)


def test_codes_top_concepts_are_those_without_broader(codes):
    for scheme in load_codes():
        s = URIRef(CODES + scheme)
        for c in codes.subjects(SKOS.inScheme, s):
            top = (c, SKOS.topConceptOf, s) in codes
            assert top == ((s, SKOS.hasTopConcept, c) in codes), c
            assert top == (codes.value(c, SKOS.broader) is None), c
            for b in codes.objects(c, SKOS.broader):
                assert (b, SKOS.narrower, c) in codes, c


def test_codes_zh_labels_are_the_guidebook_terms_of_the_model_doc(codes):
    for scheme, entries in MODEL_CODES.items():
        for code, term, _ in entries:
            if not re.search(r"[\u4e00-\u9fff]", term):
                continue  # the doc gives no Chinese term
            labels = [str(o) for o in codes.objects(URIRef(code_iri(scheme, code)), SKOS.prefLabel)
                      if o.language == "zh-Hant"]
            assert labels and labels[0] in term, (scheme, code, labels, term)



def test_codes_cite_known_sections(codes):
    """A code that rests on the seeds cites sections of datasets/source/sources.yaml, as data does."""
    from pipelines.read.reader import read_dataset
    from tests.conftest import REAL

    sections = set(read_dataset(REAL).sections)
    cited = {str(o) for o in codes.objects(None, DCTERMS.source)}
    assert cited, "no code cites a source"
    prefix = "https://w3id.org/lianzheng/id/source/"
    assert {c for c in cited if not c.startswith(prefix)} == set()
    assert {c[len(prefix):] for c in cited} - sections == set()


def test_codes_serve_prongs_of_the_prong_list(codes):
    """lz:servesProng ties activity types and document categories to the prong list only."""
    prong = URIRef(CODES + "prong")
    links = list(codes.subject_objects(LZ.servesProng))
    assert links
    for s, o in links:
        assert (o, SKOS.inScheme, prong) in codes, o
        assert {str(x) for x in codes.objects(s, SKOS.inScheme)} <= {
            CODES + "activity-type", CODES + "document-category"}, s

# --- pipelines/terms.py ------------------------------------------------------------------


def test_code_iri_builds_and_rejects():
    assert code_iri("unit", "twd") == "https://w3id.org/lianzheng/vocab/unit/twd"
    for bad in (("unit", ""), ("", "twd"), ("unit", "a/b")):
        with pytest.raises(ValueError):
            code_iri(*bad)


def test_prefixes_are_in_the_fixed_order():
    assert list(PREFIXES) == [
        "lz", "rdf", "rdfs", "xsd", "owl", "skos", "dct", "dcat", "prov", "org", "foaf",
        "schema", "dqv", "oa", "epo", "vann", "sh",
    ]
    assert PREFIXES["lz"] == VOCAB
    assert all(v.endswith(("#", "/")) for v in PREFIXES.values())


def test_dirs_point_into_the_repository():
    assert terms.vocab_dir() == ROOT / "vocab"
    assert terms.shapes_dir() == ROOT / "shapes"
    assert (terms.shapes_dir() / "lianzheng.ttl").is_file()
