"""A recall reaching 10,000 units: how soon their scan pages show it, and what they then cost.

    .venv/bin/python -m bench.recall [--quick] [--size N] [--sample K] [--rounds R]
                                     [--duration S] [--connections C] [--scan-ttl S]

On the supply-graph ledger of bench/supply_graph.py (default 1,000,000 entries; built and
cached by ``python -m bench.supply_graph``): graph R's rice lot WC26-MR1 was bagged into
10,000 serialised bags. The benchmark serves the ledger as bench.scan does (``gunicorn -w 2``
sync workers, ``bench.scan_app:create()``, a reader: it signs nothing), then:

1. **Before**: fetches the scan pages of a sample of K affected bags (spread over the
   10,000) and of one bag of graph S (not affected) several times, so both workers hold them
   in their ``ScanCache`` at the current checkpoint: the worst case, hot pages.
2. **Append**: the market regulator ``hlj-samr`` (registered by the generator, role
   ``regulator``) signs a recall naming WC26-MR1 (FORMAT.md 3.7; a fresh recall ID per run,
   so the cached ledger gains one recall and one checkpoint each run); this process appends
   it through ``Ledger.append`` as the operator's server would (checkpoint interval 1 s:
   the append signs a checkpoint in the same transaction when the last is older than that).
   Measured: append to a signed checkpoint covering it, in seconds.
3. **Reflected**: polls every sampled page (over HTTP, in turn) until it names the recall;
   the time from the append to the first and to the last page that shows it, against the
   checkpoint interval (1 s) and the scan cache's checkpoint TTL (``ScanCache.checkpoint_ttl``,
   10 s: pages follow the latest checkpoint at most that often). The unaffected bag must
   not show it. Also timed, in this process: ``Ledger.recall`` (the recall's page: the
   forward trace of all it reaches, 10,000 bags and 1,000 cases, and their holders).
4. **Throughput** (``wrk -t1 -cC``, rounds interleaved as in bench.scan): (c) the static
   template of exactly the recalled page's bytes (the baseline), (a) one affected bag's page,
   (b) the unaffected bag's page (what a scan page costs without a recall), (d) the K
   sampled affected pages in turn. Ratios per round against (c). Target: the
   scan page at least 40% of the static template.

``--scan-ttl S`` serves with the scan cache's checkpoint TTL set to S seconds instead of
its 10 (bench/scan_app.py): what following every checkpoint would give.

No assertions on time; read the ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

from bench import supply_graph
from bench.common import OUT, machine_line, markdown_row, median, producer_key
from bench.scan import WRK_SCRIPT, clear_scans, fetch, server, wrk
from ledger import samples as s
from ledger.core.statements import sign_statement

CHECKPOINT_INTERVAL = 1.0  # the generator's and the server's (Ledger's default)
SCAN_CACHE_TTL = 10.0  # web.resolver.ScanCache.checkpoint_ttl


def affected_paths(k: int) -> list[str]:
    """Scan-page paths of ``k`` bags of the recalled lot, spread over its 10,000."""
    bags = supply_graph.GRAPH_R.bag_ids()
    step = max(1, len(bags) // k)
    return [_path(uri) for uri in bags[::step][:k]]


def _path(uri: str) -> str:
    return uri.removeprefix("https://id.gs1.org")


def spread_script(workdir: Path, paths: list[str]) -> Path:
    script = workdir / "recall-spread.lua"
    script.write_text(
        "paths = {" + ",".join(f'"{x}"' for x in paths) + "}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n"
        + WRK_SCRIPT
    )
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=None, help="affected pages sampled")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--scan-ttl", type=float, default=None, help="ScanCache.checkpoint_ttl")
    args = parser.parse_args()
    if args.scan_ttl is not None:
        os.environ["BENCH_SCAN_TTL"] = str(args.scan_ttl)  # read by bench.scan_app in gunicorn
    sample = args.sample or (10 if args.quick else 100)
    rounds = args.rounds or (2 if args.quick else 3)
    seconds = args.duration or (3.0 if args.quick else 6.0)
    print(machine_line())
    ledger = supply_graph.open_built(args.size)
    path = supply_graph.ledger_path(args.size)
    paths = affected_paths(sample)
    unaffected = _path(supply_graph.GRAPH_S.bag_ids()[0])
    recall_id = f"BENCH-{time.strftime('%Y%m%d-%H%M%S')}"
    statement = sign_statement(
        "recall",
        s.recall(recall_id, level=1, objects=[supply_graph.RECALLED_LOT]),
        producer_key(supply_graph.REGULATOR),
    )
    print(f"ledger of {ledger.size():,} entries; {sample} affected pages sampled; {recall_id}")
    clear_scans(path)
    with (
        tempfile.TemporaryDirectory(prefix="recall-", dir=OUT) as d,
        server(path, "sync", 0, Path(d) / "static.html") as port,
    ):
        workdir = Path(d)
        (workdir / "static.html").write_text("", encoding="utf-8")
        script = workdir / "report.lua"
        script.write_text(WRK_SCRIPT)
        # 1. hot pages at the current checkpoint, in both workers
        t = time.perf_counter()
        cold = []
        for p in paths:
            t1 = time.perf_counter()
            fetch(port, p)
            cold.append(time.perf_counter() - t1)
        for _ in range(2 if args.quick else 3):
            for p in [*paths, unaffected]:
                fetch(port, p)
        print(
            f"  before: {len(paths)} affected pages, first fetch median "
            f"{median(cold) * 1000:.0f} ms (max {max(cold) * 1000:.0f}); warmed in "
            f"{time.perf_counter() - t:.1f} s"
        )
        assert not any(recall_id.encode() in fetch(port, p) for p in paths[:3])
        # 2. the recall appended; its checkpoint
        t0 = time.perf_counter()
        appended = ledger.append([statement])[0]
        t_append = time.perf_counter() - t0
        while True:
            latest = ledger.latest_checkpoint()
            if latest is not None and latest.tree_size > appended.index:
                break
            time.sleep(0.01)
        t_checkpoint = time.perf_counter() - t0
        print(
            f"  recall appended as entry {appended.index:,} in {t_append * 1000:.0f} ms; "
            f"checkpoint of {latest.tree_size:,} signed {t_checkpoint * 1000:.0f} ms after "
            f"the append began (interval {CHECKPOINT_INTERVAL:g} s)"
        )
        # 3. every sampled page shows it
        # A page is stale while a request for it that began after the append still misses
        # the recall: the last such start bounds how long any affected page lagged.
        shown: dict[str, float] = {}
        stale_last = 0.0
        deadline = t0 + 60
        while len(shown) < len(paths) and time.perf_counter() < deadline:
            for p in paths:
                if p in shown:
                    continue
                began = time.perf_counter() - t0
                if recall_id.encode() in fetch(port, p):
                    shown[p] = began
                else:
                    stale_last = max(stale_last, began)
        wrong = recall_id.encode() in fetch(port, unaffected)
        ttl = args.scan_ttl if args.scan_ttl is not None else SCAN_CACHE_TTL
        within = len(shown) == len(paths) and stale_last <= t_checkpoint + CHECKPOINT_INTERVAL
        print(
            f"  reflected: {len(shown)}/{len(paths)} sampled pages show the recall; the last "
            f"request that still missed it began {stale_last:.2f} s after the append, the last "
            f"page first showed it {max(shown.values(), default=0):.2f} s after (checkpoint at "
            f"{t_checkpoint:.2f} s; interval {CHECKPOINT_INTERVAL:g} s; scan cache TTL {ttl:g} "
            f"s); the unaffected bag shows it: {wrong}; every page within one checkpoint "
            f"interval of the checkpoint: {'MET' if within else 'MISS'}"
        )
        print(
            markdown_row(
                "recall to every sampled page",
                f"checkpoint {t_checkpoint:.2f} s",
                f"stale until {stale_last:.2f} s",
                "MET" if within else "MISS",
            )
        )
        # The recall's own page: everything it reaches (a forward trace of 11,000 objects).
        reach_times = []
        for _ in range(1 if args.quick else 3):
            t = time.perf_counter()
            _recall, reach = ledger.recall(recall_id)
            reach_times.append(time.perf_counter() - t)
        units = sum(1 for h in reach.holdings for o in h.objects if "/21/" in o)
        print(
            f"  what the recall reaches (Ledger.recall): {reach.objects:,} objects, {units:,} "
            f"units held by {len(reach.holdings)} actor(s), complete {reach.complete}; "
            f"median {median(reach_times) * 1000:.0f} ms"
        )
        # 4. throughput of affected pages against the static template of the same bytes
        page = fetch(port, paths[0])
        (workdir / "static.html").write_text(
            "{% raw %}" + page.decode("utf-8") + "{% endraw %}", encoding="utf-8"
        )
        assert len(fetch(port, "/_bench/static")) == len(page)
        assert re.search(recall_id.encode(), page)
        spread = spread_script(workdir, paths)
        for url in ("/_bench/static", paths[0]):  # warm-up, not counted
            wrk(port, url, args.connections, 1.0 if args.quick else 2.0, script)
        runs: dict[str, list[dict[str, float]]] = {
            "static": [],
            "page": [],
            "unaffected": [],
            "spread": [],
        }
        for r in range(rounds):
            runs["static"].append(wrk(port, "/_bench/static", args.connections, seconds, script))
            clear_scans(path)
            runs["page"].append(wrk(port, paths[0], args.connections, seconds, script))
            clear_scans(path)
            runs["unaffected"].append(wrk(port, unaffected, args.connections, seconds, script))
            clear_scans(path)
            runs["spread"].append(wrk(port, paths[0], args.connections, seconds, spread))
            print(
                f"    round {r + 1}/{rounds}: "
                + "  ".join(
                    f"{k} {v[-1]['rate']:,.0f}/s p99 {v[-1]['p99']:.1f} ms" for k, v in runs.items()
                ),
                flush=True,
            )
    print(f"\n  page bytes {len(page):,}")
    for name in ("static", "page", "unaffected", "spread"):
        rs = runs[name]
        rate = median([x["rate"] for x in rs])
        p99 = median([x["p99"] for x in rs])
        errors = sum(x["errors"] for x in rs)
        ratio = (
            median([a["rate"] / b["rate"] for a, b in zip(rs, runs["static"], strict=True)])
            if name != "static"
            else 1.0
        )
        verdict = "" if name != "page" else ("MET" if ratio >= 0.40 else "MISS")
        print(
            f"  {name:7} {rate:7,.0f} /s  p99 {p99:6.1f} ms  / static {ratio:.2f}  "
            f"errors {errors}  {verdict}"
        )
        print(markdown_row(name, f"{rate:,.0f} /s", f"{p99:.1f} ms", f"{ratio:.2f}", verdict))


if __name__ == "__main__":
    main()
