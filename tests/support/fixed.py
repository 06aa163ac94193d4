"""Fixed keys, a fixed clock and the test log's origin: every build is byte-for-byte the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledger.core.hashing import sha256
from ledger.core.signing import SigningKey

ORIGIN = "ledger.example/wuchang-rice"
START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


def fixed_key(label: str) -> SigningKey:
    """A deterministic key for tests, vectors and benchmarks: the seed is SHA-256 of the label."""
    return SigningKey(sha256(label.encode("utf-8")))


class StepClock:
    """A clock that starts at a fixed moment and moves one step (a second) per reading."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now += self.step
        return current
