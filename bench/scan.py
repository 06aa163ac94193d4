"""Scan pages and proof bundles: size, build cost and HTTP throughput at 10k and 1M entries.

    .venv/bin/python -m bench.scan [--quick] [--size N ...] [--workers sync,gthread]
                                   [--connections C] [--duration S] [--rounds R] [--no-http]

Ledgers: bench/scan_data.py (the demo season plus signed filler; built and cached in
bench/out/scan-<N>.sqlite3 on first use). The sample unit is bag 06901234000122 serial
100071 of lot WC26-M01 (about 26 bundle entries).

Part 1, in process (no HTTP), per size:

* the bundle of the sample unit at the latest checkpoint: bytes, entries, leaf bytes,
  inclusion-proof lengths, gzip size;
* cold cost (nothing cached in ScanCache; SQLite's page cache warm) of ``build_bundle``
  (lineage + one node query + JSON), of the server's verdict (``verify_bundle``) and of
  the page contents (``scan_view``); baseline: one ``SELECT`` of one log entry by index
  (``queries.entries(conn, i, i+1)``) on the same connection.

Part 2, HTTP, per size and worker class: ``gunicorn -w 2`` serving ``bench.scan_app:create()``
(``web.create_app()`` plus a baseline route) on 127.0.0.1; load from ``wrk`` (one thread,
C connections) in a separate process. Per round, interleaved: (c) the baseline, a static
Jinja template of exactly the scan page's bytes rendered by the same Flask app; (a) the scan
page of the sample unit; (b) its bundle pinned with ``&tree_size=``. Medians over rounds of
requests/s, p50 and p99 latency, and per-round ratios page/static and bundle/static.

The scan page counts scans (ledger/service/scans.py) and that cost is kept. Because the
load hammers one code, its scan rows pile up (thousands per second) and each page view
reads all of the code's rows of the last 24 h; the scan tables are therefore emptied
before each page run, so a run measures a code with at most (rate x duration) recent
scans. Part 3 measures how the per-view cost grows with a code's recent scans.

No assertions on time; read the ratios (the machine is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, free_port, machine_line, markdown_row, median
from bench.scan_data import SAMPLE_PATH, build, ledger_path

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JSON {\"requests\": %d, \"duration_us\": %d, \"errors\": %d, "
    .. "\"status\": %d, \"bytes\": %d, \"p50\": %d, \"p90\": %d, \"p99\": %d, \"max\": %d}\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


# -- part 1: the bundle, in process --------------------------------------------------------


def _timeit(fn: Any, n: int) -> tuple[float, list[float]]:
    """(first call, the following n calls) in seconds."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first, times


def bundle_figures(path: Path, reps: int) -> dict[str, Any]:
    from ledger.core.bundle import verify_bundle
    from ledger.core.gs1 import parse_identifier
    from ledger.service import queries
    from ledger.service.bundles import build_bundle
    from ledger.service.ledger import Ledger
    from ledger.store.db import make_engine
    from web import create_app
    from web.scan_view import scan_view

    engine = make_engine(f"sqlite:///{path}")
    ledger = Ledger(engine)
    checkpoint = ledger.latest_checkpoint()
    assert checkpoint is not None
    subject = parse_identifier(
        "https://id.gs1.org" + SAMPLE_PATH, field="code", allowed=("lot", "unit")
    )
    app = create_app({"LEDGER": ledger})
    catalogue = app.extensions["products"].catalogue()
    out: dict[str, Any] = {"size": checkpoint.tree_size}
    with engine.connect() as conn:

        def one_bundle() -> Any:
            return build_bundle(conn, subject, checkpoint, ledger.operator)

        bundle = one_bundle()
        doc = json.loads(bundle.document)
        proofs = [len(e["proof"]) for e in doc["entries"]]
        out.update(
            bytes=len(bundle.document),
            entries=len(doc["entries"]),
            steps=len(bundle.lineage.steps),
            leaf_b64_bytes=sum(len(e["leaf"]) for e in doc["entries"]),
            # FORMAT.md 9.1: each distinct hash once in nodes, proofs as numbers into it
            proof_b64_bytes=len(json.dumps(doc["nodes"], separators=(",", ":")))
            + sum(len(json.dumps(e["proof"], separators=(",", ":"))) for e in doc["entries"]),
            proof_min=min(proofs),
            proof_max=max(proofs),
            proof_mean=statistics.fmean(proofs),
            proof_nodes=sum(proofs),
            proof_distinct=len(doc["nodes"]),
            leaf_max=max(len(e["leaf"]) for e in doc["entries"]),
            gzip_bytes=len(gzip.compress(bundle.document, 6)),
        )
        rng_idx = [(i * 7919) % checkpoint.tree_size for i in range(reps + 1)]
        it = iter(rng_idx)

        def select_one() -> Any:  # queries.entries(conn, start, end): one SELECT of one entry
            i = next(it)
            return queries.entries(conn, i, i + 1)

        _, select_times = _timeit(select_one, reps)
        build_first, build_times = _timeit(one_bundle, reps)
        _, verify_times = _timeit(lambda: verify_bundle(bundle.document, ledger.operator), reps)
    report = verify_bundle(bundle.document, ledger.operator)
    with app.test_request_context("/"):
        view_first, view_times = _timeit(
            lambda: scan_view(bundle.lineage, report, catalogue, "zh"), reps
        )
    engine.dispose()
    out.update(
        select_ms=median(select_times) * 1e3,
        build_first_ms=build_first * 1e3,
        build_ms=median(build_times) * 1e3,
        verify_ms=median(verify_times) * 1e3,
        view_ms=median(view_times) * 1e3,
        view_first_ms=view_first * 1e3,
    )
    return out


# -- part 2: HTTP -------------------------------------------------------------------------------


def clear_scans(path: Path) -> int:
    """Empty the scan tables (not part of the log); return how many scan rows there were."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        n = db.execute("SELECT count(*) FROM scan_clients").fetchone()[0]
        db.execute("DELETE FROM scan_clients")
        db.execute("DELETE FROM scan_totals")
        db.commit()
        return int(n)


def scan_rows(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        return int(db.execute("SELECT count(*) FROM scan_clients").fetchone()[0])


@contextlib.contextmanager
def server(path: Path, worker_class: str, threads: int, static_template: Path) -> Iterator[int]:
    port = free_port()
    env = dict(
        os.environ,
        LEDGER_DATABASE_URL=f"sqlite:///{path}",
        BENCH_STATIC_TEMPLATE=str(static_template),
    )
    env.pop("LEDGER_PASSPHRASE", None)  # a reader: the scan path signs nothing
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    if worker_class == "gthread":
        cmd += ["-k", "gthread", "--threads", str(threads)]
    cmd.append("bench.scan_app:create()")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/_bench/health-check-404")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(30)


def pinned_bundle_url(page: bytes) -> str:
    """The pinned bundle URL a scan page links to (its data-bundle-url or download link)."""
    m = re.search(rb'(?:data-bundle-url|href)="([^"]*format=bundle[^"]*tree_size=[^"]*)"', page)
    if m is None:
        raise SystemExit(
            f"no pinned bundle URL in the scan page:\n{page[:2000].decode('utf-8', 'replace')}"
        )
    return m.group(1).decode().replace("&amp;", "&")


def fetch(port: int, url: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", url)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise SystemExit(f"GET {url}: {resp.status} {body[:300]!r}")
    return body


def wrk(port: int, url: str, connections: int, seconds: float, script: Path) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{url}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"^JSON (.*)$", out, re.MULTILINE)
    if m is None:
        raise SystemExit(f"wrk said:\n{out}")
    r = json.loads(m.group(1))
    return {
        "rate": r["requests"] / (r["duration_us"] / 1e6),
        "p50": r["p50"] / 1e3,
        "p99": r["p99"] / 1e3,
        "errors": r["errors"] + r["status"],
        "bytes_per": r["bytes"] / max(1, r["requests"]),
    }


def spread_script(workdir: Path) -> Path:
    """A wrk script that asks for the scan pages of all 360 bags of the demo season in turn."""
    from ledger import demo

    paths = []
    for p, plot in enumerate(demo.PLOTS):
        lot = f"WC26-M{plot.split('-')[1]}"
        paths += [
            f"/01/{SAMPLE_PATH.split('/')[2]}/10/{lot}/21/{p + 1}{n:05d}"
            for n in range(1, demo.BAGS_PER_LOT + 1)
        ]
    script = workdir / "spread.lua"
    script.write_text(
        "paths = {" + ",".join(f'"{x}"' for x in paths) + "}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n"
        + WRK_SCRIPT
    )
    return script


def http_figures(
    path: Path,
    worker_class: str,
    threads: int,
    connections: int,
    seconds: float,
    rounds: int,
    workdir: Path,
    spread: bool = False,
) -> dict[str, Any]:
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    template = workdir / "static.html"
    template.write_text("", encoding="utf-8")
    clear_scans(path)
    with server(path, worker_class, threads, template) as port:
        page = fetch(port, SAMPLE_PATH)  # builds the bundle and view in one worker
        tree_size = int(re.search(r"tree_size=(\d+)", pinned_bundle_url(page)).group(1))
        urls = {
            "static": "/_bench/static",
            "page": SAMPLE_PATH,
            "bundle": f"{SAMPLE_PATH}?format=bundle&tree_size={tree_size}",
        }
        for _ in range(4):  # both workers: build caches (bundle, view, checkpoint) once each
            fetch(port, urls["page"]), fetch(port, urls["bundle"])
        page = fetch(port, SAMPLE_PATH)
        template.write_text("{% raw %}" + page.decode("utf-8") + "{% endraw %}", encoding="utf-8")
        assert len(fetch(port, urls["static"])) == len(page)
        for name in ("static", "page", "bundle"):  # warm-up, not counted
            wrk(port, urls[name], connections, min(2.0, seconds), script)
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in urls}
        rows_after: list[int] = []
        for r in range(rounds):
            for name in ("static", "page", "bundle"):
                if name == "page":
                    clear_scans(path)
                runs[name].append(wrk(port, urls[name], connections, seconds, script))
                if name == "page":
                    time.sleep(1.2)  # let the workers flush their buffered scans
                    rows_after.append(scan_rows(path))
            # (d) 360 different bags in turn: more than a worker's ScanCache holds at once
            if spread:
                clear_scans(path)
                runs.setdefault("spread", []).append(
                    wrk(port, SAMPLE_PATH, connections, seconds, spread_script(workdir))
                )
            print(
                f"    round {r + 1}/{rounds}: "
                + "  ".join(
                    f"{k} {v[-1]['rate']:,.0f}/s p99 {v[-1]['p99']:.1f} ms" for k, v in runs.items()
                ),
                flush=True,
            )
    out: dict[str, Any] = {
        "page_bytes": len(page),
        "tree_size": tree_size,
        "scan_rows": max(rows_after),
    }
    for name, rs in runs.items():
        out[name] = {k: median([x[k] for x in rs]) for k in ("rate", "p50", "p99", "bytes_per")}
        out[name]["errors"] = sum(x["errors"] for x in rs)
    for name in [k for k in runs if k != "static"]:
        out[f"{name}/static"] = median(
            [a["rate"] / b["rate"] for a, b in zip(runs[name], runs["static"], strict=False)]
        )
    return out


# -- part 2b: where a scan page's time goes, in process ------------------------------------------


def page_breakdown(path: Path, n: int, scans_before: int = 0) -> dict[str, float]:
    """Milliseconds per scan-page request through Flask's test client (no HTTP server), and
    the shares of ``render_template`` and ``ScanCounter.record`` (timed by wrapping them, no
    profiler), on a copy of the ledger whose sample code has ``scans_before`` recent scans.
    Also the static-template route and the pinned bundle, for scale."""
    import web.resolver as resolver_mod
    from bench import scan_app

    with tempfile.TemporaryDirectory(prefix="scan-bd-", dir=ROOT / "bench" / "out") as d:
        db = Path(d) / "s.sqlite3"
        shutil.copyfile(path, db)
        clear_scans(db)
        template = Path(d) / "static.html"
        os.environ["LEDGER_DATABASE_URL"] = f"sqlite:///{db}"
        os.environ["BENCH_STATIC_TEMPLATE"] = str(template)
        app = scan_app.create()
        client = app.test_client()
        page = client.get(SAMPLE_PATH).data
        template.write_text("{% raw %}" + page.decode("utf-8") + "{% endraw %}", encoding="utf-8")
        bundle_url = pinned_bundle_url(page)
        if scans_before:
            from ledger.service.scans import ScanCounter

            counter: ScanCounter = app.extensions["scans"]
            now = datetime.now(UTC)
            key = re.sub(r"/10/[^/]+", "", "https://id.gs1.org" + SAMPLE_PATH)
            with contextlib.closing(sqlite3.connect(db, timeout=30)) as raw:
                # The worst case: every scan by a different phone (one row each).
                raw.executemany(
                    "INSERT INTO scan_clients (object_id, last_at, salt_day, client, scans) "
                    "VALUES (?, ?, ?, ?, 1)",
                    [
                        (
                            key,
                            now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                            now.date().isoformat(),
                            os.urandom(16),
                        )
                        for _ in range(scans_before)
                    ],
                )
                raw.commit()
            counter.flush(now)  # a flush: the next stats() re-reads the database
        spent = {"render": 0.0, "record": 0.0}
        real_render = resolver_mod.render_template
        counter_obj = app.extensions["scans"]
        real_record = counter_obj.record

        def render(*a: Any, **k: Any) -> str:
            t = time.perf_counter()
            try:
                return real_render(*a, **k)
            finally:
                spent["render"] += time.perf_counter() - t

        def record(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return real_record(*a, **k)
            finally:
                spent["record"] += time.perf_counter() - t

        resolver_mod.render_template = render  # type: ignore[assignment]
        counter_obj.record = record  # type: ignore[method-assign]
        try:
            for _ in range(5):
                client.get(SAMPLE_PATH), client.get(bundle_url), client.get("/_bench/static")
            spent.update(render=0.0, record=0.0)
            t_page = t_static = t_bundle = 0.0
            for _ in range(n):  # interleaved
                t = time.perf_counter()
                client.get(SAMPLE_PATH)
                t_page += time.perf_counter() - t
                t = time.perf_counter()
                client.get("/_bench/static")
                t_static += time.perf_counter() - t
                t = time.perf_counter()
                client.get(bundle_url)
                t_bundle += time.perf_counter() - t
        finally:
            resolver_mod.render_template = real_render  # type: ignore[assignment]
        app.extensions["ledger"].engine.dispose()
    return {
        "page_ms": t_page / n * 1e3,
        "render_ms": spent["render"] / n * 1e3,
        "record_ms": spent["record"] / n * 1e3,
        "static_ms": t_static / n * 1e3,
        "bundle_ms": t_bundle / n * 1e3,
        "scans_before": scans_before,
    }


# -- part 3: the cost of a view as a code's recent scans grow -------------------------------------


def scan_stats_growth(path: Path, counts: list[int]) -> list[tuple[int, float, float, float]]:
    """Per number of recent scans of one code: ms for a worker's first ``ScanCounter.stats``
    of that code after a flush (a fresh counter: nothing cached; the database read each
    worker pays once per flush per code it serves), the same for a code with no scans, and
    ms for the flush's expiry ``DELETE`` when nothing has expired. Each scan is by a different
    phone (one ``scan_clients`` row each): the worst case."""
    from sqlalchemy import text

    from ledger.service.scans import ScanCounter
    from ledger.store.db import make_engine

    with tempfile.TemporaryDirectory(prefix="scan-stats-", dir=ROOT / "bench" / "out") as d:
        db = Path(d) / "s.sqlite3"
        shutil.copyfile(path, db)
        clear_scans(db)
        engine = make_engine(f"sqlite:///{db}")
        now = datetime.now(UTC)
        ScanCounter(engine).record("warm", "127.0.0.1", "bench", now)  # today's salt, first flush
        cutoff = (now - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        out = []
        have = 0
        for n in counts:
            with contextlib.closing(sqlite3.connect(db, timeout=30)) as raw:
                # The worst case: every scan by a different phone (one row each; scans by
                # the same phone on the same day share one row).
                raw.executemany(
                    "INSERT INTO scan_clients (object_id, last_at, salt_day, client, scans) "
                    "VALUES (?, ?, ?, ?, 1)",
                    [
                        (
                            "obj",
                            (now - timedelta(seconds=i % 3600)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                            now.date().isoformat(),
                            os.urandom(16),
                        )
                        for i in range(n - have)
                    ],
                )
                raw.commit()
            have = n
            reps = 30 if n <= 10_000 else 5
            _, t_obj = _timeit(
                lambda: ScanCounter(engine, flush_interval=3600).stats("obj", now), reps
            )
            _, t_none = _timeit(
                lambda: ScanCounter(engine, flush_interval=3600).stats("other", now), reps
            )

            def expire() -> None:
                with engine.begin() as conn:
                    conn.execute(text("DELETE FROM scan_clients WHERE last_at < :c"), {"c": cutoff})

            _, t_del = _timeit(expire, reps)
            out.append((n, median(t_obj) * 1e3, median(t_none) * 1e3, median(t_del) * 1e3))
        engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="10k only, 2 rounds of 3 s")
    ap.add_argument(
        "--size", type=int, action="append", help="entries (default 10,000 and 1,000,000)"
    )
    ap.add_argument(
        "--workers", default="sync,gthread", help="gunicorn worker classes, comma-separated"
    )
    ap.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    ap.add_argument("--connections", type=int, default=8, help="wrk connections")
    ap.add_argument("--duration", type=float, default=None, help="seconds per wrk run")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument(
        "--spread", action="store_true", help="also (d): the 360 bags' pages in turn (cache misses)"
    )
    args = ap.parse_args()
    sizes = args.size or ([10_000] if args.quick else [10_000, 1_000_000])
    seconds = args.duration or (3.0 if args.quick else 6.0)
    rounds = args.rounds or (2 if args.quick else 3)
    print(f"bench.scan {'--quick' if args.quick else '(full)'}  {machine_line()}")
    if not shutil.which("wrk") and not args.no_http:
        raise SystemExit("wrk not found (apt-get install -y wrk)")
    t0 = time.perf_counter()
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        path = build(size) if not ledger_path(size).exists() else ledger_path(size)
        with open(path, "rb") as f:  # page cache
            while f.read(1 << 24):
                pass
        res = results[size] = {"bundle": bundle_figures(path, 30 if args.quick else 100)}
        b = res["bundle"]
        print(
            f"\n  {size:,}-entry ledger (checkpoint {b['size']:,}): "
            f"bundle {b['bytes']:,} bytes (gzip {b['gzip_bytes']:,}), "
            f"{b['entries']} entries ({b['steps']} steps), leaves {b['leaf_b64_bytes']:,} B, "
            f"proofs {b['proof_b64_bytes']:,} B "
            f"({b['proof_nodes']} hashes, {b['proof_distinct']} distinct; "
            f"{b['proof_min']}-{b['proof_max']} per entry, mean {b['proof_mean']:.1f}); "
            f"largest leaf {b['leaf_max']:,} B"
        )
        print(
            f"    build_bundle {b['build_ms']:.2f} ms (first {b['build_first_ms']:.1f} ms), "
            f"verify_bundle {b['verify_ms']:.2f} ms, "
            f"scan_view {b['view_ms']:.2f} ms (first {b['view_first_ms']:.1f}); "
            f"SELECT one entry {b['select_ms']:.3f} ms "
            f"-> build = {b['build_ms'] / b['select_ms']:.0f} SELECTs",
            flush=True,
        )
        if args.no_http:
            continue
        with tempfile.TemporaryDirectory(prefix="scan-") as d:
            for wc in args.workers.split(","):
                threads = f" --threads {args.threads}" if wc == "gthread" else ""
                print(
                    f"  HTTP, gunicorn -w 2 {wc}{threads}, "
                    f"wrk -t1 -c{args.connections}, {rounds} x {seconds:g} s",
                    flush=True,
                )
                res[wc] = http_figures(
                    path,
                    wc,
                    args.threads,
                    args.connections,
                    seconds,
                    rounds,
                    Path(d),
                    args.spread,
                )
    (OUT / "scan-results.json").write_text(
        json.dumps({str(k): v for k, v in results.items()}, indent=1)
    )
    growth: list[tuple[int, float, float, float]] = []
    breakdown: list[dict[str, float]] = []
    if not args.quick:
        growth = scan_stats_growth(ledger_path(sizes[0]), [0, 100, 1_000, 10_000, 100_000])
    breakdown = [
        page_breakdown(ledger_path(sizes[0]), 100 if args.quick else 300, k) for k in (0, 1000)
    ]

    print(f"\nResults ({time.perf_counter() - t0:.0f} s)\n")
    print(markdown_row("size", "measure", "req/s", "p50 ms", "p99 ms", "/ static", "bytes"))
    print(markdown_row(*["---"] * 7))
    for size, res in results.items():
        for wc in args.workers.split(","):
            if wc not in res:
                continue
            h = res[wc]
            for name, label in (
                ("static", "static template (baseline)"),
                ("page", "scan page"),
                ("bundle", "bundle, pinned"),
                ("spread", "scan pages of the 360 bags in turn"),
            ):
                if name not in h:
                    continue
                x = h[name]
                ratio = f"{h[f'{name}/static']:.2f}" if name != "static" else ""
                err = f" ({x['errors']} errors)" if x["errors"] else ""
                print(
                    markdown_row(
                        f"{size:,}",
                        f"{wc}: {label}{err}",
                        f"{x['rate']:,.0f}",
                        f"{x['p50']:.1f}",
                        f"{x['p99']:.1f}",
                        ratio,
                        f"{x['bytes_per']:,.0f}",
                    )
                )
            print(
                markdown_row(
                    f"{size:,}",
                    f"{wc}: scan rows of the code after a page run (max)",
                    *[""] * 4,
                    f"{h['scan_rows']:,}",
                )
            )
    print()
    print(
        markdown_row(
            "size",
            "bundle bytes",
            "gzip",
            "entries",
            "proof hashes (min-max per entry)",
            "build_bundle ms",
            "/ SELECT one entry",
            "verify_bundle ms",
            "scan_view ms",
        )
    )
    print(markdown_row(*["---"] * 9))
    for res in results.values():
        b = res["bundle"]
        print(
            markdown_row(
                f"{b['size']:,}",
                f"{b['bytes']:,}",
                f"{b['gzip_bytes']:,}",
                f"{b['entries']}",
                f"{b['proof_nodes']} ({b['proof_min']}-{b['proof_max']})",
                f"{b['build_ms']:.2f} (first {b['build_first_ms']:.1f})",
                f"{b['build_ms'] / b['select_ms']:.0f} ({b['select_ms']:.3f} ms)",
                f"{b['verify_ms']:.2f}",
                f"{b['view_ms']:.2f}",
            )
        )
    print(
        f"\nIn process (Flask test client, {sizes[0]:,}-entry ledger), ms per request; "
        "page parts timed by wrapping:"
    )
    print(
        markdown_row(
            "recent scans of the code",
            "scan page",
            "of which render_template",
            "of which ScanCounter.record",
            "rest of the page",
            "static template",
            "bundle, pinned",
        )
    )
    print(markdown_row(*["---"] * 7))
    for b in breakdown:
        rest = b["page_ms"] - b["render_ms"] - b["record_ms"]
        print(
            markdown_row(
                f"{b['scans_before']:,}",
                *(f"{b[k]:.2f}" for k in ("page_ms", "render_ms", "record_ms")),
                f"{rest:.2f}",
                *(f"{b[k]:.2f}" for k in ("static_ms", "bundle_ms")),
            )
        )
    if growth:
        print()
        print(
            markdown_row(
                "recent scans of one code (24 h)",
                "first ScanCounter.stats after a flush, ms",
                "same, a code with no scans",
                "/ that",
                "expiry DELETE (nothing expired, WAL commit included), ms",
            )
        )
        print(markdown_row(*["---"] * 5))
        for n, t_obj, t_none, t_del in growth:
            print(
                markdown_row(
                    f"{n:,}",
                    f"{t_obj:.2f}",
                    f"{t_none:.2f}",
                    f"{t_obj / t_none:.1f}",
                    f"{t_del:.2f}",
                )
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
