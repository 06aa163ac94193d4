"""No swallowed errors in the browser code, and no waits the site's CSP blocks (issue 7,
defect 3). Every ``catch`` in web/static rethrows or reports on the page; a bug in the
verifier is not passed off as a bad bundle; and the browser tests wait for DOM state the
page sets, never with ``wait_for_function`` (it evaluates strings, which the CSP forbids:
such a wait passes only when Playwright wins a race)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "web" / "static"
BROWSER_TESTS = ROOT / "tests" / "browser"
# What a catch block may do with the error: rethrow it (translated into one of the
# verifier's own errors, or as it is), or show it on the page (page.js's setStatus, the
# producer app's and the console camera's report).
HANDLED = re.compile(r"\bthrow\b|\bsetStatus\(|\breport\b")


def catch_blocks(source: str) -> list[str]:
    """The body of every ``catch`` block (braces matched; the JS here has no braces in
    strings inside catch blocks), and of every ``.catch(`` callback."""
    bodies = []
    for match in re.finditer(r"\bcatch\s*(\([^)]*\))?\s*\{|\.catch\(", source):
        start = source.index("{", match.start()) if match.group(0) != ".catch(" else match.end()
        depth, at = 0, start
        while at < len(source):
            depth += {"{": 1, "}": -1}.get(source[at], 0)
            if depth == 0 and source[at] == "}":
                break
            at += 1
        bodies.append(source[start : at + 1])
    return bodies


def test_every_catch_in_the_browser_code_rethrows_or_reports() -> None:
    problems = []
    scripts = sorted(STATIC.rglob("*.js"))
    assert scripts
    for path in scripts:
        for body in catch_blocks(path.read_text(encoding="utf-8")):
            if not HANDLED.search(body):
                problems.append(f"{path.relative_to(ROOT)}: catch swallows: {body[:120]!r}")
    assert not problems, "\n".join(problems)


def test_browser_tests_never_wait_for_a_function() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted(BROWSER_TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "wait_for_function" in line
    ]
    assert not found, found


def test_a_bug_in_the_verifier_is_not_passed_off_as_a_bad_bundle(verifier_page: Any) -> None:
    """Malformed UTF-8 is a bad bundle; a programming error (here: bytes of the wrong type)
    propagates. Before, bundle.js took every TypeError for a decoding failure."""
    got = verifier_page.evaluate(
        """async () => {
      const { verifyBundle } = await import('/static/verify/bundle.js');
      const key = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
      const bad = await verifyBundle(new Uint8Array([0x7b, 0xff, 0x7d]), key);
      let bug;
      try {
        await verifyBundle([0x7b, 0x7d], key);
        bug = 'reported as a verdict';
      } catch (err) {
        bug = err.name;
      }
      return { bad: bad.bundleFailures, bug };
    }"""
    )
    [failure] = got["bad"]
    assert failure["check"] == "bundle" and "not valid UTF-8" in failure["message"]
    assert got["bug"] == "TypeError"
