"""The per-client budget of query time (a token bucket), on a clock the test moves."""

from __future__ import annotations

from api.sparql.budget import Budget


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_budget_lets_a_client_spend_its_seconds_then_waits_for_the_refill():
    clock = Clock()
    b = Budget(10, 60, clock)  # 10 s per 60 s: refills 1 s every 6 s
    assert b.retry_after("a") is None
    b.charge("a", 4)
    b.charge("a", 4)
    assert b.retry_after("a") is None  # 2 s left
    b.charge("a", 5)  # a query may overdraw: charged what it took
    wait = b.retry_after("a")
    assert wait in (18, 19)  # 3 s below zero at 1/6 s per second, and a little more
    clock.now += wait - 2
    assert b.retry_after("a") in (2, 3)
    clock.now += 2
    assert b.retry_after("a") is None  # waiting what it said is enough


def test_budget_is_per_client_and_full_buckets_are_forgotten():
    clock = Clock()
    b = Budget(1, 10, clock)
    b.charge("a", 2)
    assert b.retry_after("a") is not None
    assert b.retry_after("b") is None
    clock.now += 1000
    assert b.remaining("a") == 1  # refilled, never above capacity


def test_budget_bounds_its_memory(monkeypatch):
    import api.sparql.budget as mod

    monkeypatch.setattr(mod, "MAX_CLIENTS", 100)
    clock = Clock()
    b = Budget(1, 10, clock)
    for i in range(1000):
        b.charge(f"10.0.{i // 256}.{i % 256}", 0.5)
    assert len(b._buckets) <= 101
