"""The gallery of example SPARQL queries: real questions, written against ``vocab/``.

Each runs on the release as served (``tests/api/portal`` runs every one on the real data
and checks it answers without error). Language tags are matched with
``langMatches`` because the store keeps them in lower case (``zh-hant``).
Code IRIs are written in full so a query reads without a prefix table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.terms import CODES, PREFIXES


def _prefixes(*names: str) -> str:
    return "".join(f"PREFIX {n}: <{PREFIXES[n]}>\n" for n in names)


@dataclass(frozen=True)
class Example:
    id: str
    title: dict[str, str]
    question: dict[str, str]
    query: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        "no-liaison-meeting",
        {"zh": "一年內未召開聯繫會議的運作中平臺",
         "en": "Operating platforms with no liaison meeting in a year"},
        {"zh": "截至資料基準日（2021-12-31）前一年內，哪些運作中的廉政平臺沒有紀錄任何聯繫會議？最後一次是何時？",
         "en": "Which operating platforms have no liaison meeting on record in the year before the "
               "data's as-of date (2021-12-31), and when was their last one?"},
        _prefixes("lz", "skos", "dct") + f"""
SELECT ?case ?name (MAX(?date) AS ?lastMeeting) WHERE {{
  ?case a lz:IntegrityPlatform ;
        skos:prefLabel ?name ;
        lz:status <{CODES}case-status/operating> .
  FILTER(langMatches(lang(?name), "zh-Hant"))
  OPTIONAL {{
    ?meeting lz:platform ?case ;
             lz:activityType <{CODES}activity-type/liaison-meeting> ;
             dct:date ?date .
  }}
  FILTER NOT EXISTS {{
    ?recent lz:platform ?case ;
            lz:activityType <{CODES}activity-type/liaison-meeting> ;
            dct:date ?recentDate .
    FILTER(STR(?recentDate) > "2020-12-31")
  }}
}}
GROUP BY ?case ?name
ORDER BY ?lastMeeting ?name
""",
    ),
    Example(
        "amount-by-authority",
        {"zh": "各部會與縣市的案件數與總金額", "en": "Cases and total amount by ministry or city"},
        {"zh": "每個部會或直轄市有幾個廉政平臺？所監督的採購金額合計多少（新臺幣元）？",
         "en": "How many platforms does each ministry or city have, and what is the total amount "
               "of the procurements they watch (TWD)?"},
        _prefixes("lz", "skos") + """
SELECT ?authority ?name (COUNT(?case) AS ?cases) (SUM(?amount) AS ?totalTWD) WHERE {
  ?case a lz:IntegrityPlatform ;
        lz:authority ?authority ;
        lz:monitors ?procurement .
  ?authority skos:prefLabel ?name .
  FILTER(langMatches(lang(?name), "zh-Hant"))
  OPTIONAL { ?procurement lz:estimatedAmount ?amount }
}
GROUP BY ?authority ?name
ORDER BY DESC(?totalTWD)
""",
    ),
    Example(
        "prosecutors-activities",
        {"zh": "檢察署參與的每一項活動", "en": "Every activity a prosecutors office took part in"},
        {"zh": "各地方檢察署參與了哪些廉政平臺活動？何時、以什麼角色？",
         "en": "Which platform activities did district prosecutors offices take part in, when, "
               "and in what role?"},
        _prefixes("lz", "skos", "dct", "prov") + f"""
SELECT ?office ?officeName ?date ?activity ?title ?role ?case WHERE {{
  ?office lz:organisationKind <{CODES}organisation-kind/prosecutors-office> ;
          skos:prefLabel ?officeName .
  FILTER(langMatches(lang(?officeName), "zh-Hant"))
  ?activity prov:qualifiedAssociation ?association ;
            lz:platform ?case ;
            dct:title ?title .
  ?association prov:agent ?office ;
               prov:hadRole ?role .
  FILTER(langMatches(lang(?title), "zh-Hant"))
  OPTIONAL {{ ?activity dct:date ?date }}
}}
ORDER BY STR(?date) ?officeName
""",
    ),
    Example(
        "benchmark-cases",
        {"zh": "四個標竿案例", "en": "The four benchmark cases"},
        {"zh": "指引手冊的標竿案例是哪些？何時成立、金額多少？",
         "en": "Which are the guidebook's benchmark cases, when were they set up and how large are they?"},
        _prefixes("lz", "skos") + """
SELECT ?benchmark ?case ?name ?established ?amountTWD WHERE {
  ?case lz:benchmarkCase ?benchmark ;
        skos:prefLabel ?name ;
        lz:established ?established ;
        lz:monitors ?procurement .
  FILTER(langMatches(lang(?name), "en"))
  OPTIONAL { ?procurement lz:estimatedAmount ?amountTWD }
}
ORDER BY ?benchmark
""",
    ),
    Example(
        "documents-by-category",
        {"zh": "資訊透明專區文件的類別分布", "en": "Transparency-zone documents by category"},
        {"zh": "各平臺公開了哪些類別的文件？每類有幾份、涵蓋幾個平臺？",
         "en": "What kinds of documents do the platforms publish: how many of each, across how many platforms?"},
        _prefixes("lz") + """
SELECT ?category (COUNT(?document) AS ?documents) (COUNT(DISTINCT ?case) AS ?platforms) WHERE {
  ?document a lz:Document ;
            lz:documentCategory ?category ;
            lz:platform ?case .
}
GROUP BY ?category
ORDER BY DESC(?documents)
""",
    ),
    Example(
        "quality-disagreements",
        {"zh": "敘述與一覽表不一致之處", "en": "Where the narrative and the table disagree"},
        {"zh": "哪些案件的手冊敘述與案件一覽表說法不同？正式值與另一說法各是什麼？",
         "en": "For which cases does the guidebook's narrative disagree with its table, and what do the two say?"},
        _prefixes("lz", "skos", "dqv") + f"""
SELECT ?case ?name ?field ?officialValue ?otherValue WHERE {{
  ?case dqv:hasQualityAnnotation ?note ;
        skos:prefLabel ?name .
  FILTER(langMatches(lang(?name), "zh-Hant"))
  ?note lz:noteType <{CODES}quality-note-type/narrative-table-disagreement> ;
        lz:field ?field .
  OPTIONAL {{ ?note lz:officialValue ?officialValue }}
  OPTIONAL {{ ?note lz:otherValue ?otherValue }}
}}
ORDER BY ?case ?field
""",
    ),
    Example(
        "laws-and-cases",
        {"zh": "相關法規與引用之案件", "en": "Laws and the cases that cite them"},
        {"zh": "來源提及哪些法規、計畫與公約？各屬何種類型、是否列於附錄二、官方全文在哪裡、哪些案件之章節引用？",
         "en": "Which laws, plans and conventions do the sources name: of what kind, listed in Appendix 2 or not, "
               "where is the official text, and which cases' chapters cite them?"},
        _prefixes("lz", "schema", "dct", "skos") + """
SELECT ?law ?name ?kind ?inAppendix ?url (GROUP_CONCAT(?caseName; separator=" | ") AS ?cases) WHERE {
  ?law a schema:Legislation ;
       schema:name ?name ;
       lz:inAppendix ?inAppendix .
  FILTER(langMatches(lang(?name), "zh-Hant"))
  OPTIONAL { ?law dct:type ?type . ?type skos:notation ?kind }
  OPTIONAL { ?law schema:url ?url }
  OPTIONAL { ?case lz:citesLaw ?law ; skos:prefLabel ?caseName . FILTER(langMatches(lang(?caseName), "zh-Hant")) }
}
GROUP BY ?law ?name ?kind ?inAppendix ?url
ORDER BY DESC(?inAppendix) ?law
""",
    ),
)

BY_ID = {e.id: e for e in EXAMPLES}
DEFAULT_QUERY = EXAMPLES[1].query
