"""The domain model: the one place where a case's meaning lives.

Plain, frozen, typed objects. The tables (``tables/schema.py``, ``tables/package.py``) and the
graph (``rdf/graph.py``) are two views of these objects, never two models.
Readers (``read/``) build them from the source records and check them;
nothing downstream re-reads the sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Text:
    """A bilingual text: Traditional Chinese first, English second."""

    zh: str
    en: str = ""


@dataclass(frozen=True, slots=True)
class Date:
    """A calendar date known to a day, a month or a year.

    ``iso`` is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; ``original`` keeps the
    source's wording where it differs (an ROC date such as ``1080510``).
    """

    iso: str
    original: str = ""

    @property
    def precision(self) -> str:
        return {10: "day", 7: "month", 4: "year"}[len(self.iso)]

    @property
    def year(self) -> int:
        return int(self.iso[:4])


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a fact comes from: a section of a source document."""

    source: str  # id of a SourceSection
    locator: str = ""  # finer place inside the section (a photo caption, a list item)


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """A document the records cite: one of the AAC's own (``kind`` ``aac``, the seeds), or an
    outside source (``outside``) for a fact the AAC's documents do not give, one section per
    kind of such fact, so that a reader can always tell the AAC's words from ours."""

    id: str
    title: Text
    publisher: str  # agency id ('' for an outside source that is no agency's)
    issued: Date | None
    language: tuple[str, ...]
    url: str = ""
    file: str = ""  # the seed file name the transcription was made from
    kind: str = ""  # code in the source-kind scheme: aac | outside | submission
    description: Text | None = None  # what the document is (for an outside one: that it is not the AAC's)


@dataclass(frozen=True, slots=True)
class SourceSection:
    id: str
    document: str  # SourceDocument id
    title: Text
    order: int
    url: str = ""  # where the section's content can be read, if it is on the web


@dataclass(frozen=True, slots=True)
class Agency:
    """A government body, state-owned enterprise or civic organisation."""

    id: str
    name: Text
    kind: str  # code in the organisation-kind scheme
    parent: str = ""  # agency id
    level: str = ""  # central | local ('' for non-government bodies)
    alt_names: tuple[str, ...] = ()
    agency_code: str = ""  # 機關代碼, only where a source gives it
    wikidata: str = ""  # Q-number, only where verified
    cited: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone who took part in an activity, in a role.

    Either a registered agency, or a described party that has no record of its
    own (``description``: "施工廠商", "專家學者"), optionally a named person.
    """

    role: str  # code in the participant-role scheme
    agency: str = ""
    description: Text | None = None
    person: Text | None = None  # a named official, as the source names them
    person_title: Text | None = None  # e.g. 市長, 署長


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    case: str
    type: str  # code in the activity-type scheme
    date: Date
    title: Text
    description: Text | None
    participants: tuple[Participant, ...]
    cited: tuple[Citation, ...]
    ordinal: int | None = None  # "第 4 次" liaison meeting
    end_date: Date | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A document published, or said to be published, in the transparency zone."""

    id: str
    case: str
    category: str  # code in the document-category scheme
    title: Text
    publisher: str  # agency id
    cited: tuple[Citation, ...]
    date: Date | None = None
    url: str = ""
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """A fact the sources state about a case's situation or outcome."""

    id: str
    case: str
    indicator: str  # code in the indicator scheme
    description: Text
    cited: tuple[Citation, ...]
    value: Decimal | None = None
    unit: str = ""  # code in the unit scheme: count, percent, year, twd, tonne-per-day, grade
    value_text: str = ""  # a non-numeric value, e.g. the grade 甲等
    phase: str = ""  # before-platform | after-platform | ''
    date: Date | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    id: str
    case: str
    category: str  # code in the risk-category scheme
    description: Text
    mitigation: Text | None
    cited: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Account:
    """An illustrative story a case's chapter tells (the guidebook's 溫馨小故事).

    It is recorded as what it is: a passage of the chapter, in the source's words, and not as
    an event of the case. ``names_project`` says whether the passage names the chapter's
    project; ``attribution`` says why it can or cannot be read as about that project.
    ``stated_date`` is a date the passage itself gives, as it gives it (not the date of an
    event of the case).
    """

    id: str
    case: str  # the case whose chapter tells it
    title: Text  # the passage's heading
    quote: str  # the passage's own words (zh-Hant), verbatim
    summary: Text
    names_project: bool
    attribution: Text
    cited: tuple[Citation, ...]
    stated_date: Date | None = None


@dataclass(frozen=True, slots=True)
class QualityNote:
    """A published disagreement, correction or gap in the sources.

    ``official`` is the value the dataset uses (the table's, where there is
    one); ``other`` is the value the other source gives. Both are cited.
    """

    id: str
    type: str  # code in the quality-note-type scheme
    field: str  # the field of the record the note is about, e.g. "established"
    description: Text
    official_value: str
    official_source: Citation
    other_value: str
    other_source: Citation | None
    case: str = ""  # '' for a note about the whole dataset
    resolution: Text | None = None


@dataclass(frozen=True, slots=True)
class StatedPurpose:
    """What the data is for, as a source states it: its words in each language, each cited.

    From ``purpose`` in dataset.yaml: the AAC introduction's Open Government Partnership
    outlook (活化平臺案件資料的串聯及運用; "strengthening access to and the utilization of
    case data"). Each citation's locator holds the words in their sentence.
    """

    text: Text
    cited: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Law:
    """A law, regulation, rule, plan, convention or directive the sources name.

    ``cited`` is every place the text names it (section and verbatim locator); ``cases`` are
    the cases whose chapter or example names it, so that "which laws does case X cite" and
    "which cases cite law Y" are one look-up. ``in_appendix``: one of the six laws of the
    guidebook's 附錄二 相關法規列表, whose ``url`` is the one it prints. ``url`` is the
    official text where one is confirmed, ``''`` otherwise. ``alt_names`` are the other
    spellings the seeds use (a short form, an acronym).
    """

    id: str
    name: Text
    url: str
    cited: tuple[Citation, ...]
    kind: str = ""  # code in the law-kind scheme
    in_appendix: bool = False
    cases: tuple[str, ...] = ()  # case ids
    alt_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    """One integrity platform (廉政平臺) and the procurement it watches over."""

    id: str
    # the row in the guidebook's table of platforms (110.12.31), 1..32 in table order; None for a
    # platform added since (a submitted new case): it has no row there, and none is made up
    table_number: int | None
    name: Text  # the platform's name as the table gives it
    procurement: Text  # the monitored procurement
    agencies: tuple[str, ...]  # procuring agencies, in the table's order
    authority: str  # the ministry or city government the table groups it under
    level: str  # central | local, the table's grouping
    established: Date
    amount_twd: Decimal
    amount_text: str  # the source's wording, e.g. "約 125 億"
    status: str  # operating | ended
    cited: tuple[Citation, ...]
    alt_names: tuple[Text, ...] = ()
    benchmark: int | None = None  # 標竿案例 number in the guidebook
    pcc_tender_ids: tuple[str, ...] = ()  # 機關代碼+標案案號, only where a source gives them
    wikidata: str = ""
    description: Text | None = None
    # where: the place as the source names it, in its words (None where it names none), and
    # the special municipalities, counties or cities (ISO 3166-2:TW codes of the division
    # scheme) with what they rest on (division-basis: text | agency | outside)
    place: Text | None = None
    place_cited: tuple[Citation, ...] = ()
    divisions: tuple[str, ...] = ()
    division_basis: str = ""
    division_cited: tuple[Citation, ...] = ()

    @property
    def all_cited(self) -> tuple[Citation, ...]:
        """Every citation of the case's own fields: its record, its place and its divisions."""
        return self.cited + self.place_cited + self.division_cited


@dataclass(slots=True)
class Dataset:
    """Everything one release publishes, with its metadata."""

    meta: dict
    sources: dict[str, SourceDocument] = field(default_factory=dict)
    sections: dict[str, SourceSection] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    notes: list[QualityNote] = field(default_factory=list)
    laws: dict[str, Law] = field(default_factory=dict)
    purpose: StatedPurpose | None = None  # dataset.yaml `purpose`

    def authority_of(self, agency_id: str) -> str:
        """The top government body above an agency (itself if it has none)."""
        seen = set()
        current = agency_id
        while self.agencies[current].parent and current not in seen:
            seen.add(current)
            parent = self.agencies[current].parent
            if self.agencies[parent].kind in ("cabinet",):
                break
            current = parent
        return current


UNSET_PUBLISHER = Text("（未設定發布者）", "(publisher not set)")


def publisher_name(meta: dict) -> Text:
    """The publisher's name in ``dataset.yaml`` (``publisher.name``), or words saying it is not set."""
    p = meta.get("publisher")
    name = p.get("name") if isinstance(p, dict) else None
    if isinstance(name, dict) and str(name.get("zh") or "").strip():
        return Text(str(name["zh"]), str(name.get("en") or name["zh"]))
    if isinstance(name, str) and name.strip():
        return Text(name, name)
    legacy = str(meta.get("publisher_name") or "").strip()  # the key of records before 1.1.0
    return Text(legacy, legacy) if legacy else UNSET_PUBLISHER
