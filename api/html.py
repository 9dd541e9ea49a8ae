"""The service's plain HTML: one page shell and one renderer per kind of page.

Deliberately simple (the portal will restyle it): every resource page comes from
:func:`render_resource`, every other page from :func:`page`. Text is escaped
here and nowhere else. zh-Hant first, English second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

STYLE = """
body{font-family:system-ui,"Noto Sans TC","PingFang TC","Microsoft JhengHei",sans-serif;
max-width:72rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
header nav a,footer a{margin-right:1rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{width:16rem;font-weight:600}code,pre{background:#f4f4f4;padding:.1rem .3rem}
.lang{color:#666;font-size:.8em;margin-left:.3em}.iri{color:#555;font-size:.9em;word-break:break-all}
section{margin:2rem 0}textarea{width:100%;font-family:monospace}
"""

NAV = (("/", "首頁 Home"), ("/api/cases", "案件 Cases (JSON)"), ("/sparql", "SPARQL"),
       ("/downloads/", "下載 Downloads"), ("/vocab", "詞彙 Vocabulary"), ("/docs", "API 文件 API docs"))


def page(title: str, body: str, *, alternates: Sequence[tuple[str, str, str]] = (), lang: str = "zh-Hant") -> str:
    """A whole HTML page; ``body`` must already be escaped HTML."""
    links = "".join(f'<link rel="alternate" type="{escape(mt)}" href="{escape(href)}" title="{escape(label)}">'
                    for href, mt, label in alternates)
    nav = "".join(f'<a href="{href}">{escape(text)}</a>' for href, text in NAV)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style>{links}</head><body>"
            f"<header><nav>{nav}</nav></header><main>{body}</main>"
            f'<footer><p>機關採購廉政平臺開放資料 Government Procurement Integrity Platform open data · '
            f'<a href="/-/version">version</a></p></footer></body></html>')


@dataclass
class Value:
    """One object of a property: an IRI (with a local link and a label) or a literal."""

    text: str
    href: str | None = None
    lang: str = ""
    datatype: str = ""
    label: str = ""


@dataclass
class Subject:
    iri: str
    anchor: str  # the id of its section, for links to #Term
    label: str
    types: list[Value] = field(default_factory=list)
    rows: list[tuple[Value, list[Value]]] = field(default_factory=list)  # (property, values)


@dataclass
class ResourceView:
    title: str
    iri: str
    subjects: list[Subject]
    alternates: list[tuple[str, str, str]]  # (href, media type, label)
    note: str = ""


def _value(v: Value) -> str:
    if v.href is not None:
        label = escape(v.label) if v.label else ""
        text = f"{label} <span class=iri>{escape(v.text)}</span>" if label else \
            f"<span class=iri>{escape(v.text)}</span>"
        return f'<a href="{escape(v.href)}">{text}</a>'
    out = escape(v.text)
    if v.lang:
        out += f'<span class=lang>@{escape(v.lang)}</span>'
    elif v.datatype:
        out += f'<span class=lang>{escape(v.datatype)}</span>'
    return out


def render_resource(view: ResourceView) -> str:
    """The HTML page of a resource (or of a document of many, as the vocabulary)."""
    parts = [f"<h1>{escape(view.title)}</h1>", f'<p class=iri>{escape(view.iri)}</p>']
    if view.note:
        parts.append(f"<p>{escape(view.note)}</p>")
    formats = " · ".join(f'<a href="{escape(h)}">{escape(label)}</a>' for h, _, label in view.alternates)
    if formats:
        parts.append(f"<p>其他格式 Other formats: {formats}</p>")
    for s in view.subjects:
        head = f'<h2 id="{escape(s.anchor)}">{escape(s.label)}</h2>' if s.anchor else f"<h2>{escape(s.label)}</h2>"
        rows = []
        if s.types:
            rows.append(f"<tr><th>類型 type</th><td>{'<br>'.join(_value(t) for t in s.types)}</td></tr>")
        for prop, values in s.rows:
            rows.append(f"<tr><th>{_value(prop)}</th><td>{'<br>'.join(_value(v) for v in values)}</td></tr>")
        parts.append(f"<section>{head}<p class=iri>{escape(s.iri)}</p><table>{''.join(rows)}</table></section>")
    return page(view.title, "".join(parts), alternates=view.alternates)


def render_sparql_form(endpoint: str, example: str, limits: dict) -> str:
    body = f"""
<h1>SPARQL 查詢 SPARQL query</h1>
<p>SPARQL 1.1 Protocol endpoint: <code>{escape(endpoint)}</code>. GET <code>?query=</code>,
POST <code>application/x-www-form-urlencoded</code> or <code>application/sparql-query</code>.
Results as JSON, XML, CSV or TSV (SELECT, ASK) and Turtle, N-Triples, JSON-LD or RDF/XML
(CONSTRUCT, DESCRIBE), by the <code>Accept</code> header. The service description is this URL
asked for <code>text/turtle</code> or <code>application/ld+json</code>.</p>
<form method="get" action="/sparql"><textarea name="query" rows="12">{escape(example)}</textarea>
<p><button type="submit">查詢 Run</button></p></form>
<section id="truncated"><h2>限制 Limits</h2><ul>
<li>唯讀：不接受更新。Read-only: updates are refused (403).</li>
<li>不連線外部：SERVICE、LOAD 及不在本站的 FROM 圖一律拒絕。Nothing is fetched: SERVICE, LOAD and FROM
graphs this endpoint does not hold are refused (400).</li>
<li>每個查詢最多 {limits['query_timeout']:g} 秒，逾時回 503。At most {limits['query_timeout']:g} s per
query; past it the query is stopped and the answer is 503 with Retry-After.</li>
<li>最多 {limits['max_results']} 列或三元組；被截斷時回應標頭 <code>X-Result-Truncated: true</code>，
JSON 結果另有 <code>"truncated": true</code>。At most {limits['max_results']} rows or triples; when
cut, the header <code>X-Result-Truncated: true</code> says so (and JSON results carry
<code>"truncated": true</code>).</li>
<li>每個用戶端每 {limits['budget_window']:g} 秒可用 {limits['client_budget']:g} 秒查詢時間，用完回 429。
Each client may use {limits['client_budget']:g} s of query time per {limits['budget_window']:g} s
(429 with Retry-After past it).</li>
<li>語言標籤以 BCP 47 大小寫輸出（zh-Hant）；查詢中 <code>lang()</code> 傳回小寫，請用
<code>langMatches(lang(?x), "zh-Hant")</code>。Language tags are written zh-Hant; inside a query
<code>lang()</code> gives lower case, so compare with <code>langMatches</code>.</li>
</ul></section>"""
    return page("SPARQL", body)


def render_listing(title: str, intro: str, rows: list[tuple[str, str, str]], headers=("file", "", "")) -> str:
    """A table of links: (href, name, extra text)."""
    trs = "".join(f'<tr><td><a href="{escape(h)}">{escape(n)}</a></td><td>{escape(x)}</td></tr>'
                  for h, n, x in rows)
    return page(title, f"<h1>{escape(title)}</h1><p>{intro}</p><table>{trs}</table>")


def render_home(version: str, created: str, counts: dict[str, int]) -> str:
    items = "".join(f"<li>{escape(k)}: {v}</li>" for k, v in counts.items())
    body = f"""<h1>機關採購廉政平臺開放資料<br>Government Procurement Integrity Platform open data</h1>
<p>版本 Release {escape(version)} ({escape(created)})</p>
<ul>
<li><a href="/api/cases">案件 Cases</a> and <a href="/api/agencies">機關 agencies</a> (REST, JSON;
<a href="/docs">API 文件 documentation</a>)</li>
<li><a href="/sparql">SPARQL</a> endpoint</li>
<li><a href="/downloads/">下載 Downloads</a>: CSV, XLSX, Turtle, N-Triples, JSON-LD</li>
<li><a href="/vocab">詞彙 Vocabulary</a> and code lists, <a href="/shapes">SHACL shapes</a></li>
</ul><h2>資料量 Counts</h2><ul>{items}</ul>"""
    return page("機關採購廉政平臺開放資料", body)
