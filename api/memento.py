"""Memento (RFC 7089) at the dispatch layer: the TimeGate, and the headers of originals and mementos.

The service follows the RFC's pattern 2.1 (§4.1.1, "URI-R = URI-G"): a linked-data IRI on
the current release, ``/id/...``, is the original resource and its own TimeGate. A request
for it with ``Accept-Datetime`` (an RFC 1123 date, §2.1.1) is redirected (302, §4.1.1) to
the memento ``/releases/{version}/id/...`` of the release that was in force then
(:meth:`pipelines.log.store.ReleaseLog.in_force`; the first release for a date before all of
them); an unparseable date is a 400. Both answers carry ``Vary: accept-datetime`` and
``Link: <URI-R>; rel="original timegate", <URI-T>; rel="timemap"`` (§2.2.1). A memento's
answer carries ``Memento-Datetime`` (§2.1.1: the time of its release's first log entry) and
the same ``Link``. The TimeMap (§5, ``application/link-format``) is
``/timemap/link/id/...``, a route of the app itself.

The headers are added by wrapping ``send``: a ``Link`` the app sent already is kept and
ours appended to it, as is ``Vary``.
"""

from __future__ import annotations

import datetime as _dt
from email.utils import format_datetime, parsedate_to_datetime

ORIGINAL_PREFIX = "/id/"
TIMEMAP_PREFIX = "/timemap/link"


def parse_accept_datetime(value: str) -> _dt.datetime | None:
    """An ``Accept-Datetime`` value as an aware datetime; None if it is not an RFC 1123 date."""
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def http_date(when: _dt.datetime) -> str:
    """RFC 1123 (IMF-fixdate), as ``Memento-Datetime`` takes it."""
    return format_datetime(when.astimezone(_dt.UTC), usegmt=True)


def links(public: str, path: str) -> str:
    """The ``Link`` of an original resource or its memento: the original, which is its own
    TimeGate, and the TimeMap. ``path`` is the original's path (``/id/...``)."""
    return (f'<{public}{path}>; rel="original timegate", '
            f'<{public}{TIMEMAP_PREFIX}{path}>; rel="timemap"; type="application/link-format"')


def _merge(headers: list, name: bytes, value: str, *, unless: str = "") -> list:
    """``headers`` with ``value`` appended to the field ``name`` (or the field added)."""
    out, done = [], False
    for key, existing in headers:
        if key.lower() == name and not done:
            text = existing.decode("latin-1")
            if not unless or unless not in text.lower():
                text = f"{text}, {value}"
            out.append((key, text.encode("latin-1")))
            done = True
        else:
            out.append((key, existing))
    if not done:
        out.append((name, value.encode("latin-1")))
    return out


def with_headers(send, *, link: str, vary: bool, memento: str | None):
    """``send``, adding the Memento headers to a successful or redirecting answer's start."""
    async def wrapped(message):
        if message["type"] == "http.response.start" and message.get("status", 500) < 400:
            headers = _merge(list(message.get("headers", [])), b"link", link)
            if vary:
                headers = _merge(headers, b"vary", "accept-datetime", unless="accept-datetime")
            if memento is not None:
                headers.append((b"memento-datetime", memento.encode("latin-1")))
            message = dict(message, headers=headers)
        await send(message)
    return wrapped


async def redirect(send, location: bytes, link: str) -> None:
    """The TimeGate's 302 to the memento (RFC 7089 §4.1.1)."""
    await send({"type": "http.response.start", "status": 302, "headers": [
        (b"location", location), (b"vary", b"accept-datetime"),
        (b"link", link.encode("latin-1")), (b"content-length", b"0"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b""})
