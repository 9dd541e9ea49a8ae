"""The SHACL shapes (shapes/lianzheng.ttl): valid SHACL, bilingual messages, and a table of
valid and invalid data, each invalid variant with the exact results it must produce.

The data graph is what the release validates: the data + vocab/codes.ttl + vocab/lianzheng.ttl.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from pipelines import terms
from pipelines.terms import CODES, SHAPES, load_codes

ID = "https://w3id.org/lianzheng/id/"
SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"

# the classes the release's data uses; each must be a target of a shape
DATA_CLASSES = [
    "https://w3id.org/lianzheng/vocab#IntegrityPlatform",
    "https://w3id.org/lianzheng/vocab#MonitoredProcurement",
    "http://www.w3.org/ns/org#Organization",
    "https://w3id.org/lianzheng/vocab#Activity",
    "http://www.w3.org/ns/prov#Association",
    "https://w3id.org/lianzheng/vocab#Document",
    "https://w3id.org/lianzheng/vocab#Observation",
    "https://w3id.org/lianzheng/vocab#Risk",
    "https://w3id.org/lianzheng/vocab#QualityNote",
    "https://schema.org/Legislation",
    "https://w3id.org/lianzheng/vocab#SourceDocument",
    "https://w3id.org/lianzheng/vocab#SourceSection",
    "http://www.w3.org/ns/dcat#Dataset",
]

PREFIXES = f"""
@prefix lz:     <https://w3id.org/lianzheng/vocab#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix owl:    <http://www.w3.org/2002/07/owl#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix dcat:   <http://www.w3.org/ns/dcat#> .
@prefix prov:   <http://www.w3.org/ns/prov#> .
@prefix org:    <http://www.w3.org/ns/org#> .
@prefix foaf:   <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix dqv:    <http://www.w3.org/ns/dqv#> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix case:   <{ID}case/> .
@prefix proc:   <{ID}procurement/> .
@prefix agency: <{ID}agency/> .
@prefix act:    <{ID}activity/> .
@prefix part:   <{ID}participation/> .
@prefix doc:    <{ID}document/> .
@prefix obs:    <{ID}observation/> .
@prefix risk:   <{ID}risk/> .
@prefix note:   <{ID}note/> .
@prefix law:    <{ID}law/> .
@prefix src:    <{ID}source/> .
@prefix sec:    <{ID}source/guidebook/> .
@prefix intro:  <{ID}source/aac-intro/> .
@prefix dset:   <{ID}dataset/> .
@prefix src-outside: <{ID}source/outside/> .
@prefix level:  <{CODES}government-level/> .
@prefix kind:   <{CODES}organisation-kind/> .
@prefix status: <{CODES}case-status/> .
@prefix atype:  <{CODES}activity-type/> .
@prefix role:   <{CODES}participant-role/> .
@prefix dcat_:  <{CODES}document-category/> .
@prefix rcat:   <{CODES}risk-category/> .
@prefix ind:    <{CODES}indicator/> .
@prefix unit:   <{CODES}unit/> .
@prefix phase:  <{CODES}phase/> .
@prefix qnt:    <{CODES}quality-note-type/> .
@prefix lawk:   <{CODES}law-kind/> .
@prefix div:    <{CODES}division/> .
@prefix dbasis: <{CODES}division-basis/> .
@prefix skind:  <{CODES}source-kind/> .
"""

# One of everything, valid: no result of any severity.
VALID = PREFIXES + """
case:danjiang a lz:IntegrityPlatform ;
    dct:identifier "danjiang" ;
    lz:tableNumber 10 ;
    skos:prefLabel "淡江大橋廉政平臺"@zh-Hant , "Danjiang Bridge Integrity Platform"@en ;
    skos:altLabel "淡江大橋平臺"@zh-Hant ;
    lz:monitors proc:danjiang ;
    lz:procuringAgency agency:thb ;
    org:hasMember agency:thb ;
    lz:authority agency:motc ;
    lz:governmentLevel level:central ;
    lz:established "2019-05-10"^^xsd:date ;
    lz:establishedOriginal "1080510" ;
    lz:status status:operating ;
    lz:benchmarkCase 1 ;
    lz:activity act:declaration , act:meeting ;
    lz:publishedDocument doc:minutes ;
    lz:observation obs:failed-tenders , obs:grade ;
    lz:risk risk:interference ;
    lz:citesLaw law:plan ;
    dqv:hasQualityAnnotation note:established ;
    lz:placeName "淡水、八里"@zh-Hant , "Tamsui and Bali"@en ;
    dct:spatial div:TW-NWT ;
    lz:divisionBasis dbasis:outside ;
    dct:source sec:table , src-outside:site-location .

proc:danjiang a lz:MonitoredProcurement ;
    dct:identifier "danjiang" ;
    skos:prefLabel "淡江大橋及其連絡道路"@zh-Hant , "Danjiang Bridge and its approach roads"@en ;
    lz:estimatedAmount 12500000000.0 ;
    lz:amountWording "約 125 億"@zh-Hant ;
    lz:buyer agency:thb ;
    lz:pccTenderId "0000000000-TEST" ;
    dct:source sec:table .

agency:motc a org:Organization ;
    dct:identifier "motc" ;
    skos:prefLabel "交通部"@zh-Hant , "Ministry of Transportation and Communications"@en ;
    lz:organisationKind kind:ministry ;
    lz:governmentLevel level:central ;
    owl:sameAs <http://www.wikidata.org/entity/Q1> .

agency:thb a org:Organization ;
    dct:identifier "thb" ;
    skos:prefLabel "交通部公路總局"@zh-Hant , "Highway Bureau"@en ;
    skos:altLabel "公路總局"@zh-Hant , "公路局"@zh-Hant ;
    lz:organisationKind kind:agency ;
    org:subOrganizationOf agency:motc ;
    lz:governmentLevel level:central ;
    lz:agencyCode "0000000000" .

agency:aac a org:Organization ;
    dct:identifier "aac" ;
    skos:prefLabel "法務部廉政署"@zh-Hant , "Agency Against Corruption"@en ;
    lz:organisationKind kind:agency .

act:declaration a lz:Activity ;
    dct:identifier "declaration" ;
    lz:activityType atype:public-declaration ;
    dct:date "2019-05-10"^^xsd:date ;
    dct:title "辦理宣誓大會"@zh-Hant , "Declaration rally"@en ;
    dct:description "宣示成立廉政平臺。"@zh-Hant , "The platform is declared."@en ;
    lz:platform case:danjiang ;
    prov:wasAssociatedWith agency:thb ;
    prov:qualifiedAssociation part:declaration-1 , part:declaration-2 ;
    dct:source sec:benchmark-1 .

part:declaration-1 a prov:Association ;
    prov:hadRole role:procuring-agency ;
    prov:agent agency:thb ;
    lz:position 1 .

part:declaration-2 a prov:Association ;
    prov:hadRole role:contractor ;
    lz:participantDescription "施工廠商"@zh-Hant , "construction contractor"@en ;
    lz:position 2 .

act:meeting a lz:Activity ;
    dct:identifier "meeting" ;
    lz:activityType atype:liaison-meeting ;
    dct:date "2021-03"^^xsd:gYearMonth ;
    lz:endDate "2021"^^xsd:gYear ;
    lz:ordinal 4 ;
    dct:title "第 4 次聯繫會議"@zh-Hant , "4th liaison meeting"@en ;
    lz:platform case:danjiang ;
    prov:qualifiedAssociation part:meeting-1 ;
    dct:source sec:benchmark-1 .

part:meeting-1 a prov:Association ;
    prov:hadRole role:chair ;
    lz:personName "某某"@zh-Hant ;
    lz:personTitle "局長"@zh-Hant , "Director-General"@en ;
    lz:position 1 .

doc:minutes a lz:Document ;
    dct:identifier "minutes" ;
    lz:documentCategory dcat_:meeting-records ;
    dct:title "聯繫會議紀錄"@zh-Hant , "Liaison meeting minutes"@en ;
    dct:publisher agency:thb ;
    dct:date "2021"^^xsd:gYear ;
    dcat:landingPage <https://example.org/zone> ;
    lz:platform case:danjiang ;
    dct:source sec:benchmark-1 .

obs:failed-tenders a lz:Observation ;
    dct:identifier "failed-tenders" ;
    lz:indicator ind:failed-tenders-before-platform ;
    lz:value 5.0 ;
    lz:unit unit:count ;
    lz:phase phase:before-platform ;
    dct:date "2017"^^xsd:gYear ;
    dct:description "平臺成立前流標 5 次。"@zh-Hant , "Five failed tenders before the platform."@en ;
    lz:platform case:danjiang ;
    dct:source sec:benchmark-1 .

obs:grade a lz:Observation ;
    dct:identifier "grade" ;
    lz:indicator ind:inspection-grade ;
    lz:valueText "甲等"@zh-Hant ;
    dct:description "查核結果甲等。"@zh-Hant , "Inspection graded A."@en ;
    lz:platform case:danjiang ;
    dct:source sec:benchmark-1 .

risk:interference a lz:Risk ;
    dct:identifier "interference" ;
    lz:riskCategory rcat:external-interference ;
    dct:description "不明人士滋擾工地。"@zh-Hant , "Unknown persons harassed the site."@en ;
    lz:mitigation "警方加強巡邏。"@zh-Hant , "Police patrols."@en ;
    lz:platform case:danjiang ;
    dct:source sec:benchmark-1 .

note:established a lz:QualityNote ;
    dct:identifier "established" ;
    lz:noteType qnt:narrative-table-disagreement ;
    lz:field "established" ;
    lz:officialValue "1080510"@zh-Hant ;
    lz:officialSource sec:table ;
    lz:otherValue "2019-05-09" ;
    lz:otherSource sec:benchmark-1 ;
    oa:hasTarget case:danjiang ;
    rdfs:comment "敘述與一覽表日期不同。"@zh-Hant , "The narrative and the table differ."@en ;
    lz:resolution "採一覽表。"@zh-Hant , "The table's date is used."@en .

law:procurement-ethics a schema:Legislation ;
    dct:identifier "procurement-ethics" ;
    schema:name "採購人員倫理準則"@zh-Hant , "Ethics Regulations for Procurement Personnel"@en ;
    dct:type lawk:regulation ;
    lz:inAppendix true ;
    schema:url <https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=A0030095> ;
    dct:source sec:laws .

law:plan a schema:Legislation ;
    dct:identifier "plan" ;
    schema:name "雲彰地區地層下陷具體解決方案暨行動計畫"@zh-Hant , "Land subsidence action plan"@en ;
    schema:alternateName "雲彰地層下陷行動計畫"@zh-Hant , "YLAP"@en ;
    dct:type lawk:plan ;
    lz:inAppendix false ;
    dct:source sec:benchmark-1 .

src:guidebook a lz:SourceDocument , foaf:Document ;
    dct:identifier "guidebook" ;
    dct:title "機關採購廉政平臺指引手冊"@zh-Hant , "Integrity Platform guidebook"@en ;
    dct:publisher agency:aac ;
    dct:issued "2022"^^xsd:gYear ;
    dcat:landingPage <https://example.org/guidebook.pdf> ;
    dct:type skind:aac .

src:outside a lz:SourceDocument , foaf:Document ;
    dct:identifier "outside" ;
    dct:title "本資料集依據之外部來源"@zh-Hant , "Outside sources this dataset relies on"@en ;
    dct:description "不是法務部廉政署的文件。"@zh-Hant , "Not a document of the AAC."@en ;
    dct:type skind:outside .

src-outside:site-location a lz:SourceSection ;
    dct:identifier "outside/site-location" ;
    dct:title "案件地點所在之直轄市或縣市"@zh-Hant , "The city or county a case's site lies in"@en ;
    dct:isPartOf src:outside ;
    lz:order 1 .

src-outside:iso-3166-2-tw a lz:SourceSection ;
    dct:identifier "outside/iso-3166-2-tw" ;
    dct:title "ISO 3166-2:TW"@zh-Hant , "ISO 3166-2:TW"@en ;
    dct:isPartOf src:outside ;
    lz:order 2 ;
    dcat:landingPage <https://www.iso.org/obp/ui/#iso:code:3166:TW> .

sec:table a lz:SourceSection ;
    dct:identifier "guidebook/table" ;
    dct:title "案件一覽表"@zh-Hant , "Table of platforms"@en ;
    dct:isPartOf src:guidebook ;
    lz:order 1 .

sec:benchmark-1 a lz:SourceSection ;
    dct:identifier "guidebook/benchmark-1" ;
    dct:title "標竿案例 1"@zh-Hant , "Benchmark case 1"@en ;
    dct:isPartOf src:guidebook ;
    lz:order 2 .

sec:laws a lz:SourceSection ;
    dct:identifier "guidebook/laws" ;
    dct:title "相關法規列表"@zh-Hant , "Related laws"@en ;
    dct:isPartOf src:guidebook ;
    lz:order 3 .

src:aac-intro a lz:SourceDocument , foaf:Document ;
    dct:identifier "aac-intro" ;
    dct:title "機關採購廉政平臺介紹"@zh-Hant , "The Introduction of Government Procurement Integrity Platform"@en ;
    dct:publisher agency:aac ;
    dct:type skind:aac .

intro:zh-outlook a lz:SourceSection ;
    dct:identifier "aac-intro/zh-outlook" ;
    dct:title "未來展望（中文）"@zh-Hant , "Future outlook (Chinese text)"@en ;
    dct:isPartOf src:aac-intro ;
    lz:order 1 .

dset:lianzheng a dcat:Dataset ;
    dct:identifier "lianzheng" ;
    dct:title "機關採購廉政平臺開放資料集"@zh-Hant , "Government Procurement Integrity Platform Open Dataset"@en ;
    dct:references law:procurement-ethics ;
    prov:wasDerivedFrom src:guidebook , src:aac-intro ;
    lz:statedPurpose "活化平臺案件資料的串聯及運用"@zh-Hant ,
        "strengthening access to and the utilization of case data"@en ;
    lz:purposeSource intro:zh-outlook .
"""

SPARQL_PREFIXES = "\n".join(
    line.replace("@prefix", "PREFIX").rstrip(" .") for line in PREFIXES.strip().splitlines()
)

V, W, I = "Violation", "Warning", "Info"  # noqa: E741 - sh:Info, as the shapes spell it

# (id, SPARQL Update applied to the valid graph, expected results as (severity, shape, focus))
CASES = [
    # --- lz:IntegrityPlatform
    ("case-no-established",
     "DELETE WHERE { case:danjiang lz:established ?o }",
     {(V, "IntegrityPlatform-established", "case/danjiang")}),
    ("case-established-month-only",
     'DELETE WHERE { case:danjiang lz:established ?o } ;'
     ' INSERT DATA { case:danjiang lz:established "2019-05"^^xsd:gYearMonth }',
     {(V, "IntegrityPlatform-established", "case/danjiang")}),
    ("case-table-number-zero",
     "DELETE WHERE { case:danjiang lz:tableNumber ?o } ; INSERT DATA { case:danjiang lz:tableNumber 0 }",
     {(V, "IntegrityPlatform-tableNumber", "case/danjiang")}),
    ("case-table-number-string",
     'DELETE WHERE { case:danjiang lz:tableNumber ?o } ; INSERT DATA { case:danjiang lz:tableNumber "10" }',
     {(V, "IntegrityPlatform-tableNumber", "case/danjiang")}),
    ("case-no-identifier",
     "DELETE WHERE { case:danjiang dct:identifier ?o }",
     {(V, "IntegrityPlatform-identifier", "case/danjiang")}),
    ("case-no-chinese-name",
     'DELETE DATA { case:danjiang skos:prefLabel "淡江大橋廉政平臺"@zh-Hant }',
     {(V, "IntegrityPlatform-prefLabel-bilingual", "case/danjiang")}),
    ("case-two-chinese-names",
     'INSERT DATA { case:danjiang skos:prefLabel "淡江大橋平臺"@zh-Hant }',
     {(V, "IntegrityPlatform-prefLabel-lang", "case/danjiang")}),
    ("case-name-untagged",
     'INSERT DATA { case:danjiang skos:prefLabel "Danjiang" }',
     {(V, "IntegrityPlatform-prefLabel-lang", "case/danjiang")}),
    ("case-no-english-name",
     'DELETE DATA { case:danjiang skos:prefLabel "Danjiang Bridge Integrity Platform"@en }',
     {(V, "IntegrityPlatform-prefLabel-bilingual", "case/danjiang")}),
    ("case-unknown-status-code",
     "DELETE WHERE { case:danjiang lz:status ?o } ; INSERT DATA { case:danjiang lz:status status:paused }",
     {(V, "IntegrityPlatform-status", "case/danjiang")}),
    ("case-status-from-another-scheme",
     "DELETE WHERE { case:danjiang lz:status ?o } ; INSERT DATA { case:danjiang lz:status level:central }",
     {(V, "IntegrityPlatform-status", "case/danjiang")}),
    ("case-two-statuses",
     "INSERT DATA { case:danjiang lz:status status:ended }",
     {(V, "IntegrityPlatform-status", "case/danjiang")}),
    ("case-no-government-level",
     "DELETE WHERE { case:danjiang lz:governmentLevel ?o }",
     {(V, "IntegrityPlatform-governmentLevel", "case/danjiang")}),
    ("case-unknown-authority",
     "DELETE WHERE { case:danjiang lz:authority ?o } ; INSERT DATA { case:danjiang lz:authority agency:nowhere }",
     {(V, "IntegrityPlatform-authority", "case/danjiang")}),
    ("case-no-procuring-agency",
     "DELETE WHERE { case:danjiang lz:procuringAgency ?o }",
     {(V, "IntegrityPlatform-procuringAgency", "case/danjiang")}),
    ("case-no-procurement",
     "DELETE WHERE { case:danjiang lz:monitors ?o }",
     {(V, "IntegrityPlatform-monitors", "case/danjiang")}),
    ("case-no-source",
     "DELETE WHERE { case:danjiang dct:source ?o }",
     {(V, "IntegrityPlatform-source", "case/danjiang")}),
    ("case-cites-a-document-not-a-section",
     "DELETE WHERE { case:danjiang dct:source ?o } ; INSERT DATA { case:danjiang dct:source src:guidebook }",
     {(V, "IntegrityPlatform-source", "case/danjiang")}),
    ("case-benchmark-zero",
     "DELETE WHERE { case:danjiang lz:benchmarkCase ?o } ; INSERT DATA { case:danjiang lz:benchmarkCase 0 }",
     {(V, "IntegrityPlatform-benchmarkCase", "case/danjiang")}),
    ("case-without-activity",
     "DELETE WHERE { case:danjiang lz:activity ?o }",
     {(W, "IntegrityPlatform-activity-recommended", "case/danjiang")}),
    ("case-without-place-or-division",  # a purchase of coal or rolling stock is no place
     "DELETE WHERE { case:danjiang lz:placeName ?o } ; DELETE WHERE { case:danjiang dct:spatial ?o } ;"
     " DELETE WHERE { case:danjiang lz:divisionBasis ?o }",
     set()),
    ("case-two-chinese-places",
     'INSERT DATA { case:danjiang lz:placeName "淡水"@zh-Hant }',
     {(V, "IntegrityPlatform-placeName-lang", "case/danjiang")}),
    ("case-place-untagged",
     'INSERT DATA { case:danjiang lz:placeName "Bali" }',
     {(V, "IntegrityPlatform-placeName-lang", "case/danjiang")}),
    ("case-two-divisions",  # a line through two cities
     "INSERT DATA { case:danjiang dct:spatial div:TW-TPE }",
     set()),
    ("case-division-an-old-code",  # TW-TPQ: the former Taipei County, not an ISO 3166-2:TW code now
     "INSERT DATA { case:danjiang dct:spatial div:TW-TPQ }",
     {(V, "IntegrityPlatform-spatial", "case/danjiang")}),
    ("case-division-from-another-scheme",
     "INSERT DATA { case:danjiang dct:spatial level:local }",
     {(V, "IntegrityPlatform-spatial", "case/danjiang")}),
    ("case-division-without-basis",
     "DELETE WHERE { case:danjiang lz:divisionBasis ?o }",
     {(V, "IntegrityPlatformDivisionShape", "case/danjiang")}),
    ("case-two-division-bases",
     "INSERT DATA { case:danjiang lz:divisionBasis dbasis:text }",
     {(V, "IntegrityPlatform-divisionBasis", "case/danjiang")}),
    ("case-division-basis-from-another-scheme",
     "DELETE WHERE { case:danjiang lz:divisionBasis ?o } ;"
     " INSERT DATA { case:danjiang lz:divisionBasis skind:outside }",
     {(V, "IntegrityPlatform-divisionBasis", "case/danjiang")}),
    # --- lz:MonitoredProcurement
    ("procurement-negative-amount",
     'DELETE WHERE { proc:danjiang lz:estimatedAmount ?o } ;'
     ' INSERT DATA { proc:danjiang lz:estimatedAmount "-1.0"^^xsd:decimal }',
     {(V, "MonitoredProcurement-estimatedAmount", "procurement/danjiang")}),
    ("procurement-amount-as-text",
     'DELETE WHERE { proc:danjiang lz:estimatedAmount ?o } ;'
     ' INSERT DATA { proc:danjiang lz:estimatedAmount "約 125 億" }',
     {(V, "MonitoredProcurement-estimatedAmount", "procurement/danjiang")}),
    ("procurement-no-amount",
     "DELETE WHERE { proc:danjiang lz:estimatedAmount ?o }",
     {(V, "MonitoredProcurement-estimatedAmount", "procurement/danjiang")}),
    ("procurement-no-buyer",
     "DELETE WHERE { proc:danjiang lz:buyer ?o }",
     {(V, "MonitoredProcurement-buyer", "procurement/danjiang")}),
    # --- org:Organization
    ("agency-no-kind",
     "DELETE WHERE { agency:thb lz:organisationKind ?o }",
     {(V, "Organization-organisationKind", "agency/thb")}),
    ("agency-kind-from-another-scheme",
     "DELETE WHERE { agency:thb lz:organisationKind ?o } ;"
     " INSERT DATA { agency:thb lz:organisationKind atype:award }",
     {(V, "Organization-organisationKind", "agency/thb")}),
    ("agency-wikidata-not-an-item",
     "INSERT DATA { agency:thb owl:sameAs <https://www.wikidata.org/wiki/Q1> }",
     {(V, "Organization-sameAs", "agency/thb")}),
    ("agency-parent-unknown",
     "DELETE WHERE { agency:thb org:subOrganizationOf ?o } ;"
     " INSERT DATA { agency:thb org:subOrganizationOf agency:nowhere }",
     {(V, "Organization-subOrganizationOf", "agency/thb")}),
    # --- lz:Activity and prov:Association
    ("activity-date-untyped",
     'DELETE WHERE { act:declaration dct:date ?o } ; INSERT DATA { act:declaration dct:date "2019-05-10" }',
     {(V, "Activity-date", "activity/declaration")}),
    ("activity-no-date",
     "DELETE WHERE { act:declaration dct:date ?o }",
     {(V, "Activity-date", "activity/declaration")}),
    ("activity-unknown-platform",
     "DELETE WHERE { act:declaration lz:platform ?o } ; INSERT DATA { act:declaration lz:platform case:nowhere }",
     {(V, "Activity-platform", "activity/declaration")}),
    ("activity-unknown-type",
     "DELETE WHERE { act:declaration lz:activityType ?o } ;"
     " INSERT DATA { act:declaration lz:activityType atype:party }",
     {(V, "Activity-activityType", "activity/declaration")}),
    ("activity-no-chinese-title",
     'DELETE DATA { act:declaration dct:title "辦理宣誓大會"@zh-Hant }',
     {(V, "Activity-title-bilingual", "activity/declaration")}),
    ("activity-ordinal-zero",
     "DELETE WHERE { act:meeting lz:ordinal ?o } ; INSERT DATA { act:meeting lz:ordinal 0 }",
     {(V, "Activity-ordinal", "activity/meeting")}),
    ("activity-without-participants",
     "DELETE WHERE { part:meeting-1 ?p ?o } ; DELETE WHERE { act:meeting prov:qualifiedAssociation ?o }",
     {(I, "Activity-participants-recommended", "activity/meeting")}),
    ("participation-no-role",
     "DELETE WHERE { part:declaration-1 prov:hadRole ?o }",
     {(V, "Association-hadRole", "participation/declaration-1")}),
    ("participation-role-from-another-scheme",
     "DELETE WHERE { part:declaration-1 prov:hadRole ?o } ;"
     " INSERT DATA { part:declaration-1 prov:hadRole kind:police }",
     {(V, "Association-hadRole", "participation/declaration-1")}),
    ("participation-names-nobody",
     "DELETE WHERE { part:declaration-1 prov:agent ?o }",
     {(V, "AssociationPartyShape", "participation/declaration-1")}),
    ("participation-orphan",
     "DELETE DATA { act:declaration prov:qualifiedAssociation part:declaration-2 }",
     {(V, "Association-activity", "participation/declaration-2")}),
    ("participation-no-position",
     "DELETE WHERE { part:declaration-2 lz:position ?o }",
     {(V, "Association-position", "participation/declaration-2")}),
    # --- lz:Document
    ("document-url-as-literal",
     'DELETE WHERE { doc:minutes dcat:landingPage ?o } ;'
     ' INSERT DATA { doc:minutes dcat:landingPage "https://example.org/zone" }',
     {(V, "Document-landingPage", "document/minutes")}),
    ("document-url-not-http",
     "DELETE WHERE { doc:minutes dcat:landingPage ?o } ;"
     " INSERT DATA { doc:minutes dcat:landingPage <ftp://example.org/zone> }",
     {(V, "Document-landingPage", "document/minutes")}),
    ("document-no-publisher",
     "DELETE WHERE { doc:minutes dct:publisher ?o }",
     {(V, "Document-publisher", "document/minutes")}),
    ("document-no-category",
     "DELETE WHERE { doc:minutes lz:documentCategory ?o }",
     {(V, "Document-documentCategory", "document/minutes")}),
    ("document-date-not-a-date",
     'DELETE WHERE { doc:minutes dct:date ?o } ; INSERT DATA { doc:minutes dct:date "110年" }',
     {(V, "Document-date", "document/minutes")}),
    # --- lz:Observation
    ("observation-value-as-text",
     'DELETE WHERE { obs:failed-tenders lz:value ?o } ; INSERT DATA { obs:failed-tenders lz:value "五" }',
     {(V, "Observation-value", "observation/failed-tenders")}),
    ("observation-unit-from-another-scheme",
     "DELETE WHERE { obs:failed-tenders lz:unit ?o } ;"
     " INSERT DATA { obs:failed-tenders lz:unit phase:after-platform }",
     {(V, "Observation-unit", "observation/failed-tenders")}),
    ("observation-value-without-unit",
     "DELETE WHERE { obs:failed-tenders lz:unit ?o }",
     {(W, "ObservationUnitShape", "observation/failed-tenders")}),
    ("observation-no-description",
     "DELETE WHERE { obs:grade dct:description ?o }",
     {(V, "Observation-description-bilingual", "observation/grade"),
      (V, "Observation-description-bilingual", "observation/grade")}),
    # --- lz:Risk
    ("risk-no-category",
     "DELETE WHERE { risk:interference lz:riskCategory ?o }",
     {(V, "Risk-riskCategory", "risk/interference")}),
    ("risk-no-platform",
     "DELETE WHERE { risk:interference lz:platform ?o }",
     {(V, "Risk-platform", "risk/interference")}),
    # --- lz:QualityNote
    ("note-no-official-source",
     "DELETE WHERE { note:established lz:officialSource ?o }",
     {(V, "QualityNote-officialSource", "note/established")}),
    ("note-official-source-not-a-section",
     "DELETE WHERE { note:established lz:officialSource ?o } ;"
     " INSERT DATA { note:established lz:officialSource src:guidebook }",
     {(V, "QualityNote-officialSource", "note/established")}),
    ("note-no-type",
     "DELETE WHERE { note:established lz:noteType ?o }",
     {(V, "QualityNote-noteType", "note/established")}),
    ("note-no-target",
     "DELETE WHERE { note:established oa:hasTarget ?o }",
     {(V, "QualityNote-hasTarget", "note/established")}),
    ("note-no-official-value",
     "DELETE WHERE { note:established lz:officialValue ?o }",
     {(V, "QualityNoteValueShape", "note/established")}),
    ("note-gap-without-official-value",
     "DELETE WHERE { note:established lz:officialValue ?o } ; DELETE WHERE { note:established lz:noteType ?o } ;"
     " INSERT DATA { note:established lz:noteType qnt:gap }",
     set()),
    ("note-two-official-values",
     'INSERT DATA { note:established lz:officialValue "2019-05-10"@zh-Hant }',
     {(V, "QualityNote-officialValue", "note/established")}),
    # --- schema:Legislation
    ("law-of-the-appendix-without-url",
     "DELETE WHERE { law:procurement-ethics schema:url ?o }",
     {(V, "LegislationUrlShape", "law/procurement-ethics")}),
    ("law-outside-the-appendix-without-url",  # allowed: no official URL confirmed
     "DELETE WHERE { law:procurement-ethics schema:url ?o } ;"
     " DELETE WHERE { law:procurement-ethics lz:inAppendix ?o } ;"
     " INSERT DATA { law:procurement-ethics lz:inAppendix false }",
     set()),
    ("law-two-urls",
     "INSERT DATA { law:procurement-ethics schema:url <https://example.org/other> }",
     {(V, "Legislation-url", "law/procurement-ethics")}),
    ("law-without-in-appendix",
     "DELETE WHERE { law:plan lz:inAppendix ?o }",
     {(V, "Legislation-inAppendix", "law/plan"), (V, "LegislationUrlShape", "law/plan")}),
    ("law-in-appendix-as-text",
     'DELETE WHERE { law:plan lz:inAppendix ?o } ; INSERT DATA { law:plan lz:inAppendix "false" }',
     {(V, "Legislation-inAppendix", "law/plan"), (V, "LegislationUrlShape", "law/plan")}),
    ("law-kind-from-another-scheme",
     "DELETE WHERE { law:plan dct:type ?o } ; INSERT DATA { law:plan dct:type kind:ministry }",
     {(V, "Legislation-kind", "law/plan")}),
    ("law-without-kind",
     "DELETE WHERE { law:plan dct:type ?o }",
     {(W, "Legislation-kind-recommended", "law/plan")}),
    ("law-other-name-untagged",
     'INSERT DATA { law:plan schema:alternateName "YLAP" }',
     {(V, "Legislation-alternateName-lang", "law/plan")}),
    ("case-cites-a-law-that-is-not-one",
     "DELETE WHERE { case:danjiang lz:citesLaw ?o } ; INSERT DATA { case:danjiang lz:citesLaw agency:thb }",
     {(V, "IntegrityPlatform-citesLaw", "case/danjiang")}),
    ("law-no-chinese-name",
     'DELETE DATA { law:procurement-ethics schema:name "採購人員倫理準則"@zh-Hant }',
     {(V, "Legislation-name-bilingual", "law/procurement-ethics")}),
    # --- lz:SourceDocument and lz:SourceSection
    ("source-document-no-title",
     "DELETE WHERE { src:guidebook dct:title ?o }",
     {(V, "SourceDocument-title-bilingual", "source/guidebook"),
      (V, "SourceDocument-title-bilingual", "source/guidebook")}),
    ("source-document-no-publisher",
     "DELETE WHERE { src:guidebook dct:publisher ?o }",
     {(W, "SourceDocument-publisher-recommended", "source/guidebook")}),
    ("source-document-outside-without-kind",  # an outside source needs no publisher, but says what it is
     "DELETE WHERE { src:outside dct:type ?o }",
     {(W, "SourceDocument-type-recommended", "source/outside"),
      (W, "SourceDocument-publisher-recommended", "source/outside")}),
    ("source-document-unknown-kind",
     "DELETE WHERE { src:guidebook dct:type ?o } ; INSERT DATA { src:guidebook dct:type skind:ours }",
     {(V, "SourceDocument-type", "source/guidebook")}),
    ("source-document-two-kinds",  # never both the AAC's words and ours
     "INSERT DATA { src:guidebook dct:type skind:outside }",
     {(V, "SourceDocument-type", "source/guidebook")}),
    ("source-document-two-chinese-descriptions",
     'INSERT DATA { src:outside dct:description "外部來源。"@zh-Hant }',
     {(V, "SourceDocument-description-lang", "source/outside")}),
    ("section-url-as-literal",
     'DELETE WHERE { src-outside:iso-3166-2-tw dcat:landingPage ?o } ;'
     ' INSERT DATA { src-outside:iso-3166-2-tw dcat:landingPage "https://www.iso.org/obp/ui/" }',
     {(V, "SourceSection-landingPage", "source/outside/iso-3166-2-tw")}),
    ("section-not-part-of-a-document",
     "DELETE WHERE { sec:laws dct:isPartOf ?o }",
     {(V, "SourceSection-isPartOf", "source/guidebook/laws")}),
    ("section-order-zero",
     "DELETE WHERE { sec:laws lz:order ?o } ; INSERT DATA { sec:laws lz:order 0 }",
     {(V, "SourceSection-order", "source/guidebook/laws")}),
    # --- dcat:Dataset: the stated purpose
    ("dataset-purpose-two-chinese-texts",
     'INSERT DATA { dset:lianzheng lz:statedPurpose "加強行銷平臺典範案例"@zh-Hant }',
     {(V, "Dataset-statedPurpose-lang", "dataset/lianzheng")}),
    ("dataset-purpose-untagged",
     'INSERT DATA { dset:lianzheng lz:statedPurpose "case data" }',
     {(V, "Dataset-statedPurpose-lang", "dataset/lianzheng")}),
    ("dataset-purpose-not-cited",
     "DELETE WHERE { dset:lianzheng lz:purposeSource ?o }",
     {(V, "DatasetPurposeCitedShape", "dataset/lianzheng")}),
    ("dataset-purpose-cites-a-document-not-a-section",
     "DELETE WHERE { dset:lianzheng lz:purposeSource ?o } ;"
     " INSERT DATA { dset:lianzheng lz:purposeSource src:aac-intro }",
     {(V, "Dataset-purposeSource", "dataset/lianzheng")}),
    ("dataset-without-purpose",
     "DELETE WHERE { dset:lianzheng lz:statedPurpose ?o } ;"
     " DELETE WHERE { dset:lianzheng lz:purposeSource ?o }",
     set()),
    # --- lz:servesProng in the code lists (vocab/codes.ttl is in the data graph)
    ("code-serves-a-concept-that-is-no-prong",
     "INSERT DATA { atype:award lz:servesProng level:central }",
     {(V, "ProngLink-servesProng", CODES + "activity-type/award")}),
    ("code-serves-a-prong-without-a-scope-note",
     "DELETE WHERE { atype:survey skos:scopeNote ?o }",
     {(V, "ProngLink-scopeNote-bilingual", CODES + "activity-type/survey")}),
    ("code-scope-note-twice-in-english",
     'INSERT DATA { atype:survey skos:scopeNote "Also public oversight."@en }',
     {(V, "ProngLink-scopeNote-lang", CODES + "activity-type/survey")}),
]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(terms.shapes_dir() / "lianzheng.ttl", format="turtle")


@pytest.fixture(scope="module")
def vocab_and_codes() -> Graph:
    g = Graph()
    g.parse(terms.vocab_dir() / "lianzheng.ttl", format="turtle")
    g.parse(terms.vocab_dir() / "codes.ttl", format="turtle")
    return g


def _data(vocab_and_codes: Graph, update: str = "") -> Graph:
    g = Graph()
    for t in vocab_and_codes:
        g.add(t)
    g.parse(data=VALID, format="turtle")
    if update:
        g.update(SPARQL_PREFIXES + "\n" + update)
    return g


def _results(data: Graph, shapes: Graph) -> set[tuple[str, str, str]]:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    rows = set()
    for r in report.objects(None, SH.result):  # top-level results, not their sh:detail
        severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1]
        shape = str(report.value(r, SH.sourceShape))
        focus = str(report.value(r, SH.focusNode))
        rows.add((severity, shape.removeprefix(SHAPES), focus.removeprefix(ID)))
    return rows


# --- the shapes graph itself -------------------------------------------------------------


def test_shapes_conform_to_shacl_for_shacl(shapes):
    shacl_shacl = Graph().parse(SHACL_SHACL)
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=shacl_shacl, inference="none")
    assert conforms, text


def test_shacl_for_shacl_rejects_a_broken_shape():
    broken = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:S> a sh:NodeShape ; sh:property [ sh:path <urn:x:p> ; sh:minCount "one" ] .
    """, format="turtle")
    shacl_shacl = Graph().parse(SHACL_SHACL)
    conforms, _, _ = pyshacl.validate(broken, shacl_graph=shacl_shacl, inference="none")
    assert not conforms


def _message_bearing_shapes(shapes: Graph) -> set:
    """Node shapes, shapes with targets, and every property shape (not sh:or members)."""
    found = set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.node))
    found |= set(shapes.objects(None, SH.qualifiedValueShape))
    found |= set(shapes.subjects(SH.targetClass, None))
    return found


def test_shapes_every_shape_has_messages_in_both_languages(shapes):
    found = _message_bearing_shapes(shapes)
    assert len(found) > 100
    for s in found:
        langs = sorted(m.language for m in shapes.objects(s, SH.message))
        assert langs == ["en", "zh-Hant"], s


def test_shapes_every_named_shape_has_a_label(shapes):
    for s in _message_bearing_shapes(shapes):
        assert isinstance(s, URIRef), f"anonymous shape: {s}"
        assert shapes.value(s, RDFS.label) is not None, s
    for s in shapes.subjects(SH.targetClass, None):
        assert shapes.value(s, RDFS.comment) is not None, s


def test_shapes_every_property_shape_states_its_severity(shapes):
    for s in shapes.objects(None, SH.property):
        assert shapes.value(s, SH.severity) in (SH.Violation, SH.Warning, SH.Info), s


@pytest.mark.parametrize("cls", DATA_CLASSES)
def test_shapes_target_every_class_the_data_uses(shapes, cls):
    assert (None, SH.targetClass, URIRef(cls)) in shapes


def test_shapes_use_only_shacl_core(shapes):
    for p in (SH.sparql, SH.closed, SH.target, SH.rule):
        assert not list(shapes.subject_objects(p)), p


def test_shapes_check_every_code_list(shapes):
    """Each sh:in list is exactly one code list of vocab/codes.ttl, and every list is used."""
    from rdflib.collection import Collection

    codes = load_codes()
    checked = set()
    for shape, head in shapes.subject_objects(SH["in"]):
        members = [str(x) for x in Collection(shapes, head)]
        schemes = {m[len(CODES):].split("/")[0] for m in members}
        assert len(schemes) == 1, (shape, schemes)
        scheme = schemes.pop()
        assert {m.rsplit("/", 1)[1] for m in members} == codes[scheme], (shape, scheme)
        checked.add(scheme)
    assert checked == set(codes)


# --- data: one valid graph and a table of invalid variants -------------------------------


def test_shapes_valid_data_conforms_with_no_results(shapes, vocab_and_codes):
    assert _results(_data(vocab_and_codes), shapes) == set()


@pytest.mark.parametrize("update, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shapes_variant_reports_expected_results(shapes, vocab_and_codes, update, expected):
    assert _results(_data(vocab_and_codes, update), shapes) == expected


def test_shapes_results_carry_the_shapes_messages(shapes, vocab_and_codes):
    data = _data(vocab_and_codes, "DELETE WHERE { case:danjiang lz:established ?o }")
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    messages = {(m.language, str(m)) for m in report.objects(None, SH.resultMessage)}
    assert {lang for lang, _ in messages} == {"zh-Hant", "en"}
    assert any("`established`" in text and "datasets/source/cases/" in text for _, text in messages)


def test_shapes_warnings_alone_allow_a_release(shapes, vocab_and_codes):
    update = "DELETE WHERE { case:danjiang lz:activity ?o }"
    data = _data(vocab_and_codes, update)
    conforms, _, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert conforms


def test_shapes_need_no_code_lists_in_the_data_graph(shapes):
    data = Graph().parse(data=VALID, format="turtle")  # without vocab/codes.ttl
    assert _results(data, shapes) == set()
    bad = _data(data, "DELETE WHERE { case:danjiang lz:status ?o } ; "
                      "INSERT DATA { case:danjiang lz:status status:paused }")
    assert (V, "IntegrityPlatform-status", "case/danjiang") in _results(bad, shapes)


def test_shapes_accept_plain_literals_as_strings(shapes, vocab_and_codes):
    # the graph writer adds xsd:string values as rdflib plain literals (no datatype)
    data = _data(vocab_and_codes, 'DELETE WHERE { agency:thb lz:agencyCode ?o }')
    code = URIRef("https://w3id.org/lianzheng/vocab#agencyCode")
    data.add((URIRef(ID + "agency/thb"), code, Literal("0000000000")))
    assert _results(data, shapes) == set()
