"""Trace forward and backward (``Ledger.trace``) against reading the same entries by key.

    .venv/bin/python -m bench.trace [--quick] [--size N] [--rounds R]

On the scan ledger of bench/scan_data.py (the demo season, then filler up to N entries;
built and cached by ``python -m bench.scan_data --size N``):

* backward from the sample bag (bag, its lot, milled rice, paddy, plot: 4 levels);
* forward from the sample bag's paddy lot (milled rice, its bags, their cases: all the
  season's bags of that plot and where each is now).

Baseline, interleaved round by round: the entries each trace names (every node's
entries and every edge's), read by primary key in one ``IN`` query, which is the least any
trace that shows them must do. The trace parses events through the process's cache of
parsed entries (``ledger.service.lineage.parsed_event``), warm after the first round, as it
is in a server. No assertions on time; read the ratios.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import select

from bench.common import machine_line, markdown_row, median
from bench.scan_data import build, open_bench_ledger
from ledger import demo
from ledger.core.gs1 import parse_identifier
from ledger.service.ledger import Ledger
from ledger.store.models import LogEntry


def read_by_key(ledger: Ledger, indices: list[int]) -> int:
    """Read the entries at ``indices`` by primary key; how many were read."""
    with ledger.engine.connect() as conn:
        return len(conn.execute(select(LogEntry.leaf).where(LogEntry.idx.in_(indices))).all())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (20 if args.quick else 100)
    print(machine_line())
    ledger = open_bench_ledger(build(args.size, quiet=True))
    bag = parse_identifier("https://id.gs1.org" + demo.sample_unit_path()).object_key()
    back = ledger.trace(bag, "backward")
    paddy = next(n.object_id for n in back.nodes if "/01/06901234000108/" in n.object_id)
    cases = {
        "backward from a bag": (bag, "backward"),
        "forward from its paddy lot": (paddy, "forward"),
    }
    for name, (start, direction) in cases.items():
        found = ledger.trace(start, direction)
        indices = sorted(
            {i for n in found.nodes for i in n.entries} | {e.index for e in found.edges}
        )
        levels = max(n.depth for n in found.nodes)
        traced, keyed, ratios = [], [], []
        for _ in range(rounds):
            t = time.perf_counter()
            ledger.trace(start, direction)
            traced.append(time.perf_counter() - t)
            t = time.perf_counter()
            read_by_key(ledger, indices)
            keyed.append(time.perf_counter() - t)
            ratios.append(traced[-1] / keyed[-1])
        print(
            f"{name}: {len(found.nodes)} objects, {len(found.edges)} links, {levels} levels, "
            f"{len(indices)} entries; trace {median(traced) * 1000:.1f} ms, read by key "
            f"{median(keyed) * 1000:.1f} ms; ratio {median(ratios):.2f}"
        )
        print(markdown_row(name, f"{median(traced) * 1000:.1f} ms", f"{median(ratios):.2f}"))


if __name__ == "__main__":
    main()
