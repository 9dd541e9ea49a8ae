"""The OCDS export: one Open Contracting Data Standard 1.1 release package per release.

Open Contracting Data Standard 1.1 (https://standard.open-contracting.org/1.1/en/),
schema tag ``1__1__5``. Each case is one contracting process at the planning stage
(§ "Contracting process", release tag ``planning``): its ocid is
``{ocid_prefix}-{case}``, the release id ``{case}-{version}``.

Mapping (schema § Release):

- ``buyer`` and ``tender.procuringEntity``: the case's first procuring agency;
  every procuring agency is a party with the roles ``buyer``/``procuringEntity``.
- ``tender``: the monitored procurement: ``title`` (``title_en`` as a language
  variant, § "Language"), ``status`` ``planning``, ``value`` the approximate amount
  in TWD (the source's wording in ``description``), ``id`` the PCC tender number
  (機關代碼+標案案號) when the sources give exactly one, else the case slug; all
  PCC tender numbers are also listed in ``tender.pccTenderIds`` (an additional field).
- ``planning.documents``: the transparency-zone documents, ``documentType`` where a
  category has an OCDS equivalent (§ codelist documentType), ``url`` only where a
  source gives one; ``planning.rationale``: the case description.
- ``parties``: the procuring agencies, the case's ministry or city (``interestedParty``)
  and every agency that took part in the platform's activities (``interestedParty``,
  with the platform roles in ``details.platformRoles``). ``id`` is the agency's IRI;
  the agency code (機關代碼) and the Wikidata item, where the sources give them, are
  ``additionalIdentifiers`` (schemes ``TW-AGENCY-CODE`` and ``WIKIDATA``: descriptive
  labels, since org-id.guide lists no scheme for 機關代碼).

Nothing is invented: fields without a source are left out. The ocid prefix is the
``ocid_prefix`` setting; the default ``ocds-lianzheng`` is a placeholder, since a
real prefix (``ocds-`` and six characters) must be registered with the Open
Contracting Partnership.

The package is validated with ``libcoveocds`` in the tests (offline, against the
1.1.5 schema zip in ``../shared/standards/ocds-1.1.5/``).
"""

from __future__ import annotations

import json
from decimal import Decimal

from .. import model as m

OCDS_VERSION = "1.1"
# transparency-zone category -> OCDS documentType (codelist documentType.csv), where one fits
DOCUMENT_TYPES = {
    "planning": "procurementPlan",
    "progress": "physicalProgressReport",
    "clarification": "clarifications",
    "tender-information": "tenderNotice",
    "contract": "contractSigned",
}
PROCURING_ROLES = ["buyer", "procuringEntity"]


def _amount(value: Decimal):
    """A JSON number for an amount: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def _date_time(d: m.Date | None) -> str | None:
    """OCDS dates are date-times: a day-precise date at local midnight (UTC+8), else None."""
    if d is None or d.precision != "day":
        return None
    return f"{d.iso}T00:00:00+08:00"


def ocid(prefix: str, case_id: str) -> str:
    return f"{prefix}-{case_id}"


def party_base(a: m.Agency, iri: str) -> dict:
    """The fields of an agency's party that do not depend on the case."""
    party: dict = {"id": iri, "name": a.name.zh}
    if a.name.en:
        party["name_en"] = a.name.en
    extra = []
    if a.agency_code:
        extra.append({"scheme": "TW-AGENCY-CODE", "id": a.agency_code, "legalName": a.name.zh})
    if a.wikidata:
        extra.append({"scheme": "WIKIDATA", "id": a.wikidata, "uri": f"http://www.wikidata.org/entity/{a.wikidata}"})
    if extra:
        party["additionalIdentifiers"] = extra
    return party


class _Parties:
    def __init__(self, ds: m.Dataset, ids, bases: dict[str, dict]):
        self.ds, self.ids, self.bases = ds, ids, bases
        self.parties: dict[str, dict] = {}

    def base(self, agency_id: str) -> dict:
        b = self.bases.get(agency_id)
        if b is None:
            b = self.bases[agency_id] = party_base(self.ds.agencies[agency_id], self.ids.agency(agency_id))
        return b

    def ref(self, agency_id: str) -> dict:
        b = self.base(agency_id)
        return {"id": b["id"], "name": b["name"]}

    def add(self, agency_id: str, roles: list[str], platform_role: str = "") -> None:
        if agency_id not in self.ds.agencies:
            return
        party = self.parties.get(agency_id)
        if party is None:
            party = self.parties[agency_id] = {**self.base(agency_id), "roles": []}
        have = party["roles"]
        for r in roles:
            if r not in have:
                have.append(r)
        if platform_role:
            details = party.get("details")
            if details is None:
                details = party["details"] = {"platformRoles": []}
            if platform_role not in details["platformRoles"]:
                details["platformRoles"].append(platform_role)


def release_of(ds: m.Dataset, case: m.Case, *, ids, prefix: str, version: str, created: str,
               activities: list[m.Activity], documents: list[m.Document], bases: dict | None = None) -> dict:
    """The OCDS release of one case (a dict ready for JSON)."""
    parties = _Parties(ds, ids, {} if bases is None else bases)
    for aid in case.agencies:
        parties.add(aid, PROCURING_ROLES)
    if case.authority not in case.agencies:
        parties.add(case.authority, ["interestedParty"])
    for act in activities:
        for p in act.participants:
            if p.agency and p.agency not in case.agencies:
                parties.add(p.agency, ["interestedParty"], p.role)
            elif p.agency:
                parties.add(p.agency, [], p.role)

    tender: dict = {
        "id": case.pcc_tender_ids[0] if len(case.pcc_tender_ids) == 1 else case.id,
        "title": case.procurement.zh,
        "status": "planning",
        "value": {"amount": _amount(case.amount_twd), "currency": "TWD"},
        "description": f"金額依來源所載：{case.amount_text}",
    }
    if case.procurement.en:
        tender["title_en"] = case.procurement.en
    tender["description_en"] = f"Amount as the source words it: {case.amount_text}"
    if case.agencies and case.agencies[0] in ds.agencies:
        tender["procuringEntity"] = parties.ref(case.agencies[0])
    if case.pcc_tender_ids:
        tender["pccTenderIds"] = list(case.pcc_tender_ids)

    docs = []
    for d in documents:
        doc: dict = {"id": d.id, "title": d.title.zh}
        if d.title.en:
            doc["title_en"] = d.title.en
        if d.category in DOCUMENT_TYPES:
            doc["documentType"] = DOCUMENT_TYPES[d.category]
        if d.description is not None and d.description.zh:
            doc["description"] = d.description.zh
        if d.url:
            doc["url"] = d.url
        published = _date_time(d.date)
        if published:
            doc["datePublished"] = published
        docs.append(doc)
    planning: dict = {}
    if case.description is not None and case.description.zh:
        planning["rationale"] = case.description.zh
        if case.description.en:
            planning["rationale_en"] = case.description.en
    if docs:
        planning["documents"] = docs

    release: dict = {
        "ocid": ocid(prefix, case.id),
        "id": f"{case.id}-{version}",
        "date": created,
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "zh",
    }
    if case.agencies and case.agencies[0] in ds.agencies:
        release["buyer"] = parties.ref(case.agencies[0])
    release["parties"] = list(parties.parties.values())
    if planning:
        release["planning"] = planning
    release["tender"] = tender
    return release


def package(rel) -> dict:
    """The release package of a whole release."""
    ds = rel.ds
    acts: dict[str, list] = {}
    for a in ds.activities:
        acts.setdefault(a.case, []).append(a)
    docs: dict[str, list] = {}
    for d in ds.documents:
        docs.setdefault(d.case, []).append(d)
    name = rel.publisher_name
    publisher = {"name": f"{name.zh} {name.en}".strip(), "uri": rel.publisher_iri}
    bases: dict[str, dict] = {}
    return {
        "uri": rel.download("ocds.json"),
        "version": OCDS_VERSION,
        "publishedDate": rel.created,
        "publisher": publisher,
        "license": rel.licence_url,
        "publicationPolicy": rel.url("home"),
        "releases": [
            release_of(ds, c, ids=rel.ids, prefix=rel.ocid_prefix, version=rel.version, created=rel.created,
                       activities=acts.get(c.id, []), documents=docs.get(c.id, []), bases=bases)
            for c in ds.cases.values()
        ],
    }


def write_package(rel) -> str:
    """Write ``ocds.json``: compact JSON, one release a line (json's fast encoder does not indent)."""
    pkg = package(rel)
    releases = pkg.pop("releases")
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    head = dumps(pkg)[:-1] + ',"releases":[\n'
    path = rel.folder / "ocds.json"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(head + ",\n".join(dumps(r) for r in releases) + "\n]}\n")
    return path.name
