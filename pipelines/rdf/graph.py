"""The RDF view of the domain model, under the project vocabulary (``vocab/``).

``dataset_triples`` gives the light triples (``rdf.terms``) of a whole dataset,
and ``TripleParts`` the same triples case by case (for the checks);
the mapping of each class is documented in ``docs/model.md`` and checked by the
shapes in ``shapes/``. Vocabulary terms come through ``terms.LZ``, which fails
on a typo.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from .. import model as m
from ..terms import LZ, code_iri
from .ids import Minter
from .terms import IRI, RDF_TYPE, XSD, Lit, en, typed, zh

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "https://schema.org/"
DQV = "http://www.w3.org/ns/dqv#"
OA = "http://www.w3.org/ns/oa#"
OWL = "http://www.w3.org/2002/07/owl#"


def _t(term) -> IRI:
    return IRI(str(term))


A = IRI(RDF_TYPE)
# predicates and classes, resolved once (LZ fails on an undefined term)
P = {
    name: _t(getattr(LZ, name))
    for name in (
        "IntegrityPlatform", "MonitoredProcurement", "Activity", "Document", "Observation", "Risk",
        "QualityNote", "SourceDocument", "SourceSection", "tableNumber", "monitors",
        "procuringAgency", "authority", "governmentLevel", "established", "establishedOriginal",
        "status", "benchmarkCase", "activity", "publishedDocument", "observation", "risk",
        "estimatedAmount", "amountWording", "buyer", "organisationKind", "agencyCode",
        "activityType", "endDate", "ordinal", "platform", "participantDescription", "personName",
        "personTitle", "position", "documentCategory", "indicator", "value", "unit", "valueText",
        "phase", "riskCategory", "mitigation", "IllustrativeAccount", "account", "quotation",
        "namesProject", "attribution", "statedDate", "placeName", "divisionBasis", "noteType",
        "field", "officialValue",
        "officialSource", "otherValue", "otherSource", "resolution", "order", "pccTenderId",
        "statedPurpose", "purposeSource",
        "citesLaw", "inAppendix",
    )
}
PREF = IRI(SKOS + "prefLabel")
ALT = IRI(SKOS + "altLabel")
LABEL = IRI(RDFS + "label")
COMMENT = IRI(RDFS + "comment")
IDENT = IRI(DCT + "identifier")
TITLE = IRI(DCT + "title")
DESC = IRI(DCT + "description")
DATE = IRI(DCT + "date")
SOURCE = IRI(DCT + "source")
PUBLISHER = IRI(DCT + "publisher")
ISPARTOF = IRI(DCT + "isPartOf")
ISSUED = IRI(DCT + "issued")
LANGUAGE = IRI(DCT + "language")
REFERENCES = IRI(DCT + "references")
SPATIAL = IRI(DCT + "spatial")
DCT_TYPE = IRI(DCT + "type")
LANDING = IRI(DCAT + "landingPage")
DCAT_DATASET = IRI(DCAT + "Dataset")
ORG_ORG = IRI(ORG + "Organization")
ORG_COLLAB = IRI(ORG + "OrganizationalCollaboration")
ORG_MEMBER = IRI(ORG + "hasMember")
ORG_SUB = IRI(ORG + "subOrganizationOf")
PROV_ASSOC = IRI(PROV + "Association")
PROV_WAW = IRI(PROV + "wasAssociatedWith")
PROV_QA = IRI(PROV + "qualifiedAssociation")
PROV_AGENT = IRI(PROV + "agent")
PROV_ROLE = IRI(PROV + "hadRole")
PROV_DERIVED = IRI(PROV + "wasDerivedFrom")
DQV_HAS = IRI(DQV + "hasQualityAnnotation")
OA_TARGET = IRI(OA + "hasTarget")
SAMEAS = IRI(OWL + "sameAs")
FOAF_DOC = IRI(FOAF + "Document")
LEGISLATION = IRI(SCHEMA + "Legislation")
SCHEMA_NAME = IRI(SCHEMA + "name")
SCHEMA_URL = IRI(SCHEMA + "url")
SCHEMA_ALT = IRI(SCHEMA + "alternateName")
DCT_TYPE = IRI(DCT + "type")
ANYURI = XSD + "anyURI"

_CJK = re.compile(r"[\u3400-\u9fff]")
_DATE_TYPES = {"day": XSD + "date", "month": XSD + "gYearMonth", "year": XSD + "gYear"}


def date_lit(d: m.Date) -> Lit:
    return typed(d.iso, _DATE_TYPES[d.precision])


def dec(value: Decimal) -> Lit:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    if "." not in text:
        text += ".0"
    return typed(text, XSD + "decimal")


def integer(value: int) -> Lit:
    return typed(str(value), XSD + "integer")


def _code(scheme: str, code: str) -> IRI:
    return IRI(code_iri(scheme, code))


def _texts(s: IRI, p: IRI, text: m.Text | None):
    if text is None:
        return
    if text.zh:
        yield (s, p, zh(text.zh))
    if text.en:
        yield (s, p, en(text.en))


class GraphWriter:
    """Triples for a dataset under one base IRI."""

    def __init__(self, minter: Minter):
        self.ids = minter

    def _cites(self, s: IRI, cited) -> Iterator[tuple]:
        seen = set()
        for c in cited:
            if c.source not in seen:
                seen.add(c.source)
                yield (s, SOURCE, IRI(self.ids.source(c.source)))

    def dataset_node(self, ds: m.Dataset) -> Iterator[tuple]:
        """The dataset itself: what it is, the laws it relates to, the documents it comes from,
        and the purpose a source states for it (``lz:statedPurpose``, cited by ``lz:purposeSource``).

        The full DCAT description (versions, distributions, services) is the catalogue's
        (``catalog.py``); this node ties the data to it and to its references.
        """
        slug = str(ds.meta.get("id", "lianzheng"))
        s = IRI(self.ids.dataset(slug))
        yield (s, A, DCAT_DATASET)
        yield (s, IDENT, Lit(slug))
        title = ds.meta.get("title") or {}
        if isinstance(title, dict):
            yield from _texts(s, TITLE, m.Text(str(title.get("zh", "")), str(title.get("en", ""))))
        for law in ds.laws.values():
            yield (s, REFERENCES, IRI(self.ids.law(law.id)))
        for doc in ds.sources.values():  # not dct:source: DCAT-AP keeps that for source datasets
            yield (s, PROV_DERIVED, IRI(self.ids.source(doc.id)))
        if ds.purpose:  # the purpose a source states, in its words, and where it says so
            yield from _texts(s, P["statedPurpose"], ds.purpose.text)
            for section in dict.fromkeys(c.source for c in ds.purpose.cited):
                yield (s, P["purposeSource"], IRI(self.ids.source(section)))

    def sources(self, ds: m.Dataset) -> Iterator[tuple]:
        for doc in ds.sources.values():
            s = IRI(self.ids.source(doc.id))
            yield (s, A, P["SourceDocument"])
            yield (s, A, FOAF_DOC)
            yield (s, IDENT, Lit(doc.id))
            yield from _texts(s, TITLE, doc.title)
            if doc.publisher:
                yield (s, PUBLISHER, IRI(self.ids.agency(doc.publisher)))
            if doc.issued:
                yield (s, ISSUED, date_lit(doc.issued))
            for lang in doc.language:
                yield (s, LANGUAGE, Lit(lang))
            if doc.url:
                yield (s, LANDING, IRI(doc.url))
            if doc.kind:  # the AAC's own document, or an outside source
                yield (s, DCT_TYPE, _code("source-kind", doc.kind))
            yield from _texts(s, DESC, doc.description)
        for sec in ds.sections.values():
            s = IRI(self.ids.source(sec.id))
            yield (s, A, P["SourceSection"])
            yield (s, IDENT, Lit(sec.id))
            yield from _texts(s, TITLE, sec.title)
            yield (s, ISPARTOF, IRI(self.ids.source(sec.document)))
            yield (s, P["order"], integer(sec.order))
            if sec.url:
                yield (s, LANDING, IRI(sec.url))

    def agency(self, a: m.Agency) -> Iterator[tuple]:
        s = IRI(self.ids.agency(a.id))
        yield (s, A, ORG_ORG)
        yield (s, IDENT, Lit(a.id))
        yield from _texts(s, PREF, a.name)
        for alt in a.alt_names:
            yield (s, ALT, zh(alt))
        yield (s, P["organisationKind"], _code("organisation-kind", a.kind))
        if a.parent:
            yield (s, ORG_SUB, IRI(self.ids.agency(a.parent)))
        if a.level:
            yield (s, P["governmentLevel"], _code("government-level", a.level))
        if a.agency_code:
            yield (s, P["agencyCode"], Lit(a.agency_code))
        if a.wikidata:
            yield (s, SAMEAS, IRI("http://www.wikidata.org/entity/" + a.wikidata))
        yield from self._cites(s, a.cited)

    def law(self, law: m.Law) -> Iterator[tuple]:
        s = IRI(self.ids.law(law.id))
        yield (s, A, LEGISLATION)
        yield (s, IDENT, Lit(law.id))
        yield from _texts(s, SCHEMA_NAME, law.name)
        for alt in law.alt_names:  # a short form in Chinese, or an acronym
            yield (s, SCHEMA_ALT, zh(alt) if _CJK.search(alt) else en(alt))
        if law.kind:
            yield (s, DCT_TYPE, _code("law-kind", law.kind))
        yield (s, P["inAppendix"], typed("true" if law.in_appendix else "false", XSD + "boolean"))
        if law.url:
            yield (s, SCHEMA_URL, IRI(law.url))
        yield from self._cites(s, law.cited)

    def law_citations(self, law: m.Law) -> Iterator[tuple[str, tuple]]:
        """(case id, triple) for each case whose chapter or example cites the law."""
        s = IRI(self.ids.law(law.id))
        for cid in law.cases:
            yield cid, (IRI(self.ids.case(cid)), P["citesLaw"], s)

    def case(self, c: m.Case) -> Iterator[tuple]:
        s = IRI(self.ids.case(c.id))
        proc = IRI(self.ids.procurement(c.id))
        yield (s, A, P["IntegrityPlatform"])
        yield (s, IDENT, Lit(c.id))
        if c.table_number is not None:
            yield (s, P["tableNumber"], integer(c.table_number))
        yield from _texts(s, PREF, c.name)
        for alt in c.alt_names:
            yield from _texts(s, ALT, alt)
        yield (s, P["monitors"], proc)
        for aid in c.agencies:
            agency = IRI(self.ids.agency(aid))
            yield (s, P["procuringAgency"], agency)
            yield (s, ORG_MEMBER, agency)
        yield (s, P["authority"], IRI(self.ids.agency(c.authority)))
        if c.level:
            yield (s, P["governmentLevel"], _code("government-level", c.level))
        yield (s, P["established"], date_lit(c.established))
        if c.established.original:
            yield (s, P["establishedOriginal"], Lit(c.established.original))
        yield (s, P["status"], _code("case-status", c.status))
        if c.benchmark is not None:
            yield (s, P["benchmarkCase"], integer(c.benchmark))
        if c.wikidata:
            yield (s, SAMEAS, IRI("http://www.wikidata.org/entity/" + c.wikidata))
        yield from _texts(s, DESC, c.description)
        yield from _texts(s, P["placeName"], c.place)
        for code in c.divisions:
            yield (s, SPATIAL, _code("division", code))
        if c.division_basis:
            yield (s, P["divisionBasis"], _code("division-basis", c.division_basis))
        yield from self._cites(s, c.all_cited)
        # the procurement it watches over
        yield (proc, A, P["MonitoredProcurement"])
        yield (proc, IDENT, Lit(c.id))
        yield from _texts(proc, PREF, c.procurement)
        yield (proc, P["estimatedAmount"], dec(c.amount_twd))
        yield (proc, P["amountWording"], zh(c.amount_text))
        for aid in c.agencies:
            yield (proc, P["buyer"], IRI(self.ids.agency(aid)))
        for tender in c.pcc_tender_ids:
            yield (proc, P["pccTenderId"], Lit(tender))
        yield from self._cites(proc, c.cited[:1])

    def activity(self, a: m.Activity) -> Iterator[tuple]:
        s = IRI(self.ids.activity(a.id))
        case = IRI(self.ids.case(a.case))
        yield (s, A, P["Activity"])
        yield (s, IDENT, Lit(a.id))
        yield (s, P["activityType"], _code("activity-type", a.type))
        yield (s, DATE, date_lit(a.date))
        if a.end_date:
            yield (s, P["endDate"], date_lit(a.end_date))
        if a.ordinal is not None:
            yield (s, P["ordinal"], integer(a.ordinal))
        yield from _texts(s, TITLE, a.title)
        yield from _texts(s, DESC, a.description)
        yield (s, P["platform"], case)
        yield (case, P["activity"], s)
        for pos, part in enumerate(a.participants, start=1):
            q = IRI(self.ids.participation(a.id, pos))
            yield (s, PROV_QA, q)
            yield (q, A, PROV_ASSOC)
            yield (q, P["position"], integer(pos))
            yield (q, PROV_ROLE, _code("participant-role", part.role))
            if part.agency:
                agent = IRI(self.ids.agency(part.agency))
                yield (q, PROV_AGENT, agent)
                yield (s, PROV_WAW, agent)
            yield from _texts(q, P["participantDescription"], part.description)
            yield from _texts(q, P["personName"], part.person)
            yield from _texts(q, P["personTitle"], part.person_title)
        yield from self._cites(s, a.cited)

    def document(self, d: m.Document) -> Iterator[tuple]:
        s = IRI(self.ids.document(d.id))
        case = IRI(self.ids.case(d.case))
        yield (s, A, P["Document"])
        yield (s, IDENT, Lit(d.id))
        yield (s, P["documentCategory"], _code("document-category", d.category))
        yield from _texts(s, TITLE, d.title)
        yield from _texts(s, DESC, d.description)
        yield (s, PUBLISHER, IRI(self.ids.agency(d.publisher)))
        if d.date:
            yield (s, DATE, date_lit(d.date))
        if d.url:
            yield (s, LANDING, IRI(d.url))
        yield (s, P["platform"], case)
        yield (case, P["publishedDocument"], s)
        yield from self._cites(s, d.cited)

    def observation(self, o: m.Observation) -> Iterator[tuple]:
        s = IRI(self.ids.observation(o.id))
        case = IRI(self.ids.case(o.case))
        yield (s, A, P["Observation"])
        yield (s, IDENT, Lit(o.id))
        yield (s, P["indicator"], _code("indicator", o.indicator))
        if o.value is not None:
            yield (s, P["value"], dec(o.value))
        if o.unit:
            yield (s, P["unit"], _code("unit", o.unit))
        if o.value_text:
            yield (s, P["valueText"], zh(o.value_text))
        if o.phase:
            yield (s, P["phase"], _code("phase", o.phase))
        if o.date:
            yield (s, DATE, date_lit(o.date))
        yield from _texts(s, DESC, o.description)
        yield (s, P["platform"], case)
        yield (case, P["observation"], s)
        yield from self._cites(s, o.cited)

    def risk(self, r: m.Risk) -> Iterator[tuple]:
        s = IRI(self.ids.risk(r.id))
        case = IRI(self.ids.case(r.case))
        yield (s, A, P["Risk"])
        yield (s, IDENT, Lit(r.id))
        yield (s, P["riskCategory"], _code("risk-category", r.category))
        yield from _texts(s, DESC, r.description)
        yield from _texts(s, P["mitigation"], r.mitigation)
        yield (s, P["platform"], case)
        yield (case, P["risk"], s)
        yield from self._cites(s, r.cited)

    def account(self, a: m.Account) -> Iterator[tuple]:
        s = IRI(self.ids.account(a.id))
        case = IRI(self.ids.case(a.case))
        yield (s, A, P["IllustrativeAccount"])
        yield (s, IDENT, Lit(a.id))
        yield from _texts(s, TITLE, a.title)
        yield (s, P["quotation"], zh(a.quote))
        yield from _texts(s, DESC, a.summary)
        yield (s, P["namesProject"], typed("true" if a.names_project else "false", XSD + "boolean"))
        yield from _texts(s, P["attribution"], a.attribution)
        if a.stated_date:
            yield (s, P["statedDate"], date_lit(a.stated_date))
        yield (s, P["platform"], case)
        yield (case, P["account"], s)
        yield from self._cites(s, a.cited)

    def note(self, n: m.QualityNote) -> Iterator[tuple]:
        s = IRI(self.ids.note(n.id))
        yield (s, A, P["QualityNote"])
        yield (s, IDENT, Lit(n.id))
        yield (s, P["noteType"], _code("quality-note-type", n.type))
        yield (s, P["field"], Lit(n.field))
        if n.official_value:
            yield (s, P["officialValue"], zh(n.official_value))
        yield (s, P["officialSource"], IRI(self.ids.source(n.official_source.source)))
        if n.other_value:
            yield (s, P["otherValue"], zh(n.other_value))
        if n.other_source:
            yield (s, P["otherSource"], IRI(self.ids.source(n.other_source.source)))
        yield from _texts(s, COMMENT, n.description)
        yield from _texts(s, P["resolution"], n.resolution)
        target = IRI(self.ids.case(n.case)) if n.case else IRI(self.ids.dataset("lianzheng"))
        yield (s, OA_TARGET, target)
        yield (target, DQV_HAS, s)


class TripleParts:
    """A dataset's triples by what they describe, for checking them case by case.

    ``top``: the dataset node. ``shared``: sources, agencies, laws and whatever
    belongs to no case. ``cases``: each case with its activities, documents,
    observations, risks and quality notes. Every shape looks at most one hop from
    its focus node, so a case can be checked with ``shared`` alone beside it.
    """

    def __init__(self, ds: m.Dataset, base: str):
        w = GraphWriter(Minter(base))
        self.top = list(w.dataset_node(ds))
        shared = list(w.sources(ds))
        for agency in ds.agencies.values():
            shared.extend(w.agency(agency))
        for law in ds.laws.values():
            shared.extend(w.law(law))
        self.cases: dict[str, list] = {cid: list(w.case(c)) for cid, c in ds.cases.items()}
        for law in ds.laws.values():  # the case's link to a law it cites is the case's
            for cid, triple in w.law_citations(law):
                self.cases[cid].append(triple)
        groups: tuple[tuple[list[Any], Callable[[Any], Iterator[tuple]]], ...] = (
            (ds.activities, w.activity), (ds.documents, w.document),
            (ds.observations, w.observation), (ds.risks, w.risk), (ds.accounts, w.account),
            (ds.notes, w.note))
        for group, emit in groups:
            for item in group:
                target = self.cases.get(getattr(item, "case", "") or "")
                (target if target is not None else shared).extend(emit(item))
        self.shared = shared

    def all(self) -> list[tuple]:
        """Every triple once, in no particular order (the writers sort)."""
        unique = set(self.top)
        unique.update(self.shared)
        for triples in self.cases.values():
            unique.update(triples)
        return list(unique)


def dataset_triples(ds: m.Dataset, base: str) -> list[tuple]:
    """Every triple of a dataset, once each, in no particular order (the writers sort)."""
    return TripleParts(ds, base).all()
