"""A 1,000,000-entry ledger with realistic supply graphs, for issue 9's targets.

    .venv/bin/python -m bench.supply_graph [--size N ...]     # build (or finish) the ledgers

Layout of ``bench/out/supply-<N>.sqlite3`` (gitignored, resumable, reused by bench.trace,
bench.report and bench.recall):

* genesis, the 12 registrations of bench.common, the demo season (as bench.scan_data);
* 52 more actors with their keys: the market regulator ``hlj-samr`` (role ``regulator``,
  ``ledger.samples.RECALLERS``), a Shanghai distribution centre ``sh-dc`` (warehouse and
  packer: it breaks pallets into cases) and 50 stores ``store-01`` .. ``store-50``;
* graph **S** (the issue's): farm work on plot ``plot-S1`` (sowing, two fertilisings, a
  spraying), the paddy lot WC26-PS1 harvested there, shipped to the mill and received, milled
  into rice lot WC26-MS1, tested by the lab, bagged into 1,000 serialised bags (four
  TransformationEvents of 250), packed 10 to a case (100 cases), the cases onto 10
  pallets, cold-stored, each pallet shipped by the carrier to the distribution centre
  (shipping, transporting, receiving), the pallets broken up there, and two cases shipped
  to each of the 50 stores (shipping, transporting, receiving); each store sells 5 bags;
* graph **R** (for the recall target): plot ``plot-R1`` sown, paddy lot WC26-PR1, rice lot
  WC26-MR1 bagged into 10,000 bags (40 events of 250), packed into 1,000 cases, cold-stored
  (10 storing events of 100 cases); a recall naming WC26-MR1 reaches 10,000 units;
* filler of bench.scan_data (the farm's harvest + storing stream, tag "F") up to N entries,
  with the graphs' events spread through it: after every 1,000 filler entries come the
  next few graph events, so a season's events lie scattered over the whole log as in a
  real one (a trace reads rows far apart, not one contiguous range);
* a final checkpoint.

With ``--postgres`` the same ledger is built in the schema ``bench_supply_<N>`` of the
database at ``LEDGER_BENCH_POSTGRES_URL`` (bench.common.PG_URL), kept between runs, and
``ANALYZE``d once built (the benchmark cluster runs with autovacuum off: without statistics
the planner chose a sequential scan of the 1.5M-row object index for a level of a trace).

Every statement is signed before it is appended (in a second process while the builder
appends); every entry is appended through ``Ledger.append`` in batches (validation,
custody, derived tables, Merkle nodes, checkpoints every second), as bench.scan_data does.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench import common
from bench.common import OPERATOR, OUT, PG_URL, pg_engine, producer_key
from bench.scan_data import filler_chunks, open_bench_ledger, season_statements
from ledger import demo
from ledger import samples as s
from ledger.core.gs1 import gtin_uri, location_uri, sscc_uri
from ledger.core.gs1_syntax import check_digit
from ledger.core.statements import Statement, sign_statement
from ledger.service.ledger import Ledger

FILLER_BLOCK = 1000  # filler entries between two slices of the graphs
REGULATOR = "hlj-samr"
DC = "sh-dc"
DC_GLN_BODY = "690123410000"
STORES = 50
BAGS_PER_EVENT = 250  # 250 Digital Links are ~16 KB of a statement's 64 KB
BAGS_PER_CASE = 10
CASES_PER_PALLET = 10
SOLD_PER_STORE = 5

S_PLOT, S_PADDY, S_RICE, S_BAGS = "plot-S1", "WC26-PS1", "WC26-MS1", 1000
R_PLOT, R_PADDY, R_RICE, R_BAGS = "plot-R1", "WC26-PR1", "WC26-MR1", 10_000
RECALLED_LOT = gtin_uri(s.RICE_GTIN, lot=R_RICE)


def _gln(body12: str) -> str:
    return body12 + str(check_digit(body12))


def store_actor(n: int) -> str:
    return f"store-{n:02d}"


def store_gln(n: int) -> str:
    return _gln(f"6901234{20000 + n:05d}")


def _sscc(n: int) -> str:
    body = f"06901234{n:09d}"
    return body + str(check_digit(body))


def actor_payloads() -> list[dict[str, Any]]:
    """The regulator, the distribution centre and the 50 stores."""
    out = [{"actor": REGULATOR, **s.RECALLERS[REGULATOR]}]
    out.append(
        {
            "actor": DC,
            "name": "上海鲜超配送中心",
            "roles": ["warehouse", "packer"],
            "region": "上海市",
            "gln": _gln(DC_GLN_BODY),
        }
    )
    for n in range(1, STORES + 1):
        out.append(
            {
                "actor": store_actor(n),
                "name": f"上海鲜超 {n:02d} 号店",
                "roles": ["retailer"],
                "region": "上海市",
                "gln": store_gln(n),
            }
        )
    return out


def registrations() -> list[Statement]:
    out = []
    for payload in actor_payloads():
        out.append(sign_statement("actor", payload, OPERATOR))
        key = producer_key(payload["actor"])
        out.append(
            sign_statement(
                "key", {"actor": payload["actor"], "public_key": key.public_key.b64}, OPERATOR
            )
        )
    return out


def _ts(day: date, hour: int, second: int = 0) -> str:
    """``hour`` o'clock on ``day``, plus ``second`` seconds (events of a step, in turn)."""
    when = datetime(day.year, day.month, day.day, hour) + timedelta(seconds=second)
    return when.isoformat() + "+08:00"


Events = Iterator[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Graph:
    """One plot's paddy, milled and bagged, with its cases (and pallets)."""

    tag: str
    plot: str
    paddy_lot: str
    rice_lot: str
    bags: int
    first_case: int  # SSCC numbers of its cases start here (pallets at first_case + 50,000)
    start: date

    @property
    def serials(self) -> list[str]:
        return [f"{self.tag}{n:05d}" for n in range(1, self.bags + 1)]

    def bag_ids(self) -> list[str]:
        return s.bag_ids(lot=self.rice_lot, serials=self.serials)

    def cases(self) -> list[tuple[str, list[str]]]:
        """(case SSCC URI, its bags' Digital Links)."""
        bags = self.bag_ids()
        return [
            (sscc_uri(_sscc(self.first_case + k)), bags[i : i + BAGS_PER_CASE])
            for k, i in enumerate(range(0, len(bags), BAGS_PER_CASE))
        ]

    def eid(self, name: str) -> str:
        return s.event_id(f"bench-supply:{self.tag}:{name}")


GRAPH_S = Graph("S", S_PLOT, S_PADDY, S_RICE, S_BAGS, 100_001, date(2026, 5, 1))
GRAPH_R = Graph("R", R_PLOT, R_PADDY, R_RICE, R_BAGS, 300_001, date(2026, 5, 3))


def _upstream(g: Graph, farm_work: bool) -> Events:
    """Farm work, harvest, shipping to the mill, milling, the lab's test, bagging."""
    day, hectares = g.start, 2.0
    yield (
        "wuchang-coop",
        s.sowing(plot=g.plot, hectares=hectares, time=_ts(day, 7), eid=g.eid("sowing")),
    )
    if farm_work:
        for k, (month, product) in enumerate(
            [(6, "有机肥 (composted manure)"), (7, "复合肥 (NPK 15-15-15)")]
        ):
            yield (
                "wuchang-coop",
                s.fertilising(
                    plot=g.plot,
                    hectares=hectares,
                    product=product,
                    time=_ts(date(2026, month, 12), 6),
                    eid=g.eid(f"fert{k}"),
                ),
            )
        yield (
            "wuchang-coop",
            s.spraying(
                plot=g.plot, hectares=hectares, time=_ts(date(2026, 8, 20), 16), eid=g.eid("spray")
            ),
        )
    paddy_kg = round(g.bags * 5 / 0.65)
    harvest_day = date(2026, 9, 25)
    yield (
        "wuchang-coop",
        s.harvest(
            lot=g.paddy_lot,
            plot=g.plot,
            kg=paddy_kg,
            harvest_date=harvest_day.isoformat(),
            time=_ts(harvest_day, 18),
            eid=g.eid("harvest"),
        ),
    )
    paddy = gtin_uri(s.PADDY_GTIN, lot=g.paddy_lot)
    ship = harvest_day + timedelta(days=2)
    yield (
        "wuchang-coop",
        s.shipping(
            quantities=[(paddy, paddy_kg, "KGM")], time=_ts(ship, 8), eid=g.eid("ship-paddy")
        ),
    )
    yield (
        "wuchang-mill",
        s.receiving(
            quantities=[(paddy, paddy_kg, "KGM")], time=_ts(ship, 14), eid=g.eid("receive-paddy")
        ),
    )
    mill_day = date(2026, 10, 8)
    yield (
        "wuchang-mill",
        s.milling(
            paddy_lot=g.paddy_lot,
            paddy_kg=paddy_kg,
            rice_lot=g.rice_lot,
            rice_kg=g.bags * 5,
            time=_ts(mill_day, 10),
            eid=g.eid("mill"),
        ),
    )
    yield (
        "hlj-lab",
        s.inspection(
            epc_classes=[gtin_uri(s.RICE_GTIN, lot=g.rice_lot)],
            time=_ts(mill_day + timedelta(days=2), 15),
            certificate=f"https://lab.example/reports/bench-{g.tag}",
            eid=g.eid("inspect"),
        ),
    )
    serials = g.serials
    for k, i in enumerate(range(0, len(serials), BAGS_PER_EVENT)):
        yield (
            "wuchang-mill",
            s.bagging(
                rice_lot=g.rice_lot,
                serials=serials[i : i + BAGS_PER_EVENT],
                time=_ts(mill_day + timedelta(days=3), 8, 60 * k),
                eid=g.eid(f"bag{k}"),
            ),
        )


def _packing(g: Graph) -> Events:
    day = date(2026, 10, 12)
    for k, (case, bags) in enumerate(g.cases()):
        yield (
            "wuchang-mill",
            s.packing(
                sscc=case.rsplit("/", 1)[1],
                children=bags,
                time=_ts(day, 9, 20 * k),
                eid=g.eid(f"pack{k}"),
            ),
        )


def _pallets(g: Graph) -> list[tuple[str, list[str]]]:
    cases = [c for c, _ in g.cases()]
    return [
        (sscc_uri(_sscc(g.first_case + 50_000 + k)), cases[i : i + CASES_PER_PALLET])
        for k, i in enumerate(range(0, len(cases), CASES_PER_PALLET))
    ]


def _unpacking(parent: str, children: list[str], when: str, eid: str) -> dict[str, Any]:
    """unpacking: a pallet broken up into its cases (AggregationEvent DELETE)."""
    return {
        "type": "AggregationEvent",
        "eventID": eid,
        "eventTime": when,
        "eventTimeZoneOffset": s.TZ,
        "action": "DELETE",
        "bizStep": "unpacking",
        "disposition": "in_progress",
        "parentID": parent,
        "childEPCs": children,
        "readPoint": {"id": location_uri(_gln(DC_GLN_BODY))},
    }


def graph_s_events() -> Events:
    """Graph S: 1,000 bags, 100 cases, 10 pallets, a distribution centre, 50 stores."""
    g = GRAPH_S
    yield from _upstream(g, farm_work=True)
    yield from _packing(g)
    day = date(2026, 10, 13)
    pallets = _pallets(g)
    for k, (pallet, cases) in enumerate(pallets):
        yield (
            "wuchang-mill",
            s.packing(
                sscc=pallet.rsplit("/", 1)[1],
                children=cases,
                time=_ts(day, 8, k),
                eid=g.eid(f"pal{k}"),
            ),
        )
    yield (
        "wuchang-mill",
        s.storing(
            epcs=[p for p, _ in pallets],
            time=_ts(day, 20),
            readings=[(_ts(day, h), 11.0 + h / 10) for h in (12, 16, 20)],
            eid=g.eid("store"),
        ),
    )
    dc_gln = _gln(DC_GLN_BODY)
    ship = date(2026, 10, 15)
    for k, (pallet, _cases) in enumerate(pallets):
        yield (
            "wuchang-mill",
            s.shipping(
                epcs=[pallet],
                source_gln=s.MILL_GLN,
                destination_gln=dc_gln,
                carrier_gln=s.CARRIER_GLN,
                time=_ts(ship, 8, k),
                despatch_advice=f"urn:epcglobal:cbv:bt:{s.MILL_GLN}:DA-S-{k + 1:04d}",
                eid=g.eid(f"ship-pallet{k}"),
            ),
        )
        yield (
            "coldchain-express",
            s.transporting(
                epcs=[pallet],
                time=_ts(ship, 22, k),
                readings=[(_ts(ship, 12), 11.5), (_ts(ship, 17), 12.5), (_ts(ship, 22), 12.0)],
                eid=g.eid(f"truck-pallet{k}"),
            ),
        )
        yield (
            DC,
            s.receiving(
                epcs=[pallet],
                receiver_gln=dc_gln,
                time=_ts(ship + timedelta(days=1), 9, k),
                eid=g.eid(f"receive-pallet{k}"),
            ),
        )
    for k, (pallet, cases) in enumerate(pallets):
        yield (
            DC,
            _unpacking(pallet, cases, _ts(ship + timedelta(days=1), 11, k), g.eid(f"unpack{k}")),
        )
    cases = g.cases()
    out_day = ship + timedelta(days=2)
    per_store = len(cases) // STORES
    for n in range(1, STORES + 1):
        mine = cases[(n - 1) * per_store : n * per_store]
        epcs = [c for c, _ in mine]
        yield (
            DC,
            s.shipping(
                epcs=epcs,
                source_gln=dc_gln,
                destination_gln=store_gln(n),
                carrier_gln=s.CARRIER_GLN,
                time=_ts(out_day, 6, 60 * n),
                despatch_advice=f"urn:epcglobal:cbv:bt:{dc_gln}:DA-S-{n:04d}",
                eid=g.eid(f"ship-store{n}"),
            ),
        )
        yield (
            "coldchain-express",
            s.transporting(
                epcs=epcs,
                time=_ts(out_day, 9, 60 * n),
                readings=[
                    (_ts(out_day, 7), 11.0),
                    (_ts(out_day, 8), 12.0),
                    (_ts(out_day, 9), 12.5),
                ],
                eid=g.eid(f"truck-store{n}"),
            ),
        )
        yield (
            store_actor(n),
            s.receiving(
                epcs=epcs,
                receiver_gln=store_gln(n),
                time=_ts(out_day, 14, n),
                eid=g.eid(f"receive-store{n}"),
            ),
        )
        for k, bag in enumerate(mine[0][1][:SOLD_PER_STORE]):
            yield (
                store_actor(n),
                s.retail_selling(
                    epc=bag,
                    retailer_gln=store_gln(n),
                    time=_ts(out_day + timedelta(days=1), 10 + k, n),
                    eid=g.eid(f"sell:{bag}"),
                ),
            )


def graph_r_events() -> Events:
    """Graph R: 10,000 bags of one rice lot, packed into 1,000 cases, in the mill's cold store."""
    g = GRAPH_R
    yield from _upstream(g, farm_work=False)
    yield from _packing(g)
    cases = [c for c, _ in g.cases()]
    day = date(2026, 10, 14)
    for k, i in enumerate(range(0, len(cases), 100)):
        yield (
            "wuchang-mill",
            s.storing(
                epcs=cases[i : i + 100],
                time=_ts(day, 20, k),
                readings=[(_ts(day, h), 11.0 + h / 10) for h in (12, 16, 20)],
                eid=g.eid(f"store{k}"),
            ),
        )


def graph_statements() -> list[Statement]:
    """Both graphs' events, signed by their actors' bench keys, in log order (S, then R)."""
    return [
        sign_statement("event", payload, producer_key(actor))
        for actor, payload in (*graph_s_events(), *graph_r_events())
    ]


def ledger_path(size: int) -> Path:
    return OUT / f"supply-{size}.sqlite3"


def pg_schema_name(size: int) -> str:
    return f"bench_supply_{size}"


def open_supply_ledger(size: int, postgres: bool = False) -> Ledger:
    """The supply ledger of ``size`` entries as far as built (genesis and bench.common's
    registrations if new), able to sign: SQLite in bench/out, or a PostgreSQL schema of
    the database at bench.common.PG_URL (kept between runs like the SQLite files)."""
    if not postgres:
        return open_bench_ledger(ledger_path(size))
    schema = pg_schema_name(size)
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    ledger = Ledger.create(pg_engine(schema), OPERATOR, demo.ORIGIN, checkpoint_interval=1.0)
    ledger.append(common.registrations())
    return ledger


def _plan(size: int, head: int, graph: int) -> Iterator[tuple[str, int, int]]:
    """The log after its head: ("filler", first filler number, n) and ("graph", first, n)
    blocks, the graph events spread evenly through the filler, up to ``size`` entries."""
    blocks = max(1, (size - head - graph) // FILLER_BLOCK)
    per_block = -(-graph // blocks)
    filler = placed = 0
    at = head
    while at < size:
        n = min(FILLER_BLOCK, size - at - (graph - placed))
        if n > 0:
            yield "filler", filler, n
            filler += n
            at += n
        g = min(per_block, graph - placed)
        if g > 0:
            yield "graph", placed, g
            placed += g
            at += g
        if n <= 0 and g <= 0:
            break


def build(size: int, quiet: bool = False, postgres: bool = False) -> str:
    """Build (or finish building) the supply ledger of ``size`` entries; say where it is."""
    where = f"PostgreSQL schema {pg_schema_name(size)}" if postgres else str(ledger_path(size))
    OUT.mkdir(parents=True, exist_ok=True)
    ledger = open_supply_ledger(size, postgres)
    head_statements = season_statements() + registrations()
    base = 13  # genesis + bench.common's registrations
    if ledger.size() < base + len(head_statements):
        for start in range(ledger.size() - base, len(head_statements), 100):
            ledger.append(head_statements[start : start + 100])
    head = base + len(head_statements)
    assert ledger.size() >= head
    have = ledger.size()
    if have >= size:
        _final_checkpoint(ledger)
        ledger.engine.dispose()
        return where
    t0 = time.perf_counter()
    graph = graph_statements()
    plan = list(_plan(size, head, len(graph)))
    if not quiet:
        print(
            f"  building {where}: {have:,} entries; {len(graph):,} graph events "
            f"signed in {time.perf_counter() - t0:.1f} s; appending up to {size:,} ...",
            flush=True,
        )
    # Where the log stands: skip the blocks already appended (the last one perhaps in part).
    at, todo = head, []
    for kind, first, n in plan:
        if at + n <= have:
            at += n
            continue
        skip = max(0, have - at)
        todo.append((kind, first + skip, n - skip))
        at += n
    filler_total = sum(n for kind, _, n in todo if kind == "filler")
    first_filler = next((f for kind, f, _ in todo if kind == "filler"), 0)
    chunks = _rechunk(filler_chunks(first_filler, filler_total, FILLER_BLOCK))
    t0 = last = time.perf_counter()
    done = 0
    for kind, first, n in todo:
        batch = chunks.take(n) if kind == "filler" else graph[first : first + n]
        ledger.append(batch)
        done += n
        if not quiet and (done % 50_000 < n or done == size - have):
            now = time.perf_counter()
            print(
                f"    {have + done:>9,} entries  {done / (now - t0):6,.0f}/s overall  "
                f"{min(50_000, done) / (now - last):6,.0f}/s recent",
                flush=True,
            )
            last = now
    assert ledger.size() == size, (ledger.size(), size)
    _final_checkpoint(ledger)
    if postgres:
        # What autovacuum would do after a bulk load; the test cluster runs without it, and
        # without statistics the planner scans object_entries for every IN (...) of a trace.
        with ledger.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    ledger.engine.dispose()
    return where


class _rechunk:
    """Takes statements from a stream of chunks, ``n`` at a time."""

    def __init__(self, chunks: Iterator[list[Statement]]) -> None:
        self.chunks = chunks
        self.buffer: list[Statement] = []

    def take(self, n: int) -> list[Statement]:
        while len(self.buffer) < n:
            self.buffer.extend(next(self.chunks))
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


def _final_checkpoint(ledger: Ledger) -> None:
    latest = ledger.latest_checkpoint()
    if latest is None or latest.tree_size != ledger.size():
        ledger.checkpoint()


def open_built(size: int, postgres: bool = False) -> Ledger:
    """The supply ledger of ``size`` entries (built first if missing), able to sign."""
    build(size, quiet=True, postgres=postgres)
    return open_supply_ledger(size, postgres)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", type=int, action="append", help="entries (default: 1,000,000)")
    ap.add_argument("--postgres", action="store_true", help=f"in a schema of {PG_URL}")
    args = ap.parse_args()
    for size in args.size or [1_000_000]:
        t = time.perf_counter()
        where = build(size, postgres=args.postgres)
        print(f"  {where} ready in {time.perf_counter() - t:,.0f} s", flush=True)


if __name__ == "__main__":
    main()
