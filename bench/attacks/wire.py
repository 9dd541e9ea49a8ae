"""HTTP over plain sockets: requests written by hand, replies read at a chosen pace."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
import urllib.parse
from dataclasses import dataclass

from bench.serve_bench import JSON_RESULTS

from .config import IP_BIND_ADDRESS_NO_PORT


@dataclass(frozen=True)
class Target:
    """The server and what the requests are made of (from the release)."""

    host: str
    port: int
    case_iris: tuple[str, ...]
    agency_names: tuple[str, ...]
    case_texts: tuple[str, ...]

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class Reply:
    status: int | None = None
    nbytes: int = 0  # bytes read, head included
    length: int | None = None  # Content-Length, if given
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


def http_request(target: Target, method: str, path: str, headers=(), body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {target.authority}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def sparql_get(target: Target, query: str, headers=()) -> bytes:
    return http_request(target, "GET", "/sparql?query=" + urllib.parse.quote(query, safe=""),
                        [("Accept", JSON_RESULTS), *headers])


def sparql_post(target: Target, query: str) -> bytes:
    headers = [("Accept", JSON_RESULTS), ("Content-Type", "application/sparql-query")]
    return http_request(target, "POST", "/sparql", headers, query.encode("utf-8"))


def error_name(exc: OSError) -> str:
    return errno.errorcode.get(exc.errno, type(exc).__name__) if exc.errno else type(exc).__name__


async def connect(target: Target, source: str, rcvbuf: int | None = None):
    """A connection from ``source`` (its port picked at connect, so that thousands fit)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.bind((source, 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (target.host, target.port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock)


def status_of(head: bytes) -> int | None:
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


async def read_reply(reader: asyncio.StreamReader, reply: Reply, read_rate: int | None) -> None:
    """Read the answer to its end into ``reply``; ``read_rate`` bytes a second if given."""
    head = b""
    while True:
        chunk = await reader.read(read_rate or 65536)
        if not chunk:
            break
        reply.nbytes += len(chunk)
        if reply.status is None:
            head += chunk
            if b"\r\n\r\n" in head or len(head) > 65536:
                reply.status = status_of(head)
                for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length" and value.strip().isdigit():
                        reply.length = int(value)
        if read_rate:
            await asyncio.sleep(1.0)
    if reply.status is None:
        reply.status = status_of(head)
        if reply.status is None:
            reply.error = "closed without an answer"


async def exchange(target: Target, data: bytes, *, source: str, timeout: float,
                   read_rate: int | None = None, rcvbuf: int | None = None) -> Reply:
    """Send ``data`` on a fresh connection from ``source`` and read the whole answer."""
    reply, writer = Reply(), None
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await connect(target, source, rcvbuf)
            try:
                writer.write(data)
                await writer.drain()
            except ConnectionError:
                pass  # the server answered or closed before it took it all: read what it said
            await read_reply(reader, reply, read_rate)
    except TimeoutError:
        reply.error = "timeout"
    except OSError as exc:
        reply.error = error_name(exc)
    finally:
        if writer is not None:
            writer.close()
        reply.seconds = time.perf_counter() - started
    return reply
