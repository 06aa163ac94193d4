"""The independent verifier (scripts/verify_ledger.py) over exports of 100,000 and 1,000,000
entries: its rate against the verify-bound rate, and its peak memory at both sizes.

    .venv/bin/python -m bench.verify_script [--quick]

The exports are written with ``Ledger.export`` from the ledgers bench.scale builds (built
here if missing) and kept in bench/out/ (scale-<n>.jsonl, reused while their header says at
least <n> entries). --quick uses 10,000 and 100,000 entries.

The script runs as a child process, exactly as an auditor runs it (``--quiet``, operator
key given out of band); its rate is entries over wall time, start-up included, and its
peak RSS is the child's own ru_maxrss from os.wait4. The verify-bound rate (RFC 8785 with
the ``rfc8785`` package + SHA-256 + one Ed25519 verification per statement, one core) is
measured on event statements taken from the same export, three times just before and three
times just after each verifier run; the mean of the two medians is the baseline. Targets:
rate >= 70% of verify-bound, peak RSS at the large size within 1.2x of the small size.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    OPERATOR,
    ORIGIN,
    OUT,
    ROOT,
    Row,
    machine_line,
    make_engine,
    median,
    open_ledger,
    print_table,
    sqlite_url,
    verdict,
    verify_bound,
)
from bench.scale import build, ledger_path
from ledger.core.note import NoteVerifier

SCRIPT = ROOT / "scripts" / "verify_ledger.py"


def export_path(size: int) -> Path:
    return OUT / f"scale-{size}.jsonl"


def header_size(path: Path) -> int:
    with path.open("rb") as f:
        return int(json.loads(f.readline())["tree_size"])


def ensure_export(size: int) -> Path:
    """An export of the bench ledger of (at least) ``size`` entries."""
    path = export_path(size)
    if path.exists() and header_size(path) >= size:
        return path
    if not ledger_path(size).exists() or _ledger_size(size) < size:
        build(size)
    engine = make_engine(sqlite_url(ledger_path(size)))
    tmp = path.with_suffix(".jsonl.part")
    t = time.perf_counter()
    with tmp.open("w", encoding="utf-8") as out:
        n = open_ledger(engine).export(out)
    tmp.replace(path)
    engine.dispose()
    print(f"  exported {n:,} entries to {path.name} in {time.perf_counter() - t:.0f} s", flush=True)
    return path


def _ledger_size(size: int) -> int:
    engine = make_engine(sqlite_url(ledger_path(size)))
    try:
        return open_ledger(engine).size()
    finally:
        engine.dispose()


def sample_statements(path: Path, n: int) -> list[dict[str, Any]]:
    """The first ``n`` event statements of an export, as JSON objects."""
    out = []
    with path.open("rb") as f:
        for line in f:
            obj = json.loads(line)
            if obj["type"] != "entry":
                continue
            statement = json.loads(base64.b64decode(obj["leaf"]))["statement"]
            if statement["kind"] == "event":
                out.append(statement)
                if len(out) >= n:
                    break
    return out


# A child's ru_maxrss on Linux starts from the peak RSS of the process it was forked from
# (exec records the old address space's high-water mark), so a verifier forked straight
# from this process (which holds the sample) would report at least this process's RSS.
# A small launcher process forks and execs the verifier and reports its grandchild's
# figure, whose floor is then only the launcher's own ~10 MiB.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable] + sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
sys.stderr.write("bench-maxrss-kib %d\\n" % usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(argv: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MiB, exit status, last line of stdout) of ``python argv``."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *argv], capture_output=True, check=False)
    wall = time.perf_counter() - t
    err = done.stderr.decode("utf-8", "replace").splitlines()
    kib = next(
        int(line.split()[1]) for line in reversed(err) if line.startswith("bench-maxrss-kib ")
    )
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    return wall, kib / 1024, done.returncode, lines[-1] if lines else ""


def run_verifier(path: Path, vkey: str) -> tuple[float, float, int, str]:
    """One verifier run, as an auditor runs it."""
    return run_child([str(SCRIPT), str(path), "--operator-key", vkey, "--quiet"])


def python_floor_rss() -> float:
    """Peak RSS of a Python child that only imports what the verifier imports (MiB)."""
    return run_child(
        ["-c", "import argparse, hashlib, json, re, datetime, tempfile, nacl.bindings"]
    )[1]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="10k and 100k entries")
    ap.add_argument("--sample", type=int, default=0, help="statements in the verify-bound sample")
    args = ap.parse_args()
    sizes = (10_000, 100_000) if args.quick else (100_000, 1_000_000)
    sample_n = args.sample or (3_000 if args.quick else 10_000)
    print(f"bench.verify_script {'--quick' if args.quick else '(full)'}  {machine_line()}")
    t_start = time.perf_counter()
    vkey = NoteVerifier.for_key(ORIGIN, OPERATOR.public_key).vkey
    results = {}
    for size in sizes:
        path = ensure_export(size)
        entries = header_size(path)
        sample = sample_statements(path, sample_n)
        before = median([verify_bound(sample) for _ in range(3)])
        wall, rss, code, last = run_verifier(path, vkey)
        after = median([verify_bound(sample) for _ in range(3)])
        if code != 0:
            raise SystemExit(f"the verifier failed on {path} (exit {code}): {last}")
        vb = (before + after) / 2
        results[size] = {
            "entries": entries,
            "rate": entries / wall,
            "vb": vb,
            "rss": rss,
            "wall": wall,
            "mib": path.stat().st_size / 2**20,
        }
        print(
            f"  {entries:,} entries ({results[size]['mib']:,.0f} MiB): {wall:.1f} s, "
            f"{entries / wall:,.0f} entries/s, peak RSS {rss:.1f} MiB; "
            f"verify-bound {before:,.0f} / {after:,.0f} per s before/after; "
            f"verifier says: {last}",
            flush=True,
        )
    small, large = (results[s] for s in sizes)
    floor = python_floor_rss()
    rows = []
    for size in sizes:
        r = results[size]
        is_large = size == sizes[1]
        rows.append(
            Row(
                f"verifier rate, {r['entries']:,} entries",
                r["rate"],
                ratios={"verify-bound": r["rate"] / r["vb"]},
                target=">= 0.70 of verify-bound" if is_large else "",
                verdict=verdict(r["rate"] / r["vb"], 0.7) if is_large else "",
            )
        )
    rows.append(Row("verify-bound rate (1 core, same run)", large["vb"]))
    rows.append(Row(f"peak RSS, {small['entries']:,} entries", small["rss"], "MiB"))
    rows.append(
        Row(
            f"peak RSS, {large['entries']:,} entries",
            large["rss"],
            "MiB",
            ratios={"smaller export": large["rss"] / small["rss"]},
            target="<= 1.20x",
            verdict=verdict(large["rss"] / small["rss"], maximum=1.2),
        )
    )
    rows.append(Row("peak RSS, Python + the verifier's imports only", floor, "MiB"))
    print_table("scripts/verify_ledger.py over exports", rows)
    print(f"\n{time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
