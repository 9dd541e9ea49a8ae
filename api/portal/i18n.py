"""The portal's words in zh-Hant (first) and English, and the language of a request.

The language is part of the URL (``?lang=en``; zh-Hant when absent), so a page is
shareable in either language and the switch keeps the page, its query and its
fragment-free state. Data labels come from the release itself (names, code lists);
only the portal's own words are here.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from .desk_words import WORDS as DESK_WORDS

ZH = "zh-Hant"
EN = "en"
LANGS = (ZH, EN)

# key -> (zh-Hant, en)
WORDS: dict[str, tuple[str, str]] = {
    "site": ("機關採購廉政平臺開放資料", "Integrity Platform Open Data"),
    "site_short": ("廉政平臺開放資料", "Integrity Platform Open Data"),
    "skip": ("跳到主要內容", "Skip to main content"),
    "nav": ("主選單", "Main menu"),
    "nav_home": ("首頁", "Home"),
    "nav_cases": ("案件", "Cases"),
    "nav_agencies": ("機關", "Agencies"),
    "nav_charts": ("圖表", "Charts"),
    "nav_query": ("SPARQL 查詢", "SPARQL query"),
    "nav_downloads": ("下載", "Downloads"),
    "nav_vocab": ("詞彙", "Vocabulary"),
    "nav_about": ("關於", "About"),
    "switch_to": ("English", "中文"),
    "switch_label": ("Switch to English", "切換為中文"),
    "intro_1": (
        "機關採購廉政平臺是採購機關為重大公共採購案，結合檢察、調查、廉政、審計、工程會、廠商、"
        "專家學者與公民團體組成的跨域合作機制，以公開透明預防貪腐、協助採購順利推動。",
        "The Government Procurement Integrity Platform joins a procuring agency with prosecutors, "
        "investigators, the Agency Against Corruption, auditors, the Public Construction Commission, "
        "contractors, experts and civic groups around one major public procurement, to prevent "
        "corruption through openness and help the project succeed.",
    ),
    "intro_2": (
        "本站公開每一個廉政平臺案件的背景、規劃、進度、活動、文件與資料品質註記，"
        "可瀏覽、檢索、以 SPARQL 查詢並下載完整資料。",
        "This site publishes every platform case with its background, planning, progress, "
        "activities, documents and data-quality notes, to browse, search, query with SPARQL "
        "and download in full.",
    ),
    "totals": ("總覽", "At a glance"),
    "as_of": ("資料基準日", "Data as of"),
    "release": ("版本", "Release"),
    "cases_total": ("廉政平臺案件", "platform cases"),
    "operating": ("運作中", "operating"),
    "ended": ("已結束", "ended"),
    "central": ("中央", "central"),
    "local": ("地方", "local"),
    "amount_total": ("採購總金額（約）", "total procurement amount (approx.)"),
    "benchmarks": ("標竿案例", "Benchmark cases"),
    "benchmark_n": ("標竿案例 {n}", "Benchmark case {n}"),
    "start_here": ("從這裡開始", "Start here"),
    "entry_search": ("搜尋案件", "Search the cases"),
    "entry_search_text": ("依名稱、機關、層級、狀態與年度篩選。", "Filter by name, agency, level, status and year."),
    "entry_query": ("SPARQL 查詢", "Query with SPARQL"),
    "entry_query_text": ("查詢編輯器與一鍵執行的範例。", "A query editor and one-click examples."),
    "entry_downloads": ("下載資料", "Download the data"),
    "entry_downloads_text": ("CSV、XLSX、Turtle、JSON-LD，附檢查碼。", "CSV, XLSX, Turtle, JSON-LD, with checksums."),
    "entry_api": ("API 與介接", "API and harvesting"),
    "entry_api_text": ("REST API、DCAT 目錄、Atom 異動通知。", "REST API, DCAT catalogue, Atom feed of changes."),
    "entry_charts": ("圖表", "Charts"),
    "entry_charts_text": ("每年成立案件、各部會與縣市金額、活動趨勢。",
                          "Cases per year, amounts by ministry or city, activities."),
    # cases list
    "cases_title": ("廉政平臺案件", "Integrity platform cases"),
    "search": ("搜尋", "Search"),
    "search_label": ("搜尋案件名稱、採購案或機關", "Search case names, procurements or agencies"),
    "search_hint": ("中英文皆可；「台」與「臺」、全形與半形視為相同。",
                    "Chinese or English; 台 and 臺, full-width and half-width forms match alike."),
    "filters": ("篩選", "Filters"),
    "authority": ("部會或縣市", "Ministry or city"),
    "level": ("層級", "Level"),
    "status": ("狀態", "Status"),
    "year": ("成立年度", "Year established"),
    "division": ("直轄市或縣市", "City or county"),
    "sort": ("排序", "Sort by"),
    "any": ("全部", "All"),
    "apply": ("套用", "Apply"),
    "clear": ("清除條件", "Clear all"),
    "sort_table_number": ("一覽表順序", "Table order"),
    "sort_established": ("成立日期（舊到新）", "Date established (oldest first)"),
    "sort_-established": ("成立日期（新到舊）", "Date established (newest first)"),
    "sort_-amount": ("金額（高到低）", "Amount (highest first)"),
    "sort_amount": ("金額（低到高）", "Amount (lowest first)"),
    "sort_name": ("英文名稱", "Name"),
    "results": ("共 {n} 件", "{n} cases"),
    "results_of": ("第 {a}–{b} 件，共 {n} 件", "{a}–{b} of {n} cases"),
    "no_results": ("沒有符合條件的案件。", "No case matches."),
    "to_results": ("跳過篩選，看結果（共 {n} 件）", "Skip the filters: the results ({n} cases)"),
    "page": ("頁", "Page"),
    "pages": ("分頁", "Pages"),
    "prev": ("上一頁", "Previous"),
    "next": ("下一頁", "Next"),
    "col_no": ("編號", "No."),
    "col_case": ("案件", "Case"),
    "col_agency": ("執行機關", "Procuring agency"),
    "col_established": ("成立日期", "Established"),
    "col_amount": ("金額（約）", "Amount (approx.)"),
    "col_status": ("狀態", "Status"),
    "share_url": ("本頁網址可直接分享。", "This page's address can be shared as it is."),
    "as_csv": ("以 JSON 取得這些結果", "These results as JSON"),
    # case page
    "facts": ("基本資料", "Facts"),
    "name": ("名稱", "Name"),
    "alt_name": ("其他名稱", "Other name"),
    "procurement": ("受監督採購案", "Monitored procurement"),
    "procuring_agency": ("執行機關", "Procuring agency"),
    "place": ("地點（依來源原文）", "Place (in the source's words)"),
    "division_basis": ("依據", "Basis"),
    "outside_source": ("外部來源（非廉政署文件）", "Outside source (not an AAC document)"),
    "table_number": ("一覽表編號", "Number in the table"),
    "established": ("成立日期", "Established"),
    "established_original": ("原文（民國）", "as written (ROC)"),
    "amount": ("金額（約）", "Amount (approx.)"),
    "amount_wording": ("原文", "as written"),
    "sources": ("來源", "Sources"),
    "sources_all": ("本案引用之來源", "Sources cited for this case"),
    "source": ("來源", "Source"),
    "timeline": ("時間軸", "Timeline"),
    "no_activities": ("來源未記載本案之活動。", "The sources record no activity for this case."),
    "participants": ("參與者", "Participants"),
    "participants_roles": ("參與者及其角色", "Participants and their roles"),
    "role": ("角色", "Role"),
    "roles": ("角色", "Roles"),
    "who": ("參與者", "Who"),
    "activity_count": ("活動數", "Activities"),
    "documents": ("資訊透明專區文件", "Transparency-zone documents"),
    "no_documents": ("來源未記載本案之公開文件。", "The sources record no published document for this case."),
    "publisher": ("發布機關", "Publisher"),
    "observations": ("效益與數據", "Outcomes and figures"),
    "risks": ("廉政風險與因應", "Integrity risks and mitigations"),
    "accounts": ("本章之示例故事", "Stories this chapter tells"),
    "case_laws": ("本章所引法規", "Laws this chapter cites"),
    "law_official_text": ("法規全文（官方網站）", "Official text"),
    "law_no_url": ("未確認官方網址", "No official URL confirmed"),
    "all_laws": ("所有相關法規", "All the laws the sources cite"),
    "laws_title": ("相關法規", "Laws, plans and conventions the sources cite"),
    "laws_intro": ("指引手冊附錄二「相關法規列表」所列之 6 部法規，及內文所提之其他法規、計畫與公約；"
                   "網址為官方網站，附錄所列者照其所印，未確認者不列。",
                   "The six laws of the guidebook's Appendix 2 (相關法規列表) and the other laws, plans and "
                   "conventions its text names. URLs are official ones: the appendix's as it prints them; "
                   "none is given where none was confirmed."),
    "law_name": ("法規名稱", "Name"),
    "law_kind": ("類型", "Kind"),
    "law_cited_by": ("引用之案件與章節", "Cited by cases and sections"),
    "law_in_appendix": ("附錄二", "Appendix 2"),
    "accounts_intro": ("指引手冊於本案章節所附之「溫馨小故事」，依原文照錄；故事未必指明本案，不列為本案之事件。",
                       "The guidebook's short stories (溫馨小故事) in this case's chapter, in the source's words. "
                       "A story does not always name the case, so none is listed as an event of the case."),
    "account_attribution": ("未指明本案", "Does not name this case"),
    "account_named": ("指明本案", "Names this case"),
    "account_stated_date": ("故事所載日期（非本案事件之日期）",
                            "Date the story gives (not the date of an event of the case)"),
    "mitigation": ("因應", "Mitigation"),
    "quality": ("資料品質註記", "Data-quality notes"),
    "quality_intro": ("來源之間不一致或有缺漏之處，照實公開：一覽表之值為正式值。",
                      "Where the sources disagree or fall short, it is said here: "
                      "the table's value is the official one."),
    "no_quality": ("本案沒有資料品質註記。", "No data-quality note for this case."),
    "official_value": ("正式值", "Official value"),
    "other_value": ("其他來源之值", "Other source's value"),
    "resolution": ("處理方式", "Resolution"),
    "field": ("欄位", "Field"),
    "formats": ("其他格式", "Other formats"),
    "resource_type": ("類型", "Type"),
    "formats_text": ("同一案件的機器可讀版本：", "The same case, machine-readable:"),
    "sparql_describe": ("在 SPARQL 查詢此案", "Describe it in SPARQL"),
    "cite": ("引用方式", "How to cite"),
    "permalink": ("永久網址（IRI）", "Permanent IRI"),
    "date": ("日期", "Date"),
    "locator": ("出處", "Where in the source"),
    "case_of": ("案件", "Case"),
    # agencies
    "agencies_title": ("機關", "Agencies"),
    "kind": ("機關類型", "Kind"),
    "parent": ("上級機關", "Parent"),
    "children": ("所屬機關", "Sub-organisations"),
    "agency_code": ("機關代碼", "Agency code"),
    "wikidata": ("Wikidata", "Wikidata"),
    "cases_procuring": ("擔任執行機關之案件", "Cases it procures"),
    "cases_authority": ("主管之案件", "Cases under it as ministry or city"),
    "agency_activities": ("參與之活動", "Activities it took part in"),
    "no_cases": ("沒有案件。", "No case."),
    "no_own_cases": ("本機關未直接擔任執行機關；所屬機關執行的案件見下。",
                     "It procures no case itself; its sub-agencies' cases are below."),
    "cases_sub_agencies": ("所屬機關執行之案件", "Cases its sub-agencies procure"),
    "through": ("執行機關", "Procured by"),
    "with_cases": ("有案件之機關", "Agencies with cases"),
    "all_agencies": ("全部機關", "All agencies"),
    # charts
    "charts_title": ("圖表", "Charts"),
    "chart_per_year": ("每年成立之廉政平臺", "Platforms established per year"),
    "chart_amount": ("各部會與縣市之採購金額（億元）", "Procurement amount by ministry or city (億 TWD = 100 million)"),
    "chart_activities": ("每年之平臺活動", "Platform activities per year"),
    "chart_table": ("圖表資料", "The chart's data"),
    "col_year": ("年度", "Year"),
    "col_count": ("件數", "Cases"),
    "col_activities": ("活動數", "Activities"),
    "col_authority": ("部會或縣市", "Ministry or city"),
    "col_total": ("金額（億元）", "Amount (億 TWD)"),
    "chart_note_undated": ("僅知年份或月份之活動計入該年。",
                           "Activities known only to the year or month count in that year."),
    # query
    "query_title": ("SPARQL 查詢", "SPARQL query"),
    "query_intro": ("以 SPARQL 1.1 查詢本資料集。端點：", "Query the dataset with SPARQL 1.1. Endpoint:"),
    "editor": ("查詢編輯器", "Query editor"),
    "limits_title": ("端點的限制", "The endpoint's limits"),
    "limit_read_only": ("唯讀：更新（含 LOAD）一律拒絕（403）。",
                        "Read-only: updates, LOAD among them, are refused (403)."),
    "limit_no_fetch": ("不連線外部：SERVICE 一律拒絕（400）；本站沒有的圖（FROM 或 default-graph-uri）視為空圖，"
                       "絕不下載，並在 X-Unknown-Graphs 標頭列出。",
                       "Nothing is fetched: SERVICE is refused (400); a graph this endpoint does not hold (FROM, "
                       "default-graph-uri) is read as empty, never fetched, and named in X-Unknown-Graphs."),
    "limit_time": ("每個查詢最多 {seconds} 秒，逾時即停止並回 503（附 Retry-After）。",
                   "At most {seconds} s per query; past it the query is stopped (503 with Retry-After)."),
    "limit_rows": ("答案最多 {rows} 列或三元組、{size}；被截斷時，標頭 X-Result-Truncated: true 註明"
                   "（JSON 結果另有 \"truncated\": true）。",
                   "At most {rows} rows or triples and {size} an answer; a cut answer says so in the header "
                   "X-Result-Truncated: true (and with \"truncated\": true in JSON)."),
    "limit_budget": ("每個用戶端每 {window} 秒可用 {budget} 秒查詢時間，用完回 429。",
                     "Each client may use {budget} s of query time per {window} s (429 with Retry-After past it)."),
    "limit_lang": ("語言標籤以 BCP 47 大小寫輸出（zh-Hant）；查詢中 lang() 傳回小寫，請以 "
                   "langMatches(lang(?x), \"zh-Hant\") 比對。",
                   "Language tags are written zh-Hant; inside a query lang() gives lower case, so compare "
                   "with langMatches(lang(?x), \"zh-Hant\")."),
    "limit_description": ("服務描述（SPARQL 1.1 Service Description）：以 Accept: text/turtle 或 "
                          "application/ld+json 取 /sparql。",
                          "The service description (SPARQL 1.1 Service Description): /sparql asked for "
                          "text/turtle or application/ld+json."),
    "editor_nojs": ("未啟用 JavaScript 時，可在下方輸入查詢並執行，結果以表格顯示。",
                    "Without JavaScript, type a query below and run it; the results come back as a table."),
    "query_label": ("SPARQL 查詢", "SPARQL query"),
    "run": ("執行查詢", "Run query"),
    "gallery": ("範例查詢", "Example queries"),
    "gallery_intro": ("點選「在編輯器開啟」載入查詢並執行；「直接看結果」不需 JavaScript。",
                      "“Open in the editor” loads the query and runs it; “See the results” needs no JavaScript."),
    "open_editor": ("在編輯器開啟", "Open in the editor"),
    "see_results": ("直接看結果", "See the results"),
    "show_query": ("查詢內容", "The query"),
    "results_title": ("查詢結果", "Results"),
    "rows": ("{n} 列", "{n} rows"),
    "rows_of_page": ("第 {first}–{last} 列", "Rows {first}–{last}"),
    "results_pages": ("結果分頁", "Result pages"),
    "query_error": ("查詢無法執行", "The query could not run"),
    "truncated": ("結果已截斷。", "The results were cut off."),
    # YASGUI's own labels, where it takes them (api.portal.editor.yasgui_labels); DataTables'
    # placeholders (_START_ ...) are its own
    "yasgui_tab": ("查詢", "Query"),
    "yasgui_tab_name": ("分頁名稱", "Tab name"),
    "yasgui_editor": ("SPARQL 查詢編輯器", "SPARQL query editor"),
    "yasgui_endpoint": ("SPARQL 端點", "SPARQL endpoint"),
    "yasgui_table": ("表格", "Table"),
    "yasgui_response": ("原始回應", "Response"),
    "yasgui_rows_per_page": ("每頁列數", "Rows per page"),
    "yasgui_info": ("第 _START_ 至 _END_ 列，共 _TOTAL_ 列", "Showing _START_ to _END_ of _TOTAL_ rows"),
    "yasgui_info_empty": ("沒有結果", "No rows"),
    "yasgui_info_filtered": ("（自 _MAX_ 列中篩選）", "(filtered from _MAX_ rows)"),
    "yasgui_zero_records": ("沒有符合篩選的列", "No rows match the filter"),
    "yasgui_empty_table": ("查詢沒有結果", "The query has no results"),
    "yasgui_first": ("第一頁", "First page"),
    "yasgui_previous": ("上一頁", "Previous page"),
    "yasgui_next": ("下一頁", "Next page"),
    "yasgui_last": ("最後一頁", "Last page"),
    "yasgui_sort": ("：點選以排序", ": activate to sort"),
    "yasgui_sort_reverse": ("：點選以反向排序", ": activate to reverse the order"),
    "yasgui_sort_remove": ("：點選以取消排序", ": activate to remove the order"),
    "yasgui_missing": ("查詢編輯器的檔案未安裝（執行 scripts/setup）；下方表單仍可使用。",
                       "The query editor's files are not installed (run scripts/setup); the form below still works."),
    # the API reference (/docs)
    "docs_title": ("API 說明文件", "API reference"),
    "docs_intro": ("本服務每一項 API 操作的說明，取自其 OpenAPI 文件：", "Every operation of this service's API, "
                   "from its OpenAPI document:"),
    "docs_try": ("展開一項操作，按「Try it out」再按「Execute」，即可直接向本站送出請求並看到回應。"
                 "下方互動介面（Swagger UI）僅有英文版。",
                 "Open an operation, press “Try it out” and then “Execute” to send the request to this server "
                 "and see its answer."),
    "docs_missing": ("互動式說明（Swagger UI）的檔案未安裝（執行 scripts/setup）；下方仍列出每一項操作，"
                     "完整說明請看 OpenAPI 文件。",
                     "The files of the interactive reference (Swagger UI) are not installed (run scripts/setup); "
                     "every operation is still listed below, and the OpenAPI document has the rest."),
    "docs_operations": ("操作一覽", "Operations"),
    "docs_method": ("方法", "Method"),
    "docs_path": ("路徑", "Path"),
    "docs_summary": ("用途", "What for"),
    # downloads
    "downloads_title": ("下載", "Downloads"),
    "downloads_intro": ("每一版本為不可變更之資料夾；檔案之 SHA-256 檢查碼列於 SHA256SUMS。",
                        "Each release is an immutable folder; every file's SHA-256 checksum is listed in SHA256SUMS."),
    "for_people": ("用 Excel 看資料？", "Reading the data in Excel?"),
    "for_people_text": ("下載 {name}（{size}）：每個表格一個 CSV（Excel 按兩下即可正確顯示中文）及一個 XLSX，"
                        "欄名為中文、代碼以中文標籤呈現，並附欄位說明。下表其餘檔案供程式使用。",
                        "Download {name} ({size}): a CSV per table (Excel opens it with the Chinese intact) and "
                        "one XLSX, with Chinese headers, codes shown as labels and a column guide. The other "
                        "files below are for software."),
    "file": ("檔案", "File"),
    "format": ("格式", "Format"),
    "size": ("大小", "Size"),
    "checksum": ("SHA-256", "SHA-256"),
    "what": ("內容", "What"),
    "history": ("版本紀錄", "Release history"),
    "version": ("版本", "Version"),
    "built": ("建置時間", "Built"),
    "counts": ("筆數", "Rows"),
    "current": ("目前服務之版本", "served now"),
    "verify": ("驗證下載：", "Check a download:"),
    "all_releases": ("全部版本與發行紀錄", "Every release and the release log"),
    # the banner of a page of a past release (/releases/{version}/...)
    "past_release": ("您正在閱讀 {date} 發布之第 {version} 版；目前服務之版本為第 {current} 版（{current_date}）。",
                     "You are reading release {version} of {date}; the current release is {current} "
                     "({current_date})."),
    "past_release_link": ("看本頁之目前版本", "This page in the current release"),
    # the release log (/releases/) and a case's history
    "releases_title": ("版本與發行紀錄", "Releases and the release log"),
    "releases_intro": ("每一次發布與回復都是一筆只能附加、經簽章之 Merkle 紀錄（RFC 9162）；"
                       "任何人可驗證後一版延續前一版。",
                       "Every publish and every rollback is an entry of an append-only, signed Merkle log (RFC 9162): "
                       "anyone can check that a later release extends an earlier one."),
    "log_head": ("紀錄筆數 {size}，樹根 {root}", "{size} entries, tree root {root}"),
    "log_files": ("簽章樹頭、公鑰與驗證說明：", "Signed tree head, public key and how to check them:"),
    "entry": ("紀錄", "Entry"), "time": ("時間", "Time"), "log_kind": ("種類", "Kind"), "reason": ("原因", "Reason"),
    "kind_release": ("發布", "release"), "kind_rollback": ("回復", "rollback"),
    "returns_to": ("回復至 {version}", "back to {version}"),
    "changes": ("異動", "Changes"),
    "change_counts": ("新增 {added}、變更 {changed}、移除 {removed} 案", "{added} added, {changed} changed, "
                      "{removed} removed"),
    "sums_sha": ("SHA256SUMS 之 SHA-256", "SHA-256 of SHA256SUMS"),
    "links": ("連結", "Links"), "proof": ("包含證明", "inclusion proof"),
    "case_history": ("變更紀錄", "History"),
    "case_history_intro": ("本案在各版本中的新增、變更與移除，及其原因。",
                           "What changed in this case in each release, and why."),
    "no_releases": ("發行紀錄中尚無任何版本。", "The release log holds no release yet."),
    "no_history": ("發行紀錄中尚無本案之異動。", "The release log records no change to this case yet."),
    "change_added": ("新增", "added"), "change_changed": ("變更", "changed"), "change_removed": ("移除", "removed"),
    "change_rollback": ("回復（撤銷 {releases}）", "rollback (undoes {releases})"),
    "fields_changed": ("變更欄位", "Fields changed"), "notes_added": ("新增之資料品質註記", "Quality notes added"),
    "case_in_release": ("該版之本案", "this case in that release"),
    # vocab
    "vocab_title": ("詞彙", "Vocabulary"),
    "classes": ("類別", "Classes"),
    "properties": ("屬性", "Properties"),
    "code_lists": ("代碼表", "Code lists"),
    "term": ("詞彙", "Term"),
    "label": ("名稱", "Label"),
    "definition": ("定義", "Definition"),
    "code": ("代碼", "Code"),
    "broader": ("上位", "Broader"),
    "serves_prong": ("服務之內涵", "Serves"),
    "reading_note": ("本資料集之解讀", "This dataset's reading"),
    "vocab_formats": ("詞彙檔：", "Vocabulary files:"),
    # about
    "about_title": ("關於本站", "About"),
    "licence": ("授權", "Licence"),
    "licence_data": ("資料：", "Data:"),
    "licence_code": ("程式碼：MIT 授權。", "Code: MIT licence."),
    "publisher_label": ("資料提供機關", "Publisher"),
    "endpoints": ("API 與介接端點", "API and harvesting endpoints"),
    "endpoint": ("端點", "Endpoint"),
    "purpose": ("用途", "What for"),
    "cite_dataset": ("引用本資料集", "Citing the dataset"),
    "sources_docs": ("來源文件", "Source documents"),
    "stated_purpose": ("資料集目的", "What the data is for"),
    "stated_purpose_lead": ("來源文件所述本資料之目的，照錄其中文與英文原文：",
                            "The purpose the source document states for this data, in its own Chinese and "
                            "English words:"),
    "quoted_from": ("原文出處", "Quoted from"),
    "footer_licence": ("資料採政府資料開放授權條款－第1版",
                       "Data under the Open Government Data License, Taiwan, version 1.0"),
    "yes": ("是", "yes"),
    "not_found": ("找不到這個頁面", "Page not found"),
    "not_found_text": ("網址 {path} 沒有內容。", "There is nothing at {path}."),
    "yuan": ("元", "TWD"),
}
WORDS.update(DESK_WORDS)  # the submission desk's, kept beside it (api.portal.desk)


def lang_of(request) -> str:
    """``en`` if the URL asks for it (``?lang=en``), else zh-Hant."""
    value = (request.query_params.get("lang") or "").strip().lower()
    return EN if value in ("en", "eng", "english") else ZH


# The record fields a quality note may be about (``field`` in datasets/source notes), as readers
# know them; a field not named here is shown as its id.
FIELDS: dict[str, tuple[str, str]] = {
    "name": ("平臺名稱", "platform name"),
    "procurement": ("採購案名稱", "procurement"),
    "amount": ("金額", "amount"),
    "total_amount": ("總金額", "total amount"),
    "established": ("成立日期", "date established"),
    "agencies": ("機關", "agencies"),
    "activities": ("活動紀錄", "activities"),
    "person": ("人名", "names of people"),
    "participants": ("參與者", "participants"),
    "documents": ("公開文件", "documents"),
    "date": ("日期", "date"),
    "title": ("標題", "title"),
    "description": ("說明", "description"),
    "status": ("狀態", "status"),
    "cases": ("案件", "cases"),
    "sources": ("出處", "sources"),
    "url": ("網址", "URL"),
    "prong": ("四大內涵", "four prongs"),
    "name_en": ("英文名稱", "English name"),
}


class Words:
    """``t("key")`` in one language; ``t.pick({"zh": .., "en": ..})`` for data texts."""

    def __init__(self, lang: str):
        self.lang = lang
        self.i = 1 if lang == EN else 0

    @property
    def colon(self) -> str:
        return ": " if self.lang == EN else "："

    @property
    def sep(self) -> str:
        return ", " if self.lang == EN else "、"

    @property
    def lp(self) -> str:
        return " (" if self.lang == EN else "（"

    @property
    def rp(self) -> str:
        return ")" if self.lang == EN else "）"

    def __call__(self, key: str, **kw) -> str:
        text = WORDS[key][self.i]
        return text.format(**kw) if kw else text

    def pick(self, text: dict | None, fallback: str = "") -> str:
        """The text in this language, else the other one (a record may have only one)."""
        if not text:
            return fallback
        first, second = ("en", "zh") if self.lang == EN else ("zh", "en")
        return text.get(first) or text.get(second) or fallback

    def field(self, name: str) -> str:
        """A record field's name for readers (:data:`FIELDS`), else the field's id."""
        label = FIELDS.get(name)
        return label[self.i] if label else name

    def other(self, text: dict | None) -> str:
        """The text in the other language, if it differs (shown in smaller type)."""
        if not text:
            return ""
        mine = self.pick(text)
        other = text.get("zh" if self.lang == EN else "en") or ""
        return other if other != mine else ""

    def amount(self, value) -> str:
        """An amount in TWD the way readers expect: 億 in Chinese, billions in English."""
        if value is None or value == "":
            return ""
        d = Decimal(str(value))
        if self.lang == EN:
            if d >= 10**9:
                return f"TWD {d / 10**9:,.2f} billion".replace(".00 ", " ")
            return f"TWD {d / 10**6:,.1f} million".replace(".0 ", " ")
        yi = d / 10**8
        text = f"{yi:,.2f}".rstrip("0").rstrip(".")
        return f"{text} 億元"

    def number(self, n) -> str:
        return f"{n:,}"


def with_params(path: str, params: dict, lang: str) -> str:
    """``path?params`` with ``lang=en`` kept; empty values dropped; stable order."""
    items = [(k, v) for k, v in params.items() if v not in (None, "", [])]
    if lang == EN:
        items.append(("lang", "en"))
    return path + ("?" + urlencode(items, doseq=True) if items else "")
