"""Connections and request heads bounded, through the real server on loopback (api/connections.py).

The attacker connects from 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux), the victim
from 127.0.0.1, so that the server tells them apart as it would two hosts. Timeouts are set
to a second or two here so that waiting for them is short; each test waits at most a few
times the bound it checks.
"""

from __future__ import annotations

import json
import resource
import socket
import time

import httpx
import pytest

from .conftest import Server

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not hasattr(socket, "SO_REUSEADDR"), reason="POSIX sockets")]

ATTACKER = "127.0.0.2"


@pytest.fixture(scope="module")
def guarded(real_release, api_root):
    """A server with short timeouts and small caps."""
    s = Server(real_release, api_root, header_timeout=1, body_timeout=1, keepalive_timeout=1, send_timeout=1,
               client_connections=20, max_headers=50, max_header_bytes=8192, query_workers=1)
    try:
        yield s.wait_ready()
    finally:
        s.stop()


def connect(server, source: str = ATTACKER) -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", server.port))
    return sock


def read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything the server sends until it closes (or ``timeout``)."""
    sock.settimeout(timeout)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        out += chunk
    return out


def status_of(raw: bytes) -> int | None:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else None


def error_of(raw: bytes) -> dict:
    body = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    assert body["ok"] is False and body["status"] == status_of(raw) and body["error"]
    return body


def healthy(server) -> bool:
    return httpx.get(server.url + "/-/health", timeout=10).status_code == 200


@pytest.mark.parametrize("head, status", [
    (b"GET /-/health HTTP/1.1\r\nhost: x\r\n" + b"".join(b"x-%d: y\r\n" % i for i in range(60)) + b"\r\n", 431),
    (b"GET /-/health HTTP/1.1\r\nhost: x\r\nx-big: " + b"y" * 20_000 + b"\r\n\r\n", 431),
    (b"GET /sparql?query=" + b"x" * 20_000 + b" HTTP/1.1\r\nhost: x\r\n\r\n", 414),
])
def test_heads_past_their_bounds_are_refused_with_the_error_body(guarded, head, status):
    sock = connect(guarded)
    sock.sendall(head)
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == status and b"connection: close" in raw.lower()
    error_of(raw)


def test_a_large_body_that_comes_with_its_head_is_not_taken_for_a_head(guarded):
    """The bound counts a head's bytes as read; a request read whole in one go (head and a body
    longer than the bound) is a request, not a long head."""
    query = b"ASK {} #" + b"x" * 30_000
    sock = connect(guarded)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nhost: x\r\ncontent-type: application/sparql-query\r\n"
                 b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(query) + query)
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == 200, raw[:300]


def test_a_body_in_many_reads_is_not_taken_for_a_head(guarded):
    query = b"ASK {} #" + b"x" * 60_000
    sock = connect(guarded)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nhost: x\r\ncontent-type: application/sparql-query\r\n"
                 b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(query))
    for i in range(0, len(query), 4096):  # the body in pieces, each read on its own
        sock.sendall(query[i:i + 4096])
        time.sleep(0.002)
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == 200, raw[:300]


def test_endless_header_lines_are_cut_off(guarded):
    """Four connections streaming header lines pushed /-/health to seconds and the server up
    350 MB; now each is refused at max_headers and closed."""
    socks = [connect(guarded) for _ in range(4)]
    for sock in socks:
        sock.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n")
    refused = 0
    for sock in socks:
        sock.settimeout(5)
        try:
            for _ in range(100_000):
                sock.sendall(b"x-a: b\r\n" * 100)
        except (BrokenPipeError, ConnectionResetError):
            refused += 1
        finally:
            sock.close()
    assert refused == 4
    assert healthy(guarded)


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(guarded):
    sock = connect(guarded)
    started = time.monotonic()
    assert read_all(sock, timeout=10) == b""  # closed without a word: it never began a request
    assert time.monotonic() - started < 5
    sock.close()


def test_a_head_that_trickles_gets_408(guarded):
    sock = connect(guarded)
    sock.sendall(b"GET /-/health HTTP/1.1\r\n")
    started = time.monotonic()
    raw = b""
    try:
        for _ in range(20):  # a header byte every 0.3 s: never done within 1 s
            sock.sendall(b"x")
            time.sleep(0.3)
    except (BrokenPipeError, ConnectionResetError):
        pass
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == 408 and time.monotonic() - started < 6
    error_of(raw)


def test_a_body_that_does_not_come_gets_408(guarded):
    sock = connect(guarded)
    sock.sendall(b"POST /sparql HTTP/1.1\r\nhost: x\r\ncontent-type: application/sparql-query\r\n"
                 b"content-length: 100\r\n\r\nASK")
    raw = read_all(sock)
    sock.close()
    assert status_of(raw) == 408
    error_of(raw)


def test_an_idle_kept_alive_connection_is_closed(guarded):
    sock = connect(guarded)
    sock.sendall(b"GET /-/health HTTP/1.1\r\nhost: x\r\n\r\n")
    started = time.monotonic()
    raw = read_all(sock, timeout=10)
    assert status_of(raw) == 200  # answered, then closed after keepalive_timeout (1 s; uvicorn's own is 5)
    assert time.monotonic() - started < 4
    sock.close()


def test_a_client_that_reads_nothing_of_an_answer_is_let_go(guarded):
    """A large answer the client never reads: dropped after send_timeout, not held for ever."""
    from urllib.parse import quote

    from .test_sparql import doubled

    sock = connect(guarded)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /sparql?query=" + quote(doubled(10)).encode() + b" HTTP/1.1\r\nhost: x\r\n\r\n")
    time.sleep(5)  # send_timeout is 1 s: the server gives up on us meanwhile
    got = read_all(sock, timeout=5)
    sock.close()
    assert status_of(got) == 200
    length = int(got.split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
    assert len(got.split(b"\r\n\r\n", 1)[1]) < length, "the server waited on a reader that read nothing"
    assert httpx.get(guarded.url + "/-/health").json()["connections_refused"]["send_timeout"] >= 1


def test_one_address_holds_at_most_client_connections(guarded):
    socks = [connect(guarded) for _ in range(20)]
    for sock in socks:
        sock.sendall(b"GET / HTTP/1.1\r\n")  # heads begun, not finished
    extra = connect(guarded)
    raw = read_all(extra, timeout=5)
    assert status_of(raw) == 503 and "connections open already" in error_of(raw)["error"]
    assert healthy(guarded)  # another address is served
    for sock in socks + [extra]:
        sock.close()


def test_a_slowloris_of_5000_connections_leaves_the_service_answering(real_release, api_root):
    """5,000 half-open connections from a hundred addresses: the oldest waiting ones are closed
    to make room (max_connections), each is closed at the header timeout, and the victim's
    requests are answered throughout. (20,000 took every descriptor before.)"""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 6000:
        pytest.skip(f"the open-file limit ({hard}) is too low for 5,000 connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    s = Server(real_release, api_root, max_connections=1000, header_timeout=5, query_workers=1)
    socks = []
    try:
        s.wait_ready()
        answered = 0
        for n in range(5000):
            try:
                sock = connect(s, f"127.0.{1 + n // 250}.{2 + n % 250}")
                sock.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n")
                socks.append(sock)
            except OSError:
                continue
            if n % 500 == 499:
                answered += healthy(s)
        assert answered == 10, "the service stopped answering while the connections piled up"
        r = httpx.get(s.url + "/sparql", params={"query": "ASK {}"}, timeout=10)
        assert r.status_code == 200 and r.json()["boolean"] is True
        open_fds = len(list(__import__("pathlib").Path(f"/proc/{s.proc.pid}/fd").iterdir()))
        assert open_fds < 1000 + 200, f"the server holds {open_fds} descriptors"
        health = httpx.get(s.url + "/-/health", timeout=10).json()
        assert health["connections_refused"].get("evicted_waiting", 0) >= 3000
    finally:
        for sock in socks:
            sock.close()
        s.stop()


CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize("trusted, new_key_status", [("", 429), ("127.0.0.1", 200)])
def test_the_budget_key_is_the_peer_unless_a_trusted_proxy_names_the_client(real_release, api_root, trusted,
                                                                           new_key_status):
    """uvicorn trusts X-Forwarded-For from loopback by default: behind a same-host proxy (or on
    the same host) a client picked its own budget key. Now only trusted_proxies may name one."""
    flags = dict(client_budget=1, budget_window=3600, query_timeout=1.5, query_workers=1)
    if trusted:
        flags["trusted_proxies"] = trusted
    s = Server(real_release, api_root, **flags)
    try:
        s.wait_ready()
        me = {"x-forwarded-for": "198.51.100.7"} if trusted else {}
        assert httpx.get(s.url + "/sparql", params={"query": CARTESIAN}, headers=me, timeout=30).status_code == 503
        assert httpx.get(s.url + "/sparql", params={"query": "ASK {}"}, headers=me).status_code == 429
        other = httpx.get(s.url + "/sparql", params={"query": "ASK {}"}, headers={"x-forwarded-for": "203.0.113.9"})
        assert other.status_code == new_key_status
    finally:
        s.stop()
