"""Counting scans of a code's page, to warn shoppers about copied labels, without keeping
who scanned.

A client is remembered only as ``HMAC-SHA256(salt of the day, address || user agent)``,
truncated to 16 bytes. Each UTC day has its own random salt, kept in the database (so every
server process agrees) and deleted with that day's scans once the day leaves the window:
after that, no one, the operator included, can link a hash to an address by trying them all.

Scans are buffered in memory and written in one transaction at most once per
``flush_interval`` seconds, and what is stored is read at most once per flush, so a page
view costs neither a disk write nor a query of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledger.core.timefmt import format_time, parse_time
from ledger.store.models import ScanRecord, ScanSalt, ScanTotal

CLIENT_HASH_SIZE = 16
EXPIRY_INTERVAL = timedelta(minutes=1)  # how often old scans and salts are deleted


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
class _Stored:
    """A code's scans as the database held them at the last read: its total, and for each
    salt day of the window the number of scans and the distinct client hashes."""

    first_scan: datetime | None
    total: int
    scans: dict[str, int]
    clients: dict[str, frozenset[bytes]]


@dataclass
class _Pending:
    """A code's scans not yet written."""

    first: datetime
    rows: list[dict[str, object]] = field(default_factory=list)
    clients: dict[str, set[bytes]] = field(default_factory=dict)


@dataclass
class ScanCounter:
    """Records scans (buffered) and answers a code's scan statistics."""

    engine: Engine
    rule: CloneRule = field(default_factory=CloneRule)
    flush_interval: float = 1.0
    cache_size: int = 4096
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _salts: dict[str, bytes] = field(default_factory=dict)
    _last_flush: datetime | None = None
    _last_expiry: datetime | None = None
    _flushes: int = 0
    _stored: OrderedDict[str, tuple[int, _Stored]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, object_id: str, address: str, user_agent: str, now: datetime) -> ScanStats:
        """Count one scan of ``object_id`` at ``now`` and return the code's statistics."""
        day = now.date().isoformat()
        client = hmac.new(self._salt(day), f"{address}\n{user_agent}".encode(), hashlib.sha256).digest()[:CLIENT_HASH_SIZE]
        with self._lock:
            pending = self._pending.setdefault(object_id, _Pending(now))
            pending.rows.append({"object_id": object_id, "at": format_time(now), "salt_day": day, "client": client})
            pending.clients.setdefault(day, set()).add(client)
            due = self._last_flush is None or (now - self._last_flush).total_seconds() >= self.flush_interval
        if due:
            self.flush(now)
        return self.stats(object_id, now)

    def flush(self, now: datetime) -> None:
        """Write buffered scans, and forget scans and salts that have left the window."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._last_flush = now
        if not pending:
            return
        cutoff = now - self.rule.window
        with self.engine.begin() as conn:
            conn.execute(insert(ScanRecord), [row for p in pending.values() for row in p.rows])
            for object_id, p in pending.items():
                changed = conn.execute(
                    update(ScanTotal).where(ScanTotal.object_id == object_id).values(total=ScanTotal.total + len(p.rows))
                ).rowcount
                if not changed:
                    conn.execute(insert(ScanTotal).values(object_id=object_id, first_scan=format_time(p.first),
                                                          total=len(p.rows)))
            if self._last_expiry is None or now - self._last_expiry >= EXPIRY_INTERVAL:
                # Reads filter by the window anyway; deleting is housekeeping and privacy.
                conn.execute(delete(ScanRecord).where(ScanRecord.at < format_time(cutoff)))
                conn.execute(delete(ScanSalt).where(ScanSalt.day < (cutoff - timedelta(days=1)).date().isoformat()))
                self._last_expiry = now
        with self._lock:
            self._flushes += 1  # only now does the database hold these scans: re-read it

    def stats(self, object_id: str, now: datetime) -> ScanStats:
        """Scans of ``object_id`` so far, stored and still buffered."""
        stored = self._read_stored(object_id, now - self.rule.window)
        with self._lock:
            pending = self._pending.get(object_id)
            buffered = len(pending.rows) if pending is not None else 0
            clients = {day: set(c) for day, c in pending.clients.items()} if pending is not None else {}
        for day, hashes in stored.clients.items():
            clients.setdefault(day, set()).update(hashes)
        recent_scans = sum(stored.scans.values()) + buffered
        # Hashes of different days cannot be compared, so count per day and take the
        # largest: a shopper scanning either side of midnight is one client, not two.
        recent_clients = max((len(c) for c in clients.values()), default=0)
        first = stored.first_scan if stored.first_scan is not None else (pending.first if pending else None)
        return ScanStats(
            first_scan=first,
            total=stored.total + buffered,
            recent_scans=recent_scans,
            recent_clients=recent_clients,
            suspicious=recent_scans > self.rule.max_scans or recent_clients > self.rule.max_clients,
        )

    def _read_stored(self, object_id: str, since: datetime) -> _Stored:
        """What the database holds for ``object_id``, re-read only after a flush."""
        with self._lock:
            cached = self._stored.get(object_id)
            flushes = self._flushes
        if cached is not None and cached[0] == flushes:
            return cached[1]
        in_window = (ScanRecord.object_id == object_id, ScanRecord.at >= format_time(since))
        with self.engine.connect() as conn:
            total_row = conn.execute(select(ScanTotal).where(ScanTotal.object_id == object_id)).first()
            per_day = conn.execute(
                select(ScanRecord.salt_day, func.count()).where(*in_window).group_by(ScanRecord.salt_day)
            ).all()
            # Distinct clients, and only as many as the rule needs to decide.
            hashes = conn.execute(
                select(ScanRecord.salt_day, ScanRecord.client).where(*in_window)
                .group_by(ScanRecord.salt_day, ScanRecord.client).limit(4 * (self.rule.max_clients + 1))
            ).all()
        clients: dict[str, set[bytes]] = {}
        for day, client in hashes:
            clients.setdefault(day, set()).add(client)
        stored = _Stored(
            first_scan=None if total_row is None else parse_time(total_row.first_scan, field="first_scan"),
            total=0 if total_row is None else total_row.total,
            scans={day: count for day, count in per_day},
            clients={day: frozenset(c) for day, c in clients.items()},
        )
        with self._lock:
            self._stored[object_id] = (flushes, stored)
            self._stored.move_to_end(object_id)
            while len(self._stored) > self.cache_size:
                self._stored.popitem(last=False)
        return stored

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
