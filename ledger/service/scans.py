"""Counting scans of a code's page, to warn shoppers about copied labels, without keeping
who scanned.

A client is remembered only as ``HMAC-SHA256(salt of the day, address || user agent)``,
truncated to 16 bytes. Each UTC day has its own random salt, kept in the database (so every
server process agrees) and deleted with that day's scans once the day leaves the window:
after that, no one, the operator included, can link a hash to an address by trying them all.

Scans are buffered in memory and written in one transaction at most once per
``flush_interval`` seconds, so a page view costs no disk write of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledger.core.timefmt import format_time, parse_time
from ledger.store.models import ScanRecord, ScanSalt, ScanTotal

CLIENT_HASH_SIZE = 16


@dataclass(frozen=True)
class CloneRule:
    """When a code's scans look like a copied label: more than ``max_scans`` scans, or scans
    from more than ``max_clients`` distinct clients, within ``window``."""

    window: timedelta = timedelta(hours=24)
    max_scans: int = 30
    max_clients: int = 5


@dataclass(frozen=True)
class ScanStats:
    """What the page tells the shopper about a code's scans (this one included)."""

    first_scan: datetime | None
    total: int
    recent_scans: int
    recent_clients: int
    suspicious: bool


@dataclass(frozen=True)
class _Scan:
    object_id: str
    at: datetime
    salt_day: str
    client: bytes


@dataclass
class ScanCounter:
    """Records scans (buffered) and answers a code's scan statistics."""

    engine: Engine
    rule: CloneRule = field(default_factory=CloneRule)
    flush_interval: float = 1.0
    _pending: list[_Scan] = field(default_factory=list)
    _salts: dict[str, bytes] = field(default_factory=dict)
    _last_flush: datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, object_id: str, address: str, user_agent: str, now: datetime) -> ScanStats:
        """Count one scan of ``object_id`` at ``now`` and return the code's statistics."""
        day = now.date().isoformat()
        client = hmac.new(self._salt(day), f"{address}\n{user_agent}".encode(), hashlib.sha256).digest()
        scan = _Scan(object_id, now, day, client[:CLIENT_HASH_SIZE])
        with self._lock:
            self._pending.append(scan)
            due = self._last_flush is None or (now - self._last_flush).total_seconds() >= self.flush_interval
        if due:
            self.flush(now)
        return self.stats(object_id, now)

    def flush(self, now: datetime) -> None:
        """Write buffered scans, and forget scans and salts that have left the window."""
        with self._lock:
            pending, self._pending = self._pending, []
            self._last_flush = now
        if not pending:
            return
        cutoff = now - self.rule.window
        with self.engine.begin() as conn:
            conn.execute(insert(ScanRecord), [
                {"object_id": s.object_id, "at": format_time(s.at), "salt_day": s.salt_day, "client": s.client}
                for s in pending
            ])
            for object_id, first, count in _per_object(pending):
                changed = conn.execute(
                    update(ScanTotal).where(ScanTotal.object_id == object_id).values(total=ScanTotal.total + count)
                ).rowcount
                if not changed:
                    conn.execute(insert(ScanTotal).values(object_id=object_id, first_scan=format_time(first), total=count))
            conn.execute(delete(ScanRecord).where(ScanRecord.at < format_time(cutoff)))
            conn.execute(delete(ScanSalt).where(ScanSalt.day < (cutoff - timedelta(days=1)).date().isoformat()))

    def stats(self, object_id: str, now: datetime) -> ScanStats:
        """Scans of ``object_id`` so far, stored and still buffered."""
        since = now - self.rule.window
        with self._lock:
            buffered = [s for s in self._pending if s.object_id == object_id]
        with self.engine.connect() as conn:
            total_row = conn.execute(select(ScanTotal).where(ScanTotal.object_id == object_id)).first()
            recent = conn.execute(
                select(ScanRecord.salt_day, ScanRecord.client)
                .where(ScanRecord.object_id == object_id, ScanRecord.at >= format_time(since))
            ).all()
        clients: dict[str, set[bytes]] = {}
        for day, client in [*recent, *((s.salt_day, s.client) for s in buffered if s.at >= since)]:
            clients.setdefault(day, set()).add(client)
        if total_row is not None:
            first_time: datetime | None = parse_time(total_row.first_scan, field="first_scan")
        else:
            first_time = buffered[0].at if buffered else None
        recent_scans = len(recent) + sum(1 for s in buffered if s.at >= since)
        # Hashes of different days cannot be compared, so count per day and take the
        # largest: a shopper scanning either side of midnight is one client, not two.
        recent_clients = max((len(c) for c in clients.values()), default=0)
        return ScanStats(
            first_scan=first_time,
            total=(total_row.total if total_row is not None else 0) + len(buffered),
            recent_scans=recent_scans,
            recent_clients=recent_clients,
            suspicious=recent_scans > self.rule.max_scans or recent_clients > self.rule.max_clients,
        )

    def _salt(self, day: str) -> bytes:
        if day not in self._salts:
            with self.engine.begin() as conn:
                self._salts[day] = _salt_for(conn, day)
        return self._salts[day]


def _salt_for(conn: Connection, day: str) -> bytes:
    """The day's salt, created on first use (two processes racing agree on the stored one)."""
    found = conn.execute(select(ScanSalt.salt).where(ScanSalt.day == day)).scalar()
    if found is not None:
        return found
    fresh = secrets.token_bytes(32)
    dialect_insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    inserted = conn.execute(dialect_insert(ScanSalt).values(day=day, salt=fresh).on_conflict_do_nothing()).rowcount
    if inserted:
        return fresh
    return conn.execute(select(ScanSalt.salt).where(ScanSalt.day == day)).scalar_one()


def _per_object(scans: list[_Scan]) -> list[tuple[str, datetime, int]]:
    firsts: dict[str, datetime] = {}
    counts: dict[str, int] = {}
    for s in scans:
        firsts.setdefault(s.object_id, s.at)
        counts[s.object_id] = counts.get(s.object_id, 0) + 1
    return [(o, firsts[o], counts[o]) for o in firsts]

