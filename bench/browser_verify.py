"""How long the scan page's own verifier takes in headless Chromium, at 10k and 1M entries.

    .venv/bin/python -m bench.browser_verify [--quick] [--size N ...] [--loads L] [--reps R]

Serves the scan ledgers of bench/scan_data.py with ``gunicorn -w 2`` (bench/scan.py's
server) on http://127.0.0.1 (a secure context for WebCrypto) and drives Debian's Chromium
(/usr/bin/chromium, headless) with Playwright:

* page loads: open the sample unit's scan page L times (a fresh page each time, same
  browser) and read ``data-verify-ms`` from ``#verify-status`` once ``data-state`` is
  ``verified`` or ``failed`` (web/static/verify/page.js: the time ``verifyBundle`` took,
  fetch excluded). The first load of a browser is reported apart (module compile, cold
  JIT);
* in the page, warm: ``verifyBundle(bytes, vkey)`` imported from /static/verify/bundle.js,
  R times on the bytes of the pinned bundle, timed with performance.now();
* baselines in the same page, same run, interleaved with the warm runs: E raw
  ``crypto.subtle.verify('Ed25519', ...)`` calls on one imported key (E = the signatures the
  bundle holds: one per entry plus the checkpoint's), and H ``crypto.subtle.digest('SHA-256')``
  calls on 64-byte inputs (H = the hashes its inclusion proofs need: for each entry, the
  leaf hash plus one per proof node), each awaited in turn as the verifier does. The report
  states verification in "Ed25519-verify equivalents" (its time over one verify's).

No assertions on time; the machine is shared, read the ratios.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine_line, markdown_row, median
from bench.scan import fetch, pinned_bundle_url, server
from bench.scan_data import SAMPLE_PATH, build, ledger_path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

IN_PAGE = r"""
async ({ url, vkey, reps }) => {
  const { verifyBundle } = await import('/static/verify/bundle.js');
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const doc = JSON.parse(new TextDecoder().decode(bytes));
  const sigs = doc.entries.length + 1;
  const hashes = doc.entries.reduce((n, e) => n + 1 + e.proof.length, 0);
  // A key pair and a signature for the raw Ed25519 baseline.
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const msg = new Uint8Array(600).fill(7);
  const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, msg));
  const block = new Uint8Array(65).fill(1);
  const out = { verify: [], ed: [], sha: [], sigs, hashes, ok: null };
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    const report = await verifyBundle(bytes, vkey);
    out.verify.push(performance.now() - t);
    out.ok = report.ok;
    t = performance.now();
    for (let i = 0; i < sigs; i++) {
      if (!(await crypto.subtle.verify('Ed25519', pair.publicKey, sig, msg))) {
        throw new Error('baseline verify');
      }
    }
    out.ed.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < hashes; i++) await crypto.subtle.digest('SHA-256', block);
    out.sha.push(performance.now() - t);
  }
  return out;
}
"""


def browser_figures(port: int, loads: int, reps: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    page_html = fetch(port, SAMPLE_PATH).decode("utf-8")
    bundle_url = pinned_bundle_url(page_html.encode("utf-8"))
    vkey = re.search(r'data-verifier-key="([^"]+)"', page_html).group(1)
    out: dict[str, Any] = {"loads": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        out["browser"] = browser.version
        context = browser.new_context()
        for _ in range(loads):
            page = context.new_page()
            t = time.perf_counter()
            page.goto(base + SAMPLE_PATH)
            page.wait_for_selector(
                "#verify-status[data-state=verified], #verify-status[data-state=failed], "
                "#verify-status[data-state=error], #verify-status[data-state=unsupported]",
                timeout=60_000,
            )
            wall = time.perf_counter() - t
            status = page.locator("#verify-status")
            out["loads"].append(
                {
                    "state": status.get_attribute("data-state"),
                    "ms": float(status.get_attribute("data-verify-ms") or "nan"),
                    "wall_ms": wall * 1e3,
                }
            )
            page.close()
        page = context.new_page()
        page.goto(base + SAMPLE_PATH)
        out["warm"] = page.evaluate(IN_PAGE, {"url": bundle_url, "vkey": vkey, "reps": reps})
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="10k only, fewer loads")
    ap.add_argument(
        "--size", type=int, action="append", help="entries (default 10,000 and 1,000,000)"
    )
    ap.add_argument("--loads", type=int, default=None, help="page loads per size")
    ap.add_argument("--reps", type=int, default=None, help="warm verifyBundle runs in one page")
    args = ap.parse_args()
    sizes = args.size or ([10_000] if args.quick else [10_000, 1_000_000])
    loads = args.loads or (4 if args.quick else 11)
    reps = args.reps or (10 if args.quick else 30)
    print(f"bench.browser_verify {'--quick' if args.quick else '(full)'}  {machine_line()}")
    rows = []
    for size in sizes:
        path = ledger_path(size) if ledger_path(size).exists() else build(size)
        with tempfile.TemporaryDirectory(prefix="scanv-") as d:
            static = Path(d) / "static.html"
            static.write_text("", encoding="utf-8")
            with server(path, "gthread", 4, static) as port:
                f = browser_figures(port, loads, reps)
        w = f["warm"]
        states = {x["state"] for x in f["loads"]}
        later = [x["ms"] for x in f["loads"][1:]]
        one_ed = median(w["ed"]) / w["sigs"]
        row = {
            "size": size,
            "browser": f["browser"],
            "states": sorted(states),
            "first_load_ms": f["loads"][0]["ms"],
            "load_ms": median(later) if later else float("nan"),
            "load_max_ms": max(later) if later else float("nan"),
            "wall_ms": median([x["wall_ms"] for x in f["loads"][1:]] or [f["loads"][0]["wall_ms"]]),
            "warm_ms": median(w["verify"]),
            "ok": w["ok"],
            "sigs": w["sigs"],
            "hashes": w["hashes"],
            "ed_ms": median(w["ed"]),
            "sha_ms": median(w["sha"]),
            "one_ed_ms": one_ed,
            "ratio": median([v / e for v, e in zip(w["verify"], w["ed"], strict=False)]),
        }
        rows.append(row)
        print(
            f"\n  {size:,} entries, Chromium {row['browser']}: page states {row['states']}; "
            f"data-verify-ms first load {row['first_load_ms']:.1f}, "
            f"later loads median {row['load_ms']:.1f} (max {row['load_max_ms']:.1f}); "
            f"page load to verdict {row['wall_ms']:.0f} ms"
        )
        print(
            f"    warm verifyBundle {row['warm_ms']:.1f} ms (ok={row['ok']}); "
            f"{row['sigs']} raw Ed25519 verifies {row['ed_ms']:.1f} ms ({one_ed:.3f} ms each); "
            f"{row['hashes']} SHA-256 digests {row['sha_ms']:.1f} ms",
            flush=True,
        )
    sigs = "/".join(str(r["sigs"]) for r in rows)
    header = (
        "size",
        "page load: data-verify-ms, first / median of later (max)",
        "warm verifyBundle ms",
        f"{sigs} raw Ed25519 verifies ms",
        "/ those verifies",
        "= Ed25519-verify equivalents",
        "SHA-256 digests (count) ms",
        "target",
    )
    print("\n" + markdown_row(*header))
    print(markdown_row(*["---"] * len(header)))
    for r in rows:
        slowest = max(r["load_ms"], r["first_load_ms"])
        print(
            markdown_row(
                f"{r['size']:,}",
                f"{r['first_load_ms']:.1f} / {r['load_ms']:.1f} ({r['load_max_ms']:.1f})",
                f"{r['warm_ms']:.1f}",
                f"{r['ed_ms']:.1f}",
                f"{r['ratio']:.2f}",
                f"{r['warm_ms'] / r['one_ed_ms']:.0f}",
                f"{r['sha_ms']:.1f} ({r['hashes']})",
                f"<= 200 ms: {'PASS' if slowest <= 200 else 'MISS'}",
            )
        )


if __name__ == "__main__":
    main()
