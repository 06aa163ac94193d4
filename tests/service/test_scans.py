"""Scan counting: counts and the copied-label warning, without keeping who scanned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from ledger.service.scans import CloneRule, ScanCounter
from ledger.store import schema
from ledger.store.models import ScanClient, ScanSalt, ScanTotal

BAG = "https://id.gs1.org/01/06901234000122/21/100071"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def counter(engine: Engine, **rule: object) -> ScanCounter:
    schema.upgrade(engine)
    return ScanCounter(engine, CloneRule(**rule), flush_interval=0)  # type: ignore[arg-type]


def test_first_scan_and_totals(engine: Engine) -> None:
    scans = counter(engine)
    first = scans.record(BAG, "192.0.2.1", "phone A", T0)
    assert first.total == 1 and first.first_scan == T0 and not first.suspicious
    later = scans.record(BAG, "192.0.2.1", "phone A", T0 + timedelta(hours=3))
    assert later.total == 2 and later.first_scan == T0 and later.recent_clients == 1


def test_many_clients_or_many_scans_in_the_window_look_like_a_copied_label(engine: Engine) -> None:
    scans = counter(engine, max_clients=3, max_scans=10)
    for n in range(3):
        assert not scans.record(BAG, f"192.0.2.{n}", "ua", T0 + timedelta(minutes=n)).suspicious
    assert scans.record(BAG, "192.0.2.99", "ua", T0 + timedelta(minutes=5)).suspicious
    other = "https://id.gs1.org/01/06901234000122/21/100072"
    for n in range(10):
        assert not scans.record(other, "198.51.100.1", "ua", T0 + timedelta(minutes=n)).suspicious
    assert scans.record(other, "198.51.100.1", "ua", T0 + timedelta(minutes=11)).suspicious


def test_old_scans_leave_the_window(engine: Engine) -> None:
    scans = counter(engine, max_clients=2, window=timedelta(hours=24))
    for n in range(3):
        scans.record(BAG, f"192.0.2.{n}", "ua", T0)
    later = scans.record(BAG, "192.0.2.50", "ua", T0 + timedelta(days=2))
    assert later.recent_clients == 1 and later.total == 4 and not later.suspicious


def test_buffered_scans_count_before_they_are_written(engine: Engine) -> None:
    schema.upgrade(engine)
    scans = ScanCounter(engine, flush_interval=3600)
    scans.record(BAG, "192.0.2.1", "ua", T0)  # the first scan flushes (nothing was written yet)
    stats = scans.record(BAG, "192.0.2.2", "ua", T0 + timedelta(seconds=1))
    assert stats.total == 2 and stats.recent_clients == 2
    with engine.connect() as conn:
        assert conn.execute(select(ScanTotal.total)).scalar() == 1


def test_no_address_or_user_agent_is_stored_and_salts_are_forgotten(engine: Engine) -> None:
    scans = counter(engine)
    scans.record(BAG, "203.0.113.7", "Mozilla/5.0 (secret phone)", T0)
    with engine.connect() as conn:
        rows = conn.execute(select(ScanClient)).all()
        dumped = repr(rows) + repr(conn.execute(select(ScanTotal)).all())
    assert len(rows) == 1 and len(rows[0].client) == 16
    assert "203.0.113.7" not in dumped and "secret phone" not in dumped
    assert b"203.0.113.7" not in rows[0].client
    # Days later the day's salt is deleted: the stored hashes can no longer be linked to anyone.
    scans.record(BAG, "203.0.113.8", "ua", T0 + timedelta(days=3))
    with engine.connect() as conn:
        days = conn.execute(select(ScanSalt.day)).scalars().all()
        assert days == [(T0 + timedelta(days=3)).date().isoformat()]
        assert conn.execute(select(ScanClient.salt_day)).scalars().all() == [days[0]]


def test_one_phone_either_side_of_midnight_is_one_client(engine: Engine) -> None:
    scans = counter(engine)
    midnight = datetime(2026, 11, 21, tzinfo=UTC)
    scans.record(BAG, "192.0.2.1", "ua", midnight - timedelta(minutes=5))
    assert scans.record(BAG, "192.0.2.1", "ua", midnight + timedelta(minutes=5)).recent_clients == 1


def test_two_counters_share_the_days_salt(engine: Engine) -> None:
    one, two = counter(engine), ScanCounter(engine, flush_interval=0)
    one.record(BAG, "192.0.2.1", "ua", T0)
    assert two.record(BAG, "192.0.2.1", "ua", T0 + timedelta(minutes=1)).recent_clients == 1


def test_one_phone_scanning_often_is_one_row_and_one_client(engine: Engine) -> None:
    scans = counter(engine, max_scans=1000)
    for n in range(50):
        stats = scans.record(BAG, "192.0.2.1", "ua", T0 + timedelta(seconds=n))
    assert stats.recent_scans == 50 and stats.recent_clients == 1 and stats.total == 50
    with engine.connect() as conn:
        assert conn.execute(select(ScanClient.scans)).scalars().all() == [50]


def test_a_stored_client_scanning_again_before_the_next_flush_is_not_counted_twice(
    engine: Engine,
) -> None:
    schema.upgrade(engine)
    scans = ScanCounter(engine, flush_interval=3600)
    scans.record(BAG, "192.0.2.1", "ua", T0)  # written at once: nothing had been flushed yet
    stats = scans.record(BAG, "192.0.2.1", "ua", T0 + timedelta(seconds=5))  # still buffered
    assert stats.recent_scans == 2 and stats.recent_clients == 1


def test_a_code_with_very_many_clients_reads_a_bounded_number_and_says_at_least(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ledger.service.scans.CLIENTS_READ", 5)
    scans = counter(engine, max_clients=3)
    for n in range(8):
        stats = scans.record(BAG, f"192.0.2.{n}", "ua", T0 + timedelta(seconds=n))
    assert stats.suspicious and stats.at_least
    assert 5 <= stats.recent_clients <= 8 and stats.total == 8
