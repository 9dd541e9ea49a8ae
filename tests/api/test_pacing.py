"""api.pacing: the opening thread's profile hook is its own, consults ``busy``, and is gone after.

(How much it gives the event loop back is measured by bench/switch_bench.py, not here.)"""

from __future__ import annotations

import sys
import threading

import pytest

from api.pacing import paced


def work(n: int = 200_000) -> int:
    return sum(len(str(i)) for i in range(n))


def test_the_hook_is_the_threads_own_and_gone_after_the_body():
    seen: dict[str, object] = {}

    def other():
        seen["other"] = sys.getprofile()

    asked = []
    with paced(0.5, lambda: asked.append(1) or False):
        inside = sys.getprofile()
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert work() == 1_088_890
    assert inside is not None and seen["other"] is None  # another thread is not paced
    assert sys.getprofile() is None
    assert asked  # busy() was consulted while the body ran


def test_an_error_in_the_body_still_removes_the_hook():
    with pytest.raises(ZeroDivisionError), paced(0.2, lambda: True):
        work(10_000)
        1 / 0  # noqa: B018
    assert sys.getprofile() is None


def test_a_full_share_sets_no_hook():
    with paced(1.0, lambda: True):
        assert sys.getprofile() is None
