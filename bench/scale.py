"""Does append cost grow with the log? And proofs at the large size.

    .venv/bin/python -m bench.scale [--quick] [--build-only] [--profile]

Compares SQLite appends (batches of 100, and one per call) to a ledger of 10,000 entries
and to one of 1,000,000 (--quick: 100,000), in alternating rounds after a warm-up round.
Target: the large ledger's append rate within 1.25x of the small one's.

Then, on the large ledger: inclusion proofs (random index, tree = whole log) and
consistency proofs (random first size, to the whole log) per second through
``ledger.service.queries`` on one connection (target >= 2,000 proofs/s), the same through
the ``Ledger`` facade (one pooled connection per call, as the web API does), and the SQL
statements per proof, counted with a before_cursor_execute listener, at both sizes (target:
O(log n) reads, i.e. a constant number of statements fetching ~log2(n) nodes).

Both database files are read once before measuring, so that the OS page cache holds them:
this measures appends, not cold disk reads. The large ledger is built once, with batches of
1,000 (signed in a second process while the first appends), into
bench/out/scale-<n>.sqlite3 and reused by later runs; an
interrupted build resumes. Measuring appends to it makes it grow by a few thousand entries
per run (negligible at that size). The small ledger is built once too, kept pristine, and
copied for each run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

from bench.common import (
    N_REGISTRATIONS,
    OUT,
    Interleaved,
    Row,
    SQLCounter,
    append_batches,
    create_ledger,
    machine_line,
    make_engine,
    median,
    print_breakdown,
    print_table,
    profile_breakdown,
    sign_events_chunks,
    sign_many,
    sqlite_url,
    temp_dir,
    vb_prepare,
    vb_seconds,
    verdict,
)
from ledger.core.merkle import verify_consistency, verify_inclusion
from ledger.service import queries
from ledger.service.ledger import Ledger

FIRST_EVENT = 1 + N_REGISTRATIONS  # index of the first producer event in a bench ledger


def ledger_path(size: int) -> Path:
    return OUT / f"scale-{size}.sqlite3"


def build(size: int, batch: int = 1000) -> Path:
    """Build (or finish building) a ledger of at least ``size`` entries; return its path."""
    path = ledger_path(size)
    OUT.mkdir(parents=True, exist_ok=True)
    engine = make_engine(sqlite_url(path))
    ledger = create_ledger(engine)
    have = ledger.size()
    if have >= size:
        engine.dispose()
        return path
    todo = size - have
    print(
        f"  building {path.name}: {have:,} entries, appending {todo:,} in batches of {batch} ...",
        flush=True,
    )
    t0 = last = time.perf_counter()
    done = 0
    for chunk in sign_events_chunks(have - FIRST_EVENT, todo, chunk=batch, processes=1):
        ledger.append(chunk)
        done += len(chunk)
        if done % 50_000 < batch or done == todo:
            now = time.perf_counter()
            print(
                f"    {have + done:>9,} entries  {done / (now - t0):6,.0f}/s overall  "
                f"{min(50_000, done) / (now - last):6,.0f}/s recent",
                flush=True,
            )
            last = now
    engine.dispose()
    return path


def warm_file(path: Path) -> None:
    """Read a file once so that the OS page cache holds it."""
    with path.open("rb") as f:
        while f.read(1 << 24):
            pass


def event_start(ledger: Ledger) -> int:
    """The stream number of the next producer event for a bench ledger."""
    return ledger.size() - FIRST_EVENT


class SqliteSteps:
    """Counts SQLite virtual-machine instructions on one connection: the work a query does,
    independent of the clock (a statement that scans a table shows up here). SQLite calls
    the progress handler every ``every`` instructions of one statement and restarts the
    count for each statement, so up to ``every`` - 1 instructions per statement go
    uncounted; the Python callback slows queries down, so count outside the timed loops."""

    def __init__(self, conn: Connection, every: int = 50) -> None:
        self.raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        self.every = every
        self.ticks = 0
        if self.raw is not None:
            self.raw.set_progress_handler(self._tick, every)

    def _tick(self) -> int:
        self.ticks += 1
        return 0

    @property
    def steps(self) -> int:
        return self.ticks * self.every

    def close(self) -> None:
        if self.raw is not None:
            self.raw.set_progress_handler(None, 0)


def node_query_plan(conn: Connection, index: int, size: int) -> str:
    """The database's plan for the node fetch of one inclusion proof (SQLite: SCAN = the
    whole table; PostgreSQL: Seq Scan)."""
    seen: list[tuple[str, Any]] = []

    def grab(
        _conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool
    ) -> None:
        seen.append((statement, params))

    event.listen(conn.engine, "before_cursor_execute", grab)
    try:
        queries.inclusion_proof(conn, index, size)
    finally:
        event.remove(conn.engine, "before_cursor_execute", grab)
    statement, params = next((st, p) for st, p in reversed(seen) if "merkle_nodes" in st)
    explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    lines = [
        " ".join(str(row[-1]).split())
        for row in conn.exec_driver_sql(explain + statement, params).all()
    ]
    if conn.dialect.name == "sqlite":  # the distinct plan lines, with how often each occurs
        counts: dict[str, int] = {}
        for line in lines:
            key = " ".join(w for w in line.split() if not w.isdigit())  # "INDEX 7" -> "INDEX"
            counts[key] = counts.get(key, 0) + 1
        return "; ".join(f"{k} (x{n})" if n > 1 else k for k, n in counts.items())
    scans = [
        ln.lstrip("-> ").split(" (cost")[0]
        for ln in lines
        if " Scan " in ln or ln.startswith("Seq Scan")
    ]
    return f"{lines[0].split(' (cost')[0]}; {len(scans)} scans: " + ", ".join(sorted(set(scans)))


def timed_loop(args: list[Any], fn: Callable[[Any], int], budget: float) -> tuple[int, float, int]:
    """Call ``fn`` on each argument until done or ``budget`` seconds have passed; return
    (calls, seconds, sum of fn's results)."""
    t = time.perf_counter()
    total = calls = 0
    for a in args:
        total += fn(a)
        calls += 1
        if time.perf_counter() - t > budget:
            break
    return calls, time.perf_counter() - t, total


def proofs(engine: Engine, n: int, budget: float, seed: int = 7) -> dict[str, Any]:
    """Inclusion and consistency proofs per second (at most ``n`` of each, or ``budget``
    seconds), SQL statements, nodes and SQLite VM steps per proof."""
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        size = out["size"] = queries.log_size(conn)
        root = queries.root_at(conn, size)
        idx = [rng.randrange(size) for _ in range(n)]
        firsts = [rng.randrange(1, size) for _ in range(n)]
        for i in idx[:3]:  # correctness of a few, outside the timing
            leaf, proof = queries.inclusion_proof(conn, i, size)
            verify_inclusion(i, size, leaf, proof, root)
        for m in firsts[:3]:
            verify_consistency(
                m, size, queries.consistency_proof(conn, m, size), queries.root_at(conn, m), root
            )
        out["plan"] = node_query_plan(conn, idx[0], size)

        def inclusion(i: int) -> int:
            return len(queries.inclusion_proof(conn, i, size)[1]) + 1

        def consistency(m: int) -> int:
            return len(queries.consistency_proof(conn, m, size))

        for name, fn, args in (("inclusion", inclusion, idx), ("consistency", consistency, firsts)):
            counter = SQLCounter(engine)
            calls, seconds, nodes = timed_loop(args, fn, budget)
            out[name] = calls / seconds
            out[f"{name}_sql"], out[f"{name}_nodes"] = counter.count / calls, nodes / calls
            out[f"{name}_calls"] = calls
            counter.close()
            steps = SqliteSteps(conn)  # on a few more proofs, untimed
            calls, _seconds, _nodes = timed_loop(args[:20], fn, budget)
            out[f"{name}_steps"] = steps.steps / calls
            steps.close()
    facade = Ledger(engine)
    calls, seconds, _ = timed_loop(
        idx, lambda i: len(facade.inclusion_proof(i, size)[1]), budget / 2
    )
    out["facade"] = calls / seconds
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="10k vs 100k, fewer rounds")
    ap.add_argument("--build-only", action="store_true", help="only build (or finish) the ledgers")
    ap.add_argument("--profile", action="store_true", help="profile batched appends at both sizes")
    ap.add_argument(
        "--proofs-only", action="store_true", help="only the proofs, on the large ledger"
    )
    args = ap.parse_args()
    small_n, large_n = (10_000, 100_000) if args.quick else (10_000, 1_000_000)
    rounds, n_batched, n_single, n_proofs = (
        (3, 500, 50, 1000) if args.quick else (5, 1000, 100, 4000)
    )
    budget = 3.0 if args.quick else 10.0  # seconds per kind of proof and size, at most
    print(f"bench.scale {'--quick' if args.quick else '(full)'}  {machine_line()}")
    t_start = time.perf_counter()
    small_src, large_path = build(small_n), build(large_n)
    if args.build_only:
        return
    if args.proofs_only:
        engine = make_engine(sqlite_url(large_path))
        warm_file(large_path)
        lg = proofs(engine, n_proofs, budget)
        engine.dispose()
        print_table(
            f"proofs at {lg['size']:,} entries",
            [
                Row(
                    f"{kind} proofs/s (queries, 1 conn)",
                    lg[kind],
                    target=">= 2,000/s",
                    verdict=verdict(lg[kind], 2000),
                )
                for kind in ("inclusion", "consistency")
            ]
            + [
                Row(
                    "inclusion proofs/s (Ledger facade, a pooled connection per call)", lg["facade"]
                )
            ],
        )
        print(
            f"  SQL per proof: {lg['inclusion_sql']:.1f} (inclusion), "
            f"{lg['consistency_sql']:.1f} (consistency); plan: {lg['plan']}"
        )
        return
    with temp_dir("scale-") as workdir:
        small_path = workdir / small_src.name
        shutil.copyfile(small_src, small_path)
        ledgers = {
            name: create_ledger(make_engine(sqlite_url(path)))  # opens it, with the note signer
            for name, path in (("small", small_path), ("large", large_path))
        }
        for path in (
            small_path,
            large_path,
        ):  # warm the OS page cache: measure appends, not disk reads
            warm_file(path)
        sizes = {k: v.size() for k, v in ledgers.items()}
        print(
            f"  small ledger {sizes['small']:,} entries (a copy), large {sizes['large']:,} entries "
            f"({large_path.stat().st_size / 2**20:,.0f} MiB file)"
        )
        per_round = n_batched + n_single
        work = {
            k: [s.to_json() for s in sign_many(event_start(v), (rounds + 1) * per_round)]
            for k, v in ledgers.items()
        }
        rates: dict[tuple[str, int], list[float]] = {(k, b): [] for k in ledgers for b in (100, 1)}
        vb: list[float] = []
        for r in range(rounds + 1):  # round 0 warms the page cache and is not counted
            m = Interleaved()
            chunk = {k: w[r * per_round : (r + 1) * per_round] for k, w in work.items()}
            prepared = vb_prepare(chunk["small"][:n_batched])
            for k in range(0, n_batched, 100):  # small, large, verify-bound in tight alternation
                for name, ledger in ledgers.items():
                    m.time(
                        (name, 100),
                        100,
                        partial(append_batches, ledger, chunk[name][k : k + 100], 100),
                    )
                m.add("vb", vb_seconds(prepared[k : k + 100]), 100)
            for k in range(n_batched, per_round, 10):
                for name, ledger in ledgers.items():
                    m.time(
                        (name, 1), 10, partial(append_batches, ledger, chunk[name][k : k + 10], 1)
                    )
            if r:
                for key, values in rates.items():
                    values.append(m.rate(key))
                vb.append(m.rate("vb"))
                print(
                    f"  round {r}/{rounds}: "
                    f"small x100 {rates[('small', 100)][-1]:,.0f}/s  "
                    f"large x100 {rates[('large', 100)][-1]:,.0f}/s  "
                    f"small x1 {rates[('small', 1)][-1]:,.0f}/s  "
                    f"large x1 {rates[('large', 1)][-1]:,.0f}/s",
                    flush=True,
                )
        if args.profile:
            for name, ledger in ledgers.items():
                more = [s.to_json() for s in sign_many(event_start(ledger), 1000)]
                total, parts = profile_breakdown(partial(append_batches, ledger, more, 100))
                print_breakdown(
                    f"where the time goes: {name} ledger ({ledger.size():,}), batches of 100",
                    total,
                    parts,
                )
        pr = {k: proofs(v.engine, n_proofs, budget) for k, v in ledgers.items()}
        grown = {k: v.size() for k, v in ledgers.items()}
        for ledger in ledgers.values():
            ledger.engine.dispose()

    def slowdown(b: int) -> float:
        """How many times slower an append is at the large size (per-round pairs)."""
        return median(
            [s / g for s, g in zip(rates[("small", b)], rates[("large", b)], strict=False)]
        )

    lg, sm = pr["large"], pr["small"]
    rows = [
        Row("verify-bound rate (1 core)", median(vb)),
        Row(f"append x100 at {sizes['small']:,}", median(rates[("small", 100)])),
        Row(
            f"append x100 at {sizes['large']:,}",
            median(rates[("large", 100)]),
            ratios={
                "verify-bound": median(
                    [g / v for g, v in zip(rates[("large", 100)], vb, strict=False)]
                ),
                "slowdown": slowdown(100),
            },
            target="slowdown <= 1.25",
            verdict=verdict(slowdown(100), maximum=1.25),
        ),
        Row(f"append x1 at {sizes['small']:,}", median(rates[("small", 1)])),
        Row(
            f"append x1 at {sizes['large']:,}",
            median(rates[("large", 1)]),
            ratios={"slowdown": slowdown(1)},
            target="slowdown <= 1.25",
            verdict=verdict(slowdown(1), maximum=1.25),
        ),
    ]
    print_table(f"SQLite append cost at {small_n:,} vs {large_n:,} entries", rows)
    print(
        f"\n  (the appends made the ledgers grow: {sizes['small']:,} -> {grown['small']:,} and "
        f"{sizes['large']:,} -> {grown['large']:,} entries; proofs are measured at the grown sizes)"
    )

    def per(key: str) -> float:
        return float(lg[key] / sm[key]) if sm[key] else float("nan")

    proof_rows = []
    for kind in ("inclusion", "consistency"):
        proof_rows += [
            Row(f"{kind} proofs/s at {sm['size']:,} (queries, 1 conn)", sm[kind]),
            Row(
                f"{kind} proofs/s at {lg['size']:,} (queries, 1 conn)",
                lg[kind],
                ratios={"smaller log": per(kind)},
                target=">= 2,000/s",
                verdict=verdict(lg[kind], 2000),
            ),
            Row(
                f"  SQL statements per {kind} proof at {lg['size']:,}",
                lg[f"{kind}_sql"],
                "",
                ratios={"smaller log": per(f"{kind}_sql")},
                target="constant",
                verdict=verdict(per(f"{kind}_sql"), maximum=1),
            ),
            Row(
                f"  nodes per {kind} proof at {lg['size']:,}",
                lg[f"{kind}_nodes"],
                "",
                ratios={"smaller log": per(f"{kind}_nodes")},
                target="~log2 n",
            ),
            Row(
                f"  SQLite VM steps per {kind} proof at {lg['size']:,}",
                lg[f"{kind}_steps"],
                "",
                ratios={"smaller log": per(f"{kind}_steps")},
                target="O(log n): ratio <= 2",
                verdict=verdict(per(f"{kind}_steps"), maximum=2),
            ),
        ]
    proof_rows.append(
        Row(
            f"inclusion proofs/s at {lg['size']:,} (Ledger facade, 1 conn per call)",
            lg["facade"],
            target="report",
        )
    )
    print_table(f"Proofs (at most {n_proofs:,} of each or {budget:.0f} s)", proof_rows)
    print(f"\n  SQLite plan of a proof's node fetch at {lg['size']:,}: {lg['plan']}")
    print(f"\n{time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
