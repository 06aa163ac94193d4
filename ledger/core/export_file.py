"""Reading an export file (FORMAT.md section 8) into the log verifier, line by line.

The file's own rules (the header, each line's shape, the entry count) are checked here
and named like scripts/verify_ledger.py names them (``header``, ``malformed``,
``truncated``); every entry and checkpoint then goes to ``LogVerifier``. A pure function
of the lines' bytes: a binary file object, or ``data.splitlines(keepends=True)``, will do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.core.canonical import parse_json
from ledger.core.checkpoint import Checkpoint
from ledger.core.errors import LedgerError
from ledger.core.note import NoteVerifier
from ledger.core.signing import b64decode
from ledger.core.verify import Failure, LogVerifier, Report

EXPORT_FORMAT = "traceledger-export"
HEADER_MEMBERS = frozenset({"type", "format", "v", "origin", "verifier_key", "tree_size"})
ENTRY_LINE_MEMBERS = frozenset({"type", "index", "leaf"})
CHECKPOINT_LINE_MEMBERS = frozenset({"type", "note"})


def _header_problems(obj: dict[str, Any], operator: NoteVerifier) -> list[str]:
    problems = []
    if obj.keys() != HEADER_MEMBERS:
        problems.append("the header has exactly the members " + ", ".join(sorted(HEADER_MEMBERS)))
    if obj.get("format") != EXPORT_FORMAT:
        problems.append(f"format is not {EXPORT_FORMAT!r}")
    if type(obj.get("v")) is not int or obj.get("v") != 1:
        problems.append("v is not 1")
    if obj.get("origin") != operator.name:
        problems.append(f"origin {obj.get('origin')!r} is not the operator key's name")
    if obj.get("verifier_key") != operator.vkey:
        problems.append("verifier_key is not the operator key given")
    size = obj.get("tree_size")
    if type(size) is not int or size < 0:
        problems.append("tree_size is not a non-negative integer")
    return problems


def verify_export(
    lines: Iterable[bytes], operator: NoteVerifier, *, since: Checkpoint | None = None
) -> Report:
    """Check an export file's lines against the operator's key; name every failure."""
    verifier = LogVerifier(operator, since=since)
    fail = verifier.report.failures.append
    header_size: int | None = None
    line_no = 0
    for raw in lines:
        line_no += 1
        if not raw.endswith(b"\n"):  # only the last line can lack it
            fail(Failure(None, "truncated", f"line {line_no} does not end with a newline"))
        try:
            obj = parse_json(raw)
        except LedgerError as exc:
            obj = exc.message
        if not isinstance(obj, dict):
            problem = obj if isinstance(obj, str) else "not a JSON object"
            fail(
                Failure(
                    None, "header" if line_no == 1 else "malformed", f"line {line_no}: {problem}"
                )
            )
            continue
        kind = obj.get("type")
        if kind == "header":
            problems = _header_problems(obj, operator) if line_no == 1 else ["a second header line"]
            fail_all(verifier.report, None, "header", problems)
            if line_no == 1 and type(obj.get("tree_size")) is int:
                header_size = obj["tree_size"]
            continue
        if line_no == 1:
            fail(Failure(None, "header", "the export does not start with a header line"))
        if kind == "entry":
            _entry_line(verifier, obj)
        elif (
            kind == "checkpoint"
            and obj.keys() == CHECKPOINT_LINE_MEMBERS
            and isinstance(obj["note"], str)
        ):
            verifier.add_checkpoint(obj["note"])
        else:
            fail(Failure(None, "malformed", f"line {line_no} is not a header, entry or checkpoint"))
    if line_no == 0:
        fail(Failure(None, "header", "the export is empty"))
    if header_size is not None and header_size != verifier.report.entries:
        fail(
            Failure(
                None,
                "truncated",
                f"the header says {header_size} entries, the file has {verifier.report.entries}",
            )
        )
    return verifier.finish()


def fail_all(report: Report, index: int | None, check: str, messages: list[str]) -> None:
    """Report each of ``messages`` as a failure of ``check``."""
    report.failures.extend(Failure(index, check, m) for m in messages)


def _entry_line(verifier: LogVerifier, obj: dict[str, Any]) -> None:
    position = verifier.report.entries
    leaf: bytes | None = None
    problem = ""
    if obj.keys() != ENTRY_LINE_MEMBERS:
        problem = "an entry line has exactly the members type, index and leaf"
    elif type(obj["index"]) is not int:
        problem = "the entry line's index is not an integer"
    elif obj["index"] != position:
        # Named as the entry's own index member would be: an entry missing, repeated or
        # moved shows in both, and is one failure per position, not two.
        verifier.report.failures.append(
            Failure(position, "index_sequence", f"the entry line says index {obj['index']}")
        )
    if not isinstance(obj.get("leaf"), str):
        problem = problem or "leaf must be base64 text"
    else:
        try:
            leaf = b64decode(obj["leaf"], field="leaf")
        except LedgerError as exc:
            problem = problem or exc.message
    if problem:
        verifier.report.failures.append(Failure(position, "malformed", problem))
    if leaf is None:
        verifier.skip_entry()
    else:
        verifier.add_entry(leaf)
