"""Reading the source records (``datasets/source/``) into the domain model.

The reader checks as it reads and collects every problem, each naming the
file, the record and the field and saying how to fix it in zh-Hant and
English. It returns a :class:`~pipelines.model.Dataset` only when there is no
error; otherwise it raises :class:`~pipelines.errors.ProblemsFound`.

The record format is documented in ``docs/model.md``.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from .. import model as m
from ..errors import ERROR, WARNING, Problem, ProblemsFound, Report
from .cases import Cases
from .fields import SLUG, URL, WIKIDATA, _closest, _with_field
from .syntax import MISSING

# the kinds of source whose words a place or a division may quote: the AAC's documents, and an
# agency's submission (its own statement, accepted by the AAC's reviewers)
WORDS = ("aac", "submission")


class Reader(Cases):
    """Reads one source folder. Use :func:`read_dataset`."""

    def read(self) -> m.Dataset:
        if not self.root.is_dir():
            raise ProblemsFound([Problem(
                "missing-folder", "找不到來源資料夾。", "The source folder does not exist.",
                file=str(self.root), fix_zh="指定 datasets/source 資料夾。",
                fix_en="Name the datasets/source folder.")])
        self.read_meta()
        self.read_sources()
        self.read_agencies()
        self.read_laws()
        case_files = sorted((self.root / "cases").glob("*.yaml")) + sorted(
            (self.root / "cases").glob("*.yml"))
        if not case_files:
            self.err("no-cases", "cases/ 資料夾裡沒有任何案件檔。", "There are no case files in cases/.",
                     file=self.rel(self.root / "cases"), fix_zh="每個平臺一個 YAML 檔。",
                     fix_en="Add one YAML file per platform.")
        for path, parsed in zip(case_files, self.parse_many(case_files), strict=True):
            self.read_case(path, parsed)
        self.read_notes(self.root / "notes.yaml", case="")
        for path in sorted((self.root / "imports").glob("*")) if (self.root / "imports").is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                self.read_import(path)
        self.resolve()
        self.check_cases()
        self.check_publisher()
        if any(p.severity == ERROR for p in self.problems):
            raise ProblemsFound(self.problems)
        self.ds.activities.sort(key=lambda a: a.id)
        self.ds.documents.sort(key=lambda d: d.id)
        self.ds.observations.sort(key=lambda o: o.id)
        self.ds.risks.sort(key=lambda r: r.id)
        self.ds.accounts.sort(key=lambda r: r.id)
        self.ds.notes.sort(key=lambda n: n.id)
        self.ds.cases = dict(sorted(self.ds.cases.items()))
        self.ds.agencies = dict(sorted(self.ds.agencies.items()))
        return self.ds

    def read_meta(self):
        path = self.root / "dataset.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        if not isinstance(data, dict):
            self.err("wrong-type", "dataset.yaml 應為一個對照（mapping）。",
                     "dataset.yaml must be a mapping.", file=file, fix_zh="見 docs/model.md。",
                     fix_en="See docs/model.md.")
            return
        self.meta_keys(data, file)
        for key in ("id", "title", "description", "version", "licence", "publisher"):
            self.get(data, key, file=file, record="dataset", kind=(str, dict))
        version = str(data.get("version", ""))
        if version and not re.match(r"^\d+\.\d+\.\d+$", version):
            self.err("bad-version", f"版本「{version}」不是 X.Y.Z 格式。",
                     f"Version '{version}' is not of the form X.Y.Z.", file=file, record="dataset",
                     field="version", fix_zh="寫成如 1.0.0。", fix_en="Write it like 1.0.0.")
        for key in ("issued", "modified", "as_of"):
            if data.get(key) is not None:
                self.date(data, key, file=file, record="dataset")
        self.ds.meta = data
        if data.get("purpose") is not None:
            self.read_purpose(data, file)

    def read_purpose(self, data: dict, file: str) -> None:
        """``purpose``: the dataset's purpose in a source's words, ``zh`` and ``en``, each cited
        with a locator (the source's words that hold it)."""
        rec = self.get(data, "purpose", file=file, record="dataset", kind=dict)
        if rec is MISSING:
            return
        self.known_keys(rec, "purpose", file=file, record="dataset", at="purpose")
        before = len(self.problems)
        zh = self.get(rec, "zh", file=file, record="dataset")
        en = self.get(rec, "en", file=file, record="dataset")
        cited = self.citations(rec, file=file, record="dataset")
        for i, c in enumerate(cited):
            if not c.locator:
                self.err("missing-field", "資料集目的之出處缺少原文位置（locator）。",
                         "A citation of the stated purpose has no locator.", file=file,
                         record="dataset", field=f"cited[{i}].locator",
                         fix_zh="在 locator 照錄來源中含此目的之原文。",
                         fix_en="Quote the source's words that hold the purpose in 'locator'.")
        for i in range(before, len(self.problems)):  # name the fields where they sit
            self.problems[i] = _with_field(self.problems[i], "purpose." + self.problems[i].field)
        if len(self.problems) == before:
            self.ds.purpose = m.StatedPurpose(m.Text(zh, en), cited)

    def meta_keys(self, data: dict, file: str) -> None:
        """Check the keys of dataset.yaml and of its mappings (read by the release writers)."""
        self.known_keys(data, "dataset", file=file, record="dataset")
        for key, kind in (("title", "text"), ("description", "text"), ("keywords", "text"),
                          ("theme", "text"), ("licence", "licence"), ("contact", "contact"),
                          ("datagovtw", "datagovtw"), ("publisher", "publisher"), ("provenance", "text")):
            self.known_keys(data.get(key), kind, file=file, record="dataset", at=key)
        if isinstance(data.get("publisher"), dict):
            self.known_keys(data["publisher"].get("name"), "text", file=file, record="dataset",
                            at="publisher.name")
        if isinstance(data.get("contact"), dict):
            self.known_keys(data["contact"].get("name"), "text", file=file, record="dataset",
                            at="contact.name")
        sources = data.get("package_sources")
        for i, item in enumerate(sources if isinstance(sources, list) else []):
            self.known_keys(item, "package-source", file=file, record="dataset",
                            at=f"package_sources[{i}]")

    def read_sources(self):
        path = self.root / "sources.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        self.known_keys(data, "sources-file", file=file, record="sources")
        docs = self.get(data if isinstance(data, dict) else {}, "documents", file=file,
                        record="sources", kind=list)
        if docs is MISSING:
            return
        for i, rec in enumerate(docs):
            rid = rec.get("id") if isinstance(rec, dict) else None
            record = str(rid or f"#{i + 1}")
            self.known_keys(rec, "source", file=file, record=record)
            did = self.slug(rec if isinstance(rec, dict) else {}, "source", file=file, record=record)
            if did is None:
                continue
            title = self.text(rec, "title", file=file, record=did, en_required=True)
            # the AAC's own documents (aac) or an outside source (outside); an outside one need
            # name no publisher, and says what it is (that it is not an AAC document)
            kind = self.code(rec, "kind", "source-kind", file=file, record=did, required=False)
            outside = kind == "outside"
            publisher = self.get(rec, "publisher", file=file, record=did, required=not outside,
                                 default="")
            if publisher:
                self.refer("agency", publisher, file=file, record=did, field="publisher")
            description = self.text(rec, "description", file=file, record=did, required=outside,
                                    en_required=True)
            issued = self.date(rec, "issued", file=file, record=did, required=False)
            langs = self.get(rec, "language", file=file, record=did, kind=list, required=False,
                             default=[])
            url = self.url(rec, file=file, record=did) or ""
            self.ds.sources[did] = m.SourceDocument(
                did, title or m.Text(did), publisher if publisher is not MISSING else "", issued,
                tuple(langs or ()), url, str(rec.get("file") or ""), kind or "", description)
            sections = self.get(rec, "sections", file=file, record=did, kind=list)
            for order, sec in enumerate(sections if sections is not MISSING else [], start=1):
                sid = sec.get("id") if isinstance(sec, dict) else None
                if not sid or not isinstance(sid, str) or not sid.startswith(did + "/") or \
                        not all(SLUG.match(part) for part in sid.split("/")):
                    self.err("bad-identifier", f"章節識別碼「{sid}」應為「{did}/小寫-連字號」。",
                             f"Section id '{sid}' must be '{did}/' followed by slugs.",
                             file=file, record=str(sid or f"{did} #{order}"), field="id",
                             fix_zh=f"例如 {did}/table。", fix_en=f"For example {did}/table.")
                    continue
                if ("section", sid) in self._ids:
                    self.err("duplicate-identifier", f"章節識別碼「{sid}」重複。",
                             f"Section id '{sid}' is used twice.", file=file, record=sid, field="id",
                             fix_zh="改用未用過的識別碼。", fix_en="Use an unused identifier.")
                    continue
                self._ids[("section", sid)] = file
                self.known_keys(sec, "section", file=file, record=sid)
                stitle = self.text(sec, "title", file=file, record=sid, en_required=True)
                surl = self.url(sec, file=file, record=sid) or ""
                self.ds.sections[sid] = m.SourceSection(sid, did, stitle or m.Text(sid), order, surl)

    def read_agencies(self):
        path = self.root / "agencies.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        if not isinstance(data, list):
            self.err("wrong-type", "agencies.yaml 應為機關清單。", "agencies.yaml must be a list.",
                     file=file, fix_zh="每個機關一項：- id: ...", fix_en="One item per agency: - id: ...")
            return
        for i, rec in enumerate(data):
            if not isinstance(rec, dict):
                self.err("wrong-type", f"第 {i + 1} 項不是對照。", f"Item {i + 1} is not a mapping.",
                         file=file, record=f"#{i + 1}", fix_zh="寫成 - id: ...",
                         fix_en="Write it as - id: ...")
                continue
            record = str(rec.get("id") or f"#{i + 1}")
            self.known_keys(rec, "agency", file=file, record=record)
            aid = self.slug(rec, "agency", file=file, record=record)
            name = self.text(rec, "name", file=file, record=record, en_required=True)
            kind = self.code(rec, "kind", "organisation-kind", file=file, record=record)
            level = self.code(rec, "level", "government-level", file=file, record=record,
                              required=False)
            parent = self.get(rec, "parent", file=file, record=record, required=False, default="")
            if parent:
                self.refer("agency", parent, file=file, record=record, field="parent")
            wikidata = str(rec.get("wikidata") or "")
            if wikidata and not WIKIDATA.match(wikidata):
                self.err("bad-identifier", f"Wikidata 識別碼「{wikidata}」格式錯誤。",
                         f"Wikidata id '{wikidata}' is malformed.", file=file, record=record,
                         field="wikidata", fix_zh="寫成 Q 加數字，如 Q123；不確定就留空。",
                         fix_en="Write Q followed by digits, e.g. Q123; leave it empty if unsure.")
            alt = rec.get("alt_names") or []
            cited = self.citations(rec, file=file, record=record, required=False)
            if aid and name and kind:
                self.ds.agencies[aid] = m.Agency(
                    aid, name, kind, parent or "", level or "", tuple(str(a) for a in alt),
                    str(rec.get("agency_code") or ""), wikidata, cited)

    def read_laws(self):
        path = self.root / "laws.yaml"
        data = self.load_yaml(path)
        if data is MISSING:
            return
        file = self.rel(path)
        for i, rec in enumerate(data if isinstance(data, list) else []):
            record = str(rec.get("id") if isinstance(rec, dict) else f"#{i + 1}")
            self.known_keys(rec, "law", file=file, record=record)
            lid = self.slug(rec if isinstance(rec, dict) else {}, "law", file=file, record=record)
            if lid is None:
                continue
            name = self.text(rec, "name", file=file, record=lid, en_required=True)
            # kind is recommended, not required (lzsh:Legislation-kind-recommended warns): records
            # made before kinds existed still build
            kind = self.code(rec, "kind", "law-kind", file=file, record=lid, required=False) or ""
            in_appendix = self.get(rec, "in_appendix", file=file, record=lid, kind=bool, required=False,
                                   default=False)
            url = self.get(rec, "url", file=file, record=lid, required=False, default="")
            if url and url is not MISSING and not URL.match(url):
                self.err("bad-url", f"網址「{url}」不是 http(s) 網址。", f"'{url}' is not an http(s) URL.",
                         file=file, record=lid, field="url", fix_zh="寫完整網址，如 https://law.moj.gov.tw/...",
                         fix_en="Write the full URL, e.g. https://law.moj.gov.tw/...")
                url = MISSING
            if in_appendix is True and not url:
                self.err("missing-field", "附錄二「相關法規列表」所列之法規須有網址。",
                         "A law of the guidebook's appendix of laws must have a URL.", file=file, record=lid,
                         field="url", fix_zh="寫上附錄所印之網址（照印，不改大小寫）。",
                         fix_en="Write the URL the appendix prints, as printed (case and all).")
                url = MISSING
            alt = self.get(rec, "alt_names", file=file, record=lid, kind=list, required=False, default=[])
            cases = self.get(rec, "cases", file=file, record=lid, kind=list, required=False, default=[])
            case_ids: list[str] = []
            for j, cid in enumerate(cases if cases is not MISSING else []):
                if not isinstance(cid, str) or not SLUG.match(cid):
                    self.err("wrong-type", f"cases 第 {j + 1} 項應為案件識別碼，不是「{cid!r}」。",
                             f"Item {j + 1} of 'cases' must be a case id, not {cid!r}.", file=file,
                             record=lid, field=f"cases[{j}]", fix_zh="寫 cases/ 中案件檔之 id。",
                             fix_en="Write the id of a case file in cases/.")
                    continue
                self.refer("case", cid, file=file, record=lid, field=f"cases[{j}]")
                case_ids.append(cid)
            cited = self.citations(rec, file=file, record=lid)
            if name and url is not MISSING and in_appendix is not MISSING:
                self.ds.laws[lid] = m.Law(lid, name, str(url), cited, kind, bool(in_appendix),
                                          tuple(dict.fromkeys(case_ids)),
                                          tuple(str(a) for a in (alt if alt is not MISSING else [])))

    def resolve(self) -> None:
        known: dict[str, dict] = {
            "agency": self.ds.agencies, "section": self.ds.sections, "case": self.ds.cases,
        }
        kinds_zh = {"agency": "機關", "section": "出處章節", "case": "案件"}
        registry = {"agency": "datasets/source/agencies.yaml", "section": "datasets/source/sources.yaml",
                    "case": "datasets/source/cases/"}
        for kind, value, file, record, field, _ in self._pending:
            if value in known[kind]:
                continue
            # an id that failed its own checks was already reported where it is defined
            if (kind, value) in self._ids:
                continue
            hint = _closest(value, known[kind])
            self.err(f"unknown-{kind}", f"不明的{kinds_zh[kind]}「{value}」。",
                     f"Unknown {kind} '{value}'.", file=file, record=record, field=field,
                     fix_zh=f"改用 {registry[kind]} 已登錄的識別碼" + (f"（是否為「{hint}」？）" if hint else "")
                     + f"，或先在 {registry[kind]} 登錄。",
                     fix_en=f"Use an id registered in {registry[kind]}" + (f" (did you mean '{hint}'?)" if hint else "")
                     + ", or register it there first.")
        # parent cycles: reported once per cycle, at its first member in sorted order
        reported: set[frozenset] = set()
        for aid in self.ds.agencies:
            path, cur = [], aid
            while cur in self.ds.agencies and cur not in path:
                path.append(cur)
                cur = self.ds.agencies[cur].parent
            if cur in path:
                cycle = path[path.index(cur):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    loop = " → ".join(cycle + [cycle[0]])
                    self.err("agency-cycle", f"上級機關形成循環：{loop}。",
                             f"The parent chain loops: {loop}.",
                             file=self.rel(self.root / "agencies.yaml"), record=min(cycle),
                             field="parent", fix_zh="更正其中一個機關的 parent。",
                             fix_en="Correct the 'parent' of one of them.")

    def check_publisher(self) -> None:
        """The publisher is the operator's setting: say so when it is not set (a warning; the
        release then names its publisher as not set), and check an agency id."""
        p = self.ds.meta.get("publisher")
        agency = str((p.get("agency") if isinstance(p, dict) else p) or "")
        file = self.rel(self.root / "dataset.yaml")
        if agency and agency not in self.ds.agencies:
            self.err("unknown-agency", f"發布者「{agency}」不在機關名錄中。",
                     f"The publisher '{agency}' is not in the agency registry.", file=file, record="dataset",
                     field="publisher.agency", fix_zh="填 agencies.yaml 中之機關識別碼，或改填 name 與 url。",
                     fix_en="Give an agency id of agencies.yaml, or give name and url instead.")
        elif not agency and m.publisher_name(self.ds.meta) is m.UNSET_PUBLISHER:
            self.err("publisher-not-set", "未設定本資料集之發布者：發行版將寫明「未設定發布者」。",
                     "The dataset's publisher is not set: the release will say '(publisher not set)'.",
                     file=file, record="dataset", field="publisher",
                     fix_zh="發布前在 dataset.yaml 的 publisher 填寫 name（zh、en）與 url；若由名錄中之機關發布，"
                     "填 agency（機關識別碼）。",
                     fix_en="Before publishing, fill in publisher.name (zh, en) and publisher.url in "
                     "dataset.yaml; if an agency of the registry publishes it, give publisher.agency (its id).",
                     severity=WARNING)

    def check_cases(self) -> None:
        """Facts that span records: levels, authority, table numbers, activity case ids."""
        numbers: dict[int, str] = {}
        for cid, case in list(self.ds.cases.items()):
            file = self.rel(self.root / "cases" / f"{cid}.yaml")
            if case.table_number is not None and case.table_number in numbers:
                self.err("duplicate-identifier",
                         f"一覽表列序 {case.table_number} 已由案件「{numbers[case.table_number]}」使用。",
                         f"table_number {case.table_number} is already used by case "
                         f"'{numbers[case.table_number]}'.", file=file, record=cid,
                         field="table_number", fix_zh="每案的列序不同。",
                         fix_en="Each case has its own row number.")
            if case.table_number is not None:
                numbers[case.table_number] = cid
            auth = self.ds.agencies.get(case.authority)
            if auth is None:
                continue
            level = auth.level
            if not level:
                self.err("missing-field", f"主管機關「{case.authority}」沒有層級。",
                         f"The authority '{case.authority}' has no level.",
                         file=self.rel(self.root / "agencies.yaml"), record=case.authority, field="level",
                         fix_zh="加上 level: central 或 local。", fix_en="Add level: central or local.")
            for aid in case.agencies:
                if aid in self.ds.agencies and not self._under(aid, case.authority):
                    self.err("authority-mismatch",
                             f"採購機關「{aid}」不隸屬於主管機關「{case.authority}」。",
                             f"The procuring agency '{aid}' is not under the authority "
                             f"'{case.authority}'.", file=file, record=cid, field="authority",
                             fix_zh="更正 authority 或該機關在 agencies.yaml 的 parent。",
                             fix_en="Correct 'authority', or the agency's 'parent' in agencies.yaml.",
                             severity=WARNING)
            self.ds.cases[cid] = dataclasses.replace(case, level=level)
        for cid, case in self.ds.cases.items():
            self.check_where(case, self.rel(self.root / "cases" / f"{cid}.yaml"))
        if not self.ds.agencies:
            return
        for _kind, items in (("activity", self.ds.activities), ("document", self.ds.documents),
                            ("observation", self.ds.observations), ("risk", self.ds.risks),
                            ("account", self.ds.accounts)):
            for item in items:
                if not item.case:
                    self.err("missing-field", "紀錄沒有所屬案件。", "The record belongs to no case.",
                             file=self.rel(self.root), record=item.id, field="case_id",
                             fix_zh="填 case_id。", fix_en="Fill in case_id.")
        for note in self.ds.notes:
            if note.case and note.case not in self.ds.cases and ("case", note.case) not in self._ids:
                self.err("unknown-case", f"不明的案件「{note.case}」。", f"Unknown case '{note.case}'.",
                         file=self.rel(self.root), record=note.id, field="case",
                         fix_zh="更正案件識別碼。", fix_en="Correct the case id.")

    def _kind(self, c: m.Citation) -> str:
        section = self.ds.sections.get(c.source)
        doc = self.ds.sources.get(section.document) if section else None
        return doc.kind if doc else ""

    def check_where(self, case: m.Case, file: str) -> None:
        """A place is the AAC's words: each of its citations quotes an ``aac`` document. A division
        rests on what its basis says: ``text`` on a quotation of an ``aac`` document, ``agency``
        on one (naming the owning government) and an ``outside`` source, ``outside`` on an
        ``outside`` source; a basis other than ``text`` never passes as the AAC's words."""
        def wrong(field: str, zh: str, en: str, fix_zh: str, fix_en: str) -> None:
            self.err("bad-citation", zh, en, file=file, record=case.id, field=field, fix_zh=fix_zh,
                     fix_en=fix_en)

        known = [c for c in case.place_cited + case.division_cited if c.source in self.ds.sections]
        for c in known:
            if not self._kind(c):
                doc = self.ds.sections[c.source].document
                wrong("place_cited" if c in case.place_cited else "division_cited",
                      f"出處「{c.source}」所屬之來源文件「{doc}」未標明類別（kind）。",
                      f"The source document '{doc}' of '{c.source}' states no kind.",
                      f"在 datasets/source/sources.yaml 為「{doc}」加上 kind: aac（廉政署文件）"
                      "或 kind: outside（外部來源）。",
                      f"Give '{doc}' in datasets/source/sources.yaml kind: aac (an AAC document) or "
                      "kind: outside (an outside source).")
                return
        for c in case.place_cited:
            if c.source in self.ds.sections and (self._kind(c) not in WORDS or not c.locator):
                wrong("place_cited", f"地點之出處「{c.source}」須為廉政署文件並引其原文（locator）。",
                      f"The place's citation of '{c.source}' must quote an AAC document (a locator).",
                      "地點依來源之文字照錄：引註 guidebook 等 kind: aac 之章節，locator 寫原文。",
                      "A place is the source's words: cite a section of a kind: aac document, with the "
                      "words as the locator.")
        if not case.divisions:
            return
        cited = [c for c in case.division_cited if c.source in self.ds.sections]
        words = [c for c in cited if self._kind(c) in WORDS and c.locator]
        outside = [c for c in cited if self._kind(c) == "outside"]
        need_words = case.division_basis in ("text", "agency")
        need_outside = case.division_basis in ("agency", "outside")
        if need_words and not words:
            wrong("division_cited", f"依據為 {case.division_basis}，但 division_cited 未引廉政署文件之原文。",
                  f"The basis is {case.division_basis}, but division_cited quotes no AAC document.",
                  "引註指明該直轄市或縣市（或其政府）之原文，"
                  "如 {source: guidebook/table, locator: \"[臺北市 - 財政局] ...\"}。",
                  "Cite the words that name the city or county (or its government), such as "
                  "{source: guidebook/table, locator: \"[臺北市 - 財政局] ...\"}.")
        if need_outside and not outside:
            wrong("division_cited", f"依據為 {case.division_basis}，須引註外部來源。",
                  f"The basis is {case.division_basis}: it must cite an outside source.",
                  "加上 {source: outside/site-location}（外部知識，非廉政署文件）。",
                  "Add {source: outside/site-location} (outside knowledge, not an AAC document).")
        if not need_outside and outside:
            wrong("division_cited", "依據為 text（來源文字指明），卻引註外部來源。",
                  "The basis is text (named in the source), yet it cites an outside source.",
                  "來源文字已指明者，只引其原文；須外部知識者，依據改為 agency 或 outside。",
                  "Where the source names it, cite only its words; where outside knowledge is needed, "
                  "make the basis agency or outside.")

    def _under(self, agency: str, authority: str) -> bool:
        cur, seen = agency, set()
        while cur and cur not in seen:
            if cur == authority:
                return True
            seen.add(cur)
            cur = self.ds.agencies[cur].parent if cur in self.ds.agencies else ""
        return False


def read_dataset(root: Path | str) -> m.Dataset:
    """Read and check a source folder; raise ProblemsFound with every problem if any."""
    return Reader(Path(root)).read()


def check_sources(root: Path | str) -> Report:
    """Read a source folder and report, never raise (for ``lianzheng validate``)."""
    report = Report(checks=["records"])
    reader = Reader(Path(root))
    try:
        ds = reader.read()
        report.stats = {"cases": len(ds.cases), "agencies": len(ds.agencies),
                        "activities": len(ds.activities)}
    except ProblemsFound:
        pass
    report.extend(reader.problems)
    return report


if __name__ == "__main__":  # a quick check while editing records
    rep = check_sources(sys.argv[1] if len(sys.argv) > 1 else "datasets/source")
    print(rep.to_text())
    sys.exit(0 if rep.conforms else 1)
