"""Trace forward and backward (``Ledger.trace``) against reading the same entries by key.

    .venv/bin/python -m bench.trace [--quick] [--size N] [--rounds R]
    .venv/bin/python -m bench.trace --supply [--quick] [--size N] [--profile] [--postgres]

On the scan ledger of bench/scan_data.py (the demo season, then filler up to N entries;
built and cached by ``python -m bench.scan_data --size N``):

* backward from the sample bag (bag, its lot, milled rice, paddy, plot: 4 levels);
* forward from the sample bag's paddy lot (milled rice, its bags, their cases: all the
  season's bags of that plot and where each is now).

With ``--supply``, on the supply-graph ledger of bench/supply_graph.py (default 1,000,000
entries; built and cached by ``python -m bench.supply_graph``), 5-level traces (``depth=5``)
of graph S, whose events lie scattered through the log:

* forward from the paddy lot WC26-PS1 (rice lot, 1,000 bags, 100 cases, 10 pallets);
* backward from a bag (its rice lot, the paddy, the plot);
* backward from a case received by store 50 (its bags, their lot, the paddy, the plot).

Baseline, interleaved round by round: the entries each trace names (every node's
entries and every edge's), read by primary key in one ``IN`` query, which is the least any
trace that shows them must do; with ``--supply`` also the same read followed by
``parse_entry`` of every entry (JSON decoding, no cache), the issue's "reading the same
entries by primary key" including the parse. The trace parses events through the process's cache of
parsed entries (``ledger.service.lineage.parsed_event``), warm after the first round, as it
is in a server. No assertions on time; read the ratios.
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import select

from bench import supply_graph
from bench.common import machine_line, markdown_row, median
from bench.scan_data import build, open_bench_ledger
from ledger import demo
from ledger import samples as s
from ledger.core.entries import parse_entry
from ledger.core.gs1 import gtin_uri, parse_identifier
from ledger.service.ledger import Ledger
from ledger.store.models import LogEntry


def read_by_key(ledger: Ledger, indices: list[int]) -> int:
    """Read the entries at ``indices`` by primary key; how many were read."""
    with ledger.engine.connect() as conn:
        return len(conn.execute(select(LogEntry.leaf).where(LogEntry.idx.in_(indices))).all())


def read_and_parse(ledger: Ledger, indices: list[int]) -> int:
    """Read the entries at ``indices`` by primary key and parse each (no cache)."""
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(LogEntry.leaf).where(LogEntry.idx.in_(indices))).all()
    return len([parse_entry(row.leaf) for row in rows])


Case = tuple[str, str, int]  # start, direction, depth


def scan_cases(ledger: Ledger) -> dict[str, Case]:
    bag = parse_identifier("https://id.gs1.org" + demo.sample_unit_path()).object_key()
    back = ledger.trace(bag, "backward")
    paddy = next(n.object_id for n in back.nodes if "/01/06901234000108/" in n.object_id)
    return {
        "backward from a bag": (bag, "backward", 64),
        "forward from its paddy lot": (paddy, "forward", 64),
    }


def supply_cases() -> dict[str, Case]:
    g = supply_graph.GRAPH_S
    bag = parse_identifier(g.bag_ids()[7]).object_key()
    store_case = g.cases()[-1][0]  # the last case, shipped to store 50
    return {
        "forward from the paddy lot, 5 levels": (
            gtin_uri(s.PADDY_GTIN, lot=g.paddy_lot),
            "forward",
            5,
        ),
        "backward from a bag, 5 levels": (bag, "backward", 5),
        "backward from a store's case, 5 levels": (store_case, "backward", 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--supply", action="store_true", help="the supply-graph ledger (1M)")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile one trace of each")
    parser.add_argument("--postgres", action="store_true", help="the supply ledger in PostgreSQL")
    args = parser.parse_args()
    rounds = args.rounds or (20 if args.quick else 100)
    print(machine_line())
    if args.supply:
        ledger = supply_graph.open_built(args.size or 1_000_000, postgres=args.postgres)
        cases = supply_cases()
    else:
        ledger = open_bench_ledger(build(args.size or 10_000, quiet=True))
        cases = scan_cases(ledger)
    print(
        f"{ledger.engine.dialect.name} ledger of {ledger.size():,} entries; "
        f"{rounds} interleaved rounds"
    )
    for name, (start, direction, depth) in cases.items():
        found = ledger.trace(start, direction, depth=depth)
        indices = sorted(
            {i for n in found.nodes for i in n.entries} | {e.index for e in found.edges}
        )
        levels = max(n.depth for n in found.nodes)
        traced, keyed, parsed, ratios, parse_ratios = [], [], [], [], []
        for _ in range(rounds):
            t = time.perf_counter()
            ledger.trace(start, direction, depth=depth)
            traced.append(time.perf_counter() - t)
            t = time.perf_counter()
            read_by_key(ledger, indices)
            keyed.append(time.perf_counter() - t)
            ratios.append(traced[-1] / keyed[-1])
            if args.supply:
                t = time.perf_counter()
                read_and_parse(ledger, indices)
                parsed.append(time.perf_counter() - t)
                parse_ratios.append(traced[-1] / parsed[-1])
        also = (
            f", read and parse {median(parsed) * 1000:.1f} ms (ratio {median(parse_ratios):.2f})"
            if parsed
            else ""
        )
        print(
            f"{name}: {len(found.nodes)} objects, {len(found.edges)} links, {levels} levels, "
            f"{len(indices)} entries; trace {median(traced) * 1000:.1f} ms (max "
            f"{max(traced) * 1000:.1f}), read by key {median(keyed) * 1000:.1f} ms; "
            f"ratio {median(ratios):.2f}{also}"
        )
        cells = [name, f"{median(traced) * 1000:.1f} ms", f"{median(ratios):.2f}"]
        if parsed:
            cells.append(f"{median(parse_ratios):.2f}")
        print(markdown_row(*cells))
        if args.profile:
            from bench.common import print_breakdown, profile_breakdown

            total, parts = profile_breakdown(
                lambda a=start, b=direction, c=depth: ledger.trace(a, b, depth=c), TRACE_AREAS
            )
            print_breakdown(f"one trace, {name}", total, parts)


TRACE_AREAS = [
    ("level queries (_Walk.links)", "ledger/service/trace.py", "links"),
    ("  parsed_event (cached parse)", "ledger/service/lineage.py", "parsed_event"),
    ("  links_of (links of each entry)", "ledger/core/trace.py", "links_of"),
    ("  corrections_of", "ledger/service/recalls.py", "corrections_of"),
    ("holders (_holders)", "ledger/service/trace.py", "_holders"),
    ("latest checkpoint and size", "ledger/service/ledger.py", "_tree_size"),
    ("all SQL via SQLAlchemy (Connection.execute)", "sqlalchemy/engine/base.py", "execute"),
    ("  of which in the database driver", "sqlalchemy/engine/default.py", "do_execute"),
]


if __name__ == "__main__":
    main()
