"""Every table of the release, declared once: its fields (types, constraints, descriptions in
zh-Hant and English), its primary key and its foreign keys.

Table Schema v2 (https://datapackage.org/standard/table-schema/). The CSV writer, the Data
Package, the XLSX copy (:mod:`.package`), the people's archive (:mod:`.people`) and the
service's views (:mod:`.views`) all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

SLUG_PATTERN = "^[a-z0-9][a-z0-9-]*$"
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SEP = "|"  # joins the values of a multi-valued cell


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    pattern: str = ""
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    unique: bool = False
    multiple: bool = False  # a list of values joined with SEP; with enum, each one a code

    def descriptor(self, codes: dict[str, set[str]]) -> dict:
        d: dict = {"name": self.name, "type": self.type, "title": self.zh,
                   "description": f"{self.zh}。{self.en}"}
        c: dict = {}
        if self.required:
            c["required"] = True
        if self.unique:
            c["unique"] = True
        if self.pattern:
            c["pattern"] = self.pattern
        if self.enum:
            allowed = sorted(codes.get(self.enum[0], ())) if len(self.enum) == 1 and \
                self.enum[0] in codes else list(self.enum)
            if self.multiple:  # Table Schema's enum takes whole cells: each part by pattern
                one = "|".join(allowed)  # codes are letters, digits and hyphens
                c["pattern"] = f"^({one})(\\{SEP}({one}))*$"
            else:
                c["enum"] = allowed
        if self.minimum is not None:
            c["minimum"] = self.minimum
        if c:
            d["constraints"] = c
        return d


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    en: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return [f.name for f in self.fields]


def _id(name, zh, en, **kw):
    return Field(name, "string", zh, en, required=True, pattern=SLUG_PATTERN, **kw)


def _ref(name, zh, en, required=False):
    return Field(name, "string", zh, en, required=required, pattern=SLUG_PATTERN)


IRI_FIELD = Field("iri", "string", "永久識別網址", "The record's persistent IRI (dereferenceable)",
                  required=True, pattern=r"https?://\S+")
SOURCES_FIELD = Field("source_ids", "string", "出處章節（以 | 分隔）",
                      "Source sections, separated by | (see the sources table)", required=True)

TABLES: tuple[Table, ...] = (
    Table("cases", "廉政平臺案件", "Integrity platform cases", (
        _id("case_id", "案件識別碼", "Case identifier", unique=True),
        Field("table_number", "integer", "一覽表列序", "Row in the guidebook's table (110.12.31); empty for a "
              "platform added since", minimum=1, unique=True),
        Field("name_zh", "string", "平臺名稱", "Platform name (zh-Hant, as the table gives it)", required=True),
        Field("name_en", "string", "平臺英文名稱", "Platform name (English)", required=True),
        Field("procurement_zh", "string", "採購案名稱", "The monitored procurement (zh-Hant)", required=True),
        Field("procurement_en", "string", "採購案英文名稱", "The monitored procurement (English)", required=True),
        Field("agency_ids", "string", "採購機關（以 | 分隔）", "Procuring agencies, separated by |", required=True),
        _ref("authority_id", "主管部會或直轄市", "Parent ministry or city government (the table's grouping)", True),
        Field("level", "string", "層級", "Government level: central or local", required=True,
              enum=("government-level",)),
        Field("established", "date", "成立日期", "Date the platform was established (ISO)", required=True),
        Field("established_roc", "string", "成立日期（民國）",
              "Establishment date as the table writes it (ROC yyyMMdd)", required=True, pattern=r"^\d{6,7}$"),
        Field("amount_twd", "number", "金額（新臺幣元）", "Approximate amount in TWD (億 = 100,000,000)",
              required=True, minimum=0),
        Field("amount_text", "string", "金額原文", "The amount in the source's wording", required=True),
        Field("status", "string", "狀態", "Status: operating or ended", required=True, enum=("case-status",)),
        Field("benchmark", "integer", "標竿案例編號", "Benchmark case number in the guidebook, if any", minimum=1),
        Field("pcc_tender_ids", "string", "標案案號（機關代碼+標案案號，以 | 分隔）",
              "PCC tender case numbers (agency code + tender number), separated by |; only where a source gives them"),
        Field("wikidata", "string", "Wikidata 項目", "Wikidata item, where verified", pattern=r"Q\d+"),
        IRI_FIELD, SOURCES_FIELD,
        # added after the first release: at the end, so that every earlier column keeps its place
        Field("place_zh", "string", "地點", "The place as the source names it, in its words (zh-Hant); "
              "empty where it names none"),
        Field("place_en", "string", "地點英文", "The place (English)"),
        Field("divisions", "string", "直轄市或縣市（以 | 分隔）",
              "Special municipalities, counties or cities (ISO 3166-2:TW codes), separated by |",
              enum=("division",), multiple=True),
        Field("division_basis", "string", "直轄市或縣市之依據",
              "What the divisions rest on: text (named in the source), agency (only the owning "
              "government is named), outside (outside knowledge)", enum=("division-basis",)),
    ), ("case_id",), ((("authority_id",), "agencies", ("agency_id",)),)),
    Table("agencies", "機關", "Agencies and organisations", (
        _id("agency_id", "機關識別碼", "Agency identifier", unique=True),
        Field("name_zh", "string", "機關名稱", "Name (zh-Hant)", required=True),
        Field("name_en", "string", "機關英文名稱", "Name (English)", required=True),
        Field("kind", "string", "機關類型", "Kind of organisation", required=True, enum=("organisation-kind",)),
        _ref("parent_id", "上級機關", "Parent body"),
        Field("level", "string", "層級", "Government level: central or local", enum=("government-level",)),
        Field("agency_code", "string", "機關代碼", "Agency code (機關代碼), where a source gives it"),
        Field("wikidata", "string", "Wikidata 項目", "Wikidata item, where verified", pattern=r"Q\d+"),
        IRI_FIELD,
    ), ("agency_id",), ((("parent_id",), "agencies", ("agency_id",)),)),
    Table("case_agencies", "案件採購機關", "Procuring agencies of each case", (
        _id("case_id", "案件識別碼", "Case identifier"),
        _id("agency_id", "機關識別碼", "Agency identifier"),
        Field("position", "integer", "順序", "Order in the table's name", required=True, minimum=1),
    ), ("case_id", "agency_id"), (
        (("case_id",), "cases", ("case_id",)), (("agency_id",), "agencies", ("agency_id",)))),
    Table("activities", "平臺活動", "Dated activities of the platforms", (
        _id("activity_id", "活動識別碼", "Activity identifier", unique=True),
        _id("case_id", "案件識別碼", "Case identifier"),
        Field("type", "string", "活動類型", "Activity type", required=True, enum=("activity-type",)),
        Field("date", "string", "日期", "Date: YYYY-MM-DD, or YYYY-MM / YYYY where only that is known",
              required=True, pattern=DATE_PATTERN),
        Field("date_precision", "string", "日期精度", "Precision of the date: day, month or year",
              required=True, enum=("day", "month", "year")),
        Field("end_date", "string", "結束日期", "End date, if the activity spans days", pattern=DATE_PATTERN),
        Field("ordinal", "integer", "次別", "Ordinal (the 4th liaison meeting: 4)", minimum=1),
        Field("title_zh", "string", "活動名稱", "Title (zh-Hant)", required=True),
        Field("title_en", "string", "活動英文名稱", "Title (English)"),
        Field("description_zh", "string", "說明", "Description (zh-Hant)"),
        Field("description_en", "string", "英文說明", "Description (English)"),
        SOURCES_FIELD,
        Field("locator", "string", "原文位置", "Where in the source section (a caption, a list item)"),
        IRI_FIELD,
    ), ("activity_id",), ((("case_id",), "cases", ("case_id",)),)),
    Table("participants", "活動參與者", "Who took part in each activity, in which role", (
        _id("activity_id", "活動識別碼", "Activity identifier"),
        Field("position", "integer", "順序", "Position in the activity's list", required=True, minimum=1),
        Field("role", "string", "角色", "Role", required=True, enum=("participant-role",)),
        _ref("agency_id", "機關識別碼", "Agency, if a registered one"),
        Field("description_zh", "string", "參與者說明", "Participant without a record of its own (zh-Hant)"),
        Field("description_en", "string", "參與者英文說明", "Participant without a record of its own (English)"),
        Field("person_zh", "string", "人名", "Named official (zh-Hant)"),
        Field("person_en", "string", "人名（英文）", "Named official (English)"),
        Field("person_title_zh", "string", "職稱", "Official's title (zh-Hant)"),
        Field("person_title_en", "string", "英文職稱", "Official's title (English)"),
    ), ("activity_id", "position"), (
        (("activity_id",), "activities", ("activity_id",)), (("agency_id",), "agencies", ("agency_id",)))),
    Table("documents", "資訊透明專區文件", "Documents of the transparency zones", (
        _id("document_id", "文件識別碼", "Document identifier", unique=True),
        _id("case_id", "案件識別碼", "Case identifier"),
        Field("category", "string", "文件類別", "Transparency-zone category", required=True,
              enum=("document-category",)),
        Field("title_zh", "string", "文件名稱", "Title (zh-Hant)", required=True),
        Field("title_en", "string", "文件英文名稱", "Title (English)"),
        _ref("publisher_id", "發布機關", "Publishing agency", True),
        Field("date", "string", "日期", "Date, if known", pattern=DATE_PATTERN),
        Field("url", "string", "網址", "Web address, only where a source gives it", pattern=r"https?://\S+"),
        SOURCES_FIELD, IRI_FIELD,
    ), ("document_id",), ((("case_id",), "cases", ("case_id",)),
                          (("publisher_id",), "agencies", ("agency_id",)))),
    Table("observations", "成效與事實", "Stated facts and effectiveness indicators", (
        _id("observation_id", "識別碼", "Observation identifier", unique=True),
        _id("case_id", "案件識別碼", "Case identifier"),
        Field("indicator", "string", "指標", "Indicator", required=True, enum=("indicator",)),
        Field("value", "number", "數值", "Numeric value"),
        Field("unit", "string", "單位", "Unit of the value", enum=("unit",)),
        Field("value_text", "string", "文字值", "Non-numeric value (e.g. the grade 甲等)"),
        Field("phase", "string", "時期", "Before or after the platform", enum=("phase",)),
        Field("date", "string", "日期", "Date, if stated", pattern=DATE_PATTERN),
        Field("description_zh", "string", "說明", "Description (zh-Hant)", required=True),
        Field("description_en", "string", "英文說明", "Description (English)"),
        SOURCES_FIELD, IRI_FIELD,
    ), ("observation_id",), ((("case_id",), "cases", ("case_id",)),)),
    Table("risks", "廉政風險", "Integrity risks and their mitigations", (
        _id("risk_id", "識別碼", "Risk identifier", unique=True),
        _id("case_id", "案件識別碼", "Case identifier"),
        Field("category", "string", "風險類別", "Risk category", required=True, enum=("risk-category",)),
        Field("description_zh", "string", "風險說明", "Description (zh-Hant)", required=True),
        Field("description_en", "string", "英文說明", "Description (English)"),
        Field("mitigation_zh", "string", "因應措施", "Mitigation (zh-Hant)"),
        Field("mitigation_en", "string", "英文因應措施", "Mitigation (English)"),
        SOURCES_FIELD, IRI_FIELD,
    ), ("risk_id",), ((("case_id",), "cases", ("case_id",)),)),
    Table("quality_notes", "資料品質註記", "Data-quality notes: disagreements and corrections", (
        _id("note_id", "識別碼", "Note identifier", unique=True),
        _ref("case_id", "案件識別碼", "Case identifier (empty for the whole dataset)"),
        Field("type", "string", "註記類型", "Type of note", required=True, enum=("quality-note-type",)),
        Field("field", "string", "欄位", "The field the note is about", required=True),
        Field("official_value", "string", "採用值", "The value the dataset uses (empty for a gap)"),
        Field("official_source_id", "string", "採用值出處", "Source of the value used", required=True),
        Field("other_value", "string", "另一值", "The value the other source gives"),
        Field("other_source_id", "string", "另一值出處", "Source of the other value"),
        Field("description_zh", "string", "說明", "Description (zh-Hant)", required=True),
        Field("description_en", "string", "英文說明", "Description (English)", required=True),
        Field("resolution_zh", "string", "處理方式", "Resolution (zh-Hant)"),
        Field("resolution_en", "string", "英文處理方式", "Resolution (English)"),
        IRI_FIELD,
    ), ("note_id",), ((("case_id",), "cases", ("case_id",)),
                      (("official_source_id",), "sources", ("source_id",)),
                      (("other_source_id",), "sources", ("source_id",)))),
    Table("laws", "相關法規", "Laws, rules, plans and conventions the sources name", (
        _id("law_id", "識別碼", "Law identifier", unique=True),
        Field("name_zh", "string", "法規名稱", "Name (zh-Hant)", required=True),
        Field("name_en", "string", "英文名稱", "Name (English; the official one where there is one)",
              required=True),
        # required until 1.1: every law then was one of the appendix's six, which print their URL
        Field("url", "string", "網址",
              "Official text (the Laws & Regulations Database where it has the law); empty where none is "
              "confirmed. The appendix's six: the URL as printed", pattern=r"https?://\S+"),
        IRI_FIELD,
        # columns added after the first release go last
        Field("kind", "string", "法規類型", "Kind: act, regulation, administrative rule, plan, convention, "
              "directive", enum=("law-kind",)),
        Field("in_appendix", "boolean", "列於附錄二相關法規列表",
              "Whether the guidebook's Appendix 2 (相關法規列表) lists it", required=True),
        Field("case_ids", "string", "引用之案件（以 | 分隔）",
              "Cases whose chapter or example cites it, separated by | (see the cases table)"),
        SOURCES_FIELD,
        Field("alt_names", "string", "其他寫法（以 | 分隔）",
              "Other spellings the sources use (a short form, an acronym), separated by |"),
    ), ("law_id",)),
    Table("sources", "出處", "Source documents and their sections", (
        Field("source_id", "string", "出處識別碼", "Section identifier", required=True, unique=True,
              pattern=r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$"),
        Field("document_id", "string", "文件識別碼", "Source document", required=True, pattern=SLUG_PATTERN),
        Field("document_title_zh", "string", "文件名稱", "Source document title (zh-Hant)", required=True),
        Field("title_zh", "string", "章節名稱", "Section title (zh-Hant)", required=True),
        Field("title_en", "string", "章節英文名稱", "Section title (English)", required=True),
        IRI_FIELD,
        Field("kind", "string", "來源類別", "Kind of the source document: aac (the AAC's own "
              "documents), outside (an outside source, not the AAC's words) or submission (an agency's "
              "submission through the service, accepted by the AAC's reviewers)", enum=("source-kind",)),
    ), ("source_id",)),
    # tables added after the first release go last: data.gov.tw numbers resources by position
    Table("accounts", "示例故事", "Illustrative accounts told in a case's chapter (not events of the case)", (
        _id("account_id", "識別碼", "Account identifier", unique=True),
        _id("case_id", "案件識別碼", "The case whose chapter tells it"),
        Field("title_zh", "string", "標題", "The passage's heading (zh-Hant)", required=True),
        Field("title_en", "string", "英文標題", "The passage's heading (English)", required=True),
        Field("quote", "string", "原文", "The source's own words (zh-Hant, verbatim)", required=True),
        Field("summary_zh", "string", "摘要", "Summary (zh-Hant)", required=True),
        Field("summary_en", "string", "英文摘要", "Summary (English)", required=True),
        Field("names_project", "boolean", "指明本案工程", "Whether the passage names the chapter's project",
              required=True),
        Field("attribution_zh", "string", "歸屬說明", "Whether and why it can be attributed to the case (zh-Hant)",
              required=True),
        Field("attribution_en", "string", "英文歸屬說明", "Attribution (English)", required=True),
        Field("stated_date", "string", "原文所載日期", "A date the passage itself gives, not an event's date",
              pattern=DATE_PATTERN),
        SOURCES_FIELD, IRI_FIELD,
    ), ("account_id",), ((("case_id",), "cases", ("case_id",)),)),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}
