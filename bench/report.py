"""The regulator's spreadsheet (``Ledger.report``, CSV and XLSX) against reading its entries.

    .venv/bin/python -m bench.report [--quick] [--size N] [--rounds R] [--profile] [--postgres]

On the supply-graph ledger of bench/supply_graph.py (default 1,000,000 entries; built and
cached by ``python -m bench.supply_graph``), the reports of graph S's lots:

* the milled-rice lot WC26-MS1 (its milling, test and bagging, and the bags written with it
  are a different lot);
* the bag lot WC26-MS1 of the 5 kg bag GTIN: every bag's events (bagging, packing, the
  cases and pallets they rode in, shipping to the distribution centre and to the 50
  stores, receiving, the sales).

Each measured call is the whole path of a download: ``Ledger.report`` (latest checkpoint,
the walk, the rows) and the file (``csv_text`` or ``xlsx_bytes``, language "both").
Baseline, interleaved round by round: the entries the report's rows name, read by primary
key in one ``IN`` query and parsed (``parse_entry``, no cache): the least a report that
shows them must do. Parsed events come from the process's cache, warm after the first
round, as in a server. No assertions on time; read the ratios. Target (issue 9): at most
1 s for one lot's spreadsheet.
"""

from __future__ import annotations

import argparse
import time

from bench import supply_graph
from bench.common import machine_line, markdown_row, median, print_breakdown, profile_breakdown
from bench.trace import read_and_parse
from ledger import samples as s
from ledger.catalogue import Catalogue
from ledger.core.gs1 import gtin_uri
from ledger.core.report import Query, csv_text
from ledger.service.ledger import Ledger
from ledger.service.spreadsheet import xlsx_bytes

REPORT_AREAS = [
    ("the walk and rows (build_report)", "ledger/service/report.py", "build_report"),
    ("  object histories (_histories)", "ledger/service/report.py", "_histories"),
    ("  containers (_walk_containers)", "ledger/service/report.py", "_walk_containers"),
    ("  parsed_event (cached parse)", "ledger/service/lineage.py", "parsed_event"),
    ("  rows (_rows)", "ledger/service/report.py", "_rows"),
    ("  actors and keys (_Actors.read)", "ledger/service/report.py", "read"),
    ("CSV (csv_text)", "ledger/core/report.py", "csv_text"),
    ("XLSX (xlsx_bytes)", "ledger/service/spreadsheet.py", "xlsx_bytes"),
    ("all SQL via SQLAlchemy (Connection.execute)", "sqlalchemy/engine/base.py", "execute"),
]


def download(ledger: Ledger, query: Query, catalogue: Catalogue, fmt: str) -> int:
    """The report of ``query`` as a file; its length."""
    report = ledger.report(query, catalogue)
    if fmt == "csv":
        return len(csv_text(report, "both"))
    return len(xlsx_bytes(report, "both"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile one report of each")
    parser.add_argument("--postgres", action="store_true", help="the supply ledger in PostgreSQL")
    args = parser.parse_args()
    rounds = args.rounds or (5 if args.quick else 20)
    print(machine_line())
    ledger = supply_graph.open_built(args.size, postgres=args.postgres)
    catalogue = Catalogue.load()
    g = supply_graph.GRAPH_S
    lots = {
        "rice lot WC26-MS1": gtin_uri(s.RICE_GTIN, lot=g.rice_lot),
        "bag lot WC26-MS1 (1,000 bags)": gtin_uri(s.BAG_GTIN, lot=g.rice_lot),
    }
    print(
        f"{ledger.engine.dialect.name} ledger of {ledger.size():,} entries; "
        f"{rounds} interleaved rounds"
    )
    for name, lot in lots.items():
        query = Query(lot=lot)
        report = ledger.report(query, catalogue)
        indices = sorted({row.index for row in report.rows})
        sizes = {fmt: download(ledger, query, catalogue, fmt) for fmt in ("csv", "xlsx")}
        times: dict[str, list[float]] = {"csv": [], "xlsx": [], "key": []}
        ratios: dict[str, list[float]] = {"csv": [], "xlsx": []}
        for _ in range(rounds):
            t = time.perf_counter()
            read_and_parse(ledger, indices)
            times["key"].append(time.perf_counter() - t)
            for fmt in ("csv", "xlsx"):
                t = time.perf_counter()
                download(ledger, query, catalogue, fmt)
                times[fmt].append(time.perf_counter() - t)
                ratios[fmt].append(times[fmt][-1] / times["key"][-1])
        print(
            f"{name}: {len(report.rows)} rows, {len(indices)} entries; read and parse by key "
            f"{median(times['key']) * 1000:.1f} ms"
        )
        for fmt in ("csv", "xlsx"):
            ms = median(times[fmt]) * 1000
            verdict = "MET" if ms <= 1000 else "MISS"
            print(
                f"  {fmt}: {sizes[fmt]:,} bytes (chars), median {ms:.1f} ms (max "
                f"{max(times[fmt]) * 1000:.1f}), ratio {median(ratios[fmt]):.2f}; "
                f"target <= 1 s: {verdict}"
            )
            print(
                markdown_row(
                    f"{name}, {fmt.upper()}",
                    f"{len(report.rows)} rows",
                    f"{ms:.0f} ms",
                    f"{median(ratios[fmt]):.2f}",
                    verdict,
                )
            )
        if args.profile:
            total, parts = profile_breakdown(
                lambda q=query: download(ledger, q, catalogue, "xlsx"), REPORT_AREAS
            )
            print_breakdown(f"one XLSX report, {name}", total, parts)


if __name__ == "__main__":
    main()
