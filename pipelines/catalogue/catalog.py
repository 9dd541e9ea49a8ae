"""The DCAT-AP catalogue of every release: ``catalog.ttl``, ``catalog.jsonld``, ``catalog.rdf``.

DCAT-AP 3.0.1 (https://semiceu.github.io/DCAT-AP/releases/3.0.1/), on W3C DCAT 3
(https://www.w3.org/TR/vocab-dcat-3/). The catalogue holds (DCAT-AP § "Main classes"):

- the catalogue (``dcat:Catalog``, § Catalogue), published by the AAC;
- the dataset (``dcat:Dataset``, § Dataset) and this release as a version of it
  (DCAT 3 § 11 "Versioning", https://www.w3.org/TR/vocab-dcat-3/#dataset-versions: the dataset's
  ``dcat:version`` and ``dcat:hasCurrentVersion`` are this release; ``dcat:hasVersion`` names
  every version the build knows of -- the release log's and the previous catalogue's --;
  this version's ``dcat:previousVersion`` is the release it follows in service);
- one ``dcat:Distribution`` per file of the release (§ Distribution): access and
  download URL, IANA media type, EU file type, byte size, ``spdx:checksum``
  (SHA-256), licence OGDL-Taiwan-1.0, issued and modified dates, languages;
- the SPARQL endpoint, the REST API and the reconciliation service as
  ``dcat:DataService`` (§ Data Service), each serving the dataset;
- the publisher (``foaf:Agent``) and a contact point (``vcard:Kind``);
- the purpose a source states for the data, where the records give one: DCAT-AP has no
  property for it, so the vocabulary's ``lz:statedPurpose`` (the source's words) and
  ``lz:purposeSource`` (its sections) sit beside ``dct:description``.

It conforms to the official shapes (``shapes.ttl`` and ``range.ttl``: no
Violation); the tests run pySHACL with them and report the Warnings of
``shapes_recommended.ttl``. ``range.ttl`` checks the class of every value without
inference, so every value node is typed explicitly here (``dct:MediaTypeOrExtent``,
``dct:LicenseDocument``, ``foaf:Agent``, ``dct:Frequency``, ``dct:LinguisticSystem``,
``dct:Location``, ``spdx:Checksum``, ``vcard:Kind``, ``skos:Concept`` ...). Media
types are IANA IRIs; file types, languages, frequency, data theme, country and
availability are the EU Publications Office authority IRIs where one fits (the EU
MDR code-list shapes themselves are not applied: see ../shared/standards/README.md).

Download and service URLs are written under the base IRI and rewritten by the
service to its public URL (:mod:`pipelines.catalogue.context`, "Public URLs"). No blank
nodes: checksums and class partitions get hash IRIs, so every output is
byte-stable and the three files hold the same graph (a test checks isomorphism).

Written by the project's one RDF writer (:mod:`pipelines.rdf.serialize`), not rdflib, though
the graph is small (849 triples for the 32 cases): measured 2026-12-03, rdflib took 7-15x as
long (79 ms against 5 ms for Turtle), and its RDF/XML ("pretty-xml") changed bytes with
PYTHONHASHSEED, which would break the byte-identical release.
"""

from __future__ import annotations

from ..normalise import parse_date
from ..rdf.graph import date_lit
from ..rdf.serialize import by_subject, write_jsonld, write_rdfxml, write_turtle
from ..rdf.terms import IRI, RDF_TYPE, XSD, Lit, en, typed, zh
from ..tables.schema import TABLE_BY_NAME
from ..terms import LZ, PREFIXES
from .context import CATALOG_FILES, MEDIA, FileInfo, inventory

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
ADMS = "http://www.w3.org/ns/adms#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCATAP = "http://data.europa.eu/r5r/"
ORG = "http://www.w3.org/ns/org#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
LOCN = "http://www.w3.org/ns/locn#"
GSP = "http://www.opengis.net/ont/geosparql#"
VOID = "http://rdfs.org/ns/void#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"

EXTRA_PREFIXES = {
    "void": VOID, "vcard": VCARD, "spdx": SPDX, "adms": ADMS, "dcatap": DCATAP, "locn": LOCN,
    "gsp": GSP, "eufiletype": EU + "file-type/", "eulang": EU + "language/", "eutheme": EU + "data-theme/",
    "eufreq": EU + "frequency/", "iana": IANA,
}
A = IRI(RDF_TYPE)
LZ_STATED_PURPOSE, LZ_PURPOSE_SOURCE = str(LZ.statedPurpose), str(LZ.purposeSource)
SHA256 = IRI(SPDX + "checksumAlgorithm_sha256")
# Taiwan, Penghu, Kinmen and Matsu (WGS 84)
TAIWAN_BBOX = "POLYGON((118.1 21.8,122.1 21.8,122.1 26.4,118.1 26.4,118.1 21.8))"
TAIWAN_CENTROID = "POINT(120.96 23.70)"
FREQUENCIES = {"irregular": "IRREG", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
               "quarterly": "QUARTERLY", "annual": "ANNUAL", "never": "NEVER"}
FREQUENCY_LABELS = {"IRREG": ("不定期", "irregular"), "DAILY": ("每日", "daily"), "WEEKLY": ("每週", "weekly"),
                    "MONTHLY": ("每月", "monthly"), "QUARTERLY": ("每季", "quarterly"), "ANNUAL": ("每年", "annual"),
                    "NEVER": ("不再更新", "never")}
LANGUAGES = {"zh-Hant": ("ZHO", "中文", "Chinese"), "zh": ("ZHO", "中文", "Chinese"), "en": ("ENG", "英文", "English")}
FILE_TYPE_LABELS = {"CSV": "CSV", "RDF_TURTLE": "Turtle", "RDF_N_TRIPLES": "N-Triples", "JSON_LD": "JSON-LD",
                    "JSON": "JSON", "RDF_XML": "RDF/XML", "ATOM": "Atom", "TXT": "Text", "XLSX": "XLSX",
                    "ZIP": "ZIP", "BIN": "Binary"}
STANDARDS = {  # the standard each kind of file or service conforms to
    "datapackage": ("https://datapackage.org/standard/data-package/", "Data Package v2"),
    "table": ("https://datapackage.org/standard/table-schema/", "Table Schema v2"),
    "vocab": ("https://w3id.org/lianzheng/vocab", "lianzheng 廉政平臺詞彙 vocabulary"),
    "ocds": ("https://standard.open-contracting.org/1.1/en/", "Open Contracting Data Standard 1.1"),
    "atom": ("https://www.rfc-editor.org/rfc/rfc4287", "The Atom Syndication Format (RFC 4287)"),
    "void": ("http://www.w3.org/TR/void/", "Describing Linked Datasets with the VoID Vocabulary"),
    "shacl": ("https://www.w3.org/TR/shacl/", "Shapes Constraint Language (SHACL)"),
    "sparql": ("https://www.w3.org/TR/sparql11-protocol/", "SPARQL 1.1 Protocol"),
    "openapi": ("https://spec.openapis.org/oas/v3.1.0", "OpenAPI Specification 3.1.0"),
    "reconcile": ("https://reconciliation-api.github.io/specs/0.2/", "Reconciliation Service API 0.2"),
    "datagovtw": ("https://data.gov.tw/developers", "政府資料開放平臺 詮釋資料 data.gov.tw metadata"),
}


def prefixes(rel) -> dict[str, str]:
    """Turtle/JSON-LD prefixes of the catalogue and the VoID file."""
    out = dict(PREFIXES)
    out.update(EXTRA_PREFIXES)
    for kind in ("catalog", "dataset", "distribution", "service", "agency", "case"):
        out[kind] = f"{rel.ids.base}/id/{kind}/"
    return out


def _texts(s, p, zh_text: str, en_text: str):
    if zh_text:
        yield (s, p, zh(zh_text))
    if en_text:
        yield (s, p, en(en_text))


def _concept(iri: str, label_zh: str, label_en: str, scheme: str = ""):
    """A skos:Concept with labels (shapes.ttl: a Concept needs skos:prefLabel)."""
    c = IRI(iri)
    yield (c, A, IRI(SKOS + "Concept"))
    yield from _texts(c, IRI(SKOS + "prefLabel"), label_zh, label_en)
    if scheme:
        yield (c, IRI(SKOS + "inScheme"), IRI(scheme))


def _standard(key: str):
    iri, title = STANDARDS[key]
    yield (IRI(iri), A, IRI(DCT + "Standard"))
    yield (IRI(iri), IRI(DCT + "title"), Lit(title))


def describe_file(path: str) -> tuple[str, str, str]:
    """(title zh, title en, standard key or '') of a release file."""
    name = path.rsplit("/", 1)[-1]
    if path.startswith("data/") and name.endswith(".csv"):
        table = TABLE_BY_NAME.get(name[:-4])
        if table:
            return f"{table.zh}（CSV）", f"{table.en} (CSV)", "table"
    fixed = {
        "datapackage.json": ("Frictionless 資料包描述", "Frictionless Data Package descriptor", "datapackage"),
        "lianzheng.xlsx": ("全部資料表的 XLSX 副本", "XLSX copy of every table", ""),
        "lianzheng-spreadsheets.zip": ("試算表用表格：CSV 與 XLSX，中文欄名、代碼標籤與欄位說明",
                                       "Tables for spreadsheets: CSV and XLSX with Chinese headers, code labels "
                                       "and a column guide", ""),
        "lianzheng.ttl": ("RDF 圖（Turtle）", "The RDF graph (Turtle)", "vocab"),
        "lianzheng.nt": ("RDF 圖（N-Triples）", "The RDF graph (N-Triples)", "vocab"),
        "lianzheng.jsonld": ("RDF 圖（JSON-LD）", "The RDF graph (JSON-LD)", "vocab"),
        "ocds.json": ("開放契約資料標準發行包", "OCDS 1.1 release package", "ocds"),
        "changes.atom": ("異動 Atom 摘要", "Atom feed of changes", "atom"),
        "void.ttl": ("VoID 資料集描述", "VoID description of the dataset", "void"),
        "datagovtw.json": ("政府資料開放平臺詮釋資料", "Metadata in data.gov.tw's fields", "datagovtw"),
        "reconcile.json": ("案件與機關名稱索引（比對服務用）", "Names of cases and agencies (for reconciliation)", ""),
        "validation-report.json": ("驗證報告（JSON）", "Validation report (JSON)", ""),
        "validation-report.txt": ("驗證報告（文字）", "Validation report (text)", ""),
        "release.json": ("發行版清單", "Release manifest", ""),
    }
    if name in fixed and "/" not in path:
        return fixed[name]
    if path.startswith("vocab/"):
        return f"詞彙與代碼表 {name}", f"Vocabulary and code lists: {name}", "vocab"
    if path.startswith("shapes/"):
        return f"SHACL 形狀 {name}", f"SHACL shapes: {name}", "shacl"
    return name, name, ""


def catalog_triples(rel, files: list[FileInfo]) -> list[tuple]:
    """Every triple of the catalogue (light terms; see :mod:`pipelines.rdf.terms`)."""
    ids, meta = rel.ids, rel.meta
    t: list[tuple] = []
    add = t.append
    ext = t.extend
    catalog = IRI(ids.catalog(rel.slug))
    dataset = IRI(rel.dataset_iri)
    version = IRI(rel.version_iri)
    publisher = IRI(rel.publisher_iri)
    contact = IRI(f"{catalog}#contact")
    licence = IRI(rel.licence_url)
    home = IRI(rel.url("home"))
    created = typed(rel.created, XSD + "dateTime")
    issued = date_lit(parse_date(rel.date("issued"))) if rel.date("issued") else created
    title, desc = rel.title, rel.description
    purpose = rel.ds.purpose
    kw_zh, kw_en = rel.keywords
    country = IRI(EU + "country/TWN")
    theme = IRI(EU + "data-theme/GOVE")
    theme_scheme = IRI(EU + "data-theme")
    languages: list[tuple[str, str, str]] = []
    for code in rel.languages:
        if code in LANGUAGES and LANGUAGES[code][0] not in [x[0] for x in languages]:
            languages.append(LANGUAGES[code])
    lang_iris = [IRI(EU + "language/" + c) for c, _, _ in languages]

    # shared value nodes, each typed for range.ttl
    for (_code, lzh, len_), iri in zip(languages, lang_iris, strict=True):
        add((iri, A, IRI(DCT + "LinguisticSystem")))
        ext(_texts(iri, IRI(RDFS + "label"), lzh, len_))
    add((licence, A, IRI(DCT + "LicenseDocument")))
    ext(_texts(licence, IRI(DCT + "title"), str(rel.licence.get("title", "")), str(rel.licence.get("title_en", ""))))
    add((licence, IRI(DCT + "identifier"), Lit(str(rel.licence.get("id", "OGDL-Taiwan-1.0")))))
    add((licence, IRI(DCT + "type"), IRI("http://purl.org/adms/licencetype/Attribution")))
    add((licence, IRI(RDFS + "seeAlso"), IRI("http://spdx.org/licenses/OGDL-Taiwan-1.0")))
    ext(_concept("http://purl.org/adms/licencetype/Attribution", "姓名標示", "Attribution",
                 "http://purl.org/adms/licencetype/1.1"))
    add((country, A, IRI(DCT + "Location")))
    ext(_texts(country, IRI(SKOS + "prefLabel"), "臺灣", "Taiwan"))
    add((country, IRI(DCAT + "bbox"), typed(TAIWAN_BBOX, GSP + "wktLiteral")))
    add((country, IRI(DCAT + "centroid"), typed(TAIWAN_CENTROID, GSP + "wktLiteral")))
    ext(_concept(theme, "政府與公部門", "Government and public sector", theme_scheme))
    add((theme_scheme, A, IRI(SKOS + "ConceptScheme")))
    add((theme_scheme, IRI(DCT + "title"), en("Data theme")))
    add((home, A, IRI(FOAF + "Document")))
    ext(_texts(home, IRI(DCT + "title"), f"{title.zh}首頁", f"{title.en}: home page"))

    # the publisher and the contact point
    name = rel.publisher_name
    add((publisher, A, IRI(FOAF + "Agent")))
    add((publisher, A, IRI(ORG + "Organization")))
    ext(_texts(publisher, IRI(FOAF + "name"), name.zh, name.en))
    if rel.publisher_id in rel.ds.agencies:  # a government agency publishes it
        add((publisher, IRI(DCT + "type"), IRI("http://purl.org/adms/publishertype/NationalAuthority")))
        ext(_concept("http://purl.org/adms/publishertype/NationalAuthority", "中央政府機關", "National authority",
                     "http://purl.org/adms/publishertype/1.0"))
    else:  # the operator's: its kind (an ADMS publisher type, e.g. NonProfitOrganisation) and web site
        if rel.publisher.get("type"):
            kind = f"http://purl.org/adms/publishertype/{rel.publisher['type']}"
            add((publisher, IRI(DCT + "type"), IRI(kind)))
            ext(_concept(kind, str(rel.publisher["type"]), str(rel.publisher["type"]),
                         "http://purl.org/adms/publishertype/1.0"))
        if rel.publisher.get("url"):
            add((publisher, IRI(FOAF + "homepage"), IRI(str(rel.publisher["url"]))))
    c = rel.contact
    cname = c.get("name") if isinstance(c.get("name"), dict) else {"zh": str(c.get("name", "")), "en": ""}
    add((contact, A, IRI(VCARD + "Kind")))
    add((contact, A, IRI(VCARD + "Organization")))
    ext(_texts(contact, IRI(VCARD + "fn"), cname.get("zh", "") or name.zh, cname.get("en", "") or name.en))
    if c.get("url"):
        add((contact, IRI(VCARD + "hasURL"), IRI(str(c["url"]))))
    if c.get("email"):
        add((contact, IRI(VCARD + "hasEmail"), IRI("mailto:" + str(c["email"]))))
    if c.get("phone"):
        add((contact, IRI(VCARD + "hasTelephone"), IRI("tel:" + str(c["phone"]).replace(" ", ""))))

    # the catalogue
    add((catalog, A, IRI(DCAT + "Catalog")))
    ext(_texts(catalog, IRI(DCT + "title"), f"{title.zh}目錄", f"{title.en}: catalogue"))
    ext(_texts(catalog, IRI(DCT + "description"),
               f"{title.zh}之資料集、各發行版檔案與資料服務。",
               f"The dataset, the files of each release and the data services of the {title.en}."))
    add((catalog, IRI(DCT + "publisher"), publisher))
    add((catalog, IRI(FOAF + "homepage"), home))
    add((catalog, IRI(DCT + "license"), licence))
    add((catalog, IRI(DCT + "issued"), issued))
    add((catalog, IRI(DCT + "modified"), created))
    add((catalog, IRI(DCT + "spatial"), country))
    add((catalog, IRI(DCAT + "themeTaxonomy"), theme_scheme))
    for iri in lang_iris:
        add((catalog, IRI(DCT + "language"), iri))
    add((catalog, IRI(DCAT + "dataset"), dataset))
    add((catalog, IRI(DCAT + "dataset"), version))

    # the dataset and this release as its current version
    frequency = IRI(EU + "frequency/" + FREQUENCIES.get(str(meta.get("update_frequency", "irregular")), "IRREG"))
    add((frequency, A, IRI(DCT + "Frequency")))
    ext(_texts(frequency, IRI(SKOS + "prefLabel"), *FREQUENCY_LABELS.get(str(frequency).rsplit("/", 1)[-1], ("", ""))))
    period = IRI(f"{version}#period")
    start = _earliest(rel)
    add((period, A, IRI(DCT + "PeriodOfTime")))
    if start:
        add((period, IRI(DCAT + "startDate"), date_lit(parse_date(start))))
    if rel.date("as_of"):
        add((period, IRI(DCAT + "endDate"), date_lit(parse_date(rel.date("as_of")))))
    vocab = IRI(STANDARDS["vocab"][0])
    ext(_standard("vocab"))
    provenance = rel.provenance  # who wrote the facts: the AAC's documents, transcribed
    if provenance.zh:
        add((IRI(f"{dataset}#provenance"), A, IRI(DCT + "ProvenanceStatement")))
        ext(_texts(IRI(f"{dataset}#provenance"), IRI(RDFS + "label"), provenance.zh, provenance.en))
    previous = str(rel.previous_manifest().get("version", ""))
    for node, is_version in ((dataset, False), (version, True)):
        add((node, A, IRI(DCAT + "Dataset")))
        if is_version:
            ext(_texts(node, IRI(DCT + "title"), f"{title.zh}（{rel.version} 版）",
                       f"{title.en}, version {rel.version}"))
        else:
            ext(_texts(node, IRI(DCT + "title"), title.zh, title.en))
        ext(_texts(node, IRI(DCT + "description"), desc.zh, desc.en))
        if purpose:  # DCAT-AP has no property for it: the vocabulary's, beside dct:description
            ext(_texts(node, IRI(LZ_STATED_PURPOSE), purpose.text.zh, purpose.text.en))
            for section in dict.fromkeys(c.source for c in purpose.cited):
                add((node, IRI(LZ_PURPOSE_SOURCE), IRI(ids.source(section))))
        add((node, IRI(DCT + "identifier"), Lit(f"{rel.slug}/{rel.version}" if is_version else rel.slug)))
        add((node, IRI(DCT + "publisher"), publisher))
        if provenance.zh:
            add((node, IRI(DCT + "provenance"), IRI(f"{dataset}#provenance")))
        add((node, IRI(DCAT + "contactPoint"), contact))
        add((node, IRI(DCAT + "landingPage"), home))
        add((node, IRI(DCAT + "theme"), theme))
        add((node, IRI(DCT + "spatial"), country))
        add((node, IRI(DCT + "temporal"), period))
        add((node, IRI(DCT + "accrualPeriodicity"), frequency))
        add((node, IRI(DCT + "conformsTo"), vocab))
        for iri in lang_iris:
            add((node, IRI(DCT + "language"), iri))
        for k in kw_zh:
            add((node, IRI(DCAT + "keyword"), zh(k)))
        for k in kw_en:
            add((node, IRI(DCAT + "keyword"), en(k)))
        add((node, IRI(DCT + "issued"), issued))
        add((node, IRI(DCT + "modified"), created))
    add((dataset, IRI(DCAT + "hasCurrentVersion"), version))
    if rel.log_key:  # who signs the release log: pin it to verify any release (docs/release-log.md)
        add((dataset, IRI(str(LZ.releaseLogKey)), Lit(rel.log_key)))
    add((dataset, IRI(DCAT + "version"), Lit(rel.version)))  # the dataset is now at this version
    add((dataset, IRI(DCAT + "hasVersion"), version))
    add((version, IRI(DCT + "isVersionOf"), dataset))
    add((version, IRI(DCAT + "version"), Lit(rel.version)))
    add((version, IRI(ADMS + "versionNotes"), Lit(f"發行版 {rel.version}，建置於 {rel.created}。 "
                                                  f"Release {rel.version}, built {rel.created}.")))
    if previous and previous != rel.version:
        add((version, IRI(DCAT + "previousVersion"), IRI(rel.ids.dataset_version(rel.slug, previous))))
    for known in rel.known_versions():  # every version published before, as far as the build knows
        prev = IRI(rel.ids.dataset_version(rel.slug, known))
        add((dataset, IRI(DCAT + "hasVersion"), prev))
        # described in full by its own release's catalogue (served at its IRI); here only named
        add((prev, IRI(DCAT + "version"), Lit(known)))
        add((prev, IRI(DCT + "isVersionOf"), dataset))

    # one distribution per file
    availability = IRI(DCATAP + "stable")
    ext(_concept(availability, "穩定", "stable", DCATAP + "availability"))
    seen_formats = set()
    for f in files:
        media, eu_type, _, _ = MEDIA.get(f.suffix, ("application/octet-stream", "BIN", "BIN", False))
        d = IRI(rel.ids.distribution(rel.slug, rel.version, f.path))
        url = IRI(rel.download(f.path))
        title_zh, title_en, std = describe_file(f.path)
        add((d, A, IRI(DCAT + "Distribution")))
        ext(_texts(d, IRI(DCT + "title"), title_zh, title_en))
        ext(_texts(d, IRI(DCT + "description"), f"{title_zh}，{rel.version} 版之 {f.path}。",
                   f"{title_en}: {f.path} of release {rel.version}."))
        add((d, IRI(DCAT + "accessURL"), url))
        add((d, IRI(DCAT + "downloadURL"), url))
        media_iri = IRI(IANA + media)
        format_iri = IRI(EU + "file-type/" + eu_type)
        add((d, IRI(DCAT + "mediaType"), media_iri))
        add((d, IRI(DCT + "format"), format_iri))
        if media not in seen_formats:
            seen_formats.add(media)
            add((media_iri, A, IRI(DCT + "MediaType")))
            add((media_iri, A, IRI(DCT + "MediaTypeOrExtent")))
            add((media_iri, IRI(RDFS + "label"), Lit(media)))
            add((format_iri, A, IRI(DCT + "MediaTypeOrExtent")))
            add((format_iri, IRI(RDFS + "label"), Lit(FILE_TYPE_LABELS.get(eu_type, eu_type))))
        add((d, IRI(DCAT + "byteSize"), typed(str(f.bytes), XSD + "nonNegativeInteger")))
        checksum = IRI(f"{d}#sha256")
        add((d, IRI(SPDX + "checksum"), checksum))
        add((checksum, A, IRI(SPDX + "Checksum")))
        add((checksum, IRI(SPDX + "algorithm"), SHA256))
        add((checksum, IRI(SPDX + "checksumValue"), typed(f.sha256, XSD + "hexBinary")))
        add((d, IRI(DCT + "license"), licence))
        add((d, IRI(DCT + "issued"), created))
        add((d, IRI(DCT + "modified"), created))
        add((d, IRI(DCATAP + "availability"), availability))
        for iri in lang_iris:
            add((d, IRI(DCT + "language"), iri))
        if std:
            add((d, IRI(DCT + "conformsTo"), IRI(STANDARDS[std][0])))
            ext(_standard(std))
        add((version, IRI(DCAT + "distribution"), d))
        add((dataset, IRI(DCAT + "distribution"), d))

    # the data services
    services = (
        ("sparql", "sparql", "sparql", "SPARQL 查詢端點", "SPARQL endpoint",
         "以 SPARQL 1.1 查詢本資料集（唯讀，有時間與筆數上限）。",
         "Query the dataset with SPARQL 1.1 (read-only, bounded in time and result size)."),
        ("api", "api", "openapi", "REST API", "REST API",
         "以 REST 篩選與讀取案件、機關與活動（JSON）。",
         "Filter and read cases, agencies and activities over REST (JSON)."),
        ("reconcile", "reconcile", "reconcile", "名稱比對服務", "Reconciliation service",
         "將試算表中的案件與機關名稱比對為本資料集之 IRI（OpenRefine 等工具）。",
         "Match case and agency names in a spreadsheet to the dataset's IRIs (OpenRefine and other tools)."),
    )
    for slug, route, std, t_zh, t_en, d_zh, d_en in services:
        s = IRI(rel.ids.service(slug))
        endpoint = IRI(rel.url(route))
        add((s, A, IRI(DCAT + "DataService")))
        ext(_texts(s, IRI(DCT + "title"), f"{title.zh} {t_zh}", f"{title.en}: {t_en}"))
        ext(_texts(s, IRI(DCT + "description"), d_zh, d_en))
        add((s, IRI(DCAT + "endpointURL"), endpoint))
        add((s, IRI(DCAT + "endpointDescription"),
             IRI(rel.url("openapi")) if slug == "api" else endpoint))
        add((s, IRI(DCAT + "servesDataset"), dataset))
        add((s, IRI(DCAT + "servesDataset"), version))
        add((s, IRI(DCT + "conformsTo"), IRI(STANDARDS[std][0])))
        ext(_standard(std))
        add((s, IRI(DCT + "publisher"), publisher))
        add((s, IRI(DCAT + "contactPoint"), contact))
        add((s, IRI(DCAT + "theme"), theme))
        add((s, IRI(DCT + "license"), licence))
        add((s, IRI(DCAT + "landingPage"), home))
        for k in (kw_zh[:3] + [t_zh]):
            add((s, IRI(DCAT + "keyword"), zh(k)))
        for k in (kw_en[:3] + [t_en]):
            add((s, IRI(DCAT + "keyword"), en(k)))
        add((catalog, IRI(DCAT + "service"), s))
        if slug == "sparql":
            for f in files:
                if f.path.startswith("lianzheng."):
                    add((IRI(rel.ids.distribution(rel.slug, rel.version, f.path)), IRI(DCAT + "accessService"), s))
    return list(dict.fromkeys(t))


def _earliest(rel) -> str:
    ds = rel.ds
    dates = [c.established.iso for c in ds.cases.values()] + [a.date.iso for a in ds.activities]
    return min(dates, key=lambda d: (d + "-01-01")[:10]) if dates else ""


def write_catalog(rel) -> list[str]:
    """Write catalog.ttl, catalog.jsonld and catalog.rdf: every other file of the folder is described."""
    files = inventory(rel.folder, exclude=CATALOG_FILES)
    triples = catalog_triples(rel, files)
    pre = prefixes(rel)
    grouped = by_subject(triples)
    write_turtle(triples, rel.folder / CATALOG_FILES[0], pre, grouped)
    write_jsonld(triples, rel.folder / CATALOG_FILES[1], dict(pre), grouped)
    write_rdfxml(triples, rel.folder / CATALOG_FILES[2], pre)
    return list(CATALOG_FILES)


def inventory_problems(folder, base: str | None) -> list:
    """Files the catalogue misses or describes with a wrong size or checksum."""
    from pathlib import Path

    from rdflib import Graph, URIRef

    from ..errors import Problem

    folder = Path(folder)
    path = folder / CATALOG_FILES[0]
    if not path.exists():
        return [Problem("missing-file", "發行版缺少 catalog.ttl。", "The release has no catalog.ttl.",
                        file=path.name, check="catalog")]
    g = Graph().parse(path, format="turtle")
    described = {}
    for d in g.subjects(URIRef(RDF_TYPE), URIRef(DCAT + "Distribution")):
        url = str(g.value(d, URIRef(DCAT + "downloadURL")))
        size = g.value(d, URIRef(DCAT + "byteSize"))
        digest = g.value(g.value(d, URIRef(SPDX + "checksum")), URIRef(SPDX + "checksumValue"))
        described[url.split("/downloads/", 1)[-1]] = (
            int(size), str(digest))  # type: ignore[call-overload]  # rdflib says Node | None: here a Literal, a str
    problems = []
    late = {"release.json", "validation-report.json", "validation-report.txt", "SHA256SUMS", *CATALOG_FILES}
    for f in inventory(folder, exclude=tuple(late)):
        got = described.get(f.path)
        if got is None:
            problems.append(Problem("undescribed-file", f"目錄未描述檔案 {f.path}。",
                                    f"The catalogue does not describe {f.path}.", file=path.name, check="catalog"))
        elif got != (f.bytes, f.sha256):
            problems.append(Problem("catalog-checksum-mismatch", f"目錄所載 {f.path} 之大小或 SHA-256 不符。",
                                    f"The catalogue's size or SHA-256 of {f.path} is wrong.", file=path.name,
                                    check="catalog"))
    return problems

