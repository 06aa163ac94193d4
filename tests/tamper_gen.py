"""The tamper vectors (tests/vectors/traceledger/tamper/), from fixed keys and a fixed clock.

Run ``python -m tests.tamper_gen`` to write them; tests/verifier/test_tamper_vectors.py
regenerates them in a temporary directory and requires every byte to match. The base
export is export_builder's small Wuchang rice log (31 entries, nine checkpoints); the base
bundle is one bag's journey in that log, written by ``ledger.core.bundle.bundle_json``.
Each case is a change to a base (an RFC 6902 patch, or the whole input for changes below
JSON) and the set of ``[index, check]`` failures ``ledger.core`` reports for it.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger import samples as ex
from ledger.core.bundle import BundleEntry, bundle_json, verify_bundle
from ledger.core.checkpoint import Checkpoint
from ledger.core.entries import parse_entry
from ledger.core.export_file import verify_export
from ledger.core.hashing import leaf_hash
from ledger.core.merkle import inclusion_ranges, root_of
from ledger.core.note import NoteSigner, NoteVerifier
from ledger.core.statements import parse_statement, sign_statement
from tests.support.fixed import fixed_key
from tests.support.json_patch import apply_patch, diff
from tests.verifier import export_builder as eb

OUT = Path(__file__).parent / "vectors" / "traceledger" / "tamper"
SUBJECT = f"https://id.gs1.org/01/{ex.BAG_GTIN}/21/{ex.SERIALS[0]}"
# The bags' lot: no event names it alone, every event naming a bag writes the bag with it.
BAG_LOT = f"https://id.gs1.org/01/{ex.BAG_GTIN}/10/{ex.RICE_LOT}"
STEPS = range(19, 28)  # paddy milled, inspected, bagged, packed, stored, shipped, sold
# A verifier key of another log (C2SP's example key), for key swaps.
OTHER_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"


@dataclass(frozen=True)
class Case:
    """One vector: its name, what it changes, and the input (a patch, or whole bytes)."""

    name: str
    description: str
    patch: list[dict[str, Any]] | None = None
    data: bytes | None = None
    operator_key: str | None = None  # None: the one in operator.vkey


# -- documents: export lines as a JSON array, bundles as one object -----------------------


def dump_line(obj: Any) -> bytes:
    """One JSON value as the export and the bundle write it (compact, UTF-8)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def export_doc(data: bytes) -> list[Any]:
    """An export file as the array its patches address: one element per line."""
    return [json.loads(line) for line in data.splitlines()]


def export_bytes(doc: list[Any]) -> bytes:
    return b"".join(dump_line(line) + b"\n" for line in doc)


def case_input(kind: str, case: dict[str, Any], base: bytes) -> bytes:
    """The bytes a case file stands for (``kind``: ``export`` or ``bundle``)."""
    if "input_b64" in case:
        return base64.b64decode(case["input_b64"], validate=True)
    if "input" in case:
        return str(case["input"]).encode("utf-8")
    if kind == "export":
        return export_bytes(apply_patch(export_doc(base), case["patch"]))
    return dump_line(apply_patch(json.loads(base), case["patch"]))


# -- a bundle of the log ---------------------------------------------------------------------


def bundle_of(fx: eb.Fixture, steps: list[int], subject: str = SUBJECT) -> bytes:
    """The bundle of ``steps`` at the log's last checkpoint: the genesis, every step, and the
    actor, key and revoke entries behind the steps' signers (FORMAT.md 9.1)."""
    size, note = fx.checkpoints[-1]
    parsed = [parse_entry(leaf) for leaf in fx.leaves[:size]]
    signers = {parsed[i].statement.signer for i in steps}
    wanted = {0, *steps}
    for i, e in enumerate(parsed):
        st = e.statement
        if st.kind == "key" and st.payload["public_key"] in _public_keys(fx, signers):
            wanted |= {i, _actor_entry(parsed, st.payload["actor"])}
        if st.kind == "revoke" and st.payload["key_id"] in signers:
            wanted.add(i)
    hashes = [leaf_hash(leaf) for leaf in fx.leaves[:size]]
    entries = [
        BundleEntry(
            i, fx.leaves[i], tuple(root_of(hashes[a:b]) for a, b in inclusion_ranges(i, size))
        )
        for i in sorted(wanted)
    ]
    return bundle_json(subject, fx.vkey, note, entries)


def _public_keys(fx: eb.Fixture, key_ids: set[str]) -> set[str]:
    return {k.public_key.b64 for k in fx.keys.values() if k.public_key.key_id in key_ids}


def _actor_entry(parsed: list[Any], actor: str) -> int:
    return next(
        i
        for i, e in enumerate(parsed)
        if e.statement.kind == "actor" and e.statement.payload["actor"] == actor
    )


def resigned(leaf: bytes, change: Callable[[dict[str, Any]], None], key: Any) -> Any:
    """The statement of ``leaf`` with its payload changed and signed again by ``key``."""
    st = json.loads(leaf)["statement"]
    payload = json.loads(json.dumps(st["payload"]))
    change(payload)
    return sign_statement(st["kind"], payload, key)


def flip_sig(leaf: bytes) -> bytes:
    return eb.mutate(
        leaf, lambda o: o["statement"].update(sig=eb.flip_char(o["statement"]["sig"], 10))
    )


def flip_bit(data: bytes, at: int, bit: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1 :]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- export cases -------------------------------------------------------------------------------


def _entry_line(doc: list[Any], index: int) -> int:
    return next(
        n for n, line in enumerate(doc) if line["type"] == "entry" and line["index"] == index
    )


def _checkpoint_line(doc: list[Any], size: int) -> int:
    return next(
        n
        for n, line in enumerate(doc)
        if line["type"] == "checkpoint" and line["note"].split("\n")[1] == str(size)
    )


def _with_leaf(doc: list[Any], index: int, leaf: bytes) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": f"/{_entry_line(doc, index)}/leaf", "value": b64(leaf)}]


def _note_ops(doc: list[Any], size: int, note: str) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": f"/{_checkpoint_line(doc, size)}/note", "value": note}]


def leaf_cases(fx: eb.Fixture, j: int, k: int) -> list[tuple[str, str, bytes]]:
    """Changes to the bytes of entry ``j`` (an event) or ``k`` (an actor, with Chinese text),
    as (name, description, new leaf); shared by exports and bundles."""
    leaf, actor = fx.leaves[j], fx.leaves[k]
    name_at = actor.index(b'"name":"') + len(b'"name":"')
    return [
        (
            f"wrong-signature-@{j}",
            "one character of the statement's signature changed",
            flip_sig(leaf),
        ),
        (
            f"modified-leaf-bit-@{j}",
            "bit 0 of the middle byte of the entry bytes flipped",
            flip_bit(leaf, len(leaf) // 2),
        ),
        (
            f"non-canonical-leaf-@{j}",
            "the entry as JSON with spaces after ':' and ','",
            json.dumps(json.loads(leaf), ensure_ascii=False).encode(),
        ),
        (
            f"leaf-duplicate-member-@{j}",
            'the member "index" written twice in the entry bytes',
            leaf.replace(b'"index":%d,' % j, b'"index":%d,"index":%d,' % (j, j), 1),
        ),
        (
            f"leaf-huge-number-@{j}",
            'the entry\'s "v" written as 1e400',
            leaf.replace(b',"v":1}', b',"v":1e400}', 1),
        ),
        (f"leaf-truncated-@{j}", "the entry bytes cut in half", leaf[: len(leaf) // 2]),
        (
            f"leaf-bad-utf8-@{k}",
            "the first byte of the actor's name replaced by 0xff (not UTF-8)",
            actor[:name_at] + b"\xff" + actor[name_at + 1 :],
        ),
        (
            f"leaf-lone-surrogate-@{k}",
            "the actor's name starts with the escape \\ud800 (a lone surrogate)",
            actor[:name_at] + b"\\ud800" + actor[name_at:],
        ),
        (
            f"wrong-index-@{j}",
            "the entry's own index member changed to the next index (re-canonicalised)",
            eb.mutate(leaf, lambda o: o.update(index=j + 1)),
        ),
        (
            f"wrong-version-@{j}",
            "the entry's v set to 2 (re-canonicalised)",
            eb.mutate(leaf, lambda o: o.update(v=2)),
        ),
        (
            f"wrong-prev-@{j}",
            "one character of the entry's prev changed (re-canonicalised)",
            eb.mutate(leaf, lambda o: o.update(prev=eb.flip_char(o["prev"]))),
        ),
        (
            f"wrong-signer-@{j}",
            "one character of the statement's signer key ID changed",
            eb.mutate(
                leaf, lambda o: o["statement"].update(signer=eb.flip_char(o["statement"]["signer"]))
            ),
        ),
        (
            f"wrong-kind-@{j}",
            "the statement's kind changed from event to evenT",
            eb.mutate(leaf, lambda o: o["statement"].update(kind="evenT")),
        ),
    ]


def appended(fx: eb.Fixture) -> list[tuple[str, str, Any]]:
    """Statements an honest operator would refuse (and some it would accept), as if it had
    sequenced them after the log and signed a checkpoint over them: (name, description,
    statement or list of statements); the name's ``@N`` is the entry that breaks a rule."""
    op = fx.operator
    mill, lab, old = fx.keys["wuchang-mill"], fx.keys["hlj-lab"], fx.keys["wuchang-coop:old"]
    new = fx.keys["wuchang-coop"]
    sowing = ex.sowing(
        time="2024-10-31T09:00:00+08:00", eid=ex.event_id("sowing-3"), plot="plot-09"
    )
    late = ex.sowing(time="2024-11-02T00:00:00+08:00", eid=ex.event_id("sowing-4"), plot="plot-09")
    stranger = fixed_key("stranger")
    new_mill = {**ex.ACTORS["wuchang-mill"], "actor": "mill-2", "gln": "6901234000078"}
    return [
        (
            "duplicate-statement-@31",
            "entry 20's statement sequenced again",
            parse_statement(json.loads(fx.leaves[20])["statement"]),
        ),
        (
            "role-not-permitted-@31",
            "a sowing event signed by the lab's key (the lab may not sow)",
            sign_statement("event", sowing, lab),
        ),
        (
            "event-in-future-@31",
            "an event whose eventTime is a day after the entry's time",
            sign_statement("event", late, new),
        ),
        (
            "key-revoked-@31",
            "an event signed by the farm's revoked key",
            sign_statement("event", sowing, old),
        ),
        (
            "unknown-key-@31",
            "an event signed by a key no entry added",
            sign_statement("event", sowing, stranger),
        ),
        (
            "not-operator-@31",
            "an actor registration signed by the mill's key",
            sign_statement(
                "actor",
                {"actor": "shadow-mill", **ex.ACTORS["wuchang-mill"], "gln": "6901234000078"},
                mill,
            ),
        ),
        (
            "unknown-actor-@31",
            "a key added for an actor nobody registered",
            sign_statement("key", {"actor": "nobody", "public_key": stranger.public_key.b64}, op),
        ),
        (
            "actor-exists-@31",
            "the farm registered a second time",
            sign_statement("actor", {"actor": "wuchang-coop", **ex.ACTORS["wuchang-coop"]}, op),
        ),
        (
            "gln-taken-@31",
            "a new actor with the farm's GLN",
            sign_statement("actor", {"actor": "farm-2", **ex.ACTORS["wuchang-coop"]}, op),
        ),
        (
            "actor-english-name-@31",
            "a new actor with its optional English business name (no failure)",
            sign_statement(
                "actor",
                {**new_mill, "name_en": "Wuchang Second Rice Mill Co., Ltd."},
                op,
            ),
        ),
        (
            "actor-bad-english-name-@31",
            "a new actor whose English business name holds a control character",
            sign_statement("actor", {**new_mill, "name_en": "Wuchang\u0007Mill"}, op),
        ),
        (
            "key-exists-@31",
            "the mill's key added a second time",
            sign_statement("key", {"actor": "wuchang-mill", "public_key": mill.public_key.b64}, op),
        ),
        (
            "key-already-revoked-@31",
            "the farm's old key revoked a second time",
            sign_statement(
                "revoke",
                {
                    "actor": "wuchang-coop",
                    "key_id": old.public_key.key_id,
                    "effective": "2024-11-01T00:00:31.000Z",
                    "reason": "again",
                },
                op,
            ),
        ),
        (
            "misplaced-genesis-@31",
            "a second genesis statement",
            sign_statement(
                "genesis",
                {
                    "origin": fx.origin,
                    "operator_key": op.public_key.b64,
                    "created": "2024-11-01T00:00:31.000Z",
                },
                op,
            ),
        ),
        (
            "event-bad-biz-step-@31",
            "an event whose bizStep is no CBV step",
            sign_statement("event", {**sowing, "bizStep": "tl:dancing"}, new),
        ),
        (
            "event-bad-time-@31",
            "an event whose eventTime is not an RFC 3339 time",
            sign_statement("event", {**sowing, "eventTime": "yesterday"}, new),
        ),
        (
            "not-operator-revoke-@31",
            "a revoke statement signed by the lab's key",
            sign_statement(
                "revoke",
                {
                    "actor": "hlj-lab",
                    "key_id": lab.public_key.key_id,
                    "effective": "2024-11-01T00:00:31.000Z",
                    "reason": "x",
                },
                lab,
            ),
        ),
        *recall_cases(fx),
        *correction_cases(fx),
        *complaint_cases(fx),
    ]


REGULATOR, BRAND = fixed_key("actor:hlj-samr"), fixed_key("actor:wuchang-rice-assoc")


def _recallers(fx: eb.Fixture) -> list[Any]:
    """The regulator and the brand owner registered with a key each (entries 31 to 34)."""
    op = fx.operator
    out = []
    for actor, key in (("hlj-samr", REGULATOR), ("wuchang-rice-assoc", BRAND)):
        out.append(sign_statement("actor", {"actor": actor, **ex.RECALLERS[actor]}, op))
        out.append(sign_statement("key", {"actor": actor, "public_key": key.public_key.b64}, op))
    return out


def recall_cases(fx: eb.Fixture) -> list[tuple[str, str, Any]]:
    """FORMAT.md 3.7: who may recall, and a recall's life (open, update, closed)."""
    setup = _recallers(fx)
    opened = sign_statement("recall", ex.recall(), REGULATOR)
    update = ex.recall(status="update", level=1, note="升为一级召回 (raised to level 1)")
    closed = ex.recall(status="closed", note="全部召回完毕 (all recalled)")
    by_brand = sign_statement("recall", ex.recall("WRA-2024-3", level=3), BRAND)
    return [
        (
            "recall-open-@35",
            "the regulator opens a recall of the milled lot (no failure)",
            [*setup, opened],
        ),
        (
            "recall-updated-and-closed-@37",
            "the regulator opens, updates and closes a recall (no failure)",
            [
                *setup,
                opened,
                sign_statement("recall", update, REGULATOR),
                sign_statement("recall", closed, REGULATOR),
            ],
        ),
        (
            "recall-by-farm-@31",
            "a recall signed by the farm, which may not recall",
            sign_statement("recall", ex.recall(), fx.keys["wuchang-coop"]),
        ),
        (
            "recall-by-operator-@31",
            "a recall signed by the operator key, which is no actor's key",
            sign_statement("recall", ex.recall(), fx.operator),
        ),
        (
            "recall-update-unopened-@35",
            "an update of a recall nobody opened",
            [*setup, sign_statement("recall", update, REGULATOR)],
        ),
        (
            "recall-opened-twice-@36",
            "a recall opened a second time",
            [*setup, opened, sign_statement("recall", ex.recall(level=1), REGULATOR)],
        ),
        (
            "recall-update-after-close-@37",
            "an update of a closed recall",
            [
                *setup,
                opened,
                sign_statement("recall", closed, REGULATOR),
                sign_statement("recall", update, REGULATOR),
            ],
        ),
        (
            "recall-brand-updates-regulators-@36",
            "the brand owner updates the regulator's recall",
            [*setup, opened, sign_statement("recall", update, BRAND)],
        ),
        (
            "recall-regulator-closes-brands-@36",
            "the regulator closes the brand owner's recall (no failure)",
            [
                *setup,
                by_brand,
                sign_statement("recall", ex.recall("WRA-2024-3", status="closed"), REGULATOR),
            ],
        ),
        (
            "recall-bad-level-@35",
            "a recall of level 4",
            [*setup, sign_statement("recall", ex.recall(level=4), REGULATOR)],
        ),
        (
            "recall-bad-object-@35",
            "a recall naming a lot with a wrong GTIN check digit",
            [
                *setup,
                sign_statement(
                    "recall",
                    ex.recall(objects=["https://id.gs1.org/01/06901234000116/10/WC24-M01"]),
                    REGULATOR,
                ),
            ],
        ),
        (
            "recall-missing-action-@35",
            "a recall that does not tell shoppers what to do",
            [
                *setup,
                sign_statement(
                    "recall",
                    {k: v for k, v in ex.recall().items() if k != "action"},
                    REGULATOR,
                ),
            ],
        ),
        (
            "recall-products-reversed-@35",
            "a recall of a product range whose end is before its start",
            [
                *setup,
                sign_statement(
                    "recall",
                    ex.recall(
                        objects=[],
                        products=[{"gtin": ex.BAG_GTIN, "from": "2024-10-02", "to": "2024-10-01"}],
                    ),
                    REGULATOR,
                ),
            ],
        ),
        (
            "recall-bad-signature-@35",
            "a recall whose payload was changed after signing",
            [*setup, _tampered(opened)],
        ),
    ]


def _tampered(statement: Any) -> Any:
    """``statement`` with its payload changed and its signature kept."""
    return parse_statement({**statement.to_json(), "payload": {**statement.payload, "level": 3}})


def correction_cases(fx: eb.Fixture) -> list[tuple[str, str, Any]]:
    """FORMAT.md 3.8: who may correct which entry, once."""
    mill, farm = fx.keys["wuchang-mill"], fx.keys["wuchang-coop"]
    milling = 19  # the mill's transformation of the paddy into milled rice
    return [
        (
            "correction-by-owner-@31",
            "the mill declares its milling event erroneous (no failure)",
            sign_statement(
                "correction", ex.correction(milling, corrective=[ex.event_id("milling-2")]), mill
            ),
        ),
        (
            "correction-by-operator-@31",
            "the operator declares the milling event erroneous (no failure)",
            sign_statement("correction", ex.correction(milling), fx.operator),
        ),
        (
            "correction-by-other-@31",
            "the farm declares the mill's event erroneous",
            sign_statement("correction", ex.correction(milling), farm),
        ),
        (
            "correction-of-registration-@31",
            "a correction of entry 1, an actor registration",
            sign_statement("correction", ex.correction(1), fx.operator),
        ),
        (
            "correction-of-itself-@31",
            "a correction naming its own entry",
            sign_statement("correction", ex.correction(31), mill),
        ),
        (
            "correction-twice-@32",
            "the milling event corrected twice",
            [
                sign_statement("correction", ex.correction(milling), mill),
                sign_statement(
                    "correction", ex.correction(milling, reason="did_not_occur"), fx.operator
                ),
            ],
        ),
        (
            "correction-bad-reason-@31",
            "a correction whose reason is no CBV error reason",
            sign_statement("correction", ex.correction(milling, reason="typo"), mill),
        ),
        (
            "correction-by-revoked-key-@31",
            "a correction signed by the farm's revoked key",
            sign_statement("correction", ex.correction(13), fx.keys["wuchang-coop:old"]),
        ),
    ]


def complaint_cases(fx: eb.Fixture) -> list[tuple[str, str, Any]]:
    """FORMAT.md 3.9: who may give a complaint's outcome, once, and what it may say."""
    mill, farm = fx.keys["wuchang-mill"], fx.keys["wuchang-coop"]
    answered = sign_statement("complaint", ex.complaint_outcome(), mill)
    escalated = ex.complaint_outcome(outcome="escalated", recall="HLJ-SAMR-2024-017")
    return [
        (
            "complaint-answered-by-maker-@31",
            "the mill answers a complaint about its lot (no failure)",
            answered,
        ),
        (
            "complaint-refunded-by-operator-@31",
            "the operator records a refund for a complaint addressed to the mill (no failure)",
            sign_statement("complaint", ex.complaint_outcome(outcome="refunded"), fx.operator),
        ),
        (
            "complaint-escalated-to-recall-@36",
            "a complaint escalated to the regulator's recall (no failure)",
            [
                *_recallers(fx),
                sign_statement("recall", ex.recall(), REGULATOR),
                sign_statement("complaint", escalated, mill),
            ],
        ),
        (
            "complaint-escalated-unknown-recall-@31",
            "a complaint escalated to a recall nobody opened",
            sign_statement("complaint", escalated, mill),
        ),
        (
            "complaint-by-other-actor-@31",
            "the farm gives the outcome of a complaint addressed to the mill",
            sign_statement("complaint", ex.complaint_outcome(), farm),
        ),
        (
            "complaint-to-unknown-actor-@31",
            "an outcome, signed by the operator, for an actor nobody registered",
            sign_statement("complaint", ex.complaint_outcome(actor="nobody"), fx.operator),
        ),
        (
            "complaint-answered-twice-@32",
            "a second outcome for the same complaint",
            [
                answered,
                sign_statement("complaint", ex.complaint_outcome(outcome="refunded"), fx.operator),
            ],
        ),
        (
            "complaint-bad-outcome-@31",
            "an outcome that is none of answered, refunded, escalated",
            sign_statement("complaint", ex.complaint_outcome(outcome="ignored"), mill),
        ),
        (
            "complaint-recall-not-escalated-@31",
            "an answered complaint naming a recall",
            sign_statement("complaint", ex.complaint_outcome(recall="HLJ-SAMR-2024-017"), mill),
        ),
        (
            "complaint-with-contact-@31",
            "an outcome carrying a member the format does not allow (the shopper's phone)",
            sign_statement("complaint", {**ex.complaint_outcome(), "contact": "13800138000"}, mill),
        ),
        (
            "complaint-by-revoked-key-@31",
            "an outcome signed by the farm's revoked key",
            sign_statement(
                "complaint",
                ex.complaint_outcome(actor="wuchang-coop"),
                fx.keys["wuchang-coop:old"],
            ),
        ),
        (
            "complaint-bad-signature-@31",
            "an outcome whose reply was changed after signing",
            parse_statement(
                {
                    **answered.to_json(),
                    "payload": {**answered.payload, "reply": "已处理 (dealt with)"},
                }
            ),
        ),
    ]


def export_cases(fx: eb.Fixture) -> list[Case]:
    base = b"".join(line.encode("utf-8") for line in fx.lines())
    doc = export_doc(base)
    out = [Case("happy-path", "the base export, unchanged", [])]
    for name, what, leaf in leaf_cases(fx, 20, 1):
        out.append(
            Case(
                name,
                f"entry {name.rsplit('@', 1)[1]}: {what}",
                _with_leaf(doc, int(name.rsplit("@", 1)[1]), leaf),
            )
        )
    j = _entry_line(doc, 20)
    earlier = eb.mutate(fx.leaves[20], lambda o: o.update(time="2024-11-01T00:00:10.000Z"))
    out += [
        Case(
            "time-earlier-@20",
            "entry 20's time set before entry 19's (re-canonicalised)",
            _with_leaf(doc, 20, earlier),
        ),
        Case(
            "leaf-not-base64-@20",
            "entry 20's leaf is not base64",
            [{"op": "replace", "path": f"/{j}/leaf", "value": "not base64!"}],
        ),
        Case(
            "entry-line-extra-member-@20",
            "entry 20's line has a member more",
            [{"op": "add", "path": f"/{j}/extra", "value": 1}],
        ),
        Case(
            "entry-line-wrong-index-@20",
            "entry 20's line says index 21",
            [{"op": "replace", "path": f"/{j}/index", "value": 21}],
        ),
        Case("missing-entry-@20", "entry 20's line removed", [{"op": "remove", "path": f"/{j}"}]),
        Case(
            "entries-swapped-@20-@21",
            "the lines of entries 20 and 21 swapped",
            [{"op": "move", "from": f"/{j + 1}", "path": f"/{j}"}],
        ),
        Case(
            "unknown-line-type",
            "a line of type comment after the header",
            [{"op": "add", "path": "/1", "value": {"type": "comment", "text": "hello"}}],
        ),
        Case("header-missing", "the header line removed", [{"op": "remove", "path": "/0"}]),
        Case(
            "header-twice",
            "the header line written twice",
            [{"op": "add", "path": "/1", "value": doc[0]}],
        ),
        Case(
            "header-other-verifier-key",
            "the header names another log's verifier key",
            [{"op": "replace", "path": "/0/verifier_key", "value": OTHER_VKEY}],
        ),
        Case(
            "header-wrong-format",
            "the header's format is traceledger-bundle",
            [{"op": "replace", "path": "/0/format", "value": "traceledger-bundle"}],
        ),
        Case(
            "header-extra-member",
            "the header has a member more",
            [{"op": "add", "path": "/0/comment", "value": "x"}],
        ),
        Case(
            "header-tree-size-wrong",
            "the header says 30 entries",
            [{"op": "replace", "path": "/0/tree_size", "value": 30}],
        ),
        Case(
            "last-entry-missing",
            "entry 30's line and the checkpoint after it removed",
            [
                {"op": "remove", "path": f"/{len(doc) - 1}"},
                {"op": "remove", "path": f"/{len(doc) - 2}"},
            ],
        ),
        Case(
            "checkpoint-line-note-not-text",
            "the note of the checkpoint of size 12 is a number",
            [{"op": "replace", "path": f"/{_checkpoint_line(doc, 12)}/note", "value": 12}],
        ),
        Case(
            "checkpoint-moved",
            "the checkpoint of size 12 stands after entry 12 instead of 11",
            [
                {
                    "op": "move",
                    "from": f"/{_checkpoint_line(doc, 12)}",
                    "path": f"/{_checkpoint_line(doc, 12) + 1}",
                }
            ],
        ),
    ]
    out += _checkpoint_cases(fx, lambda size, note: _note_ops(doc, size, note))
    out.append(
        Case(
            "wrong-operator-key",
            "the base export checked against another operator's key (same origin)",
            [],
            operator_key=NoteSigner(fx.origin, fixed_key("another operator")).verifier.vkey,
        )
    )
    text = base.decode("utf-8")
    last = text.rstrip("\n").rsplit("\n", 1)[0]
    out += [
        Case("empty-file", "a file of no bytes", data=b""),
        Case(
            "file-truncated-mid-line",
            "the export cut in the middle of its last line",
            data=base[: len(last) + (len(base) - len(last)) // 2],
        ),
        Case(
            "line-bad-utf8",
            "a byte 0xff in the note of the checkpoint of size 12",
            data=base.replace(b"\n12\n".replace(b"\n", b"\\n"), b"\\n1\xff\\n", 1),
        ),
        Case(
            "line-duplicate-member",
            'the member "type" written twice in the line of the checkpoint of size 0',
            data=base.replace(
                b'{"type":"checkpoint",', b'{"type":"checkpoint","type":"checkpoint",', 1
            ),
        ),
        Case(
            "line-not-json",
            "a line that is not JSON after the header",
            data=base.replace(b"\n", b"\n{not json\n", 1),
        ),
    ]
    for name, what, statements in appended(fx):
        longer = _continued(fx, statements)
        new_doc = export_doc("".join(longer.lines()).encode())
        out.append(Case(name, f"{what}, {_sequenced(fx, longer)}", diff(doc, new_doc)))
    return out


def _checkpoint_cases(
    fx: eb.Fixture, ops: Callable[[int, str], list[dict[str, Any]]], size: int = 12
) -> list[Case]:
    note = dict(fx.checkpoints)[size]
    text, sigline = note.split("\n\n")
    name, sig = sigline.rstrip("\n").rsplit(" ", 1)
    origin = text.split("\n")[0]
    real_root = root_of([leaf_hash(x) for x in fx.leaves[:size]])
    return [
        Case(
            "checkpoint-bad-signature",
            f"one character of the signature of the checkpoint of size {size} changed",
            ops(size, f"{text}\n\n{name} {eb.flip_char(sig, 30)}\n"),
        ),
        Case(
            "checkpoint-unsigned",
            f"the checkpoint of size {size} without its signature line",
            ops(size, f"{text}\n\n"),
        ),
        Case(
            "checkpoint-root-changed",
            f"the root of the checkpoint of size {size} changed, signature kept",
            ops(size, f"{origin}\n{size}\n{b64(bytes(32))}\n\n{sigline}"),
        ),
        Case(
            "checkpoint-wrong-root",
            f"the operator signs a wrong root for size {size}",
            ops(size, fx.sign_checkpoint(size, bytes(32))),
        ),
        Case(
            "checkpoint-wrong-origin",
            f"the operator signs the size-{size} checkpoint under another origin",
            ops(size, fx.signer.sign(Checkpoint("ledger.example/other", size, real_root).text())),
        ),
        Case(
            "checkpoint-witness-cosigned",
            f"the checkpoint of size {size} with a cosignature by an unknown witness (ignored)",
            ops(
                size,
                note
                + NoteSigner("witness.example/w1", fixed_key("witness")).signature_line(
                    text + "\n"
                ),
            ),
        ),
    ]


# -- bundle cases -------------------------------------------------------------------------------

_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def bundle_cases(fx: eb.Fixture) -> list[Case]:
    base = bundle_of(fx, list(STEPS))
    doc = json.loads(base)
    where = {e["index"]: n for n, e in enumerate(doc["entries"])}
    out = [Case("happy-path", "the base bundle, unchanged", [])]

    def edited(change: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
        new = json.loads(base)
        change(new)
        return diff(doc, new)

    def leaf_op(index: int, leaf: bytes) -> list[dict[str, Any]]:
        return [{"op": "replace", "path": f"/entries/{where[index]}/leaf", "value": b64(leaf)}]

    for name, what, leaf in leaf_cases(fx, 25, 6):
        index = int(name.rsplit("@", 1)[1])
        out.append(Case(name, f"entry {index}: {what}", leaf_op(index, leaf)))
    key_entry = next(
        i
        for i in where
        if i in range(7, 13)
        and json.loads(fx.leaves[i])["statement"]["payload"]["actor"] == "coldchain-express"
    )
    out.append(
        Case(
            f"wrong-signature-@{key_entry}",
            f"entry {key_entry} (the carrier's key): one character of its signature changed; "
            "the carrier's steps lose their key",
            leaf_op(key_entry, flip_sig(fx.leaves[key_entry])),
        )
    )

    proof = doc["entries"][where[25]]["proof"]
    for k in (0, len(proof) - 1):
        node = proof[k]
        raw = bytearray(base64.b64decode(doc["nodes"][node]))
        raw[3] ^= 0x80
        out.append(
            Case(
                f"modified-inclusion-proof[{k}]-bit-@25",
                f"bit 7 of byte 3 of node {node}, element {k} of entry 25's proof, flipped: "
                "every entry whose proof uses that node fails",
                [{"op": "replace", "path": f"/nodes/{node}", "value": b64(bytes(raw))}],
            )
        )
    out.append(
        Case(
            "inclusion-proof-element-missing-@25",
            "the last element of entry 25's proof removed (the node stays used by others)",
            [{"op": "remove", "path": f"/entries/{where[25]}/proof/{len(proof) - 1}"}],
        )
    )

    out += _checkpoint_cases(
        fx, lambda size, note: [{"op": "replace", "path": "/checkpoint", "value": note}], size=31
    )
    older = dict(fx.checkpoints)[28]
    out += [
        Case(
            "checkpoint-older",
            "the operator's real checkpoint of size 28 instead of the one the proofs lead to (31)",
            [{"op": "replace", "path": "/checkpoint", "value": older}],
        ),
        Case(
            "bundle-names-other-key",
            "verifier_key names another log's key",
            [{"op": "replace", "path": "/verifier_key", "value": OTHER_VKEY}],
        ),
        Case(
            "trusted-key-is-another",
            "the base bundle checked against another log's key",
            [],
            operator_key=OTHER_VKEY,
        ),
        Case(
            "subject-named-by-no-event",
            "the subject changed to a bag no event names",
            [
                {
                    "op": "replace",
                    "path": "/subject",
                    "value": f"https://id.gs1.org/01/{ex.BAG_GTIN}/21/999999",
                }
            ],
        ),
        Case(
            "subject-the-bags-lot",
            "the subject changed to the bags' lot, which the bagging (21), packing (22) and "
            "sale (27) name by writing each bag with it",
            [{"op": "replace", "path": "/subject", "value": BAG_LOT}],
        ),
        Case(
            "subject-lot-named-by-no-event",
            "the subject changed to another lot of the bags' GTIN, which no bag is written with",
            [
                {
                    "op": "replace",
                    "path": "/subject",
                    "value": f"https://id.gs1.org/01/{ex.BAG_GTIN}/10/WC24-M02",
                }
            ],
        ),
        Case(
            "subject-unit-with-its-lot",
            "the subject changed to the bag written with its lot (a unit is named without it)",
            [
                {
                    "op": "replace",
                    "path": "/subject",
                    "value": f"{BAG_LOT}/21/{ex.SERIALS[0]}",
                }
            ],
        ),
        Case(
            "entry-index-changed-@27",
            "the bundle says index 30 for entry 27, the last (still in increasing order)",
            [{"op": "replace", "path": f"/entries/{where[27]}/index", "value": 30}],
        ),
    ]
    for name, what, dropped in (
        ("drop-genesis", "entry 0 left out", {0}),
        (
            f"drop-key-registration-@{key_entry}",
            f"the carrier's key entry ({key_entry}) left out",
            {key_entry},
        ),
        (
            f"drop-actor-registration-@{key_entry - 6}",
            f"the carrier's actor entry ({key_entry - 6}) left out",
            {key_entry - 6},
        ),
        ("drop-a-step-@23", "step 23 (storing) left out: a bundle may omit steps", {23}),
    ):
        kept = [i for i in where if i not in dropped]
        new = json.loads(_rebundle(fx, kept))
        out.append(Case(name, f"{what}, nodes renumbered as FORMAT.md 9.1 says", diff(doc, new)))
    for name, what, steps in (
        (
            "bags-lot-bundle",
            "the bags' lot's own bundle: its making (milling 19, inspection 20, bagging 21)",
            [19, 20, 21],
        ),
        (
            "bags-lot-bundle-without-its-bags",
            "a bundle for the bags' lot holding only the case's steps (23-26), which name the "
            "case and never a bag",
            [23, 24, 25, 26],
        ),
    ):
        new = json.loads(bundle_of(fx, steps, subject=BAG_LOT))
        out.append(Case(name, f"{what}, with their registrations", diff(doc, new)))

    reordered = json.loads(base)
    a, b = where[24], where[25]
    reordered["entries"][a], reordered["entries"][b] = (
        reordered["entries"][b],
        reordered["entries"][a],
    )
    out.append(
        Case(
            "entries-reordered",
            "entries 24 and 25 swapped (proofs keep their node numbers)",
            diff(doc, reordered),
        )
    )

    last = len(doc["entries"]) - 1
    count = len(doc["nodes"])
    out += [
        Case(
            "proof-number-out-of-range",
            "a proof names node n, one past the last",
            [{"op": "replace", "path": f"/entries/{last}/proof/0", "value": count}],
        ),
        Case(
            "proof-number-fraction",
            "a proof names node 0.5",
            [{"op": "replace", "path": f"/entries/{last}/proof/0", "value": 0.5}],
        ),
        Case(
            "proof-number-negative",
            "a proof names node -1",
            [{"op": "replace", "path": f"/entries/{last}/proof/0", "value": -1}],
        ),
        Case(
            "proof-number-string",
            'a proof names node "0"',
            [{"op": "replace", "path": f"/entries/{last}/proof/0", "value": "0"}],
        ),
        Case(
            "proof-65-numbers",
            "a proof of 65 numbers (at most 64)",
            [{"op": "replace", "path": f"/entries/{last}/proof", "value": [0] * 65}],
        ),
        Case("nodes-missing", "the member nodes removed", [{"op": "remove", "path": "/nodes"}]),
        Case(
            "nodes-not-a-list",
            "nodes is an object",
            [{"op": "replace", "path": "/nodes", "value": {}}],
        ),
        Case(
            "node-31-bytes",
            "node 0 is base64 of 31 bytes",
            [
                {
                    "op": "replace",
                    "path": "/nodes/0",
                    "value": b64(base64.b64decode(doc["nodes"][0])[:31]),
                }
            ],
        ),
        Case(
            "node-hex",
            "node 0 written in hex",
            [
                {
                    "op": "replace",
                    "path": "/nodes/0",
                    "value": base64.b64decode(doc["nodes"][0]).hex(),
                }
            ],
        ),
        Case(
            "node-pad-bits-set",
            "node 0's base64 with a padding bit set (same bytes, another spelling)",
            [{"op": "replace", "path": "/nodes/0", "value": _pad_bit_set(doc["nodes"][0])}],
        ),
        Case(
            "node-unused",
            "a node no proof uses added at the end",
            [{"op": "add", "path": "/nodes/-", "value": b64(bytes(range(32)))}],
        ),
        Case(
            "nodes-not-in-order-of-first-use",
            "nodes 0 and 1 swapped, and every proof renumbered to match",
            edited(_swap_first_two),
        ),
        Case(
            "entry-extra-member",
            "an entry with a member more",
            [{"op": "add", "path": "/entries/0/extra", "value": 1}],
        ),
        Case(
            "bundle-extra-member",
            "the bundle with a member more",
            [{"op": "add", "path": "/extra", "value": 1}],
        ),
        Case("bundle-wrong-version", "v is 2", [{"op": "replace", "path": "/v", "value": 2}]),
        Case(
            "entries-empty",
            "entries is empty (and nodes with it)",
            [
                {"op": "replace", "path": "/entries", "value": []},
                {"op": "replace", "path": "/nodes", "value": []},
            ],
        ),
    ]
    text = base.decode("utf-8")
    out += [
        Case("file-truncated", "the bundle cut in half", data=base[: len(base) // 2]),
        Case(
            "file-bad-utf8",
            "a byte 0xff in the subject",
            data=base.replace(b"/21/", b"/21/\xff", 1),
        ),
        Case(
            "file-duplicate-member",
            'the member "format" written twice',
            data=base.replace(
                b'"format":"traceledger-bundle",',
                b'"format":"traceledger-bundle","format":"traceledger-bundle",',
                1,
            ),
        ),
        Case(
            "file-lone-surrogate",
            "the subject ends with the escape \\ud800 (a lone surrogate)",
            data=text.replace(f'"{SUBJECT}"', f'"{SUBJECT}\\ud800"', 1).encode(),
        ),
        Case(
            "file-huge-number", "v written as 1e400", data=base.replace(b'"v":1,', b'"v":1e400,', 1)
        ),
        Case("file-not-an-object", "a JSON array", data=b"[]"),
    ]
    for name, what, statements in appended(fx):
        longer = _continued(fx, statements)
        new = json.loads(bundle_of(longer, [*STEPS, *range(len(fx.leaves), len(longer.leaves))]))
        out.append(Case(name, f"{what}, {_sequenced(fx, longer)} and bundled", diff(doc, new)))
    return out


def _continued(fx: eb.Fixture, statements: Any) -> eb.Fixture:
    longer = eb.continued(fx, statements if isinstance(statements, list) else [statements])
    longer.keys.update({"hlj-samr": REGULATOR, "wuchang-rice-assoc": BRAND})
    return longer


def _sequenced(fx: eb.Fixture, longer: eb.Fixture) -> str:
    first, last = len(fx.leaves), len(longer.leaves) - 1
    where = f"entry {first}" if first == last else f"entries {first} to {last}"
    return f"sequenced as {where} and signed into a checkpoint of size {last + 1}"


def _rebundle(fx: eb.Fixture, indices: list[int]) -> bytes:
    size, note = fx.checkpoints[-1]
    hashes = [leaf_hash(leaf) for leaf in fx.leaves[:size]]
    entries = [
        BundleEntry(
            i, fx.leaves[i], tuple(root_of(hashes[a:b]) for a, b in inclusion_ranges(i, size))
        )
        for i in indices
    ]
    return bundle_json(SUBJECT, fx.vkey, note, entries)


def _pad_bit_set(text: str) -> str:
    """The base64 of 32 bytes with a padding bit flipped: the same bytes, not canonical."""
    last = _B64_ALPHABET.index(text[42])
    return text[:42] + _B64_ALPHABET[last ^ 1] + text[43:]


def _swap_first_two(d: dict[str, Any]) -> None:
    d["nodes"][0], d["nodes"][1] = d["nodes"][1], d["nodes"][0]
    for e in d["entries"]:
        e["proof"] = [{0: 1, 1: 0}.get(p, p) for p in e["proof"]]


# -- the core's verdicts, and the files --------------------------------------------------------


def core_failures(kind: str, data: bytes, vkey: str) -> list[list[Any]]:
    """The (index, check) set ``ledger.core`` reports, sorted (file-level first)."""
    operator = NoteVerifier.parse(vkey)
    if kind == "export":
        failures = verify_export(data.splitlines(keepends=True), operator).failures
    else:
        failures = verify_bundle(data, operator).failures
    pairs = {(f.index, f.check) for f in failures}
    return [list(p) for p in sorted(pairs, key=lambda p: (p[0] is not None, p[0] or 0, p[1]))]


def _case_json(kind: str, case: Case, base_name: str, base: bytes, vkey: str) -> dict[str, Any]:
    out: dict[str, Any] = {"description": case.description}
    if case.patch is not None:
        out["base"] = base_name
        out["patch"] = case.patch
    else:
        assert case.data is not None
        try:
            out["input"] = case.data.decode("utf-8")
        except UnicodeDecodeError:
            out["input_b64"] = b64(case.data)
    if case.operator_key is not None:
        out["operator_key"] = case.operator_key
    data = case_input(kind, out, base)
    out["expected"] = core_failures(kind, data, case.operator_key or vkey)
    return out


def _dump_case(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def generate(out: Path = OUT) -> list[Path]:
    """Write every tamper vector under ``out``; return the files written."""
    fx = eb.build()
    written = []
    (out / "export").mkdir(parents=True, exist_ok=True)
    (out / "bundle").mkdir(parents=True, exist_ok=True)
    vkey_path = out / "operator.vkey"
    vkey_path.write_text(fx.vkey + "\n", encoding="utf-8")
    written.append(vkey_path)
    export_base = "".join(fx.lines()).encode("utf-8")
    bundle_base = bundle_of(fx, list(STEPS))
    for kind, base_name, base, cases in (
        ("export", "base.jsonl", export_base, export_cases(fx)),
        ("bundle", "base.json", bundle_base, bundle_cases(fx)),
    ):
        (out / kind / base_name).write_bytes(base)
        written.append(out / kind / base_name)
        names = [c.name for c in cases]
        assert len(set(names)) == len(names), "case names repeat"
        for case in cases:
            path = out / kind / f"{case.name}.json"
            path.write_bytes(_dump_case(_case_json(kind, case, base_name, base, fx.vkey)))
            written.append(path)
    return written


if __name__ == "__main__":
    files = generate(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {len(files)} files under {files[0].parent}")
