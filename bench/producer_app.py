"""The producer app (/app): its first load's size, signing on the phone, and syncing an outbox.

    .venv/bin/python -m bench.producer_app [--quick] [--rounds R]

Serves a fresh ledger per measurement with the app (werkzeug, threaded, in this process) on
http://127.0.0.1 (a secure context) and drives Debian's Chromium headless with Playwright:

* **first load**: the shell /app/ and every asset it names (what the service worker keeps),
  each gzip-compressed at level 6 as a front server would send it; JS and CSS apart;
* **sign and queue 100 events**: in the page, the app's own ``signStatement`` (RFC 8785 bytes
  with the domain prefix, WebCrypto Ed25519, the statement ID's SHA-256) and ``enqueue`` (an
  IndexedDB write each, as the form does) for 100 event payloads, then the signing alone,
  then signing with one transaction for all 100 (``enqueueAll``, as batch entry does),
  against 100 raw ``crypto.subtle.sign`` calls on messages of the same size, interleaved
  round by round;
* **sync an outbox of 500**: 500 statements (signed beforehand by a registered key, as a
  phone would have) put in the page's outbox, then the app's ``sync()`` sends them in its
  batches of 50; against the API's batched append rate: the same 500 POSTed in batches of
  50 from Python to an identical fresh ledger, interleaved.

No assertions on time; the machine is shared, read the ratios.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.browser_verify import CHROMIUM, CHROMIUM_ARGS
from bench.common import (
    create_ledger,
    machine_line,
    markdown_row,
    median,
    sign_events,
    sqlite_url,
    temp_dir,
)
from ledger.store.db import make_engine
from tests.browser.conftest import serve_app
from web import create_app

SIGN_AND_QUEUE = r"""
async ({ payloads }) => {
  const { newDevice, signStatement } = await import('/static/app/keys.js');
  const { enqueue, enqueueAll } = await import('/static/app/outbox.js');
  const device = await newDevice();
  const t0 = performance.now();
  for (const payload of payloads) {
    const signed = await signStatement(device, 'event', payload);
    await enqueue(signed, 'harvest', { title: 'bench', when: '' });
  }
  const app = performance.now() - t0;
  const t2 = performance.now();
  for (const payload of payloads) await signStatement(device, 'event', payload);
  const signOnly = performance.now() - t2;
  const t3 = performance.now();
  const records = [];
  for (const payload of payloads) {
    const signed = await signStatement(device, 'event', payload);
    records.push({ signed, form: 'harvest', summary: {} });
  }
  await enqueueAll(records);
  const batch = performance.now() - t3;
  const size = new TextEncoder().encode(JSON.stringify(payloads[0])).length + 80;
  const message = new Uint8Array(size).fill(7);
  const t1 = performance.now();
  for (let i = 0; i < payloads.length; i++) {
    await crypto.subtle.sign('Ed25519', device.keyPair.privateKey, message);
  }
  return { app, signOnly, batch, raw: performance.now() - t1 };
}
"""

SYNC = r"""
async ({ statements }) => {
  const { put } = await import('/static/app/db.js');
  const { sync } = await import('/static/app/outbox.js');
  let n = 0;
  for (const statement of statements) {
    await put('outbox', { id: `s${n}`, statement, form: 'harvest', summary: {}, created: n++,
                          state: 'waiting' });
  }
  const t0 = performance.now();
  const complete = await sync();
  return { ms: performance.now() - t0, complete };
}
"""


@contextmanager
def served(directory: Path, name: str) -> Iterator[str]:
    engine = make_engine(sqlite_url(directory / f"{name}.sqlite3"))
    ledger = create_ledger(engine)
    try:
        with serve_app(create_app({"LEDGER": ledger, "SECRET_KEY": "bench"})) as base:
            yield base
    finally:
        engine.dispose()


def get(base: str, path: str) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request("GET", path)
    return conn.getresponse().read()


def post_batches(base: str, statements: list[dict[str, Any]], batch: int) -> float:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    t = time.perf_counter()
    for start in range(0, len(statements), batch):
        body = json.dumps({"statements": statements[start : start + batch]})
        conn.request("POST", "/api/v1/statements", body, {"Content-Type": "application/json"})
        answer = conn.getresponse()
        answer.read()
        assert answer.status in (200, 201), answer.status
    return time.perf_counter() - t


def first_load(base: str) -> tuple[int, int, int]:
    """(all bytes, JS+CSS bytes, files) of the first load, gzip level 6."""
    shell = get(base, "/app/")
    assets = json.loads(re.search(rb'id="assets">([^<]*)<', shell)[1])  # type: ignore[index]
    total, code = len(gzip.compress(shell, 6)), 0
    for asset in assets:
        size = len(gzip.compress(get(base, asset), 6))
        total += size
        if asset.endswith((".js", ".css")):
            code += size
    return total, code, len(assets) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    from playwright.sync_api import sync_playwright

    print(machine_line())
    events = [s.to_json() for s in sign_events(0, 500, "app")]
    payloads = [e["payload"] for e in events[:100]]
    sign_ratio, sync_ratio, sign_ms, raw_ms, sync_s, post_s = [], [], [], [], [], []
    sign_only_ms: list[float] = []
    batch_ms: list[float] = []
    with temp_dir() as directory, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with served(directory, "load") as base:
            total, code, files = first_load(base)
        for r in range(rounds):
            with served(directory, f"sign{r}") as base:
                page = browser.new_context().new_page()
                page.goto(base + "/app/")
                got = page.evaluate(SIGN_AND_QUEUE, {"payloads": payloads})
                sign_ms.append(got["app"])
                sign_only_ms.append(got["signOnly"])
                batch_ms.append(got["batch"])
                raw_ms.append(got["raw"])
                sign_ratio.append(got["app"] / got["raw"])
                page.context.close()
            with served(directory, f"post{r}") as base:
                post_s.append(post_batches(base, events, 50))
            with served(directory, f"sync{r}") as base:
                page = browser.new_context().new_page()
                page.goto(base + "/app/")
                got = page.evaluate(SYNC, {"statements": events})
                assert got["complete"], "the outbox did not empty"
                sync_s.append(got["ms"] / 1000)
                sync_ratio.append(got["ms"] / 1000 / post_s[-1])
                page.context.close()
        browser.close()
    print(f"first load: {total / 1024:.1f} KiB gzip in {files} files, JS+CSS {code / 1024:.1f} KiB")
    print(
        f"sign+queue 100 events: {median(sign_ms):.0f} ms (signing alone "
        f"{median(sign_only_ms):.0f} ms; as a batch, one transaction {median(batch_ms):.0f} ms); "
        "100 raw Ed25519 signatures: "
        f"{median(raw_ms):.0f} ms; ratio {median(sign_ratio):.2f}"
    )
    print(
        f"sync 500 from the outbox: {median(sync_s):.2f} s ({500 / median(sync_s):.0f}/s); "
        f"API batched append (50/request): {median(post_s):.2f} s ({500 / median(post_s):.0f}/s); "
        f"ratio {median(sync_ratio):.2f}"
    )
    print(
        markdown_row(
            "first load (gzip)", f"{total / 1024:.1f} KiB", f"JS+CSS {code / 1024:.1f} KiB"
        )
    )
    print(markdown_row("sign+queue 100 / 100 raw signs", f"{median(sign_ratio):.2f}", ""))
    batch_ratio = median(batch_ms) / median(raw_ms)
    print(markdown_row("sign 100 + queue as a batch / 100 raw signs", f"{batch_ratio:.2f}", ""))
    print(markdown_row("sync 500 / API batched append", f"{median(sync_ratio):.2f}", ""))


if __name__ == "__main__":
    main()
