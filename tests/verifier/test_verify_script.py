"""Tests of scripts/verify_ledger.py, the auditor's independent verifier.

The script is not a package: it is imported from its path (importlib) and also run as a
subprocess. Its own RFC 8785, Merkle and signed-note code is checked against the published
vectors; whole exports (built with the library by export_builder) must verify, and every
kind of tampering must fail with exactly the (index, check) set the library's verifier
(ledger.core.export_file) reports, as FORMAT.md 8 says. The tamper vectors
(tests/verifier/test_tamper_vectors.py) are the corpus; the cases here are the ones they
cannot hold (--since, the Bloom filter, stdin, the command line, built logs).
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import io
import json
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger import samples as ex
from ledger.core.canonical import canonical_bytes, parse_json
from ledger.core.checkpoint import Checkpoint, parse_checkpoint
from ledger.core.entries import make_entry
from ledger.core.export_file import verify_export
from ledger.core.hashing import leaf_hash
from ledger.core.note import NoteSigner, NoteVerifier, open_note
from ledger.core.statements import parse_statement, sign_statement
from ledger.core.verify import LogVerifier
from tests.support.vectors import VECTORS
from tests.verifier import export_builder as eb

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "verify_ledger.py"


def _load_script() -> Any:
    spec = importlib.util.spec_from_file_location("verify_ledger_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


vl = _load_script()


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fx() -> eb.Fixture:
    return eb.build()


def operator(fx: eb.Fixture) -> Any:
    return vl.parse_vkey(fx.vkey)


def verify_lines(
    lines: list[str],
    fx: eb.Fixture,
    tmp_path: Path,
    *,
    since: Any = None,
    name: str = "export.jsonl",
) -> Any:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return vl.verify_export(str(path), operator(fx), since=since)


def pairs(report: Any) -> set[tuple[int | None, str]]:
    assert all(f.check in vl.CHECKS for f in report.failures), report.failures
    return {(f.index, f.check) for f in report.failures}


def entry_line_no(lines: list[str], index: int) -> int:
    """Position in `lines` of the entry line with this (wrapper) index."""
    for n, line in enumerate(lines):
        obj = json.loads(line)
        if obj["type"] == "entry" and obj["index"] == index:
            return n
    raise KeyError(index)


def replace_leaf(
    lines: list[str], index: int, leaf: bytes, wrapper_index: int | None = None
) -> list[str]:
    out = list(lines)
    n = entry_line_no(lines, index)
    idx = index if wrapper_index is None else wrapper_index
    out[n] = (
        json.dumps(
            {"type": "entry", "index": idx, "leaf": base64.b64encode(leaf).decode()},
            separators=(",", ":"),
        )
        + "\n"
    )
    return out


def lib_verdict(lines: list[str], fx: eb.Fixture) -> bool:
    """The library's verifier fed the same entries and checkpoints in file order."""
    v = LogVerifier(NoteVerifier.parse(fx.vkey))
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "entry":
            try:
                raw = base64.b64decode(obj["leaf"], validate=True)
            except binascii.Error:
                return False
            v.add_entry(raw)
        elif obj.get("type") == "checkpoint":
            v.add_checkpoint(obj["note"])
    return v.finish().ok


def core_pairs(lines: list[str], fx: eb.Fixture) -> set[tuple[int | None, str]]:
    """What the core's verifier (ledger/core/export_file.py) reports for these lines: the
    contract the script's report must equal (FORMAT.md 8)."""
    data = "".join(lines).encode("utf-8")
    report = verify_export(data.splitlines(keepends=True), NoteVerifier.parse(fx.vkey))
    return {(f.index, f.check) for f in report.failures}


def assert_as_core(report: Any, lines: list[str], fx: eb.Fixture) -> set[tuple[int | None, str]]:
    """The script's (index, check) set is the core's, and not empty; returns it."""
    got = pairs(report)
    assert got == core_pairs(lines, fx)
    assert got and not report.ok
    return got


# -- canonical JSON: RFC 8785 vectors --------------------------------------------------------------

JCS = VECTORS / "jcs"


@pytest.mark.parametrize("name", sorted(p.name for p in (JCS / "input").iterdir()))
def test_jcs_published_files(name: str) -> None:
    data = (JCS / "input" / name).read_bytes()
    expected = (JCS / "output" / name).read_bytes()
    hexed = bytes.fromhex(
        (JCS / "outhex" / (Path(name).stem + ".txt"))
        .read_text()
        .replace("\n", " ")
        .replace(" ", "")
    )
    assert expected == hexed
    assert vl.jcs_canonicalize(data) == expected
    # the fast path, where the reader allows it, agrees with the complete implementation
    value, plain = vl.read_json(expected)
    assert vl.jcs(value) == expected
    if plain:
        assert vl.jcs(value, plain=True) == expected


def test_jcs_number_samples() -> None:
    samples = json.loads((JCS / "rfc8785_number_samples.json").read_text())["samples"]
    assert len(samples) >= 30
    for s in samples:
        x = struct.unpack(">d", bytes.fromhex(s["ieee754_hex"]))[0]
        if s["valid"]:
            assert vl.es_number(x) == s["expected"], s
        else:
            with pytest.raises(vl.JSONError):
                vl.es_number(x)


def test_jcs_derived_numbers() -> None:
    got = vl.jcs_canonicalize((JCS / "derived_numbers_input.json").read_bytes())
    assert got == (JCS / "derived_numbers_output.json").read_bytes().strip()


def test_jcs_sorting_sample() -> None:
    value, _ = vl.read_json((JCS / "rfc8785_sorting_sample_input.json").read_bytes())
    order = json.loads((JCS / "rfc8785_sorting_sample_expected.json").read_text())[
        "expected_value_order"
    ]
    text = vl.jcs_canonicalize(json.dumps(value))
    assert list(json.loads(text, object_pairs_hook=lambda p: [v for _, v in p])) == order


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2}',
        '{"x":{"b":1,"b":1}}',
        "NaN",
        '{"a":Infinity}',
        "[-Infinity]",
        "1e400",
        "[1,]",
        "{'a':1}",
        '"\\u00"',
    ],
)
def test_strict_parse_rejects(text: str) -> None:
    with pytest.raises(vl.JSONError):
        vl.read_json(text)


def test_lone_surrogate_cannot_be_canonicalised() -> None:
    with pytest.raises(vl.JSONError):
        vl.jcs_canonicalize('"\\ud800"')
    assert vl.jcs_canonicalize('"\\ud83d\\ude00"') == "\U0001f600".join('""').encode()


@pytest.mark.parametrize(
    "value",
    [
        {"z": 1, "a": [1.5, 0.0001, 123456789012345.6, "é\u2028\x7f", None, True, False, -0]},
        {"n": [1e21, 1e-7, 2**53, 2**53 + 1, -(2**60), 5e-324, 0.1, 100.0, 1.0, 1e16, 1e-5]},
        {"\ue000": 1, "\U0001f600": 2, 'a\x00\n"\\': {"": []}},
        ["稻花香", {"b": 1, "a": {"d": 2.25, "c": -3}}],
    ],
)
def test_jcs_agrees_with_library(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert vl.jcs_canonicalize(text) == canonical_bytes(parse_json(text))


def test_jcs_agrees_with_library_on_random_values() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**64), 2**64)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=8)
    )
    values = st.recursive(
        scalars,
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
        max_leaves=20,
    )

    @hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
    @hypothesis.given(values)
    def check(value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False)
        try:
            expected = canonical_bytes(parse_json(text))
        except Exception:  # noqa: BLE001 - surrogates etc.: both must refuse
            with pytest.raises((vl.JSONError, UnicodeError)):
                vl.jcs_canonicalize(text)
            return
        assert vl.jcs_canonicalize(text) == expected
        parsed, plain = vl.read_json(expected, check_names=False)
        if plain:
            assert vl.jcs(parsed, plain=True) == expected

    check()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2024-10-31T08:00:00+08:00", "2024-10-31T00:00:00+00:00"),
        ("2024-10-31T08:00:00.5Z", "2024-10-31T08:00:00.500000+00:00"),
        ("2024-10-31T08:00:00.123456Z", "2024-10-31T08:00:00.123456+00:00"),
        ("2024-10-31t08:00:00.123456z", None),
        ("2024-02-29T23:59:59-05:30", "2024-03-01T05:29:59+00:00"),
        ("2023-02-29T00:00:00Z", None),
        ("2024-10-31T24:00:00Z", None),
        ("2024-10-31T08:00:00", None),
        ("2024-10-31 08:00:00Z", None),
        ("2024-10-31T08:00:00.Z", None),
        ("2024-10-31T08:00:00+0800", None),
        ("2024-1-31T08:00:00Z", None),
        ("２024-10-31T08:00:00Z", None),
        ("2024-10-31T08:00:00+24:00", None),
    ],
)
def test_rfc3339_instants(text: str, expected: str | None) -> None:
    from datetime import datetime

    got = vl.event_time_ns(text)
    if expected is None:
        assert got is None
    else:
        want = datetime.fromisoformat(expected)
        assert got == int(want.timestamp()) * 10**9 + want.microsecond * 1000


def test_event_time_limit_is_exact() -> None:
    t = vl.ledger_time_ns("2024-11-01T00:00:00.000Z")
    limit = t + vl.EVENT_FUTURE_ALLOWANCE_NS
    assert vl.event_time_ns("2024-11-01T08:10:00+08:00") == limit
    assert vl.event_time_ns("2024-11-01T00:10:00.0000000001Z") == limit + 1  # rounded up
    assert vl.event_time_ns("2024-11-01T00:10:00.1234567890Z") == limit + 123456789
    assert vl.ledger_time_ns("2024-11-01T00:00:00.000+00:00") is None


def _verdict_fast(text: str) -> bool:
    """The verifier's own test for "these bytes are canonical" (fast path where it applies)."""
    try:
        value, plain = vl.read_json(text, check_names=False)
        return vl.jcs(value, plain=plain) == text.encode()
    except vl.JSONError:
        return False


def _verdict_reference(text: str) -> bool:
    try:
        return vl.jcs_canonicalize(text) == text.encode()
    except (vl.JSONError, UnicodeError):
        return False


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1.0}',
        '{"a":1}',
        '{"a":1e2}',
        '{"a":100}',
        '{"a":0.0}',
        '{"a":-0}',
        '{"a":0}',
        '{"a":1E-7}',
        '{"a":1e-7}',
        '{"a":0.0000001}',
        '{"a":9007199254740993}',
        '{"a":9007199254740992}',
        '{"a":1e21}',
        '{"a":1000000000000000000000}',
        '{"a":100000000000000000000}',
        '{"a":0.1}',
        '{"a":1,"a":1}',
        '{"b":1,"a":2}',
        '{"a":NaN}',
        '{"\ue000":1,"\ud83d\ude00":2}',
        '{"":1,"😀":2}',
        '{"😀":2,"":1}',
        '{"a":"\\u0041"}',
        '{"a":"\\u001f"}',
        '{"a":"\x7f"}',
        '{"a":"\\/"}',
        '{"a":1.5e300}',
        '{"a":1.5e+300}',
        "[1,2]",
        '{"a":12345678901234567}',
    ],
)
def test_fast_canonical_verdict_never_differs(text: str) -> None:
    assert _verdict_fast(text) == _verdict_reference(text)


# -- Merkle tree -----------------------------------------------------------------------------------


def test_merkle_roots_of_the_8_leaf_tree() -> None:
    m = json.loads((VECTORS / "merkle" / "rfc6962_tree_8leaves.json").read_text())
    leaves = [bytes.fromhex(h) for h in m["leaves_hex"]]
    for n in range(len(leaves) + 1):
        cr = vl.CompactRange()
        for leaf in leaves[:n]:
            cr.append(leaf)
        assert cr.size == n
        assert cr.root().hex() == m["roots_by_tree_size"][str(n)]
        assert vl.mth(leaves[:n]).hex() == m["roots_by_tree_size"][str(n)]
    assert [vl.leaf_hash(x).hex() for x in leaves] == m["node_hashes_by_level"]["levels"][0]


def test_inclusion_and_consistency_probes() -> None:
    """The proof verifiers a bundle mode will need: RFC 9162 2.1.3.2 and 2.1.4.2."""
    inc = json.loads((VECTORS / "merkle" / "inclusion_proofs.json").read_text())
    for p in inc["probes"]:
        got = vl.verify_inclusion(
            p["leaf_index"],
            p["tree_size"],
            bytes.fromhex(p["leaf_hash"]),
            [bytes.fromhex(x) for x in p["proof"]],
            bytes.fromhex(p["root"]),
        )
        assert got == p["valid"], p
    con = json.loads((VECTORS / "merkle" / "consistency_proofs.json").read_text())
    for p in con["probes"]:
        got = vl.verify_consistency(
            p["size1"],
            p["size2"],
            bytes.fromhex(p["root1"]),
            bytes.fromhex(p["root2"]),
            [bytes.fromhex(x) for x in p["proof"]],
        )
        assert got == p["valid"], p
    assert sum(p["valid"] for p in inc["probes"]) == inc["count_valid"]


def test_compact_range_stays_small() -> None:
    cr = vl.CompactRange()
    for i in range(5000):
        cr.append(i.to_bytes(4, "big"))
        assert len(cr._hashes) == bin(cr.size).count("1")


# -- signed notes, verifier keys, checkpoints ------------------------------------------------------

NOTES = json.loads((VECTORS / "signed_note" / "signed_note_vectors.json").read_text())


def _vkeys(names: list[str]) -> list[Any]:
    return [vl.parse_vkey(NOTES["verifier_keys"][n]) for n in names]


@pytest.mark.parametrize("case", NOTES["cases"], ids=lambda c: c["name"])
def test_signed_note_cases(case: dict[str, Any]) -> None:
    keys = _vkeys(case["known_verifier_keys"])
    if case["expect_accept"]:
        _, verified = vl.verify_note(case["note"], keys)
        assert sorted(k.name for k in verified) == sorted(case["expect_verified_signers"])
    else:
        with pytest.raises(vl.NoteError):
            vl.verify_note(case["note"], keys)


def test_signed_note_not_utf8() -> None:
    for case in NOTES["cases_not_utf8"]:
        with pytest.raises(vl.NoteError):
            vl.verify_note(bytes.fromhex(case["note_hex"]), _vkeys(case["known_verifier_keys"]))


def test_signed_note_too_many_signatures() -> None:
    for case in NOTES["implementation_limits"]:
        note = case["note_text"] + "\n" + case["signature_line"] * case["copies"]
        with pytest.raises(vl.NoteError):
            vl.verify_note(note, _vkeys(["PeterNeumann"]))
        ok = case["note_text"] + "\n" + case["signature_line"] * 16
        vl.verify_note(ok, _vkeys(["PeterNeumann"]))


def test_verifier_keys() -> None:
    for name, text in NOTES["verifier_keys"].items():
        k = vl.parse_vkey(text)
        assert k.name == name and len(k.public_key) == 32
    for bad in NOTES["bad_verifier_keys"]:
        with pytest.raises(vl.NoteError):
            vl.parse_vkey(bad["vkey"])


def test_checkpoint_body_parsing() -> None:
    for case in NOTES["checkpoint_body_parsing"]["cases"]:
        if case["valid"]:
            cp = vl.parse_checkpoint_text(case["text"], strict=False)
            exp = case["expected"]
            assert cp.origin == exp["origin"] and cp.size == exp["size"]
            if "root_hash_hex" in exp:
                assert cp.root.hex() == exp["root_hash_hex"]
            if "extension_lines" in exp:
                assert cp.extensions == exp["extension_lines"]
        else:
            with pytest.raises(vl.NoteError):
                vl.parse_checkpoint_text(case["text"], strict=False)
    sum_db = NOTES["sumdb_checkpoint_fields"]
    cp = vl.parse_checkpoint_text(
        f"{sum_db['origin']}\n{sum_db['size']}\n{sum_db['root_hash_b64']}\n"
    )
    assert cp.size == sum_db["size"]
    with pytest.raises(vl.NoteError):  # FORMAT.md 6.1: no extension lines, 32-byte roots
        vl.parse_checkpoint_text("Log\n9944\n" + base64.b64encode(bytes(32)).decode() + "\next\n")


def test_note_key_id_matches_library(fx: eb.Fixture) -> None:
    k = vl.parse_vkey(fx.vkey)
    assert k.public_key == fx.operator.public_key.raw
    assert vl.key_id(k.public_key) == fx.operator.public_key.key_id


# -- whole exports: the good one -------------------------------------------------------------------


def test_good_export_passes(fx: eb.Fixture, tmp_path: Path) -> None:
    report = verify_lines(fx.lines(), fx, tmp_path)
    assert report.ok, report.failures
    assert report.entries == 31 and report.checkpoints == len(fx.checkpoints) == 9
    assert lib_verdict(fx.lines(), fx)


def test_good_export_subprocess(fx: eb.Fixture, tmp_path: Path) -> None:
    path = fx.write(tmp_path / "good.jsonl")
    (tmp_path / "operator.vkey").write_text(fx.vkey + "\n")
    r = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(path),
            "--operator-key",
            str(tmp_path / "operator.vkey"),
            "--progress-every",
            "10",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("OK: 31 entries and 9 checkpoints")
    assert "entries/s" in r.stderr and "30 entries verified" in r.stderr
    r = subprocess.run(
        [sys.executable, str(SCRIPT), "-", "--operator-key", fx.vkey, "--json", "--quiet"],
        input=path.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert r.returncode == 0 and r.stderr == b""
    assert json.loads(r.stdout) == {"ok": True, "entries": 31, "checkpoints": 9, "failures": []}


def test_tampered_export_subprocess_json(fx: eb.Fixture, tmp_path: Path) -> None:
    lines = replace_leaf(
        fx.lines(),
        20,
        eb.mutate(
            fx.leaves[20], lambda o: o["statement"].update(sig=eb.flip_char(o["statement"]["sig"]))
        ),
    )
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(lines))
    r = subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--operator-key", fx.vkey, "--json", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["ok"] is False and out["entries"] == 31 and out["checkpoints"] == 9
    got = {(f["index"], f["check"]) for f in out["failures"]}
    # the changed entry, the link of the entry after it, and every later checkpoint's root
    assert got == {(20, "signature"), (21, "chain_link"), (None, "checkpoint_root")}
    assert got == core_pairs(lines, fx)
    assert all(set(f) >= {"index", "check", "message"} for f in out["failures"])
    n = len(out["failures"])
    r = subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--operator-key", fx.vkey, "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 1
    fail_lines = [x for x in r.stdout.splitlines() if x.startswith("FAIL ")]
    assert len(fail_lines) == n and "entry 20" in fail_lines[0] and "entry 21" in fail_lines[1]
    assert r.stdout.splitlines()[-1].startswith(f"FAILED: {n} failure(s)")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["x.jsonl"],
        ["missing.jsonl", "--operator-key", "VKEY"],
        ["EXPORT", "--operator-key", "not-a-vkey"],
        ["EXPORT", "--operator-key", "VKEY", "--since", "missing-checkpoint"],
        ["EXPORT", "--operator-key", "VKEY", "--since", "BADSINCE"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], fx: eb.Fixture, tmp_path: Path) -> None:
    path = fx.write(tmp_path / "good.jsonl")
    bad_since = tmp_path / "since.txt"
    other = NoteSigner(fx.origin, eb.fixed_key("someone else"))
    bad_since.write_text(other.sign(Checkpoint(fx.origin, 4, bytes(32)).text()))
    argv = [
        {"EXPORT": str(path), "VKEY": fx.vkey, "BADSINCE": str(bad_since)}.get(a, a) for a in argv
    ]
    err = io.StringIO()
    assert vl.main(argv, stdout=io.StringIO(), stderr=err) == 2


# -- tampering: a flipped byte in each field of each kind of entry ---------------------------------

KINDS = {"genesis": 0, "actor": 1, "key": 8, "event": 20, "revoke": 28}
EVENT_MEMBERS = ("eventTime", "bizStep", "eventID")


def _field_cases() -> list[tuple[str, str, str]]:
    cases = []
    payload_members = {
        "genesis": ("origin", "operator_key", "created"),
        "actor": ("actor", "name", "roles", "region", "gln"),
        "key": ("actor", "public_key"),
        "revoke": ("actor", "key_id", "effective", "reason"),
        "event": EVENT_MEMBERS,
    }
    for kind in KINDS:
        for f in ("index", "prev", "time", "v", "kind", "signer", "sig"):
            cases.append((kind, f, ""))
        for m in payload_members[kind]:
            cases.append((kind, "payload", m))
    return cases


def _tamper(obj: dict[str, Any], field: str, member: str) -> str:
    """Flip one character (or value) of a field; return the check expected at the entry."""
    st = obj["statement"]
    if field == "index":
        obj["index"] = int(eb.flip_char(str(obj["index"]), 0))
        return "index_sequence"
    if field == "prev":
        obj["prev"] = eb.flip_char(obj["prev"])
        return "chain_link"
    if field == "time":
        obj["time"] = eb.flip_char(obj["time"], 18)  # a seconds digit: still a valid time
        return "chain_link"
    if field == "v":
        obj["v"] = 2
        return "entry_shape"
    if field == "kind":
        st["kind"] = eb.flip_char(st["kind"])
        return "entry_shape"
    if field == "signer":
        st["signer"] = eb.flip_char(st["signer"])
        return "unknown_key" if st["kind"] == "event" else "not_operator"
    if field == "sig":
        st["sig"] = eb.flip_char(st["sig"], 10)
        return "signature"
    value = st["payload"][member]
    if isinstance(value, list):
        st["payload"][member] = ["lab" if value[0] != "lab" else "farm", *value[1:]]
    else:
        st["payload"][member] = eb.flip_char(value)
    return ""  # the first rule the changed value breaks, whichever: the core's


@pytest.mark.parametrize("kind,field,member", _field_cases(), ids=str)
def test_flipped_field(kind: str, field: str, member: str, fx: eb.Fixture, tmp_path: Path) -> None:
    j = KINDS[kind]
    expected: list[str] = []

    def change(obj: dict[str, Any]) -> None:
        expected.append(_tamper(obj, field, member))

    leaf = eb.mutate(fx.leaves[j], change)
    assert leaf != fx.leaves[j]
    lines = replace_leaf(fx.lines(), j, leaf, wrapper_index=json.loads(leaf)["index"])
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    if not expected[0]:
        assert any(i == j for i, _ in got), got
    else:
        assert (j, expected[0]) in got or (
            expected[0] == "chain_link" and (j + 1, "chain_link") in got
        )


# -- tampering: dropped, duplicated, reordered, inserted, truncated --------------------------------


def test_duplicated_entry(fx: eb.Fixture, tmp_path: Path) -> None:
    j = 21
    lines = fx.lines()
    n = entry_line_no(lines, j)
    lines.insert(n + 1, lines[n])
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    # the copy stands at j + 1: its index, its link, its statement ID, and every later entry
    # is one place off
    assert {(j + 1, "index_sequence"), (j + 1, "duplicate_statement"), (None, "truncated")} <= got


def test_inserted_entry(fx: eb.Fixture, tmp_path: Path) -> None:
    """A forged but validly signed event, chained after entry j and numbered j+1."""
    j = 21
    forged = sign_statement("event", ex.storing(eid=ex.event_id("forged")), fx.keys["wuchang-mill"])
    entry = make_entry(j + 1, leaf_hash(fx.leaves[j]), forged, eb.clock_time(j + 1))
    lines = fx.lines()
    n = entry_line_no(lines, j)
    lines.insert(
        n + 1,
        json.dumps({"type": "entry", "index": j + 1, "leaf": base64.b64encode(entry.raw).decode()})
        + "\n",
    )
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    assert {(j + 2, "chain_link"), (None, "truncated")} <= got


def test_truncated_log(fx: eb.Fixture, tmp_path: Path) -> None:
    lines = fx.lines()
    cut = lines[: entry_line_no(lines, 25) + 1]  # header still says 31
    report = verify_lines(cut, fx, tmp_path)
    assert pairs(report) == {(None, "truncated")}
    assert "31" in report.failures[0].message and "26" in report.failures[0].message
    half = [*lines[:-1], lines[-1][:40]]  # the last line cut in the middle
    report = verify_lines(half, fx, tmp_path)
    assert not report.ok and "truncated" in {c for _, c in pairs(report)}


def test_header_tree_size_too_small(fx: eb.Fixture, tmp_path: Path) -> None:
    report = verify_lines(fx.lines(tree_size=20), fx, tmp_path)
    assert pairs(report) == {(None, "truncated")}


def test_header_problems(fx: eb.Fixture, tmp_path: Path) -> None:
    report = verify_lines(fx.lines(header={"format": "other"}), fx, tmp_path)
    assert pairs(report) == {(None, "header")}
    report = verify_lines(fx.lines()[1:], fx, tmp_path)
    assert (None, "header") in pairs(report)


# -- tampering: keys -------------------------------------------------------------------------------


def _resign(
    fx: eb.Fixture,
    j: int,
    key: Any,
    change: Callable[[dict[str, Any]], None] | None = None,
    signer: str | None = None,
) -> bytes:
    obj = json.loads(fx.leaves[j])
    st = obj["statement"]
    payload = st["payload"]
    if change:
        change(payload)
    new = sign_statement(st["kind"], payload, key)
    data = new.to_json()
    if signer is not None:
        data["signer"] = signer
    obj["statement"] = data
    return canonical_bytes(obj)


def test_event_signed_by_another_actors_key(fx: eb.Fixture, tmp_path: Path) -> None:
    j = fx.at["event:12:transporting"]  # the carrier's event, re-signed with the mill's key
    leaf = _resign(fx, j, fx.keys["wuchang-mill"])
    lines = replace_leaf(fx.lines(), j, leaf)
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    assert {i for i, c in got if c != "checkpoint_root"} == {j, j + 1}
    assert (j, "role_not_permitted") in got


def test_event_naming_one_key_signed_by_another(fx: eb.Fixture, tmp_path: Path) -> None:
    j = fx.at["event:12:transporting"]
    leaf = _resign(
        fx, j, fx.keys["wuchang-mill"], signer=fx.keys["coldchain-express"].public_key.key_id
    )
    lines = replace_leaf(fx.lines(), j, leaf)
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    assert (j, "signature") in got and (j + 1, "chain_link") in got


def test_key_statement_replaced(fx: eb.Fixture, tmp_path: Path) -> None:
    """The carrier's key entry now registers another key (signed by the operator): the entry
    is named, and so are the carrier's events, which its real key no longer authorises."""
    j = fx.at["key:coldchain-express"]
    other = eb.fixed_key("intruder")
    leaf = _resign(fx, j, fx.operator, lambda p: p.update(public_key=other.public_key.b64))
    lines = replace_leaf(fx.lines(), j, leaf)
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    carrier_event = fx.at["event:12:transporting"]
    assert {(j + 1, "chain_link"), (carrier_event, "unknown_key")} <= got


def test_key_statement_tampered_without_resigning(fx: eb.Fixture, tmp_path: Path) -> None:
    """An unsigned change to a key entry: the entry fails, and each event signed with the
    key it should have registered is reported on its own (unknown_key)."""
    j = fx.at["key:coldchain-express"]
    leaf = eb.mutate(
        fx.leaves[j],
        lambda o: o["statement"]["payload"].update(
            public_key=eb.fixed_key("intruder").public_key.b64
        ),
    )
    lines = replace_leaf(fx.lines(), j, leaf)
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    assert {(j, "signature"), (j + 1, "chain_link")} <= got
    assert (fx.at["event:12:transporting"], "unknown_key") in got


def test_revoked_unknown_role_future(tmp_path: Path) -> None:
    """Authorisation failures in a log that is otherwise whole (all chained and checkpointed)."""
    b = eb.LogBuilder()
    b.genesis()
    for actor in ("wuchang-coop", "hlj-lab"):
        b.actor(actor, ex.ACTORS[actor])
        b.keys[actor] = eb.fixed_key(f"actor:{actor}")
        b.add_key(actor, b.keys[actor])
    ok = b.append("event", ex.sowing(), b.keys["wuchang-coop"])
    b.append(
        "revoke",
        {
            "actor": "wuchang-coop",
            "key_id": b.keys["wuchang-coop"].public_key.key_id,
            "effective": eb.clock_time(ok),
            "reason": "lost",
        },
        b.operator,
    )
    revoked = b.append("event", ex.fertilising(), b.keys["wuchang-coop"])
    wrong_role = b.append("event", ex.spraying(), b.keys["hlj-lab"])
    unknown = b.append("event", ex.harvest(), eb.fixed_key("never registered"))
    future = b.append("event", ex.inspection(time="2024-11-01T08:30:00+08:00"), b.keys["hlj-lab"])
    b.checkpoint()
    fx2 = b.fixture()
    report = verify_lines(fx2.lines(), fx2, tmp_path)
    assert pairs(report) == {
        (revoked, "key_revoked"),
        (wrong_role, "role_not_permitted"),
        (unknown, "unknown_key"),
        (future, "event_in_future"),
    }
    assert lib_verdict(fx2.lines(), fx2) is False


def test_operator_statement_signed_by_a_producer(tmp_path: Path) -> None:
    b = eb.LogBuilder()
    b.genesis()
    b.actor("wuchang-coop", ex.ACTORS["wuchang-coop"])
    farm = eb.fixed_key("farm")
    b.add_key("wuchang-coop", farm)
    bad = b.append("actor", {"actor": "rogue", **ex.ACTORS["hlj-lab"]}, farm)
    b.checkpoint()
    fx2 = b.fixture()
    report = verify_lines(fx2.lines(), fx2, tmp_path)
    assert pairs(report) == {(bad, "not_operator")}


# -- tampering: checkpoints and the operator key ---------------------------------------------------


def test_wrong_operator_key(fx: eb.Fixture, tmp_path: Path) -> None:
    other = NoteSigner(fx.origin, eb.fixed_key("another operator")).verifier.vkey
    path = fx.write(tmp_path / "good.jsonl")
    report = vl.verify_export(str(path), vl.parse_vkey(other))
    data = path.read_bytes().splitlines(keepends=True)
    core = verify_export(data, NoteVerifier.parse(other))
    assert pairs(report) == {(f.index, f.check) for f in core.failures}
    assert {(None, "header"), (0, "genesis"), (None, "checkpoint_signature")} <= pairs(report)
    assert vl.main([str(path), "--operator-key", other, "--quiet"], stdout=io.StringIO()) == 1


# -- --since ---------------------------------------------------------------------------------------


def test_since_own_checkpoint(fx: eb.Fixture, tmp_path: Path) -> None:
    since = tmp_path / "seen.txt"
    since.write_text(dict(fx.checkpoints)[12])
    path = fx.write(tmp_path / "good.jsonl")
    assert (
        vl.main(
            [str(path), "--operator-key", fx.vkey, "--since", str(since), "--quiet"],
            stdout=io.StringIO(),
        )
        == 0
    )


def test_since_from_a_different_history(fx: eb.Fixture, tmp_path: Path) -> None:
    leaves = list(fx.leaves)
    leaves[5] = eb.mutate(leaves[5], lambda o: o["statement"]["payload"].update(region="上海市"))
    other_root = eb.root_of_leaves(eb.relink(leaves)[:24])
    since = tmp_path / "seen.txt"
    since.write_text(fx.sign_checkpoint(24, other_root))
    path = fx.write(tmp_path / "good.jsonl")
    out = io.StringIO()
    assert (
        vl.main(
            [str(path), "--operator-key", fx.vkey, "--since", str(since), "--quiet", "--json"],
            stdout=out,
        )
        == 1
    )
    failures = json.loads(out.getvalue())["failures"]
    assert [(f["index"], f["check"]) for f in failures] == [(None, "since_root")]


def test_since_beyond_the_export(fx: eb.Fixture, tmp_path: Path) -> None:
    since = tmp_path / "seen.txt"
    since.write_text(fx.sign_checkpoint(40, bytes(32)))
    report = vl.verify_export(
        str(fx.write(tmp_path / "good.jsonl")),
        operator(fx),
        since=vl.load_since(str(since), operator(fx)),
    )
    assert pairs(report) == {(None, "since_root")}


# -- duplicate statements: Bloom filter and the confirming second pass -----------------------------


def _with_resequenced_statement(fx: eb.Fixture, j: int) -> eb.Fixture:
    """The statement of entry j sequenced again at the end (chain and checkpoints whole)."""
    return eb.continued(fx, [parse_statement(json.loads(fx.leaves[j])["statement"])])


def test_duplicate_statement_file_and_stdin(fx: eb.Fixture, tmp_path: Path) -> None:
    fx2 = _with_resequenced_statement(fx, 20)
    report = verify_lines(fx2.lines(), fx2, tmp_path)
    assert pairs(report) == {(31, "duplicate_statement")} == core_pairs(fx2.lines(), fx2)
    data = "".join(fx2.lines()).encode()
    report = vl.Report()
    vl.verify_export("-", operator(fx2), report=report, stdin=io.BytesIO(data))
    assert pairs(report) == {(31, "duplicate_statement")}
    assert lib_verdict(fx2.lines(), fx2) is False


def test_bloom_false_positives_are_not_reported(
    fx: eb.Fixture, tmp_path: Path, monkeypatch: Any
) -> None:
    class TinyBloom(vl.BloomFilter):
        def __init__(self, expected: int, bits_per_entry: int = 10) -> None:
            super().__init__(expected, bits_per_entry)
            self.bits, self.mask = 16, 15
            self.array = bytearray(2)

    monkeypatch.setattr(vl, "BloomFilter", TinyBloom)
    monkeypatch.setattr(
        vl.GrowingBloomFilter,
        "__init__",
        lambda self, expected: (
            setattr(self, "capacity", 10**9),
            setattr(self, "filters", [TinyBloom(1)]),
            setattr(self, "count", 0),
        )[0],
    )
    path = fx.write(tmp_path / "good.jsonl")
    v = vl.ExportVerifier(operator(fx))
    with open(path, "rb") as f:
        v.run(f)
    assert len(v.candidates) > 5  # the filter is saturated: many possible duplicates
    with open(path, "rb") as f:
        v.confirm_duplicates(f)
    assert v.report.ok, v.report.failures
    fx2 = _with_resequenced_statement(fx, 7)
    report = verify_lines(fx2.lines(), fx2, tmp_path, name="dup.jsonl")
    assert pairs(report) == {(31, "duplicate_statement"), (31, "key_exists")}


def test_growing_bloom_filter() -> None:
    import hashlib

    g = vl.GrowingBloomFilter(100)  # a header that claims 100 entries, for 20,000
    hs = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(20000)]
    fp = sum(g.add_check(h) for h in hs)
    assert len(g.filters) > 3 and fp < 200
    assert all(g.add_check(h) for h in hs[::97])  # no false negatives
    assert sum(len(f.array) for f in g.filters) < 20000 * 8  # a few bits per entry


def test_statement_id_by_slicing_matches_library(fx: eb.Fixture) -> None:
    from ledger.core.entries import parse_entry

    for leaf in fx.leaves:
        assert vl.statement_id_from_canonical_leaf(leaf) == parse_entry(leaf).statement.statement_id


# -- many failures are all reported ----------------------------------------------------------------


def test_every_bad_entry_is_named(fx: eb.Fixture, tmp_path: Path) -> None:
    lines = fx.lines()
    bad = [14, 17, 23, 26]
    for j in bad:
        lines = replace_leaf(
            lines,
            j,
            eb.mutate(
                fx.leaves[j],
                lambda o: o["statement"].update(sig=eb.flip_char(o["statement"]["sig"], 5)),
            ),
        )
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    assert {i for i, c in got if c == "signature"} == set(bad)
    assert {i for i, c in got if c == "chain_link"} == {j + 1 for j in bad}


# -- the service's own export ----------------------------------------------------------------------


def test_service_export_verifies(tmp_path: Path) -> None:
    from ledger.service.ledger import Ledger
    from tests.support.databases import make_test_engine
    from tests.support.fixed import ORIGIN, StepClock, fixed_key

    engine, _ = make_test_engine("sqlite", tmp_path)
    op = fixed_key("operator")
    ledger = Ledger.create(engine, op, ORIGIN, clock=StepClock(), checkpoint_interval=0)
    keys = {}
    for actor, details in ex.ACTORS.items():
        keys[actor] = fixed_key(f"actor:{actor}")
        ledger.append([sign_statement("actor", {"actor": actor, **details}, op)])
        ledger.append(
            [sign_statement("key", {"actor": actor, "public_key": keys[actor].public_key.b64}, op)]
        )
    ledger.checkpoint()
    for actor, payload in ex.wuchang_chain()[:5]:
        ledger.append([sign_statement("event", payload, keys[actor])])
    ledger.checkpoint()
    out = io.StringIO()
    ledger.export(out)
    path = tmp_path / "service.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    vkey = NoteSigner(ORIGIN, op).verifier.vkey
    r = subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--operator-key", vkey, "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout
    engine.dispose()


# -- entries that need the complete RFC 8785 implementation, and the size limit --------------------


def test_events_with_unusual_numbers_and_keys_verify(tmp_path: Path) -> None:
    """Numbers and keys where a plain JSON encoder would not give RFC 8785 bytes: the script
    must still reproduce the library's entry bytes exactly (no canonical_bytes; tl:note is
    no event member, so the event rules refuse it, in both)."""
    b = eb.LogBuilder()
    b.genesis()
    b.actor("wuchang-coop", ex.ACTORS["wuchang-coop"])
    farm = eb.fixed_key("farm")
    b.add_key("wuchang-coop", farm)
    odd = ex.sowing()
    odd["tl:note"] = {
        "\U0001f33e": 1,
        "\ue000": 2,
        "big": float(2**60),
        "whole": 12.0,
        "tiny": 1e-7,
        "huge": 1e21,
        "neg0": -0.0,
        "esc": 'tab\there \u2028 \x7f "q" \\',
    }
    j = b.append("event", odd, farm)
    assert not vl.read_json(b.leaves[j])[1]  # the complete serialiser's business
    b.checkpoint()
    fx2 = b.fixture()
    report = verify_lines(fx2.lines(), fx2, tmp_path)
    assert pairs(report) == {(j, "unknown_field")} == core_pairs(fx2.lines(), fx2)


def test_oversized_statement(tmp_path: Path) -> None:
    b = eb.LogBuilder()
    b.genesis()
    b.actor("wuchang-coop", ex.ACTORS["wuchang-coop"])
    farm = eb.fixed_key("farm")
    b.add_key("wuchang-coop", farm)
    big = ex.sowing()
    big["tl:note"] = "稻" * 22000  # 66,000 bytes of UTF-8, fewer characters
    j = b.append("event", big, farm)
    small = ex.sowing(eid=ex.event_id("small"))
    small["tl:note"] = "稻" * 21000
    k = b.append("event", small, farm)
    b.checkpoint()
    fx2 = b.fixture()
    report = verify_lines(fx2.lines(), fx2, tmp_path)
    # the smaller statement is read, and refused by the event rules (tl:note is no member)
    assert (
        pairs(report) == {(j, "entry_shape"), (k, "unknown_field")} == core_pairs(fx2.lines(), fx2)
    )
    assert "bytes" in report.failures[0].message
    assert k == j + 1


def test_two_adjacent_altered_entries_are_each_named(fx: eb.Fixture, tmp_path: Path) -> None:
    lines = fx.lines()
    for j in (14, 15):
        lines = replace_leaf(
            lines,
            j,
            eb.mutate(
                fx.leaves[j],
                lambda o: o["statement"]["payload"].update(
                    eventID=ex.event_id(f"changed-{o['index']}")
                ),
            ),
        )
    got = assert_as_core(verify_lines(lines, fx, tmp_path), lines, fx)
    entry_failures = {(i, c) for i, c in got if i is not None}
    assert entry_failures == {
        (14, "signature"),
        (15, "signature"),
        (15, "chain_link"),
        (16, "chain_link"),
    }


def test_statement_body_slice_matches_library(fx: eb.Fixture) -> None:
    from ledger.core.entries import parse_entry
    from ledger.core.signing import domain_prefix

    for leaf in fx.leaves:
        st = parse_entry(leaf).statement
        assert (
            vl.statement_body_from_canonical_leaf(leaf) == st.message[len(domain_prefix(st.kind)) :]
        )


def test_event_vocabulary_is_the_stricter_verifiers_business(tmp_path: Path) -> None:
    """FORMAT.md 3.5: the script checks the head of an event (type, members, eventID, times,
    bizStep, the step's shape); `ledger verify` also re-checks the rest of docs/EVENTS.md. A
    signed event with an unknown disposition shows the documented difference."""
    b = eb.LogBuilder()
    b.genesis()
    b.actor("wuchang-coop", ex.ACTORS["wuchang-coop"])
    farm = eb.fixed_key("farm")
    b.add_key("wuchang-coop", farm)
    event = ex.sowing()
    event["disposition"] = "no_such_disposition"
    b.append("event", event, farm)
    b.checkpoint()
    fx2 = b.fixture()
    assert verify_lines(fx2.lines(), fx2, tmp_path).ok
    assert not lib_verdict(fx2.lines(), fx2)


def test_control_characters_in_registry_text_are_refused_by_both(tmp_path: Path) -> None:
    b = eb.LogBuilder()
    b.genesis()
    b.actor("wuchang-coop", {**ex.ACTORS["wuchang-coop"], "name": "五常\x07合作社"})
    b.checkpoint()
    fx2 = b.fixture()
    assert not verify_lines(fx2.lines(), fx2, tmp_path).ok
    assert not lib_verdict(fx2.lines(), fx2)


def core_checks_at(lines: list[str], fx: eb.Fixture, j: int) -> set[str]:
    """The check names the library's verifier reports at entry j for these lines."""
    v = LogVerifier(NoteVerifier.parse(fx.vkey))
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "entry":
            v.add_entry(base64.b64decode(obj["leaf"]))
        elif obj.get("type") == "checkpoint":
            v.add_checkpoint(obj["note"])
    return {f.check for f in v.finish().failures if f.index == j}


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("kind-is-a-list", b'"kind":"event"', b'"kind":["event"]'),
        ("kind-is-an-object", b'"kind":"event"', b'"kind":{"event":1}'),
        ("nan-as-version", b'"v":1', b'"v":NaN'),
        ("lone-surrogate-in-a-leaf", b'"bizStep":"', b'"bizStep":"\\ud800'),
        ("not-utf-8", b'"v":1', b'"v":1\xff'),
        ("truncated-json", b'"v":1}', b'"v":1'),
    ],
)
def test_unreadable_leaves_are_named_as_the_core_names_them(
    name: str, old: bytes, new: bytes, fx: eb.Fixture, tmp_path: Path
) -> None:
    """Whatever keeps an entry from being read is the core's entry_shape, in both (a list
    as the kind once crashed the script)."""
    j = KINDS["event"]
    leaf = fx.leaves[j].replace(old, new, 1)
    assert leaf != fx.leaves[j]
    lines = replace_leaf(fx.lines(), j, leaf)
    script = {c for i, c in pairs(verify_lines(lines, fx, tmp_path)) if i == j} - {"chain_link"}
    assert script == {"entry_shape"}
    assert core_checks_at(lines, fx, j) == script


def test_since_is_checked_when_the_entry_reaching_its_size_fails(
    fx: eb.Fixture, tmp_path: Path
) -> None:
    """The saved checkpoint's size is reached by an entry that fails its own checks: the
    root is still compared, by the core as by the script (the core used to skip it)."""
    j = 11  # the entry that brings the log to the saved size 12
    leaf = eb.mutate(
        fx.leaves[j], lambda o: o["statement"].update(sig=eb.flip_char(o["statement"]["sig"], 5))
    )
    lines = replace_leaf(fx.lines(), j, leaf)
    saved = tmp_path / "seen.txt"
    saved.write_text(dict(fx.checkpoints)[12])
    report = verify_lines(lines, fx, tmp_path, since=vl.load_since(str(saved), operator(fx)))
    data = "".join(lines).encode("utf-8").splitlines(keepends=True)
    operator_key = NoteVerifier.parse(fx.vkey)
    checkpoint = parse_checkpoint(open_note(saved.read_text(), [operator_key]).text)
    core = verify_export(data, operator_key, since=checkpoint)
    assert (None, "since_root") in pairs(report)
    assert pairs(report) == {(f.index, f.check) for f in core.failures}
