"""Bounding connections and request heads, as the trusted servers do.

uvicorn keeps a connection open for as long as the client likes while it sends a request's
head (nothing, or a byte every few seconds: slowloris), and takes request heads of any size
and any number of header fields. Measured before this module: 3,000 half-open connections
stayed open for a minute, 20,000 took every file descriptor, four connections streaming
header lines raised the service to 3.9 GB and ``/-/health`` to seconds. uvicorn has a
keep-alive timeout and nothing else of these; nginx has all of them (``client_header_timeout``,
``client_body_timeout``, ``send_timeout``, ``large_client_header_buffers``, ``limit_conn``).
So the service runs uvicorn with :func:`protocol`: its own HTTP protocol (httptools, as
uvicorn's ``auto`` chooses), with, from the settings:

* ``header_timeout``: a new connection must begin a request, and a request's head must be
  complete, within this many seconds (408 if part of it came; a silent close if nothing did);
* ``body_timeout``: a request's body must be complete this many seconds after its head (408);
* ``keepalive_timeout``: an idle kept-alive connection is closed (uvicorn's own timer);
* ``send_timeout``: an answer the client reads nothing of for this long is abandoned;
* ``max_header_bytes``: the request line and header fields, in bytes as parsed, and as read
  while a head is not whole (414 for a longer request line, 431 for the rest), and
  ``max_headers`` header fields (431);
* ``max_connections``: open connections in all; past it, the one idle the longest is closed
  to make room, and if none is idle the new one is refused (503);
* ``client_connections``: open connections from one peer address (503 past it), except
  from the ``trusted_proxies``, which count their own clients.

A refusal is the project's one error body, sent with ``Connection: close``. The protocol
subclasses uvicorn's httptools protocol and hooks the parser's callbacks (``on_url``,
``on_header``, ``on_headers_complete``, ``on_message_complete``) and the transport's
(``connection_made``, ``data_received``, ``pause_writing``); ``tests/api/test_connections.py``
runs each bound against the real server, so an upgrade of uvicorn that moved them shows there.
A reverse proxy in front (``docs/nginx.conf``) adds TLS and per-address request rates.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import logging
from http import HTTPStatus

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import error_body

log = logging.getLogger("lianzheng.connections")


class _Refused(Exception):
    """Raised in a parser callback to stop reading a request that was refused."""


def response(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 response with the one error body, closing the connection."""
    body = orjson.dumps(error_body(status, message))
    return (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode("ascii") + body


class Guard:
    """What all of one server's connections share: the counts and the idle ones, oldest first."""

    def __init__(self, settings, max_connections: int | None = None):
        from .settings import proxies

        self.settings = settings
        self.max_connections = max_connections or settings.max_connections
        self.trusted = proxies(settings.trusted_proxies)
        self.by_client: collections.Counter[str] = collections.Counter()
        # connections not handling a request (new, idle, or reading a head), the oldest first
        self.waiting: collections.OrderedDict[GuardedProtocol, None] = collections.OrderedDict()
        # why connections were refused or closed, for health
        self.refused: collections.Counter[str] = collections.Counter()

    def is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    def make_room(self, newcomer: GuardedProtocol) -> bool:
        """Close the connection that has waited the longest without a request in hand (idle, or
        still sending a head) to make room for ``newcomer``; False if every other one has one."""
        for conn in self.waiting:
            if conn is not newcomer:
                self.refused["evicted_waiting"] += 1
                conn.transport.close()
                return True
        return False

    def facts(self) -> dict:
        return {"connections_refused": dict(self.refused)}


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the bounds above. ``guard`` is set by :func:`protocol`."""

    guard: Guard

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._host = ""
        self._counted = False
        self._refusing = False
        self._began = False  # a request's first byte has come (and its answer not yet gone)
        self._in_body = False
        self._heads = 0  # heads read whole: a chunk in which one ends is not counted as head
        self._head_bytes = 0  # bytes of a head not yet whole, as read (a head may never end)
        self._fields = 0
        self._field_bytes = 0  # bytes of the head's fields, as parsed
        self._timer: asyncio.TimerHandle | None = None  # head, body or send deadline
        self._send_timer: asyncio.TimerHandle | None = None

    # -- timers

    def _arm(self, seconds: float, why: str) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._expired, why)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self, why: str) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        self.guard.refused[f"{why}_timeout"] += 1
        if why == "header" and not self._began:
            self.transport.close()  # never began a request: nothing to answer
            return
        if self.cycle is None or not self.cycle.response_started:
            self._refuse(408, f"the request's {'head' if why == 'header' else 'body'} did not arrive in "
                         f"{getattr(self.guard.settings, why + '_timeout'):g} seconds", stop=False)
        else:
            self.transport.close()

    # -- refusing

    def _refuse(self, status: int, message: str, stop: bool = True) -> None:
        """Answer ``status`` and close; in a parser callback (``stop``), stop the parser too."""
        if not self._refusing:
            self._refusing = True
            self.guard.refused[str(status)] += 1
            self._disarm()
            self.guard.waiting.pop(self, None)
            self.transport.write(response(status, message))
            self.transport.close()
        if stop:
            raise _Refused(message)

    def send_400_response(self, msg: str) -> None:
        if not self._refusing:  # a refusal of ours stopped the parser: it has answered already
            super().send_400_response(msg)

    # -- the transport

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        g, s = self.guard, self.guard.settings
        self._host = self.client[0] if self.client else ""
        if not g.is_trusted(self._host):
            if g.by_client[self._host] >= s.client_connections:
                self._refuse(503, f"this address has {s.client_connections} connections open already", stop=False)
                return
            g.by_client[self._host] += 1
            self._counted = True
        if len(self.connections) > g.max_connections and not g.make_room(self):
            self._refuse(503, "the service has as many connections as it takes; try again shortly", stop=False)
            return
        g.waiting[self] = None
        self._arm(s.header_timeout, "header")

    def connection_lost(self, exc) -> None:
        g = self.guard
        if self._counted:
            g.by_client[self._host] -= 1
            if g.by_client[self._host] <= 0:
                del g.by_client[self._host]
            self._counted = False
        g.waiting.pop(self, None)
        self._disarm()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            return
        heading, heads = not self._in_body, self._heads
        super().data_received(data)
        # a read that began in a head, in which no head ended: all of it was head
        if heading and self._heads == heads and not self._refusing:
            self._head_bytes += len(data)
            if self._head_bytes > self.guard.settings.max_header_bytes:
                self._refuse(431, f"the request's head is larger than {self.guard.settings.max_header_bytes} "
                             "bytes", stop=False)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.guard.settings.send_timeout, self._slow_reader)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _slow_reader(self) -> None:
        self._send_timer = None
        self.guard.refused["send_timeout"] += 1
        self.transport.abort()  # close() would wait for the buffer the client does not read

    # -- the parser's callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._began = True
        self._fields = self._field_bytes = 0
        if self._timer is None:
            self._arm(self.guard.settings.header_timeout, "header")

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.guard.settings.max_header_bytes:
            self._refuse(414, f"the request line is longer than {self.guard.settings.max_header_bytes} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._fields += 1
        self._field_bytes += len(name) + len(value) + 4  # "name: value\r\n"
        s = self.guard.settings
        if self._fields > s.max_headers:
            self._refuse(431, f"the request has more than {s.max_headers} header fields")
        if self._field_bytes + len(self.url) > s.max_header_bytes:
            self._refuse(431, f"the request's head is larger than {s.max_header_bytes} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._heads += 1
        self._head_bytes = 0
        self._disarm()
        self.guard.waiting.pop(self, None)  # a request in hand: not to be closed for room
        self._in_body = True
        if _has_body(self.headers):
            self._arm(self.guard.settings.body_timeout, "body")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body = False
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._began = False
        if not self.transport.is_closing():
            self.guard.waiting[self] = None  # idle again: uvicorn's keep-alive timer runs


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


def fd_room(settings) -> int:
    """``max_connections``, lowered to what the open-file limit leaves (raised to its hard limit
    first): the store, the workers' pipes and the release files need descriptors too."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 1 << 20, hard))
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, ValueError, OSError):
        return settings.max_connections
    room = max(64, soft - FD_RESERVE)
    if room < settings.max_connections:
        log.warning("max_connections %d lowered to %d to fit the open-file limit (%d)",
                    settings.max_connections, room, soft)
    return min(settings.max_connections, room)


FD_RESERVE = 512  # descriptors kept for everything but client connections


def protocol(settings) -> tuple[type[GuardedProtocol], Guard]:
    """The HTTP protocol class to give uvicorn (``Config(http=...)``) and the guard it shares."""
    guard = Guard(settings, fd_room(settings))
    return type("LianzhengHttpProtocol", (GuardedProtocol,), {"guard": guard}), guard
