"""SQLite appends: batches of 100, one at a time, and through the HTTP API under gunicorn.

    .venv/bin/python -m bench.append [--quick] [--profile] [--no-http]

Every round measures, in this order and on the same fresh statements: the verify-bound
rate (bench.common.verify_bound), the ledger appending in batches of 100, plain inserts in
batches of 100, the ledger appending one statement per call, plain inserts one row per
commit. The table shows medians over the rounds; ratios are medians of per-round ratios.

The ledger's figure includes ``parse_statement`` (building the Statement from its JSON
object, which computes its RFC 8785 bytes), because the verify-bound rate includes the
canonical JSON too. Statements are signed before timing.

The HTTP part starts ``gunicorn -w 2 'web:create_app()'`` on a fresh SQLite ledger (with
the operator key in a keystore, so the server signs checkpoints as in production) and
posts pre-serialised batches of 100 with http.client, from one client thread and then from
two (one per worker).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, text

from bench.common import (
    N_REGISTRATIONS,
    OPERATOR,
    ROOT,
    Interleaved,
    PlainInsert,
    Row,
    SQLCounter,
    append_batches,
    create_ledger,
    free_port,
    machine_line,
    make_engine,
    median,
    print_breakdown,
    print_table,
    profile_breakdown,
    registrations,
    sign_many,
    sqlite_url,
    stage_costs,
    statement_size,
    temp_dir,
    vb_prepare,
    vb_seconds,
    verdict,
)
from ledger.core.statements import Statement

BATCH = 100


def mean_leaf_bytes(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT avg(length(leaf)) FROM log_entries WHERE kind = 'event'")
            ).scalar()
            or 0
        )


def in_process(args: argparse.Namespace, workdir: Path) -> list[Row]:
    rounds, n_batched, n_single = (3, 1000, 100) if args.quick else (5, 3000, 300)
    statements = sign_many(0, BATCH + rounds * (n_batched + n_single))
    print(
        f"  {len(statements)} statements signed, "
        f"mean canonical size {statement_size(statements):.0f} bytes"
    )
    items = [s.to_json() for s in statements]
    engine = make_engine(sqlite_url(workdir / "append.sqlite3"))
    ledger = create_ledger(engine)
    append_batches(ledger, items[:BATCH], BATCH)  # warm-up, and the entries' size for plain inserts
    row_bytes = mean_leaf_bytes(engine)
    plain = PlainInsert(engine)
    vb: list[float] = []
    led_b: list[float] = []
    plain_b: list[float] = []
    vb1: list[float] = []
    led_1: list[float] = []
    plain_1: list[float] = []
    pos = BATCH
    for r in range(rounds):
        batched, pos = items[pos : pos + n_batched], pos + n_batched
        single, pos = items[pos : pos + n_single], pos + n_single
        m = Interleaved()
        work, fill = vb_prepare(batched), plain.rows(n_batched, row_bytes)
        for k in range(0, n_batched, BATCH):  # the three in tight alternation, batch by batch
            m.add("vb", vb_seconds(work[k : k + BATCH]), BATCH)
            m.time("ledger", BATCH, partial(append_batches, ledger, batched[k : k + BATCH], BATCH))
            m.time("plain", BATCH, partial(plain.insert, fill[k : k + BATCH], BATCH))
        work, fill = vb_prepare(single), plain.rows(n_single, row_bytes)
        for k in range(0, n_single, 10):
            m.add("vb1", vb_seconds(work[k : k + 10]), 10)
            m.time("ledger1", 10, partial(append_batches, ledger, single[k : k + 10], 1))
            m.time("plain1", 10, partial(plain.insert, fill[k : k + 10], 1))
        for name, out in (
            ("vb", vb),
            ("ledger", led_b),
            ("plain", plain_b),
            ("vb1", vb1),
            ("ledger1", led_1),
            ("plain1", plain_1),
        ):
            out.append(m.rate(name))
        print(
            f"  round {r + 1}/{rounds}: verify-bound {vb[-1]:,.0f}/s  "
            f"batched {led_b[-1]:,.0f}/s  plain batched {plain_b[-1]:,.0f}/s  "
            f"single {led_1[-1]:,.0f}/s  plain single {plain_1[-1]:,.0f}/s",
            flush=True,
        )
    assert ledger.size() == 1 + N_REGISTRATIONS + len(items)

    # SQL statements per append call, counted on one more batch and one more single append.
    extra = [s.to_json() for s in sign_many(len(items), BATCH + 1)]
    counter = SQLCounter(engine)
    append_batches(ledger, extra[:BATCH], BATCH)
    per_batch = counter.count
    counter.count = 0
    append_batches(ledger, extra[BATCH:], 1)
    per_single = counter.count
    counter.close()
    # The fixed cost of one append call: resubmitting statements already in the log (the
    # transaction, the head, the frontier, the duplicate lookup; no admission, no insert).
    resubmitted = items[BATCH : BATCH + 200]
    m = Interleaved()
    for k in range(0, len(resubmitted), 10):
        m.time("resubmit", 10, partial(append_batches, ledger, resubmitted[k : k + 10], 1))
        m.time("plain1", 10, partial(plain.insert, plain.rows(10, row_bytes), 1))
    resubmit = m.rate("resubmit")

    rows = [
        Row("verify-bound rate (1 core)", median(vb)),
        Row(
            "append, batches of 100",
            median(led_b),
            ratios={"verify-bound": ratio(led_b, vb), "plain insert": ratio(led_b, plain_b)},
            target=">= 0.50 of verify-bound",
            verdict=verdict(ratio(led_b, vb), 0.5),
        ),
        Row("plain insert, batches of 100", median(plain_b)),
        Row(
            "append, one per call",
            median(led_1),
            ratios={"verify-bound": ratio(led_1, vb1), "plain insert": ratio(led_1, plain_1)},
            target="report",
        ),
        Row("plain insert, one row per commit", median(plain_1)),
        Row("SQL statements per append of 100", per_batch, ""),
        Row("SQL statements per single append", per_single, ""),
        Row(
            "resubmission of a logged statement, one per call",
            resubmit,
            ratios={"plain insert": resubmit / m.rate("plain1")},
            target="report (fixed cost per call)",
        ),
    ]
    if args.profile:
        costs = stage_costs(items[:2000])
        print("\nper-statement CPU stages, timed without a profiler (microseconds)")
        costs["verify-bound: RFC 8785 + SHA-256 + Ed25519 (bindings)"] = 1e6 / median(vb)
        costs["whole append, batches of 100 (median round)"] = 1e6 / median(led_b)
        costs["whole append, one per call (median round)"] = 1e6 / median(led_1)
        width = max(map(len, costs))
        for label, us in costs.items():
            print(f"  {label.ljust(width)}  {us:7.1f}")
        more = [s.to_json() for s in sign_many(len(items) + BATCH + 1, 2000)]
        total, parts = profile_breakdown(lambda: append_batches(ledger, more, BATCH))
        print_breakdown("where the time goes: append, batches of 100", total, parts)
        more = [s.to_json() for s in sign_many(len(items) + BATCH + 1 + 2000, 300)]
        total, parts = profile_breakdown(lambda: append_batches(ledger, more, 1))
        print_breakdown("where the time goes: append, one per call", total, parts)
    engine.dispose()
    return rows


# -- HTTP ----------------------------------------------------------------------------------------


class Server:
    """gunicorn -w 2 'web:create_app()' on a SQLite ledger, operator key in a keystore."""

    def __init__(self, workdir: Path) -> None:
        from ledger.keystore import Keystore

        self.url = sqlite_url(workdir / "http.sqlite3")
        engine = make_engine(self.url)
        create_ledger(engine)
        engine.dispose()
        Keystore(workdir / "keys").create("operator", "bench-passphrase", OPERATOR)
        self.port = free_port()
        env = dict(
            os.environ,
            LEDGER_DATABASE_URL=self.url,
            LEDGER_KEYSTORE=str(workdir / "keys"),
            LEDGER_OPERATOR_KEY="operator",
            LEDGER_PASSPHRASE="bench-passphrase",
        )
        self.log = (workdir / "gunicorn.log").open("w")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.proc = subprocess.Popen(
            [gunicorn, "-w", "2", "-b", f"127.0.0.1:{self.port}", "web:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/operator")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")
            time.sleep(0.2)
        time.sleep(1.0)  # let the second worker finish loading the key too

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def post(conn: http.client.HTTPConnection, body: bytes) -> None:
    """POST one batch; http.client reopens the connection when the server has closed it
    (gunicorn's sync workers close after every response)."""
    conn.request(
        "POST",
        "/api/v1/statements",
        body=body,
        headers={"Content-Type": "application/json", "Connection": "keep-alive"},
    )
    response = conn.getresponse()
    data = response.read()
    if response.status != 201:
        raise RuntimeError(f"HTTP append failed: {response.status} {data[:300]!r}")


def post_all(port: int, bodies: list[bytes], errors: list[str]) -> None:
    conn = connect(port)
    try:
        for body in bodies:
            post(conn, body)
    except RuntimeError as exc:
        errors.append(str(exc))
    conn.close()


def http_rate(port: int, bodies: list[bytes], clients: int) -> float:
    """Statements per second with ``clients`` threads posting their share of ``bodies``."""
    errors: list[str] = []
    shares = [bodies[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=post_all, args=(port, share, errors)) for share in shares]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    if errors:
        raise SystemExit(errors[0])
    return len(bodies) * BATCH / elapsed


def http_bodies(statements: list[Statement]) -> list[bytes]:
    """Batches of 100 as request bodies. Each batch holds whole lots (a harvest and its
    storing event), so batches can go in any order and on any connection."""
    items = [s.to_json() for s in statements]
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    return [json.dumps({"statements": b}, ensure_ascii=False).encode("utf-8") for b in batches]


def over_http(args: argparse.Namespace, workdir: Path) -> list[Row]:
    """One client: each request alternates with the verify-bound work of its statements.
    Two clients (threads, one per worker): verify-bound measured just before and after."""
    rounds, per_round = (2, 1000) if args.quick else (3, 3000)
    server = Server(workdir)
    try:
        statements = sign_many(0, rounds * per_round * 2)
        vb: list[float] = []
        one: list[float] = []
        vb2: list[float] = []
        two: list[float] = []
        pos = 0
        for r in range(rounds):
            chunk1, pos = statements[pos : pos + per_round], pos + per_round
            chunk2, pos = statements[pos : pos + per_round], pos + per_round
            m = Interleaved()
            work, bodies = vb_prepare([s.to_json() for s in chunk1]), http_bodies(chunk1)
            conn = connect(server.port)
            for k, body in enumerate(bodies):
                m.add("vb", vb_seconds(work[k * BATCH : (k + 1) * BATCH]), BATCH)
                m.time("http", BATCH, partial(post, conn, body))
            conn.close()
            vb.append(m.rate("vb"))
            one.append(m.rate("http"))
            work = vb_prepare([s.to_json() for s in chunk2[:1000]])
            before = len(work) / vb_seconds(work)
            two.append(http_rate(server.port, http_bodies(chunk2), 2))
            vb2.append((before + len(work) / vb_seconds(work)) / 2)
            print(
                f"  HTTP round {r + 1}/{rounds}: verify-bound {vb[-1]:,.0f}/s  "
                f"1 client {one[-1]:,.0f}/s  "
                f"2 clients {two[-1]:,.0f}/s (verify-bound {vb2[-1]:,.0f}/s)",
                flush=True,
            )
    finally:
        server.close()
    return [
        Row("verify-bound rate (1 core)", median(vb)),
        Row(
            "HTTP append, 100 per request, 1 client",
            median(one),
            ratios={"verify-bound": ratio(one, vb)},
            target="report",
        ),
        Row(
            "HTTP append, 100 per request, 2 clients",
            median(two),
            ratios={"verify-bound": ratio(two, vb2)},
            target="report",
        ),
    ]


def ratio(xs: list[float], ys: list[float]) -> float:
    """Median of the per-round ratios."""
    return median([x / y for x, y in zip(xs, ys, strict=False)])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="fewer and smaller rounds (well under a minute)"
    )
    ap.add_argument("--profile", action="store_true", help="also profile where append time goes")
    ap.add_argument("--no-http", action="store_true", help="skip the gunicorn part")
    args = ap.parse_args()
    print(f"bench.append {'--quick' if args.quick else '(full)'}  {machine_line()}")
    assert len(registrations()) == N_REGISTRATIONS
    t0 = time.perf_counter()
    with temp_dir("append-") as workdir:
        rows = in_process(args, workdir)
        print_table("SQLite (WAL, synchronous=FULL), in process", rows)
        if not args.no_http:
            http_rows = over_http(args, workdir)
            print_table("SQLite through the HTTP API (gunicorn -w 2, sync workers)", http_rows)
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
