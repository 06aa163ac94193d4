"""Speed of scripts/verify_ledger.py against the "verify-bound rate", measured in one run.

    .venv/bin/python -m tests.verifier.bench_verify --entries 100000 --export /tmp/big.jsonl

The verify-bound rate is what one statement minimally costs: canonical JSON of the
statement (without its signature), SHA-256 of the signed message and one Ed25519
verification. It is measured on the same export, with the library's canonical JSON
(ledger.core.canonical, RFC 8785) and, as a floor, with the standard library's
json.dumps (not RFC 8785, but the cheapest serialisation there is). The verifier's rate is
its process's CPU time for the whole run (both passes, every check, interpreter start
included); the baselines are CPU time too. Each is measured `--repeat` times, interleaved,
and the best taken, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import nacl.bindings

from ledger.core.canonical import canonical_bytes
from ledger.core.signing import domain_prefix
from tests.verifier import export_builder as eb

ROOT = Path(__file__).resolve().parents[2]


def baseline(path: Path, limit: int, fast: bool) -> float:
    """Entries per second of canonical JSON + SHA-256 + one Ed25519 verify per statement."""
    pks: dict[str, bytes] = {}
    items = []
    with path.open("rb") as f:
        for line in f:
            obj = json.loads(line)
            if obj["type"] != "entry":
                continue
            entry = json.loads(base64.b64decode(obj["leaf"]))
            st = entry["statement"]
            if st["kind"] == "key":
                pk = base64.b64decode(st["payload"]["public_key"])
                pks[hashlib.sha256(pk).hexdigest()[:32]] = pk
            if st["kind"] == "event":
                items.append(st)
            if len(items) >= limit:
                break
    dumps = (
        (
            lambda v: json.dumps(
                v, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        )
        if fast
        else canonical_bytes
    )
    t = time.process_time()  # CPU time, as for the verifier: the machine may be shared
    for st in items:
        body = dumps({"kind": st["kind"], "payload": st["payload"], "signer": st["signer"]})
        message = domain_prefix(st["kind"]) + body
        hashlib.sha256(message).digest()
        nacl.bindings.crypto_sign_open(base64.b64decode(st["sig"]) + message, pks[st["signer"]])
    return len(items) / (time.process_time() - t)


def run_verifier(export: Path, vkey: str) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS KiB, last stdout line) of one verifier process."""
    code = (
        "import resource, runpy, sys\nsys.argv = sys.argv[1:]\n"
        "try:\n    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "finally:\n    ru = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')] or [ru.ru_maxrss]\n"
        "    print('RUSAGE', ru.ru_utime + ru.ru_stime, hwm[0], file=sys.stderr)\n"
    )
    t = time.perf_counter()
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(ROOT / "scripts" / "verify_ledger.py"),
            str(export),
            "--operator-key",
            vkey,
            "--progress-every",
            "1000000000",
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t
    _, cpu, rss = next(x for x in r.stderr.splitlines() if x.startswith("RUSAGE")).split()
    return wall, float(cpu), int(rss), r.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--export", type=Path, default=Path("/tmp/traceledger-big.jsonl"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--baseline-sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.rebuild or not args.export.exists():
        t = time.perf_counter()
        fx = eb.build_big(args.export, args.entries)
        print(
            f"built {args.entries + 5} entries in {time.perf_counter() - t:.0f} s -> {args.export}"
        )
        args.export.with_suffix(".vkey").write_text(fx.vkey)
    vkey = args.export.with_suffix(".vkey").read_text()
    n = sum(1 for line in args.export.open("rb") if line.startswith(b'{"type":"entry"'))
    libs, floors, runs = [], [], []
    for _ in range(args.repeat):  # interleaved, best of each: the machine may be shared
        libs.append(baseline(args.export, args.baseline_sample, fast=False))
        floors.append(baseline(args.export, args.baseline_sample, fast=True))
        runs.append(run_verifier(args.export, vkey))
    lib, floor = max(libs), max(floors)
    wall, cpu, rss, last = min(runs, key=lambda r: r[1])
    rate = n / cpu
    print(last)
    print(
        f"verifier: {n} entries, {rate:,.0f} entries/s of CPU time ({cpu:.1f} s CPU, {wall:.1f} s wall), "
        f"peak RSS {rss / 1024:.0f} MiB"
    )
    print(
        f"verify-bound rate, library RFC 8785 canonical JSON: {lib:,.0f}/s -> verifier at {rate / lib:.0%}"
    )
    print(
        f"verify-bound rate, json.dumps floor:                {floor:,.0f}/s -> verifier at {rate / floor:.0%}"
    )


if __name__ == "__main__":
    main()
