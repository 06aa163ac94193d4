"""Ledgers for the scan-page benchmarks: the demo season (ledger/demo.py) plus filler.

    .venv/bin/python -m bench.scan_data [--size N ...]     # build (or finish) the ledgers

Layout of ``bench/out/scan-<N>.sqlite3`` (gitignored, reused by later runs, resumable):

* entry 0: genesis (operator = bench.common.OPERATOR, origin = ledger.demo.ORIGIN);
* the 12 registrations of the six example actors (bench keys: fixed seeds, see bench.common);
* the whole 2026 demo season of ledger/demo.py (``chain_events``), signed by those actors'
  keys: the sample unit (``demo.sample_unit_path()``), bag 06901234000122 serial 100071 of
  lot WC26-M07, has a bundle of 26 entries (sowing ... milling, inspection, bagging, packing,
  cold store, shipping, the truck with the temperature excursion, receiving, and the
  registrations they depend on);
* filler up to N entries: the farm's harvest + storing stream of bench.common (distinct
  paddy lots, tag "F"), except that every filler harvest names its own plot ("F0000123"):
  bench.common's harvests all name the demo's plot-07, which would make that one plot
  appear in half a million harvests and the sample unit's lineage walk (which reads the
  plot's history back to its previous harvest) read 400 of them. Real signed statements
  appended through ``Ledger.append`` in batches of 1,000 (so every entry passed
  validation, custody, the derived tables and the Merkle code, and checkpoints are signed
  every second of the build as in production);
* a final checkpoint of the whole log.

The demo season comes first, so the sample unit's entries are the oldest of the log: its
inclusion proofs at N entries are as long as any (about log2 N nodes each).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import common
from bench.common import (
    N_REGISTRATIONS,
    OPERATOR,
    OUT,
    make_engine,
    producer_key,
    registrations,
    sign_events_chunks,
    sqlite_url,
)
from ledger import demo
from ledger.core.statements import Statement, sign_statement
from ledger.service.ledger import Ledger

TAG = "F"  # filler lots are BF00000000..., distinct from bench.scale's stream
SAMPLE_PATH = (
    demo.sample_unit_path()
)  # /01/06901234000122/10/WC26-M07/21/100071 (bag 100071 is of lot WC26-M07)


def filler_payload(i: int, tag: str = TAG) -> dict[str, Any]:
    """Filler event ``i``: bench.common's event ``i`` (tag F), its harvest on a plot of its own."""
    payload = common.event_payload(i, tag)
    if i % 2 == 0:
        lot_no = i // 2
        payload = common.ex.harvest(
            lot=f"B{tag}{lot_no:08d}"[:20],
            kg=9000 + (lot_no % 997) * 7.5,
            plot=f"F{lot_no:07d}",
            time=payload["eventTime"],
            harvest_date=payload["eventTime"][:10],
            eid=payload["eventID"],
        )
    return payload


def filler_chunks(start: int, n: int, chunk: int) -> Iterator[list[Statement]]:
    """Filler statements ``start .. start+n-1``, signed in a second process while the caller
    appends."""
    return sign_events_chunks(start, n, TAG, chunk=chunk, payload=filler_payload)


def ledger_path(size: int) -> Path:
    return OUT / f"scan-{size}.sqlite3"


def season_statements() -> list[Statement]:
    """The demo season's events, signed by the bench keys of their actors."""
    return [
        sign_statement("event", payload, producer_key(actor))
        for actor, payload in demo.chain_events()
    ]


def open_bench_ledger(path: Path) -> Ledger:
    """The ledger at ``path`` (created with genesis and registrations if new), able to sign."""
    engine = make_engine(sqlite_url(path))
    ledger = Ledger.create(engine, OPERATOR, demo.ORIGIN, checkpoint_interval=1.0)
    ledger.append(registrations())
    return ledger


def build(size: int, batch: int = 1000, quiet: bool = False) -> Path:
    """Build (or finish building) the scan ledger of ``size`` entries; return its path."""
    path = ledger_path(size)
    OUT.mkdir(parents=True, exist_ok=True)
    ledger = open_bench_ledger(path)
    season = season_statements()
    first_filler = 1 + N_REGISTRATIONS + len(season)
    have = ledger.size()
    if have < first_filler:
        for start in range(0, len(season), 100):
            ledger.append(season[start : start + 100])
        have = ledger.size()
        assert have == first_filler, (have, first_filler)
    if have >= size:
        _final_checkpoint(ledger)
        ledger.engine.dispose()
        return path
    todo = size - have
    if not quiet:
        print(
            f"  building {path.name}: {have:,} entries, "
            f"appending {todo:,} in batches of {batch} ...",
            flush=True,
        )
    t0 = last = time.perf_counter()
    done = 0
    for chunk in filler_chunks(have - first_filler, todo, batch):
        ledger.append(chunk)
        done += len(chunk)
        if not quiet and (done % 50_000 < batch or done == todo):
            now = time.perf_counter()
            print(
                f"    {have + done:>9,} entries  {done / (now - t0):6,.0f}/s overall  "
                f"{min(50_000, done) / (now - last):6,.0f}/s recent",
                flush=True,
            )
            last = now
    _final_checkpoint(ledger)
    ledger.engine.dispose()
    return path


def _final_checkpoint(ledger: Ledger) -> None:
    latest = ledger.latest_checkpoint()
    if latest is None or latest.tree_size != ledger.size():
        ledger.checkpoint()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--size", type=int, action="append", help="entries (default: 10,000 and 1,000,000)"
    )
    args = ap.parse_args()
    for size in args.size or [10_000, 1_000_000]:
        t = time.perf_counter()
        path = build(size)
        mib = path.stat().st_size / 2**20
        print(f"  {path} ready ({mib:,.0f} MiB) in {time.perf_counter() - t:,.0f} s", flush=True)


if __name__ == "__main__":
    main()
