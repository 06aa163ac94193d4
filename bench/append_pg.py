"""PostgreSQL appends with 1 and with 4 writer processes, in batches of 100 and one at a time.

    .venv/bin/python -m bench.append_pg [--quick] [--profile]

Runs in a schema of its own (created and dropped here) on LEDGER_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each writer is a separate
process with its own engine and Ledger (the sequencer serialises them with the advisory
lock); writers start together at a barrier and the rate is all their statements over the
time from the first start to the last finish. Each writer posts its own stream of the
workload (its own lots), so no writer waits on another's custody.

Baselines, measured in every round: the verify-bound rate (one core, in this process, just
before and just after each ledger run, on that run's statements) and
plain inserts of rows of the entries' size into a scratch table of the same schema, with
the same number of writer processes, the same batch size and one commit per batch.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from typing import Any

from sqlalchemy import text

from bench.common import (
    N_REGISTRATIONS,
    PlainInsert,
    Row,
    append_batches,
    create_ledger,
    machine_line,
    median,
    open_ledger,
    pg_available,
    pg_engine,
    pg_schema,
    print_breakdown,
    print_table,
    profile_breakdown,
    sign_many,
    vb_prepare,
    vb_seconds,
    verdict,
)
from bench.scale import proofs

BATCH = 100
CTX = multiprocessing.get_context("fork")


def _writer(schema: str, kind: str, work: Any, batch: int, barrier: Any, results: Any) -> None:
    engine = pg_engine(schema)
    if kind == "ledger":
        ledger = open_ledger(engine)
        ledger.size()  # open the pool's connection before the clock starts
    else:
        plain = PlainInsert(engine, next_id=work[0]["id"])
        with engine.connect():
            pass
    barrier.wait()
    t0 = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    if kind == "ledger":
        append_batches(ledger, work, batch)
    else:
        plain.insert(work, batch)
    results.put((t0, time.perf_counter(), len(work)))
    engine.dispose()


def run_writers(schema: str, kind: str, works: list[Any], batch: int) -> float:
    """Aggregate rows/statements per second of ``len(works)`` writer processes."""
    barrier = CTX.Barrier(len(works))
    results = CTX.Queue()
    procs = [
        CTX.Process(target=_writer, args=(schema, kind, w, batch, barrier, results)) for w in works
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a {kind} writer failed (exit {p.exitcode})")
    start, end = min(g[0] for g in got), max(g[1] for g in got)
    return sum(g[2] for g in got) / (end - start)


class Streams:
    """Fresh signed statements for writer w, continuing its own stream (its own lots)."""

    def __init__(self) -> None:
        self.next = {}  # type: dict[str, int]

    def take(self, writer: int, n: int) -> list[dict[str, Any]]:
        tag = f"W{writer}"
        start = self.next.get(tag, 0)
        self.next[tag] = start + n
        return [s.to_json() for s in sign_many(start, n, tag)]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="fewer and smaller rounds (well under a minute)"
    )
    ap.add_argument(
        "--profile", action="store_true", help="also profile one writer's batched appends"
    )
    args = ap.parse_args()
    print(f"bench.append_pg {'--quick' if args.quick else '(full)'}  {machine_line()}")
    if not pg_available():
        raise SystemExit("PostgreSQL does not answer at LEDGER_BENCH_POSTGRES_URL")
    rounds, n_batched, n_single = (2, 800, 80) if args.quick else (3, 3200, 320)
    t_start = time.perf_counter()
    configs = [(w, b) for b in (BATCH, 1) for w in (1, 4)]
    rates: dict[tuple[str, int, int], list[float]] = {
        (kind, w, b): [] for kind in ("ledger", "plain") for w, b in configs
    }
    vb: dict[tuple[int, int], list[float]] = {c: [] for c in configs}
    streams = Streams()
    with pg_schema("bench_pg") as schema:
        engine = pg_engine(schema)
        ledger = create_ledger(engine)
        plain_ids = PlainInsert(engine).next_id
        with engine.connect() as conn:
            settings = {
                s: conn.execute(text(f"SHOW {s}")).scalar() for s in ("fsync", "synchronous_commit")
            }
        durability = (
            f"fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}"
        )
        print(f"  schema {schema}; server {durability}")
        row_bytes = 0
        for r in range(rounds):
            for writers, batch in configs:
                n = n_batched if batch > 1 else n_single
                works = [streams.take(w, n // writers) for w in range(writers)]
                sample = vb_prepare(works[0][:500])
                before = len(sample) / vb_seconds(sample)
                rates[("ledger", writers, batch)].append(
                    run_writers(schema, "ledger", works, batch)
                )
                vb[(writers, batch)].append((before + len(sample) / vb_seconds(sample)) / 2)
                if not row_bytes:
                    with engine.connect() as conn:
                        row_bytes = int(
                            conn.execute(
                                text(
                                    "SELECT avg(length(leaf)) FROM log_entries WHERE kind = 'event'"
                                )
                            ).scalar()
                            or 0
                        )
                plain = PlainInsert(engine, next_id=plain_ids)
                plain_rows = [plain.rows(n // writers, row_bytes) for _ in range(writers)]
                plain_ids = plain.next_id
                rates[("plain", writers, batch)].append(
                    run_writers(schema, "plain", plain_rows, batch)
                )
            per_config = "  ".join(
                f"{w}w x{b}: {rates[('ledger', w, b)][-1]:,.0f}/s "
                f"(plain {rates[('plain', w, b)][-1]:,.0f}/s)"
                for w, b in configs
            )
            print(
                f"  round {r + 1}/{rounds}: verify-bound {vb[configs[0]][-1]:,.0f}/s  {per_config}",
                flush=True,
            )
        total = 1 + N_REGISTRATIONS + sum(streams.next.values())
        assert ledger.size() == total, (ledger.size(), total)
        if args.profile:
            more = streams.take(0, 2000)
            t, parts = profile_breakdown(lambda: append_batches(ledger, more, BATCH))
            print_breakdown("where the time goes: PostgreSQL, 1 writer, batches of 100", t, parts)
        pr = proofs(engine, 2000, 3.0)
        print(
            f"  proofs on PostgreSQL at {pr['size']:,} entries: "
            f"inclusion {pr['inclusion']:,.0f}/s ({pr['inclusion_sql']:.0f} SQL statements, "
            f"{pr['inclusion_nodes']:.0f} nodes each), "
            f"consistency {pr['consistency']:,.0f}/s; plan of the node fetch: {pr['plan']}"
        )
        report = ledger.verify()
        assert report.ok, report.failures[:3]
        engine.dispose()

    rows = [Row("verify-bound rate (1 core)", median([v for vs in vb.values() for v in vs]))]
    for writers, batch in configs:
        led, pl = rates[("ledger", writers, batch)], rates[("plain", writers, batch)]
        what = f"{writers} writer{'s' if writers > 1 else ''}, " + (
            "batches of 100" if batch > 1 else "one per call"
        )
        r_vb = median([a / v for a, v in zip(led, vb[(writers, batch)], strict=False)])
        rows.append(
            Row(
                f"append, {what}",
                median(led),
                ratios={
                    "verify-bound": r_vb,
                    "plain insert": median([a / p for a, p in zip(led, pl, strict=False)]),
                },
                target=">= 0.50 of verify-bound" if batch > 1 else "report",
                verdict=verdict(r_vb, 0.5) if batch > 1 else "",
            )
        )
        rows.append(Row(f"plain insert, {what}", median(pl)))
    print_table(f"PostgreSQL ({durability})", rows)
    print(f"\n{time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
