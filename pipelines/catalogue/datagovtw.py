"""The dataset in data.gov.tw's own metadata fields, and the push to the portal's API.

Taiwan's national portal (政府資料開放平臺, https://data.gov.tw) takes metadata by
push, not harvest: an agency calls the portal's 異動資料集詮釋資料 API with its API
key (機關發布開發指引, https://data.gov.tw/developers). ``datagovtw.json`` in every
release holds:

- ``資料集`` and ``資料資源``: the dataset and each downloadable file in the
  portal's own fields (資料集名稱, 資料提供屬性, 服務分類, 品質檢測, 檔案格式,
  資料下載網址, 編碼格式, 資料集描述, 主要欄位說明, 提供機關, 更新頻率, 授權方式,
  計費方式, contact, dates ...), as the portal's dataset page and dataset list show them;
- ``api``: the exact JSON body that ``lianzheng push`` sends.

The push contract (what the stand-in server in the tests checks, field for field)
---------------------------------------------------------------------------------
The portal documents its v1 API (機關發布開發指引, 「異動資料集詮釋資料API v1」):
``POST {api}/api/v1/rest/dataset`` creates a dataset, ``PUT {api}/api/v1/rest/dataset/{identifier}``
updates it, the API key goes in the ``Authorization`` header, the body is JSON and
the answer is JSON with ``success``. The portal's page shows the body only by example
(categoryCode, identifier, title, description, fieldDescription ...); the full field
list below is the one agencies' own implementations send, and it is therefore a
documented, configurable contract (:data:`BODY_FIELDS`, :data:`RESOURCE_FIELDS`)
rather than a copy of an official schema, which we could not find. One addition:
each resource carries ``resourceField`` (the name the portal's v2 metadata uses),
the CSV header column by column, because the portal's quality check compares each
CSV's header with its field description.

Settings of the agency that the source records do not hold go under ``datagovtw:``
in ``datasets/source/dataset.yaml``: ``identifier`` (資料集識別碼, e.g.
``A25000000E-000001``), ``category_code`` and ``category`` (服務分類 code and name from
the portal's table), ``publisher_oid`` (the agency's OID, https://oid.nat.gov.tw),
``publisher_org_code`` (機關代碼), ``contact_name``, ``contact_phone``,
``contact_email``. Nothing is guessed: ``push`` refuses while a required one is
empty. The API key is read from the environment variable
``LIANZHENG_DATAGOVTW_API_KEY`` only, never from a file or a flag, and never printed.

The quality badge (品質檢測, the portal's checks ``linkable``, ``downloadable``,
``structure``, ``encoding_match``, ``desc_match``, ``csv``) is checked before a push
and by :func:`quality_problems`: direct download URLs of the files themselves,
declared encoding UTF-8 equal to the files' (no BOM), and 主要欄位說明 equal to each
CSV's header.
"""

from __future__ import annotations

import datetime as _dt
import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ERROR, Problem
from ..tables.schema import TABLES
from .context import FILES, download_url, for_public_url

KEY_ENV = "LIANZHENG_DATAGOVTW_API_KEY"
API_ENV = "LIANZHENG_DATAGOVTW_API"
DATASET_ENV = "LIANZHENG_DATAGOVTW_DATASET"
DEFAULT_API = "https://data.gov.tw"
API_PATH = "/api/v1/rest/dataset"
ENCODING = "UTF-8"
TAIPEI = _dt.timezone(_dt.timedelta(hours=8))

# The options of the push, declared once (the README lists them; a test checks it).
PUSH_OPTIONS = (
    (API_ENV, "--api", f"Base URL of the data.gov.tw-compatible API (default {DEFAULT_API})."),
    (DATASET_ENV, "--dataset-id", "資料集識別碼 of the dataset on the portal (default: datagovtw.identifier "
                                  "in dataset.yaml)."),
    (KEY_ENV, None, "The agency's API key; environment only, never a flag or a file."),
)

# The v1 body, in order: field -> where its value comes from (for the README and the tests)
BODY_FIELDS = {
    "categoryCode": "服務分類代碼 (datagovtw.category_code)",
    "identifier": "資料集識別碼 (--dataset-id or datagovtw.identifier)",
    "title": "資料集名稱 (title.zh)",
    "description": "資料集描述 (description.zh)",
    "fieldDescription": "主要欄位說明: each CSV's header, one line per file",
    "type": "資料提供屬性: rawData (原始資料)",
    "license": "授權方式 (licence.title)",
    "licenseURL": "授權說明網址 (licence.url)",
    "cost": "計費方式: 免費",
    "costURL": "計費說明網址: ''",
    "costLaw": "計費法令依據: ''",
    "organization": "上層機關 (the publisher's parent agency)",
    "organizationContactName": "上層機關聯絡人 (datagovtw.contact_name)",
    "organizationContactPhone": "上層機關聯絡人電話 (datagovtw.contact_phone)",
    "organizationContactEmail": "上層機關聯絡人電子郵件 (datagovtw.contact_email)",
    "publisher": "提供機關 (the publisher agency)",
    "publisherContactName": "提供機關聯絡人 (datagovtw.contact_name)",
    "publisherContactPhone": "提供機關聯絡人電話 (datagovtw.contact_phone)",
    "publisherContactEmail": "提供機關聯絡人電子郵件 (datagovtw.contact_email)",
    "publisherOID": "提供機關 OID (datagovtw.publisher_oid)",
    "publisherOrgCode": "提供機關代碼 (datagovtw.publisher_org_code)",
    "accrualPeriodicity": "更新頻率 (update_frequency)",
    "temporalCoverageFrom": "收錄期間（起）: the earliest date in the data",
    "temporalCoverageTo": "收錄期間（迄）: as_of",
    "issued": "上架日期 (issued), YYYY-MM-DD HH:MM:SS",
    "modified": "詮釋資料更新時間 (the release's created time, Taipei time)",
    "spatial": "空間範圍: 臺灣",
    "language": "語系: 中文、英文",
    "landingPage": "相關網址 (the site's home page)",
    "keyword": "標籤 (keywords.zh)",
    "numberOfData": "資料量 (the number of cases)",
    "notes": "備註",
    "distribution": "資料資源: one object per file (RESOURCE_FIELDS)",
}
RESOURCE_FIELDS = {
    "resourceID": "資料資源識別碼: {identifier}-{nnn}",
    "resourceDescription": "資料資源描述",
    "format": "檔案格式: CSV, XLSX, JSON, RDF",
    "resourceModified": "資料資源更新時間",
    "downloadURL": "資料下載網址: {public URL}/downloads/{path}",
    "metadataSourceOfData": "詮釋資料來源: ''",
    "characterSetCode": "編碼格式: UTF-8",
    "resourceField": "主要欄位說明 of a CSV: [{name, description}] in header order (an addition to v1)",
}
REQUIRED = ("categoryCode", "identifier", "publisherOID", "publisherOrgCode", "publisherContactName",
            "publisherContactPhone", "publisherContactEmail")
FREQUENCY = {"irregular": "不定期更新", "daily": "每日", "weekly": "每週", "monthly": "每月",
             "quarterly": "每季", "annual": "每年", "once": "一次性"}
# the files the portal lists, in order: CSV tables, then the whole-dataset copies
EXTRA_RESOURCES = (
    ("lianzheng.xlsx", "XLSX", "全部資料表的 XLSX 副本 XLSX copy of every table"),
    ("lianzheng.jsonld", "JSON", "RDF 圖（JSON-LD）The RDF graph as JSON-LD"),
    ("lianzheng.ttl", "RDF", "RDF 圖（Turtle）The RDF graph as Turtle"),
    ("ocds.json", "JSON", "開放契約資料標準（OCDS 1.1）發行包 Open Contracting Data Standard 1.1 release package"),
    ("datapackage.json", "JSON", "Frictionless 資料包描述 Frictionless Data Package descriptor"),
)


def _taipei(created: str) -> str:
    """``2026-11-22T00:00:00Z`` as the portal writes times: ``2026-11-22 08:00:00`` (Taipei)."""
    t = _dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)
    return t.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M:%S")


def csv_header(path: Path) -> str:
    with open(path, "rb") as fh:
        return fh.readline().decode("utf-8", errors="replace").rstrip("\r\n")


def decodes_as_declared(path: Path) -> bool:
    """True when the file is UTF-8 without a byte-order mark, as every resource declares."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _earliest_date(ds) -> str:
    dates = [c.established.iso for c in ds.cases.values()]
    dates += [a.date.iso for a in ds.activities]
    dates = [d if len(d) == 10 else (d + "-01" if len(d) == 7 else d + "-01-01") for d in dates]
    return min(dates) if dates else ""


def metadata(rel) -> dict:
    """The contents of ``datagovtw.json`` for a release being built."""
    ds, meta = rel.ds, rel.meta
    cfg = meta.get("datagovtw") or {}
    cfg = cfg if isinstance(cfg, dict) else {}
    publisher = ds.agencies.get(rel.publisher_id)
    parent = ds.agencies.get(publisher.parent) if publisher is not None and publisher.parent else None
    contact = rel.contact
    name = contact.get("name")
    contact_name = str(cfg.get("contact_name") or (name.get("zh", "") if isinstance(name, dict) else name or ""))
    identifier = str(cfg.get("identifier") or "")
    modified = _taipei(rel.created)
    issued = rel.date("issued")
    frequency = FREQUENCY.get(str(meta.get("update_frequency", "irregular")), "不定期更新")
    lic = rel.licence
    kw_zh, _ = rel.keywords

    resources: list[dict] = []
    n = 0
    for table in TABLES:
        path = rel.folder / table.path
        if not path.exists():
            continue
        n += 1
        header = csv_header(path)
        resources.append({
            "path": table.path, "format": "CSV",
            "description": f"{table.zh} {table.en}（{table.path}）",
            "header": header,
            "fields": [{"name": f.name, "description": f"{f.zh}。{f.en}"} for f in table.fields],
            "n": n,
        })
    for path_name, fmt, description in EXTRA_RESOURCES:
        if (rel.folder / path_name).exists():
            n += 1
            resources.append({"path": path_name, "format": fmt, "description": description, "header": "",
                              "fields": [], "n": n})

    def rid(r):
        return f"{identifier}-{r['n']:03d}" if identifier else f"{r['n']:03d}"

    quality = self_check(rel.folder, [(r["path"], r["header"]) for r in resources])
    portal = {
        "資料集識別碼": identifier,
        "資料集名稱": rel.title.zh,
        "資料提供屬性": "原始資料",
        "服務分類": str(cfg.get("category") or ""),
        "品質檢測": quality,
        "檔案格式": sorted({r["format"] for r in resources}, key=["CSV", "XLSX", "JSON", "RDF"].index),
        "資料下載網址": [rel.download(r["path"]) for r in resources],
        "編碼格式": ENCODING,
        "資料集描述": rel.description.zh,
        "主要欄位說明": {r["path"]: r["header"] for r in resources if r["header"]},
        "提供機關": rel.publisher_name.zh,
        "上層機關": parent.name.zh if parent else "",
        "提供機關聯絡人": contact_name,
        "提供機關聯絡人電話": str(cfg.get("contact_phone") or ""),
        "提供機關聯絡人電子郵件": str(cfg.get("contact_email") or ""),
        "更新頻率": frequency,
        "授權方式": str(lic.get("title", "")),
        "授權說明網址": rel.licence_url,
        "計費方式": "免費",
        "相關網址": rel.url("home"),
        "收錄期間（起）": _earliest_date(ds),
        "收錄期間（迄）": rel.date("as_of"),
        "空間範圍": "臺灣",
        "語系": "中文、英文",
        "標籤": kw_zh,
        "上架日期": issued,
        "詮釋資料更新時間": modified,
        "資料量": f"{len(ds.cases)} 件案件",
        "備註": f"英文說明 English: {rel.title.en}. {rel.description.en}",
    }
    per_resource = [{
        "資料資源識別碼": rid(r),
        "資料資源描述": r["description"],
        "檔案格式": r["format"],
        "資料下載網址": rel.download(r["path"]),
        "編碼格式": ENCODING,
        "資料資源更新時間": modified,
        **({"主要欄位說明": r["header"]} if r["header"] else {}),
    } for r in resources]

    body = {
        "categoryCode": str(cfg.get("category_code") or ""),
        "identifier": identifier,
        "title": rel.title.zh,
        "description": rel.description.zh,
        "fieldDescription": "\n".join(f"{r['path']}: {r['header']}" for r in resources if r["header"]),
        "type": "rawData",
        "license": str(lic.get("title", "")),
        "licenseURL": rel.licence_url,
        "cost": "免費",
        "costURL": "",
        "costLaw": "",
        "organization": parent.name.zh if parent else rel.publisher_name.zh,
        "organizationContactName": contact_name,
        "organizationContactPhone": str(cfg.get("contact_phone") or ""),
        "organizationContactEmail": str(cfg.get("contact_email") or ""),
        "publisher": rel.publisher_name.zh,
        "publisherContactName": contact_name,
        "publisherContactPhone": str(cfg.get("contact_phone") or ""),
        "publisherContactEmail": str(cfg.get("contact_email") or ""),
        "publisherOID": str(cfg.get("publisher_oid") or ""),
        "publisherOrgCode": str(cfg.get("publisher_org_code") or ""),
        "accrualPeriodicity": frequency,
        "temporalCoverageFrom": portal["收錄期間（起）"],
        "temporalCoverageTo": portal["收錄期間（迄）"],
        "issued": f"{issued} 00:00:00" if issued else "",
        "modified": modified,
        "spatial": "臺灣",
        "language": "中文、英文",
        "landingPage": rel.url("home"),
        "keyword": kw_zh,
        "numberOfData": str(len(ds.cases)),
        "notes": f"授權說明網址：{rel.licence_url}；英文說明 English: {rel.title.en}",
        "distribution": [{
            "resourceID": rid(r),
            "resourceDescription": r["description"],
            "format": r["format"],
            "resourceModified": modified,
            "downloadURL": rel.download(r["path"]),
            "metadataSourceOfData": "",
            "characterSetCode": ENCODING,
            **({"resourceField": r["fields"]} if r["header"] else {}),
        } for r in resources],
    }
    return {
        "contract": "data.gov.tw 異動資料集詮釋資料 API v1 (機關發布開發指引 https://data.gov.tw/developers)",
        "base": rel.base,
        "資料集": portal,
        "資料資源": per_resource,
        "api": {"version": "v1", "path": API_PATH, "body": body},
    }


def self_check(folder: Path, resources: list[tuple[str, str]]) -> dict:
    """Our own run of the portal's quality checks (field names as the portal's QC API)."""
    csvs = [(p, h) for p, h in resources if p.endswith(".csv")]
    encoding = all(decodes_as_declared(folder / p) for p, _ in csvs)  # the portal checks the CSV files
    desc = all(csv_header(folder / p) == h for p, h in csvs)
    ok = all((folder / p).is_file() for p, _ in resources)
    return {"linkable": "1" if ok else "0", "downloadable": "1" if ok else "0", "structure": "1",
            "encoding_match": "1" if encoding else "0", "desc_match": "1" if desc else "0",
            "csv": "1" if csvs else "0"}


def write_metadata(rel) -> str:
    path = rel.folder / FILES["datagovtw"]
    path.write_text(json.dumps(metadata(rel), ensure_ascii=False, indent=1) + "\n", encoding="utf-8",
                    newline="\n")
    return path.name


def quality_problems(folder: Path) -> list[Problem]:
    """The portal's quality checks on a built release's ``datagovtw.json``, as problems."""
    folder = Path(folder)
    path = folder / FILES["datagovtw"]
    if not path.exists():
        return [Problem("missing-file", f"發行版缺少 {path.name}。", f"The release has no {path.name}.",
                        file=path.name, check="datagovtw")]
    doc = json.loads(path.read_text(encoding="utf-8"))
    base = doc.get("base", "")
    problems = []
    for res in doc["api"]["body"]["distribution"]:
        url = res["downloadURL"]
        prefix = download_url(base, "")
        rel_path = url[len(prefix):] if url.startswith(prefix) else ""
        where = dict(file=path.name, record=res["resourceID"], check="datagovtw")
        if not rel_path or not (folder / rel_path).is_file():
            problems.append(Problem(
                "not-direct-download", f"資料下載網址不是發行版檔案的直接下載網址：{url}",
                f"The download URL is not a direct download of a release file: {url}",
                field="downloadURL", fix_zh="資料下載網址須為 {網站}/downloads/{檔案路徑}。",
                fix_en="Download URLs must be {site}/downloads/{file path}.", **where))
            continue
        file = folder / rel_path
        if res["characterSetCode"] != ENCODING or (not rel_path.endswith(".xlsx") and not decodes_as_declared(file)):
            problems.append(Problem(
                "encoding-mismatch", f"{rel_path} 的實際編碼與宣告的 {res['characterSetCode']} 不符。",
                f"{rel_path} is not in the declared encoding {res['characterSetCode']}.",
                field="characterSetCode", fix_zh="檔案須為無 BOM 的 UTF-8。",
                fix_en="Files must be UTF-8 without a byte-order mark.", **where))
        if rel_path.endswith(".csv"):
            header = csv_header(file)
            declared = [f["name"] for f in res.get("resourceField", [])]
            line = f"{rel_path}: {header}"
            if declared != header.split(",") or line not in doc["api"]["body"]["fieldDescription"].split("\n"):
                problems.append(Problem(
                    "field-description-mismatch", f"{rel_path} 的主要欄位說明與檔案標題列不符。",
                    f"The field description of {rel_path} differs from its header row.",
                    field="resourceField", fix_zh="主要欄位說明須與 CSV 標題列相同。",
                    fix_en="The field description must equal the CSV header.", **where))
    if not any(r["format"] == "CSV" for r in doc["api"]["body"]["distribution"]):
        problems.append(Problem("no-csv", "沒有 CSV 資料資源。", "No CSV resource.", file=path.name,
                                check="datagovtw"))
    return problems


# --- the push ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushRequest:
    """One HTTP request, sent exactly as :meth:`render` prints it (headers in this order, no others)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def target(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def render(self) -> str:
        """The exact request, as sent, with the API key masked (``Authorization: ***``)."""
        lines = [f"{self.method} {self.target} HTTP/1.1"]
        lines += [f"{k}: {'***' if k.lower() == 'authorization' else v}" for k, v in self.headers]
        return "\r\n".join(lines) + "\r\n\r\n" + self.body.decode("utf-8")


def push_request(release: Path, *, api: str, public_url: str, key: str, dataset_id: str = "",
                 create: bool = False) -> tuple[PushRequest, list[Problem]]:
    """The request that pushes a release's metadata, and what stops it from being sent."""
    doc = json.loads((Path(release) / FILES["datagovtw"]).read_text(encoding="utf-8"))
    text = json.dumps(doc["api"]["body"], ensure_ascii=False)
    body = json.loads(for_public_url(text, doc.get("base", ""), public_url))
    if dataset_id:
        old = body["identifier"]
        body["identifier"] = dataset_id
        for i, res in enumerate(body["distribution"], start=1):
            if not old or res["resourceID"].startswith(old):
                res["resourceID"] = f"{dataset_id}-{i:03d}"
    problems = quality_problems(Path(release))
    for name in REQUIRED:
        if not str(body.get(name, "")).strip():
            problems.append(Problem(
                "missing-portal-field", f"推送前須填入 {name}（{BODY_FIELDS[name]}）。",
                f"'{name}' must be set before pushing ({BODY_FIELDS[name]}).", field=name, check="datagovtw",
                fix_zh="以 --dataset-id 指定，或填入 dataset.yaml 的 datagovtw.identifier。" if name == "identifier"
                else "在 datasets/source/dataset.yaml 的 datagovtw: 下填入後重新建置。",
                fix_en="Give --dataset-id, or set datagovtw.identifier in dataset.yaml." if name == "identifier"
                else "Set it under 'datagovtw:' in datasets/source/dataset.yaml and build again."))
    if not public_url.startswith(("http://", "https://")):
        problems.append(Problem("missing-public-url", "推送前須設定網站的公開網址（--public-url）。",
                                "Set the site's public URL (--public-url) before pushing: download URLs use it.",
                                field="public_url", check="datagovtw"))
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    api = api.rstrip("/")
    url = f"{api}{API_PATH}" if create else f"{api}{API_PATH}/{body['identifier']}"
    headers = (
        ("Host", urlsplit(url).netloc),
        ("Authorization", key),
        ("Content-Type", "application/json; charset=utf-8"),
        ("Accept", "application/json"),
        ("User-Agent", "lianzheng-push"),
        ("Content-Length", str(len(data))),
    )
    return PushRequest("POST" if create else "PUT", url, headers, data), [p for p in problems if p.severity == ERROR]


class PushFailed(Exception):
    """The portal could not be reached (exit 2)."""


def send(req: PushRequest, *, timeout: float = 30.0) -> tuple[bool, int, str]:
    """Send the request exactly as rendered: (accepted, HTTP status, the portal's answer)."""
    parts = urlsplit(req.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushFailed(f"not an http(s) URL with a host: {req.url}")
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
        for k, v in req.headers:
            conn.putheader(k, v)
        conn.endheaders(req.body)
        resp = conn.getresponse()
        status, text = resp.status, resp.read().decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        raise PushFailed(str(exc) or type(exc).__name__) from None
    finally:
        conn.close()
    try:
        ok = bool(json.loads(text).get("success"))
    except (ValueError, AttributeError):
        ok = False
    return ok and 200 <= status < 300, status, text
