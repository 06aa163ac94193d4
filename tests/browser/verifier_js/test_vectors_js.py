"""The browser verifier's building blocks against the standards' own vectors, run in
headless chromium: RFC 8785 (cyberphone) JCS, RFC 9162 inclusion proofs
(transparency-dev), C2SP signed notes, and RFC 8032 Ed25519 through WebCrypto."""

from __future__ import annotations

import json
import struct
from typing import Any

from tests.support.vectors import VECTORS

JCS = VECTORS / "jcs"


def run(page: Any, script: str, arg: Any) -> Any:
    return page.evaluate(script, arg)


def test_jcs_cyberphone_vectors(verifier_page: Any) -> None:
    cases = [
        {
            "name": p.name,
            "input": p.read_text(encoding="utf-8"),
            "output": (JCS / "output" / p.name).read_text(encoding="utf-8").rstrip("\n"),
        }
        for p in sorted((JCS / "input").glob("*.json"))
    ]
    assert len(cases) >= 6
    got = run(
        verifier_page,
        """async (cases) => {
      const { parseStrict, canonicalize } = await import('/static/verify/jcs.js');
      return cases.map((c) => canonicalize(parseStrict(c.input)));
    }""",
        cases,
    )
    for case, text in zip(cases, got, strict=True):
        assert text == case["output"], case["name"]


def test_jcs_number_samples(verifier_page: Any) -> None:
    samples = json.loads((JCS / "rfc8785_number_samples.json").read_text())["samples"]
    values = [struct.unpack(">d", bytes.fromhex(s["ieee754_hex"]))[0] for s in samples]
    # NaN and Infinity cannot cross to the page as JSON numbers: send their bit patterns.
    got = run(
        verifier_page,
        """async (hexes) => {
      const { canonicalize } = await import('/static/verify/jcs.js');
      return hexes.map((h) => {
        const bytes = new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
        const v = new DataView(bytes.buffer).getFloat64(0);
        try { return canonicalize(v); } catch (e) { return 'ERROR ' + e.name; }
      });
    }""",
        [s["ieee754_hex"] for s in samples],
    )
    for sample, value, text in zip(samples, values, got, strict=True):
        if sample["valid"]:
            assert text == sample["expected"], (sample, value)
        else:
            assert text == "ERROR JSONError", sample


def test_jcs_sorting_and_strict_parse(verifier_page: Any) -> None:
    source = (JCS / "rfc8785_sorting_sample_input.json").read_text(encoding="utf-8")
    expected = json.loads((JCS / "rfc8785_sorting_sample_expected.json").read_text())[
        "expected_value_order"
    ]
    got = run(
        verifier_page,
        """async (src) => {
      const { parseStrict, canonicalize } = await import('/static/verify/jcs.js');
      const refuse = (t) => {
        try { parseStrict(t); return 'accepted'; } catch (e) { return e.name; }
      };
      return { sorted: canonicalize(parseStrict(src)),
               dup: refuse('{"a":1,"a":2}'), nested_dup: refuse('[{"b":{"x":1,"x":1}}]'),
               nan: refuse('NaN'), big: refuse('1e400'), trailing: refuse('{} x'),
               deep: refuse('['.repeat(65) + ']'.repeat(65)),
               ok_deep: refuse('['.repeat(64) + ']'.repeat(64)),
               proto: canonicalize(parseStrict('{"__proto__":1}')) };
    }""",
        source,
    )
    assert list(json.loads(got["sorted"]).values()) == expected
    assert (
        got["dup"]
        == got["nested_dup"]
        == got["nan"]
        == got["big"]
        == got["trailing"]
        == "JSONError"
    )
    assert got["deep"] == "JSONError" and got["ok_deep"] == "accepted"
    assert got["proto"] == '{"__proto__":1}'


def test_rfc9162_inclusion_vectors(verifier_page: Any) -> None:
    probes = json.loads((VECTORS / "merkle" / "inclusion_proofs.json").read_text())["probes"]
    got = run(
        verifier_page,
        """async (probes) => {
      const { verifyInclusion } = await import('/static/verify/merkle.js');
      const { hexDecode } = await import('/static/verify/bytes.js');
      const out = [];
      for (const p of probes) {
        out.push(await verifyInclusion(p.leaf_index, p.tree_size, hexDecode(p.leaf_hash),
                                       p.proof.map(hexDecode), hexDecode(p.root)) === null);
      }
      return out;
    }""",
        probes,
    )
    assert sum(got) >= 6
    for probe, ok in zip(probes, got, strict=True):
        assert ok == probe["valid"], probe["desc"]


def test_c2sp_signed_note_vectors(verifier_page: Any) -> None:
    vectors = json.loads((VECTORS / "signed_note" / "signed_note_vectors.json").read_text())
    cases = [
        {
            "name": c["name"],
            "note": c["note"],
            "keys": [vectors["verifier_keys"][k] for k in c["known_verifier_keys"]],
        }
        for c in vectors["cases"]
    ]
    got = run(
        verifier_page,
        """async (cases) => {
      const { parseVkey, verifyNote } = await import('/static/verify/note.js');
      const out = [];
      for (const c of cases) {
        const keys = [];
        for (const k of c.keys) keys.push(await parseVkey(k));
        try { out.push((await verifyNote(c.note, keys)).verified.map((k) => k.name)); }
        catch (e) { if (e.name !== 'NoteError') throw e; out.push(null); }
      }
      return out;
    }""",
        cases,
    )
    for case, verified in zip(vectors["cases"], got, strict=True):
        if case["expect_accept"]:
            assert verified is not None and sorted(verified) == sorted(
                case["expect_verified_signers"]
            ), case["name"]
        else:
            assert verified is None, case["name"]


def test_c2sp_bad_verifier_keys_are_refused(verifier_page: Any) -> None:
    vectors = json.loads((VECTORS / "signed_note" / "signed_note_vectors.json").read_text())
    bad = vectors["bad_verifier_keys"]
    texts = [b["vkey"] if isinstance(b, dict) else b for b in bad]
    got = run(
        verifier_page,
        """async (texts) => {
      const { parseVkey } = await import('/static/verify/note.js');
      const out = [];
      for (const t of texts) {
        try { await parseVkey(t); out.push('accepted'); } catch (e) { out.push(e.name); }
      }
      return out;
    }""",
        texts,
    )
    assert texts and all(g == "NoteError" for g in got), list(zip(texts, got, strict=True))


def test_rfc8032_ed25519_vectors_through_webcrypto(verifier_page: Any) -> None:
    data = json.loads((VECTORS / "ed25519" / "rfc8032_ed25519_vectors.json").read_text())
    cases = [
        {"pk": v["public_key"], "msg": v["message"], "sig": v["signature"], "ok": True}
        for v in data["vectors"]
    ]
    for v in data["vectors"]:
        flipped = bytearray.fromhex(v["signature"])
        flipped[0] ^= 1
        cases.append(
            {"pk": v["public_key"], "msg": v["message"], "sig": flipped.hex(), "ok": False}
        )
    cases += [
        {"pk": v["public_key"], "msg": v["message"], "sig": v["signature"], "ok": v["valid"]}
        for v in data["invalid_signatures"]
    ]
    got = run(
        verifier_page,
        """async (cases) => {
      const { verifyEd25519 } = await import('/static/verify/crypto.js');
      const { hexDecode } = await import('/static/verify/bytes.js');
      const out = [];
      for (const c of cases) {
        out.push(await verifyEd25519(hexDecode(c.pk), hexDecode(c.msg), hexDecode(c.sig)));
      }
      return out;
    }""",
        cases,
    )
    assert [c["ok"] for c in cases] == got
