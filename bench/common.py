"""Shared pieces of the benchmarks: the workload, the baselines, timers, temporary databases.

The machine the benchmarks run on is shared and noisy, so no figure is meaningful alone:
every benchmark measures its baselines in the same run, interleaved with what it measures
(round by round), and reports ratios. Nothing here asserts on time.

Baselines:

* verify-bound rate: per statement, RFC 8785 canonical JSON (the ``rfc8785`` package) of
  the unsigned statement, SHA-256 of the signed message and one Ed25519 verification
  (PyNaCl), on the same pre-signed statements the benchmark appends. It is the least a
  ledger that checks what it accepts has to spend per statement, on one core.
* plain insert: unsigned rows of the same size as the entries, inserted into a scratch table
  of the same database with the same durability and the same commit pattern.

Workload: the example farm co-operative of docs/EVENTS.md commissions distinct paddy lots
(``harvest``: commissioning with ILMD) and reports each lot's storage in its granary with
three temperature readings (``storing``, quantityList naming the lot it holds), alternating.
Every event has its own eventID and every lot its own number, so nothing is a duplicate and
every event passes custody. Statements are signed before any timing starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nacl.bindings
import rfc8785
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError

from ledger import samples as ex
from ledger.core.gs1 import gtin_uri
from ledger.core.note import NoteSigner
from ledger.core.signing import SigningKey, domain_prefix
from ledger.core.statements import Statement, parse_statement, sign_statement
from ledger.service.ledger import Ledger
from ledger.store.db import make_engine
from tests.support.fixed import fixed_key

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"  # gitignored: big ledgers and exports are kept here between runs
PG_URL = os.environ.get(
    "LEDGER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ORIGIN = "ledger.example/bench"
FARM = "wuchang-coop"
N_REGISTRATIONS = 12  # actor + key statements for the six example actors


OPERATOR = fixed_key("bench:operator")


def producer_key(actor: str) -> SigningKey:
    return fixed_key(f"bench:producer:{actor}")


# -- the workload ----------------------------------------------------------------------------

EVENT_BASE = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=8)))


def registrations() -> list[Statement]:
    """The operator's actor and key statements for the six example actors (12 statements)."""
    out = []
    for payload in ex.actor_payloads():
        out.append(sign_statement("actor", payload, OPERATOR))
        key = producer_key(payload["actor"])
        out.append(
            sign_statement(
                "key", {"actor": payload["actor"], "public_key": key.public_key.b64}, OPERATOR
            )
        )
    return out


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def event_payload(i: int, tag: str = "") -> dict[str, Any]:
    """Producer event number ``i`` of the stream: even i commissions lot i//2, odd i stores it."""
    lot_no = i // 2
    lot = f"B{tag}{lot_no:08d}"[:20]
    when = EVENT_BASE + timedelta(seconds=30 * i)
    kg = 9000 + (lot_no % 997) * 7.5
    if i % 2 == 0:
        return ex.harvest(
            lot=lot,
            kg=kg,
            time=_iso(when),
            harvest_date=when.date().isoformat(),
            eid=ex.event_id(f"bench{tag}-harvest-{lot_no}"),
        )
    readings = [
        (_iso(when - timedelta(hours=h)), round(8.0 + ((lot_no * 7 + h) % 40) / 10, 1))
        for h in (12, 6, 0)
    ]
    payload = ex.storing(
        gln=ex.FARM_GLN,
        room="granary-3",
        readings=readings,
        time=_iso(when),
        eid=ex.event_id(f"bench{tag}-storing-{lot_no}"),
    )
    del payload["epcList"]  # the farm stores the lot it holds, counted by quantity
    payload["quantityList"] = [
        {"epcClass": gtin_uri(ex.PADDY_GTIN, lot=lot), "quantity": kg, "uom": "KGM"}
    ]
    return payload


Payload = Callable[[int, str], dict[str, Any]]


def sign_events(
    start: int, n: int, tag: str = "", payload: Payload = event_payload
) -> list[Statement]:
    """Producer statements ``start .. start+n-1`` of the stream, signed by the farm's key.

    ``payload`` builds event ``i``; bench.scan_data passes a variant of ``event_payload``."""
    key = producer_key(FARM)
    return [sign_statement("event", payload(i, tag), key) for i in range(start, start + n)]


def _sign_chunk(args: tuple[int, int, str, Payload]) -> list[Statement]:
    return sign_events(*args)


def sign_events_chunks(
    start: int,
    n: int,
    tag: str = "",
    chunk: int = 1000,
    processes: int = 1,
    ahead: int = 4,
    payload: Payload = event_payload,
) -> Iterator[list[Statement]]:
    """``sign_events`` in chunks, in order, signed by ``processes`` worker processes while the
    caller works; at most ``ahead`` chunks per process wait in memory."""
    import multiprocessing
    from collections import deque

    jobs = [(s, min(chunk, start + n - s), tag, payload) for s in range(start, start + n, chunk)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pending: deque[Any] = deque()
        for job in jobs:
            pending.append(pool.apply_async(_sign_chunk, (job,)))
            if len(pending) >= ahead * processes:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def sign_many(start: int, n: int, tag: str = "") -> list[Statement]:
    """``sign_events`` on every core (nothing is being timed while statements are signed)."""
    if n < 2000:
        return sign_events(start, n, tag)
    out: list[Statement] = []
    for chunk in sign_events_chunks(start, n, tag, chunk=500, processes=os.cpu_count() or 1):
        out.extend(chunk)
    return out


def statement_size(statements: Sequence[Statement]) -> float:
    """Mean size of the statements' canonical JSON, signature included."""
    return statistics.fmean(len(s.canonical()) for s in statements)


# -- baselines ---------------------------------------------------------------------------------


def public_keys() -> dict[str, bytes]:
    """Raw public keys by key ID, for the verify-bound baseline."""
    keys = [OPERATOR] + [producer_key(a["actor"]) for a in ex.actor_payloads()]
    return {k.public_key.key_id: k.public_key.raw for k in keys}


VBItem = tuple[dict[str, Any], bytes, bytes, bytes]


def vb_prepare(
    statements: Sequence[dict[str, Any]], pks: dict[str, bytes] | None = None
) -> list[VBItem]:
    """The verify-bound work items of statements given as JSON objects (as submitted): the
    unsigned statement, the decoded signature, the raw public key, the domain prefix."""
    import base64

    pks = pks or public_keys()
    return [
        (
            {"kind": s["kind"], "payload": s["payload"], "signer": s["signer"]},
            base64.b64decode(s["sig"]),
            pks[s["signer"]],
            domain_prefix(s["kind"]),
        )
        for s in statements
    ]


def vb_seconds(items: Sequence[VBItem]) -> float:
    """Seconds for RFC 8785 + SHA-256 + one Ed25519 verification of each item, one core."""
    dumps, sha256, sign_open = rfc8785.dumps, hashlib.sha256, nacl.bindings.crypto_sign_open
    t = time.perf_counter()
    for unsigned, sig, pk, prefix in items:
        message = prefix + dumps(unsigned)
        sha256(message).digest()
        sign_open(sig + message, pk)
    return time.perf_counter() - t


def verify_bound(
    statements: Sequence[dict[str, Any]], pks: dict[str, bytes] | None = None
) -> float:
    """The verify-bound rate: statements per second of RFC 8785 + SHA-256 + one Ed25519
    verification, on one core."""
    items = vb_prepare(statements, pks)
    return len(items) / vb_seconds(items)


class Interleaved:
    """Several measurements taken in tight alternation, chunk by chunk, so that they share
    the machine's conditions (a noisy neighbour slows all of them alike); the totals give
    rates and ratios."""

    def __init__(self) -> None:
        self.seconds: dict[Any, float] = {}
        self.count: dict[Any, int] = {}

    def add(self, name: Any, seconds: float, n: int) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.count[name] = self.count.get(name, 0) + n

    def time(self, name: Any, n: int, fn: Callable[[], Any]) -> None:
        self.add(name, timed(fn), n)

    def rate(self, name: Any) -> float:
        return self.count[name] / self.seconds[name]


SCRATCH_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_scratch (id BIGINT PRIMARY KEY, data {blob} NOT NULL)"
)


class PlainInsert:
    """Unsigned rows of a given size into a scratch table of the ledger's own database."""

    def __init__(self, engine: Engine, next_id: int | None = None) -> None:
        """``next_id``: where this writer's ids start (several writers on one table)."""
        self.engine = engine
        if next_id is None:
            blob = "BLOB" if engine.dialect.name == "sqlite" else "BYTEA"
            with engine.begin() as conn:
                conn.execute(text(SCRATCH_DDL.format(blob=blob)))
                top = conn.execute(text("SELECT max(id) FROM bench_scratch")).scalar()
            next_id = 0 if top is None else top + 1
        self.next_id = next_id

    def rows(self, n: int, row_bytes: int) -> list[dict[str, Any]]:
        """``n`` fresh rows of ``row_bytes`` random bytes each."""
        out = [{"id": self.next_id + i, "data": os.urandom(row_bytes)} for i in range(n)]
        self.next_id += n
        return out

    def insert(self, rows: Sequence[dict[str, Any]], batch: int) -> None:
        """Insert ``rows``, ``batch`` rows per transaction (one commit each)."""
        stmt = text("INSERT INTO bench_scratch (id, data) VALUES (:id, :data)")
        for start in range(0, len(rows), batch):
            with self.engine.begin() as conn:
                conn.execute(stmt, rows[start : start + batch])


# -- ledgers and databases ---------------------------------------------------------------------


def append_batches(ledger: Ledger, items: Sequence[dict[str, Any]], batch: int) -> float:
    """Statements per second: ``parse_statement`` + ``Ledger.append``, ``batch`` per call.

    ``parse_statement`` builds the Statement from its JSON object (computing its RFC 8785
    bytes), as the server does for every statement it receives."""
    t = time.perf_counter()
    for start in range(0, len(items), batch):
        ledger.append([parse_statement(o) for o in items[start : start + batch]])
    return len(items) / (time.perf_counter() - t)


def create_ledger(engine: Engine, checkpoint_interval: float = 1.0) -> Ledger:
    """A ledger with its genesis and the 12 registrations (idempotent on an existing one)."""
    ledger = Ledger.create(engine, OPERATOR, ORIGIN, checkpoint_interval=checkpoint_interval)
    ledger.append(registrations())
    return ledger


def open_ledger(engine: Engine, checkpoint_interval: float = 1.0) -> Ledger:
    """An existing ledger, able to sign checkpoints."""
    return Ledger(
        engine, signer=NoteSigner(ORIGIN, OPERATOR), checkpoint_interval=checkpoint_interval
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextlib.contextmanager
def temp_dir(prefix: str = "bench-") -> Iterator[Path]:
    """A temporary directory on the same disk as the project (durability costs are real)."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=OUT) as d:
        yield Path(d)


@contextlib.contextmanager
def pg_schema(prefix: str = "bench") -> Iterator[str]:
    """A fresh PostgreSQL schema (dropped afterwards); yields its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def pg_engine(schema: str, **kwargs: Any) -> Engine:
    return make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"}, **kwargs)


def pg_available() -> bool:
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        print(f"  PostgreSQL at {PG_URL} is not available: {exc.orig}")
        return False
    finally:
        engine.dispose()
    return True


class SQLCounter:
    """Counts SQL statements sent on an engine (SQLAlchemy before_cursor_execute)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args: Any) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hit)


# -- timing and reporting ----------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass
class Row:
    """One line of a result table: a measured value and its ratios to the baselines."""

    name: str
    value: float | None
    unit: str = "/s"
    ratios: dict[str, float] = field(default_factory=dict)  # column name -> ratio
    target: str = ""
    verdict: str = ""


def verdict(ratio: float, minimum: float | None = None, maximum: float | None = None) -> str:
    ok = (minimum is None or ratio >= minimum) and (maximum is None or ratio <= maximum)
    return "PASS" if ok else "MISS"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.2f}"
    return f"{text} {unit}".rstrip()


def print_table(title: str, rows: Sequence[Row]) -> None:
    """A plain-text table; one ratio column per baseline named in any row."""
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r.ratios if c not in columns]
    header = ["measure", "value"] + [f"/ {c}" for c in columns] + ["target", ""]
    cells = [header] + [
        [r.name, _fmt(r.value, r.unit)]
        + [f"{r.ratios[c]:.2f}" if c in r.ratios else "" for c in columns]
        + [r.target, r.verdict]
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, c in enumerate(cells):
        print(
            "  "
            + "  ".join(
                v.ljust(w) if i == 0 or i >= len(header) - 2 else v.rjust(w)
                for i, (v, w) in enumerate(zip(c, widths, strict=False))
            ).rstrip()
        )
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    sys.stdout.flush()


def markdown_row(*cells: str) -> str:
    """One row of a Markdown table, ready to paste into docs/PERFORMANCE.md."""
    return "| " + " | ".join(cells) + " |"


def code_version() -> str:
    """The commit measured, and whether ledger/ or web/ differ from it."""
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "ledger",
                "web",
                "scripts",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head}{' + uncommitted changes in ledger/web/scripts' if dirty else ''}"


def machine_line() -> str:
    """Date, code version, Python, CPU count and load, for the record."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{datetime.now().strftime('%Y-%m-%d %H:%M')}  {code_version()}  "
        f"Python {sys.version.split()[0]}  {os.cpu_count()} CPUs  load {load}"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- profiling ---------------------------------------------------------------------------------

# (label, file suffix, function name): cumulative time of these functions in a profile.
APPEND_AREAS = [
    ("parse_statement (RFC 8785 of the statement)", "ledger/core/statements.py", "parse_statement"),
    ("admit: event validation (parse_event)", "ledger/core/event_parser.py", "parse_event"),
    ("  of which GS1 Digital Link parsing", "ledger/core/gs1.py", "parse_identifier"),
    ("admit: Ed25519 verification", "ledger/core/statements.py", "verify_signature"),
    ("custody and derived rows (event_effects.apply)", "ledger/service/event_effects.py", "apply"),
    (
        "  of which custody lookups (prefetch_custody)",
        "ledger/service/state.py",
        "prefetch_custody",
    ),
    ("entry bytes (make_entry)", "ledger/core/entries.py", "make_entry"),
    ("Merkle frontier (Frontier.append)", "ledger/core/merkle.py", "append"),
    ("load_frontier (per transaction)", "ledger/service/queries.py", "load_frontier"),
    ("read_head (per transaction)", "ledger/service/sequencer.py", "read_head"),
    ("derived-table writes (BatchState.flush)", "ledger/service/state.py", "flush"),
    (
        "checkpoint check/sign (_maybe_checkpoint)",
        "ledger/service/sequencer.py",
        "_maybe_checkpoint",
    ),
    ("all SQL via SQLAlchemy (Connection.execute)", "sqlalchemy/engine/base.py", "execute"),
    ("  of which in the sqlite3/psycopg driver", "sqlalchemy/engine/default.py", "do_execute"),
    ("  of which executemany in the driver", "sqlalchemy/engine/default.py", "do_executemany"),
    ("COMMIT (sqlite3, fsync)", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("COMMIT (psycopg)", "psycopg/connection.py", "commit"),
]


def profile_breakdown(
    fn: Callable[[], Any], areas: Sequence[tuple[str, str, str]] = APPEND_AREAS, top: int = 0
) -> tuple[float, list[tuple[str, float]]]:
    """Run ``fn`` under cProfile; return total seconds and the cumulative seconds of each area.

    cProfile inflates Python-level work relative to C calls (about 1.5-2x here), so read the
    shares, not the absolute seconds."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats = pstats.Stats(prof)
    total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    out = []
    for label, suffix, func in areas:
        cum = sum(
            v[3]
            for (f, _l, name), v in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and f.endswith(suffix)
        )
        if cum:
            out.append((label, float(cum)))
    if top:
        stats.sort_stats("tottime").print_stats(top)
    return float(total), out


def print_breakdown(title: str, total: float, parts: Sequence[tuple[str, float]]) -> None:
    print(f"\n{title} (cProfile, cumulative, share of {total:.2f} s)")
    width = max(len(label) for label, _ in parts)
    for label, cum in parts:
        print(f"  {label.ljust(width)}  {cum:7.2f} s  {cum / total:6.1%}")
    sys.stdout.flush()


def stage_costs(items: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Microseconds per statement of the pure-CPU stages of an append, timed without a
    profiler on the given statements (JSON objects): what the pipeline does besides SQL."""
    import json as _json

    from ledger.core.canonical import parse_json
    from ledger.core.entries import make_entry
    from ledger.core.event_parser import parse_event
    from ledger.core.flags import flags
    from ledger.core.gs1 import parse_identifier
    from ledger.core.signing import PublicKey

    n = len(items)
    bodies = [_json.dumps(o, ensure_ascii=False).encode("utf-8") for o in items]
    statements = [parse_statement(o) for o in items]
    keys = {k: PublicKey(v) for k, v in public_keys().items()}
    parsed = [parse_event(s.payload) for s in statements]
    uris = [u for s in statements for u in _uris(s.payload)]

    def verify_all() -> None:
        for s in statements:
            s.verify_signature(keys[s.signer])

    def flag_all() -> None:
        for e in parsed:
            flags(e)

    def parse_uris() -> None:
        for u in uris:
            parse_identifier(u)

    stages: list[tuple[str, Callable[[], Any]]] = [
        (
            "strict JSON parse of a request body (parse_json)",
            lambda: [parse_json(b) for b in bodies],
        ),
        (
            "parse_statement (RFC 8785 bytes of the statement)",
            lambda: [parse_statement(o) for o in items],
        ),
        ("statement ID (SHA-256)", lambda: [s.statement_id for s in statements]),
        ("Ed25519 verification (Statement.verify_signature)", verify_all),
        (
            "event validation (parse_event)",
            lambda: [parse_event(s.payload) for s in statements],
        ),
        (f"  of which GS1 Digital Link parsing ({len(uris) / n:.1f} URIs/event)", parse_uris),
        ("flags of one event", flag_all),
        (
            "entry bytes + leaf hash (make_entry)",
            lambda: [
                make_entry(i, bytes(32), s, "2026-01-01T00:00:00.000Z")
                for i, s in enumerate(statements)
            ],
        ),
    ]
    return {label: timed(fn) / n * 1e6 for label, fn in stages}


def _uris(payload: Any) -> list[str]:
    """Every GS1 Digital Link URI in a payload (the identifiers parse_event checks)."""
    if isinstance(payload, dict):
        return [u for v in payload.values() for u in _uris(v)]
    if isinstance(payload, list):
        return [u for v in payload for u in _uris(v)]
    return (
        [payload] if isinstance(payload, str) and payload.startswith("https://id.gs1.org/") else []
    )
