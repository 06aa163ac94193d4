"""Counting scans of a code's page, to warn shoppers about copied labels, without keeping
who scanned.

A client is remembered only as ``HMAC-SHA256(salt of the day, address || user agent)``,
truncated to 16 bytes. Each UTC day has its own random salt, kept in the database (so every
server process agrees) and deleted with that day's scans once the day leaves the window:
after that, no one, the operator included, can link a hash to an address by trying them all.

Scans are buffered in memory and written in one transaction at most once per
``flush_interval`` seconds, and what is stored is read at most once per flush, so a page
view costs neither a disk write nor a query of its own. The database keeps one row per
(code, day, client) with its number of scans, not one row per scan: a copied label scanned
100,000 times by a few phones costs no more to check than a genuine one.

"Within the window" means: by clients whose last scan of that day is within it (a client
active in the window counts with all its scans of that day).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ledger.core.timefmt import format_time, parse_entry_time
from ledger.store.models import ScanClient, ScanSalt, ScanTotal

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
    at_least: bool = False  # the recent counts are lower bounds (a code with very many clients)


@dataclass(frozen=True)
class _Stored:
    """A code's scans as the database held them at the last read: its total, and per salt
    day of the window the scans, distinct clients and their hashes (``capped``: some day
    had more clients than were read, so those counts are lower bounds)."""

    first_scan: datetime | None
    total: int
    scans: dict[str, int]
    clients: dict[str, int]
    hashes: dict[str, frozenset[bytes]]

    @property
    def capped(self) -> bool:
        return any(n >= CLIENTS_READ for n in self.clients.values())


@dataclass
class _Pending:
    """A code's scans not yet written: per (day, client), the number of scans and the last."""

    first: datetime
    count: int = 0
    clients: dict[tuple[str, bytes], tuple[int, datetime]] = field(default_factory=dict)

    def add(self, day: str, client: bytes, at: datetime) -> None:
        self.count += 1
        scans, _ = self.clients.get((day, client), (0, at))
        self.clients[(day, client)] = (scans + 1, at)


# Clients read back per code and day. Beyond this many a code is far over any sensible
# max_clients, and the page says "at least".
CLIENTS_READ = 1000


def _days(since: datetime, now: datetime) -> list[str]:
    """The UTC days (salt days) the window [since, now] touches."""
    day, last = since.date(), now.date()
    days = []
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days


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
        client = hmac.new(
            self._salt(day), f"{address}\n{user_agent}".encode(), hashlib.sha256
        ).digest()[:CLIENT_HASH_SIZE]
        with self._lock:
            self._pending.setdefault(object_id, _Pending(now)).add(day, client, now)
            due = (
                self._last_flush is None
                or (now - self._last_flush).total_seconds() >= self.flush_interval
            )
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
        rows = [
            {
                "object_id": object_id,
                "salt_day": day,
                "client": client,
                "scans": scans,
                "last_at": format_time(at),
            }
            for object_id, p in pending.items()
            for (day, client), (scans, at) in p.clients.items()
        ]
        with self.engine.begin() as conn:
            upsert = (sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert)(
                ScanClient
            )
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=["object_id", "salt_day", "client"],
                    set_={
                        "scans": ScanClient.scans + upsert.excluded.scans,
                        "last_at": upsert.excluded.last_at,
                    },
                ),
                rows,
            )
            for object_id, p in pending.items():
                changed = conn.execute(
                    update(ScanTotal)
                    .where(ScanTotal.object_id == object_id)
                    .values(total=ScanTotal.total + p.count)
                ).rowcount
                if not changed:
                    conn.execute(
                        insert(ScanTotal).values(
                            object_id=object_id, first_scan=format_time(p.first), total=p.count
                        )
                    )
            if self._last_expiry is None or now - self._last_expiry >= EXPIRY_INTERVAL:
                # Reads filter by the window anyway; deleting is housekeeping and privacy.
                conn.execute(delete(ScanClient).where(ScanClient.last_at < format_time(cutoff)))
                conn.execute(
                    delete(ScanSalt).where(
                        ScanSalt.day < (cutoff - timedelta(days=1)).date().isoformat()
                    )
                )
                self._last_expiry = now
        with self._lock:
            self._flushes += 1  # only now does the database hold these scans: re-read it

    def stats(self, object_id: str, now: datetime) -> ScanStats:
        """Scans of ``object_id`` so far, stored and still buffered."""
        stored = self._read_stored(object_id, now - self.rule.window, now)
        with self._lock:
            pending = self._pending.get(object_id)
            buffered = pending.count if pending is not None else 0
            new_clients = list(pending.clients) if pending is not None else []
            first_pending = pending.first if pending is not None else None
        clients = dict(stored.clients)
        for day, client in new_clients:
            if client not in stored.hashes.get(day, frozenset()):
                clients[day] = clients.get(day, 0) + 1
        recent_scans = sum(stored.scans.values()) + buffered
        # Hashes of different days cannot be compared, so count per day and take the
        # largest: a shopper scanning either side of midnight is one client, not two.
        recent_clients = max(clients.values(), default=0)
        first = stored.first_scan if stored.first_scan is not None else first_pending
        return ScanStats(
            first_scan=first,
            total=stored.total + buffered,
            recent_scans=recent_scans,
            recent_clients=recent_clients,
            suspicious=recent_scans > self.rule.max_scans or recent_clients > self.rule.max_clients,
            at_least=stored.capped,
        )

    def _read_stored(self, object_id: str, since: datetime, now: datetime) -> _Stored:
        """What the database holds for ``object_id``, re-read only after a flush."""
        with self._lock:
            cached = self._stored.get(object_id)
            flushes = self._flushes
        if cached is not None and cached[0] == flushes:
            return cached[1]
        scans: dict[str, int] = {}
        clients: dict[str, int] = {}
        hashes: dict[str, frozenset[bytes]] = {}
        with self.engine.connect() as conn:
            total_row = conn.execute(
                select(ScanTotal).where(ScanTotal.object_id == object_id)
            ).first()
            for day in _days(since, now):
                # At most CLIENTS_READ rows a day: past that the code is far over any
                # threshold, and the page says "at least"; a copied label cannot make this
                # read expensive.
                rows = conn.execute(
                    select(ScanClient.client, ScanClient.scans)
                    .where(
                        ScanClient.object_id == object_id,
                        ScanClient.salt_day == day,
                        ScanClient.last_at >= format_time(since),
                    )
                    .limit(CLIENTS_READ)
                ).all()
                if rows:
                    scans[day] = sum(r.scans for r in rows)
                    clients[day] = len(rows)
                    hashes[day] = frozenset(r.client for r in rows)
        stored = _Stored(
            first_scan=None
            if total_row is None
            else parse_entry_time(total_row.first_scan, field="first_scan"),
            total=0 if total_row is None else total_row.total,
            scans=scans,
            clients=clients,
            hashes=hashes,
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
    inserted = conn.execute(
        dialect_insert(ScanSalt).values(day=day, salt=fresh).on_conflict_do_nothing()
    ).rowcount
    if inserted:
        return fresh
    return conn.execute(select(ScanSalt.salt).where(ScanSalt.day == day)).scalar_one()
