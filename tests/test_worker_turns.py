"""One turn of a worker's loop with its leases faked: an account is never watched by two threads of one worker.

Under load a worker's turn can come after its own lease ran out; claim() then hands back an account
this worker still watches (or is still stopping). A second Runner on the same mailbox placed every
new draft twice (seen once in `test_thirty_accounts_three_workers_one_killed` under a loaded CI).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection

import pytest

from agent.fleet.worker import Runner, Worker


class FakeLeases:
    """Every lease renewed; claim() hands out the same accounts each turn, as an expired lease of our own would be."""

    def __init__(self, claimable: list[int]) -> None:
        self.claimable = claimable
        self.released: list[int] = []

    def present(self, holding: int) -> tuple[int, int]:
        return 1, 10

    def renew(self, ids: Collection[int]) -> set[int]:
        return set(ids)

    def release(self, ids: Collection[int]) -> None:
        self.released += list(ids)

    def claim(self, limit: int) -> list[int]:
        return self.claimable[:limit]


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Worker:
    started: list[Runner] = []
    monkeypatch.setattr(Runner, "start", lambda self: started.append(self))
    monkeypatch.setattr(Runner, "alive", property(lambda self: True))  # a thread that is still watching (or stopping)
    w = Worker.__new__(Worker)
    w.stop, w.concurrency, w.lease_seconds = threading.Event(), math.inf, 6.0
    w.runners, w.stopped = {}, {}
    w.leases = FakeLeases([28])  # type: ignore[assignment]
    w.started = started  # type: ignore[attr-defined]
    return w


def test_an_account_claimed_again_keeps_the_thread_it_has(worker: Worker) -> None:
    worker.take_turn()
    first = worker.runners[28]
    worker.take_turn()  # claim() hands 28 back: our own lease had run out
    assert worker.runners[28] is first
    assert worker.started == [first]  # type: ignore[attr-defined]


def test_an_account_still_stopping_is_not_watched_again(worker: Worker) -> None:
    worker.take_turn()
    worker._stopping(28)  # given back, but its thread has not ended yet
    worker.take_turn()
    assert 28 not in worker.runners and len(worker.started) == 1  # type: ignore[attr-defined]
