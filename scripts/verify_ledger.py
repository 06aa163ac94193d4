#!/usr/bin/env python3
"""Independent verifier of a traceledger export or proof bundle (docs/FORMAT.md).

Usage:
    python scripts/verify_ledger.py EXPORT.jsonl --operator-key VKEY [--since CHECKPOINT]
                                    [--quiet] [--json]
    python scripts/verify_ledger.py --bundle BUNDLE.json [--operator-key VKEY] [--json]

This is the auditor's verifier: a second implementation of the formats written from
docs/FORMAT.md alone. It uses only the Python standard library and PyNaCl, and imports
nothing from the project's ``ledger`` or ``web`` packages, so that a bug in one
implementation is caught by the other.

What it checks is exactly FORMAT.md section 8: for every entry its base64 and JSON, its
canonical bytes (RFC 8785), index, version, hash-chain link, time order, statement shape,
signature, the signer's registration and key validity at the entry's time, the step
permission of section 3.6 and the event time rule, and that no statement ID repeats; for
every checkpoint its operator signature, its origin and its root against the Merkle tree
hash recomputed from the entries; optionally (--since) that the export reproduces a
checkpoint the auditor saved earlier; and that the header's tree_size matches.

It reads the export as a stream, in memory independent of the log's length: the Merkle
tree is kept as a compact range (O(log n) hashes), the key registry holds one record per
actor and key, and duplicate statement IDs are found with a fixed-size Bloom filter
(sized from the header's tree_size, about twelve bits per entry) followed, only if the
filter reports possible duplicates, by a second pass over the file that confirms them
exactly.

Every failure is reported, one line each, with the entry index (none for a checkpoint or
the file as a whole) and a stable check name, exactly as the project's own verifier
(ledger/core) reports it: FORMAT.md section 8 says which index each check is reported at,
and the tamper vectors (tests/vectors/traceledger/tamper/) hold the sets both must report.
After a failure verification goes on. Exit status: 0 when everything holds, 1 when
verification failed, 2 on usage errors.

With --bundle it checks one product's proof bundle as FORMAT.md 9.2 says (the log check:
shape, operator key, checkpoint signature, each entry's inclusion proof, canonical bytes,
signature and registration from the bundle's own entries, the subject), printing one line
per entry and the verdict; --json gives the browser verifier's report shape
(web/static/verify/bundle.js). Without --operator-key the bundle's own key is used, with
a warning that it was not checked against a key obtained out of band.

Structure: one copy of each rule, shared by the export and the bundle checks. Check
names (``CHECKS``: the core verifier's, the export file's among them); JSON, with one
strict reader (``read_json``) and one RFC 8785 writer (``jcs``); base64; times, all read as
instants in nanoseconds and compared as such (``ledger_time_ns``, ``event_time_ns``,
``event_in_future``); Ed25519 (``ed25519_verify``); Merkle hashing (``CompactRange``,
``verify_inclusion``); signed notes and checkpoints; statements (``check_statement``,
``check_payload_*``) and the step table (``BIZSTEP_ROLES``); the key registry
(``Registry``); one entry read and admitted (``read_entry``, ``first_rule``); failures
(``Failure``, ``Report``); the export driver
(``ExportVerifier``, ``verify_export``); proof bundles (``verify_bundle``, ``BundleReport``);
the command line.
"""

from __future__ import annotations

import argparse
import binascii
import contextlib
import datetime as _dt
import hashlib
import json
import json.encoder as _json_encoder
import math
import os
import re
import sys
import tempfile
import time as _time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

try:
    from nacl.bindings import crypto_sign_open as _crypto_sign_open
    from nacl.exceptions import BadSignatureError as _BadSignatureError
except ImportError:  # pragma: no cover - main() reports it before anything is verified
    _crypto_sign_open = None  # type: ignore[assignment]

    class _BadSignatureError(Exception):  # type: ignore[no-redef]
        """Stands in for PyNaCl's, which is then never raised."""


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# ---------------------------------------------------------------------------------------
# Stable check names (the "check" member of every failure). They are the core verifier's
# (ledger/core/verify.py, and the rules' error codes of docs/EVENTS.md), so that the
# library, this script and the browser name the same failure alike; the last three are
# the export file's own (ledger/core/export_file.py).
# ---------------------------------------------------------------------------------------

CHECKS = {
    "canonical_bytes": "the entry bytes are not the RFC 8785 canonical form of the entry",
    "entry_shape": "the entry or its statement is not well-formed JSON of the shape of "
    "FORMAT.md 3-4 (members, types, version, size)",
    "index_sequence": "an entry's index is not its position (missing, repeated, reordered entries)",
    "chain_link": "the hash chain is broken: prev does not match the previous entry's hash",
    "time_order": "an entry's time is earlier than the previous entry's time",
    "misplaced_genesis": "entry 0 is not the genesis, or a genesis stands elsewhere",
    "genesis": "the genesis entry does not name the given operator key and origin",
    "not_operator": "a genesis/actor/key/revoke statement is not signed by the operator key",
    "signature": "the statement's Ed25519 signature does not verify",
    "missing_field": "a payload lacks a member FORMAT.md 3 requires",
    "unknown_field": "a payload has a member FORMAT.md 3 does not allow",
    "wrong_type": "a payload member has the wrong JSON type",
    "bad_value": "a payload member breaks its rule (actor ID, text, roles, key ID, bizStep)",
    "bad_base64": "a payload's key is not canonical base64",
    "bad_length": "a payload's key is not 32 bytes",
    "bad_time": "a payload's time is not of its form",
    "bad_identifier": "an actor's GLN is not 13 digits",
    "bad_check_digit": "an actor's GLN has a wrong GS1 check digit",
    "actor_exists": "an actor ID is registered a second time",
    "gln_taken": "a GLN is registered to a second actor",
    "unknown_actor": "a key is added for an actor that is not registered",
    "key_exists": "a public key is added a second time (or is the operator key)",
    "key_already_revoked": "a key is revoked a second time",
    "unknown_key": "a signer or revoked key is not a key added by an earlier key entry",
    "key_revoked": "an event is signed with a key revoked with effect at or before its time",
    "role_not_permitted": "the signer's actor holds no role permitting the event's bizStep",
    "event_in_future": "the event's eventTime is more than 10 minutes after the entry's time",
    "duplicate_statement": "a statement ID appears more than once",
    "checkpoint_signature": "a checkpoint note is malformed or lacks a valid operator signature",
    "checkpoint_origin": "a checkpoint's origin line is not the log's origin",
    "checkpoint_size": "a checkpoint does not stand right after the entry that brings the log "
    "to its size",
    "checkpoint_root": "a checkpoint's root is not the Merkle tree hash of the entries at its size",
    "since_root": "the export does not reproduce the --since checkpoint's root at its size",
    # The export file's own:
    "header": "the export's header line is missing, malformed, or does not match the operator key",
    "truncated": "the export ends early: the entry count is not the header's, or the last line "
    "is cut",
    "malformed": "an export line is not well-formed JSON of its form, or a leaf is not base64",
}

# ---------------------------------------------------------------------------------------
# JSON: one strict reader and one RFC 8785 (JCS) writer
# ---------------------------------------------------------------------------------------


class JSONError(ValueError):
    """A JSON text is not acceptable (syntax, duplicate names, NaN/Infinity, lone surrogates)."""


MAX_SAFE_INTEGER = 2**53  # integers with |n| <= 2**53 are exact doubles and print as str(n)
_MAX_DOUBLE = 1.7976931348623157e308

_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
_ESCAPES[ord('"')] = '\\"'
_ESCAPES[ord("\\")] = "\\\\"


def es_number(value: float) -> str:
    """Format a number as ECMAScript Number.prototype.toString does (RFC 8785 3.2.2.3).

    Integers are taken as the nearest IEEE 754 double, as I-JSON prescribes.
    """
    if type(value) is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            raise JSONError("number out of the range of IEEE 754 doubles") from None
    if value != value or value in (math.inf, -math.inf):
        raise JSONError("NaN and Infinity are not allowed")
    if value == 0:
        return "0"  # also for -0
    sign = "-" if value < 0 else ""
    r = repr(abs(value))  # shortest round-trip digits, same as ECMAScript's choice
    mant, _, exp_s = r.partition("e")
    int_part, _, frac_part = mant.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    s = digits.rstrip("0")
    k = len(s)
    n = int(exp_s or 0) - len(frac_part) + len(digits)  # value = 0.s * 10**n
    if k <= n <= 21:
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + s
    e = n - 1
    return (
        sign + (s if k == 1 else s[0] + "." + s[1:]) + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    )


def _utf16_key(item: tuple[str, Any]) -> bytes:
    return item[0].encode("utf-16-be", "surrogatepass")


def _jcs_text(value: Any) -> str:
    """The complete RFC 8785 serialiser: UTF-16 key order, ECMAScript numbers."""
    t = type(value)
    if t is str:
        return '"' + str(value).translate(_ESCAPES) + '"'
    if value is None or t is bool:
        return "null" if value is None else ("true" if value else "false")
    if t is int or t is float:
        return es_number(value)
    if t is dict:
        members = sorted(value.items(), key=_utf16_key)
        return "{" + ",".join(_jcs_text(k) + ":" + _jcs_text(v) for k, v in members) + "}"
    if t is list or t is tuple:
        return "[" + ",".join(_jcs_text(v) for v in value) + "]"
    raise JSONError(f"cannot canonicalise a {t.__name__}")


# Python's C JSON encoder writes exactly the RFC 8785 text of a value whose member names
# sort the same by code points as by UTF-16 code units (no character beyond U+FFFF) and
# whose numbers print the same in both languages: what read_json calls "plain". One
# encoder object, made once (JSONEncoder.encode makes one per call).
def _no_default(o: Any) -> Any:
    raise JSONError(f"cannot canonicalise a {type(o).__name__}")


_C_ENCODE_STR = getattr(_json_encoder, "c_encode_basestring", None)
_C_MAKE_ENCODER = getattr(_json_encoder, "c_make_encoder", None)
if _C_MAKE_ENCODER is not None and _C_ENCODE_STR is not None:
    _c_iter = _C_MAKE_ENCODER(None, _no_default, _C_ENCODE_STR, None, ":", ",", True, False, False)

    def _plain_text(value: Any) -> str:
        return "".join(_c_iter(value, 0))
else:  # pragma: no cover - Pythons without the C accelerator
    _PLAIN_ENCODER = json.JSONEncoder(
        ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
    )

    def _plain_text(value: Any) -> str:
        return _PLAIN_ENCODER.encode(value)


def jcs(value: Any, *, plain: bool = False) -> bytes:
    """JCS(value): the RFC 8785 bytes. ``plain`` is read_json's word that the fast C encoder
    writes this value exactly; lone surrogates, NaN and Infinity raise JSONError."""
    try:
        return (_plain_text(value) if plain else _jcs_text(value)).encode("utf-8")
    except UnicodeEncodeError:
        raise JSONError("string contains a lone surrogate") from None


# The reader notes, as it parses, whether every number prints the same in Python as in
# ECMAScript: integers of at most 15 digits, and non-integral doubles from 1e-4 up to 1e16.
_reading_plain = [True]


def _read_int(s: str) -> int:
    n = int(s)
    if len(s) > 15:  # possibly beyond 2**53: only the complete serialiser prints it right
        _reading_plain[0] = False
        if not -_MAX_DOUBLE <= n <= _MAX_DOUBLE:
            raise JSONError(f"number {s} is beyond the range of IEEE 754 doubles")
    return n


def _read_float(s: str) -> float:
    f = float(s)
    if f in (math.inf, -math.inf):
        raise JSONError(f"number {s} is beyond the range of IEEE 754 doubles")
    a = abs(f)
    if not (1e-4 <= a < 1e16) or a.is_integer():
        _reading_plain[0] = False
    return f


def _read_constant(s: str) -> Any:
    raise JSONError(f"{s} is not allowed in JSON")


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise JSONError(f"duplicate member name {k!r}")
            seen.add(k)
    return d


_DECODERS = {
    check_names: json.JSONDecoder(
        object_pairs_hook=_unique_names if check_names else None,
        parse_float=_read_float,
        parse_int=_read_int,
        parse_constant=_read_constant,
    )
    for check_names in (True, False)
}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_SPACE = frozenset(("", " ", "\t", "\n", "\r"))
_NON_BMP_CHAR = re.compile("[\U00010000-\U0010ffff]")
_NON_BMP_LEAD_BYTES = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")  # UTF-8 of U+10000 and up


def _has_lone_surrogate(value: Any) -> bool:
    if type(value) is str:
        return _LONE_SURROGATE.search(value) is not None
    if type(value) is dict:
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if type(value) is list:
        return any(_has_lone_surrogate(v) for v in value)
    return False


def read_json(
    text: str | bytes, *, check_names: bool = True, lone_surrogates: bool = False
) -> tuple[Any, bool]:
    """Parse one JSON text (UTF-8 if bytes) strictly: no NaN, Infinity, numbers beyond the
    doubles, no lone surrogates unless ``lone_surrogates``, and with check_names no
    duplicate member names. Returns (value, plain): plain when ``jcs(value, plain=True)``
    is exact.

    check_names=False is for entry bytes, which are compared byte for byte with their
    canonical form: a duplicate member cannot survive that comparison. lone_surrogates is
    for the documents around the entries (export lines, a bundle), which the core reads
    alike: an escaped lone surrogate there is text that matches nothing, not a JSON error."""
    if isinstance(text, (bytes, bytearray)):
        data = text if type(text) is bytes else bytes(text)
        non_bmp = not data.isascii() and any(b in data for b in _NON_BMP_LEAD_BYTES)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise JSONError(f"not UTF-8: {e}") from None
    else:
        non_bmp = _NON_BMP_CHAR.search(text) is not None
    _reading_plain[0] = True
    decoder = _DECODERS[check_names]
    try:
        # Surrounding white space is allowed (and then not canonical); without it, as in
        # every entry, raw_decode is quicker than decode.
        value, end = decoder.raw_decode(text) if text[:1] not in _JSON_SPACE else (None, -1)
        if end != len(text):
            value = decoder.decode(text)
    except RecursionError:
        raise JSONError("JSON nested too deeply") from None
    except JSONError:
        raise
    except ValueError as e:  # json.JSONDecodeError
        raise JSONError(str(e)) from None
    # A character beyond U+FFFF is in the text as itself or as an escaped surrogate pair.
    escaped = _SURROGATE_ESCAPE.search(text) is not None
    if escaped and not lone_surrogates and _has_lone_surrogate(value):
        raise JSONError("a string holds a lone surrogate")
    plain = _reading_plain[0] and not escaped and not non_bmp
    return value, plain


def jcs_canonicalize(text: str | bytes) -> bytes:
    """Parse a JSON text strictly and return its RFC 8785 canonical bytes."""
    value, plain = read_json(text)
    return jcs(value, plain=plain)


# ---------------------------------------------------------------------------------------
# Base64 and hex
# ---------------------------------------------------------------------------------------


def b64decode_strict(s: Any, length: int | None = None) -> bytes | None:
    """RFC 4648 section 4 base64 with padding and zero pad bits; None when not valid."""
    if type(s) is not str or not s.isascii():
        return None
    raw = s.encode("ascii")
    try:
        data = binascii.a2b_base64(raw, strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    if length is not None and len(data) != length:
        return None
    r = len(data) % 3
    if r and binascii.b2a_base64(data[-r:], newline=False) != raw[-4:]:
        return None  # non-zero pad bits: not the base64 of these bytes
    return data


def b64encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")


_HEX32 = re.compile(r"[0-9a-f]{32}\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
# ---------------------------------------------------------------------------------------
# Times: one rule. Every time is read as an integer count of nanoseconds since the epoch
# (FORMAT.md 3.6: "comparisons of times are of the instants they denote"), and every
# comparison is of those integers: entry times, revocations, and an event's time against
# its entry's.
# ---------------------------------------------------------------------------------------

_STRICT_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z\Z"
)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def _day_seconds(y: int, mo: int, d: int) -> int:
    return (_dt.date(y, mo, d).toordinal() - _EPOCH_ORDINAL) * 86400


_DAY_CACHE: dict[str, int] = {}


def ledger_time_ns(s: Any) -> int | None:
    """The instant of a ledger time `YYYY-MM-DDTHH:MM:SS.sssZ` (entry times, `created`,
    `effective`) in nanoseconds since the epoch; None if malformed."""
    if type(s) is not str or len(s) != 24:
        return None
    if _STRICT_TIME.match(s) is None:
        return None
    h, mi, sec = int(s[11:13]), int(s[14:16]), int(s[17:19])
    if h > 23 or mi > 59 or sec > 59:
        return None
    day = _DAY_CACHE.get(s[:10])
    if day is None:
        try:
            day = _day_seconds(int(s[0:4]), int(s[5:7]), int(s[8:10]))
        except ValueError:
            return None
        if len(_DAY_CACHE) > 4096:
            _DAY_CACHE.clear()
        _DAY_CACHE[s[:10]] = day
    return ((day + h * 3600 + mi * 60 + sec) * 1000 + int(s[20:23])) * 1_000_000


def event_time_ns(s: Any) -> int | None:
    """The instant of an event's RFC 3339 date-time with `Z` or a numeric offset, in
    nanoseconds since the epoch; None if malformed.

    Only the upper-case `T` and `Z` are accepted (FORMAT.md 3.5 writes `Z`; RFC 3339 would
    also allow lower case).
    Fractions finer than a nanosecond round up, which keeps `t <= limit` exact for limits
    that are whole nanoseconds. A leap second (:60) counts as the next minute's :00.
    """
    if type(s) is not str:
        return None
    if s == _rfc3339_last[0]:
        cached: int | None = _rfc3339_last[1]
        return cached
    ns = None
    if _RFC3339_COMMON.match(s) is not None:  # the common form: let the C parser do it
        try:
            d = _dt.datetime.fromisoformat(s) - _EPOCH
            ns = (d.days * 86400 + d.seconds) * 1_000_000_000 + d.microseconds * 1000
        except ValueError:
            ns = None
    if ns is None:
        ns = _parse_rfc3339_ns(s)
    _rfc3339_last[0], _rfc3339_last[1] = s, ns
    return ns


_rfc3339_last: list[Any] = [None, None]
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_RFC3339_COMMON = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9](?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


def _parse_rfc3339_ns(s: str) -> int | None:
    n = len(s)
    if n < 20 or not s.isascii():
        return None
    if s[4] != "-" or s[7] != "-" or s[10] != "T" or s[13] != ":" or s[16] != ":":
        return None
    digits = s[0:4] + s[5:7] + s[8:10] + s[11:13] + s[14:16] + s[17:19]
    if not digits.isdigit():
        return None
    h, mi, sec = int(s[11:13]), int(s[14:16]), int(s[17:19])
    if h > 23 or mi > 59 or sec > 60:
        return None
    i = 19
    ns = 0
    if s[i] == ".":
        j = i + 1
        while j < n and "0" <= s[j] <= "9":
            j += 1
        frac = s[i + 1 : j]
        if not frac:
            return None
        ns = int(frac[:9].ljust(9, "0"))
        if frac[9:].strip("0"):
            ns += 1  # finer than a nanosecond: round up
        i = j
    rest = s[i:]
    if rest == "Z":
        offset = 0
    elif (
        len(rest) == 6 and rest[0] in "+-" and rest[3] == ":" and (rest[1:3] + rest[4:6]).isdigit()
    ):
        oh, om = int(rest[1:3]), int(rest[4:6])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (1 if rest[0] == "+" else -1)
    else:
        return None
    try:
        day = _day_seconds(int(s[0:4]), int(s[5:7]), int(s[8:10]))
    except ValueError:
        return None
    return (day + h * 3600 + mi * 60 + sec - offset) * 1_000_000_000 + ns


EVENT_FUTURE_ALLOWANCE_NS = 10 * 60 * 1_000_000_000


def event_in_future(event_ns: int, entry_ns: int) -> bool:
    """FORMAT.md 3.6 rule 4: the event's time is more than 10 minutes after its entry's."""
    return event_ns > entry_ns + EVENT_FUTURE_ALLOWANCE_NS


# ---------------------------------------------------------------------------------------
# Ed25519 and key IDs
# ---------------------------------------------------------------------------------------


ED25519_KEY_BYTES = 32
ED25519_SIGNATURE_BYTES = 64


class SignatureLengthError(ValueError):
    """A key or signature does not have Ed25519's length: nothing to verify."""


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Pure Ed25519 (RFC 8032) verification with libsodium through PyNaCl: True or False.

    A key or signature of the wrong length raises SignatureLengthError; any other error
    from the library is not a verdict on the signature and propagates."""
    if len(public_key) != ED25519_KEY_BYTES:
        raise SignatureLengthError(f"an Ed25519 key is 32 bytes, not {len(public_key)}")
    if len(signature) != ED25519_SIGNATURE_BYTES:
        raise SignatureLengthError(f"an Ed25519 signature is 64 bytes, not {len(signature)}")
    try:
        _crypto_sign_open(signature + message, public_key)
    except _BadSignatureError:
        return False
    return True


def key_id(public_key: bytes) -> str:
    """FORMAT.md section 2: hex(SHA-256(pk))[0:32]."""
    return hashlib.sha256(public_key).hexdigest()[:32]


STATEMENT_KINDS = (
    "genesis",
    "actor",
    "key",
    "revoke",
    "event",
    "recall",
    "correction",
    "complaint",
)
OPERATOR_KINDS = frozenset(("genesis", "actor", "key", "revoke"))
_DOMAIN = {k: b"traceledger/v1/" + k.encode("ascii") + b"\x00" for k in STATEMENT_KINDS}
MAX_STATEMENT_BYTES = 65536


def statement_message(kind: str, statement_without_sig_jcs: bytes) -> bytes:
    """FORMAT.md section 2: "traceledger/v1/" || kind || 0x00 || JCS(statement without sig)."""
    return b"traceledger/v1/" + kind.encode("ascii") + b"\x00" + statement_without_sig_jcs


# ---------------------------------------------------------------------------------------
# Merkle tree: RFC 9162 section 2.1
# ---------------------------------------------------------------------------------------

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves: list[bytes]) -> bytes:
    """MTH over a list of leaf data, by the recursive definition (for tests and small trees)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


class CompactRange:
    """The right edge of an append-only Merkle tree: one hash per set bit of the size."""

    __slots__ = ("_hashes", "_sizes", "size")

    def __init__(self) -> None:
        self.size = 0
        self._hashes: list[bytes] = []
        self._sizes: list[int] = []

    def append_hash(self, h: bytes) -> None:
        """Append a leaf given by its leaf hash."""
        hashes, sizes = self._hashes, self._sizes
        s = 1
        while sizes and sizes[-1] == s:
            h = node_hash(hashes.pop(), h)
            sizes.pop()
            s *= 2
        hashes.append(h)
        sizes.append(s)
        self.size += 1

    def append(self, data: bytes) -> None:
        self.append_hash(leaf_hash(data))

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        hashes = self._hashes
        r = hashes[-1]
        for h in reversed(hashes[:-1]):
            r = node_hash(h, r)
        return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree of
    `size` leaves with root `root`? (For proof bundles; the export check recomputes roots.)"""
    if not (0 <= index < size) or len(leaf) != 32:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2, with the Go reference verifier's edge cases (FORMAT.md 5):
    no proof from size 0; between equal sizes only an empty proof and equal roots."""
    if first <= 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# ---------------------------------------------------------------------------------------
# C2SP signed notes, verifier keys and checkpoints
# ---------------------------------------------------------------------------------------


class NoteError(ValueError):
    """A note, verifier key or checkpoint is malformed or does not verify."""


class VerifierKey:
    __slots__ = ("key_id", "name", "public_key", "text")

    def __init__(self, name: str, key_id_: int, public_key: bytes, text: str) -> None:
        self.name = name
        self.key_id = key_id_
        self.public_key = public_key
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifierKey) and (self.name, self.key_id, self.public_key) == (
            other.name,
            other.key_id,
            other.public_key,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.key_id, self.public_key))

    def __repr__(self) -> str:
        return f"VerifierKey({self.text!r})"


def _valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def note_key_id(name: str, public_key: bytes) -> int:
    """C2SP signed-note: SHA-256(key name || 0x0A || 0x01 || public key)[0:4], big-endian."""
    d = hashlib.sha256(name.encode("utf-8") + b"\n\x01" + public_key).digest()
    return int.from_bytes(d[:4], "big")


def parse_vkey(text: str) -> VerifierKey:
    """Parse `<name>+<8 hex key ID>+<base64(0x01 || 32-byte key)>` (C2SP signed-note)."""
    text = text.strip()
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key has the form <name>+<key ID>+<base64 key>")
    name, hex_id, b64 = parts
    if not _valid_key_name(name):
        raise NoteError("verifier key name is empty or contains a space or '+'")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError("verifier key ID must be 8 lowercase hex digits")
    raw = b64decode_strict(b64)
    if raw is None:
        raise NoteError("verifier key is not valid base64")
    if len(raw) != 33 or raw[0] != 0x01:
        raise NoteError("verifier key is not an Ed25519 key (type 0x01, 32 bytes)")
    pk = raw[1:]
    kid = int(hex_id, 16)
    if note_key_id(name, pk) != kid:
        raise NoteError("verifier key ID does not match the key")
    return VerifierKey(name, kid, pk, text)


_NOTE_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f]")
MAX_NOTE_SIGNATURES = 100


def parse_note(note: str | bytes) -> tuple[bytes, list[tuple[str, int, bytes]]]:
    """Split a C2SP signed note into (text, [(key name, key ID, signature bytes)])."""
    if isinstance(note, str):
        try:
            data = note.encode("utf-8")
        except UnicodeEncodeError:
            raise NoteError("note is not valid UTF-8") from None
    else:
        data = bytes(note)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note is not valid UTF-8") from None
    if _NOTE_CONTROL.search(data):
        raise NoteError("note contains a control character")
    if not data.endswith(b"\n"):
        raise NoteError("note does not end with a newline")
    split = data.rfind(b"\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text = data[: split + 1]
    block = data[split + 2 :]
    lines = block.split(b"\n")
    if lines[-1] != b"" or len(lines) < 2:
        raise NoteError("note has no signature lines")
    lines = lines[:-1]
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise NoteError(f"note has more than {MAX_NOTE_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        if not line.startswith("— ".encode()):
            raise NoteError("signature line does not start with an em dash and a space")
        rest = line[len("— ".encode()) :].decode("utf-8")
        name, sep, b64 = rest.partition(" ")
        if not sep or not _valid_key_name(name):
            raise NoteError("signature line has a malformed key name")
        raw = b64decode_strict(b64)
        if raw is None or len(raw) < 5:
            raise NoteError("signature is not valid base64 of a key ID and a signature")
        sigs.append((name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, sigs


def verify_note(note: str | bytes, keys: Iterable[VerifierKey]) -> tuple[bytes, list[VerifierKey]]:
    """Verify a signed note; return (text, the known keys whose signatures verified).

    Signatures by unknown keys are ignored; a known key's failing signature rejects the note,
    and so does a note with no verified signature at all.
    """
    text, sigs = parse_note(note)
    known = {(k.name, k.key_id): k for k in keys}
    verified: list[VerifierKey] = []
    for name, kid, sig in sigs:
        k = known.get((name, kid))
        if k is None:
            continue
        try:
            valid = ed25519_verify(k.public_key, text, sig)
        except SignatureLengthError as e:
            raise NoteError(f"malformed signature for key {name}+{kid:08x}: {e}") from None
        if not valid:
            raise NoteError(f"invalid signature for key {name}+{kid:08x}")
        if k not in verified:
            verified.append(k)
    if not verified:
        raise NoteError("note has no signature by a known key")
    return text, verified


class Checkpoint:
    __slots__ = ("extensions", "origin", "root", "size")

    def __init__(self, origin: str, size: int, root: bytes, extensions: list[str]) -> None:
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions


def parse_checkpoint_text(text: str | bytes, *, strict: bool = True) -> Checkpoint:
    """Parse a C2SP tlog-checkpoint body. strict: FORMAT.md 6.1 (no extension lines, and the
    root is 32 bytes); non-strict: any C2SP checkpoint."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("checkpoint is not UTF-8") from None
    if not text.endswith("\n"):
        raise NoteError("checkpoint does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint has fewer than three lines")
    origin, size_s, root_s, *ext = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not re.fullmatch(r"0|[1-9][0-9]*", size_s) or int(size_s) >= 2**64:
        raise NoteError("checkpoint tree size is not a decimal number without leading zeros")
    root = b64decode_strict(root_s)
    if root is None:
        raise NoteError("checkpoint root hash is not valid base64")
    if any(not line for line in ext):
        raise NoteError("checkpoint has an empty extension line")
    if strict:
        if ext:
            raise NoteError("checkpoint has extension lines (FORMAT.md 6.1 allows none)")
        if len(root) != 32:
            raise NoteError("checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size_s), root, ext)


def verify_checkpoint(note: str | bytes, operator: VerifierKey) -> Checkpoint:
    """Verify the operator's signature on a checkpoint note and parse its text."""
    text, _ = verify_note(note, [operator])
    return parse_checkpoint_text(text)


# ---------------------------------------------------------------------------------------
# Statements (FORMAT.md section 3) and the step permission table (3.6)
# ---------------------------------------------------------------------------------------

ROLES = frozenset(
    ("farm", "processor", "packer", "carrier", "warehouse", "lab", "retailer", "regulator", "brand")
)
RECALL_ROLES = frozenset(("regulator", "brand"))

BIZSTEP_ROLES: dict[str, frozenset[str]] = {}
for _steps, _roles in (
    (("commissioning",), ("farm", "processor", "packer")),
    (("tl:sowing", "tl:fertilising", "tl:spraying", "tl:irrigating"), ("farm",)),
    (("transforming",), ("farm", "processor")),
    (("packing", "unpacking"), ("processor", "packer")),
    (("inspecting", "sampling"), ("lab",)),
    (("storing",), ("farm", "processor", "packer", "warehouse", "retailer")),
    (("shipping",), ("farm", "processor", "packer", "warehouse")),
    (("loading", "transporting", "unloading"), ("carrier",)),
    (("receiving",), ("processor", "packer", "warehouse", "retailer")),
    (("sensor_reporting",), ("farm", "processor", "packer", "carrier", "warehouse", "retailer")),
    (("retail_selling",), ("retailer",)),
):
    for _s in _steps:
        BIZSTEP_ROLES[_s] = frozenset(_roles)
del _steps, _roles, _s

# A rule broken, as (check name, message). The check names are the core's (the error
# codes of docs/EVENTS.md), so every verifier names the same failure alike.
Problem = tuple[str, str]

_ACTOR_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}\Z")
_STATEMENT_KEYS = frozenset(("kind", "payload", "signer", "sig"))
_ENTRY_KEYS = frozenset(("index", "prev", "statement", "time", "v"))
_PAYLOAD_KEYS = {
    "genesis": ("origin", "operator_key", "created"),
    "actor": ("actor", "name", "roles", "region", "gln"),
    "key": ("actor", "public_key"),
    "revoke": ("actor", "key_id", "effective", "reason"),
    "recall": ("recall", "status", "level", "reason", "action", "objects"),
    "correction": ("entry", "reason", "explanation"),
    "complaint": ("commitment", "actor", "object", "category", "outcome", "reply"),
}
_OPTIONAL_PAYLOAD_KEYS = {
    "actor": ("name_en",),
    "recall": ("products", "note"),
    "correction": ("corrective_event_ids",),
    "complaint": ("recall",),
}


def gs1_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 check digit (GTIN, GLN, SSCC): weights 3,1,3,... from the right."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


_CONTROL_CHAR = re.compile("[\x00-\x1f\x7f-\x9f]")


def _text_ok(v: Any, lo: int, hi: int) -> bool:
    return type(v) is str and lo <= len(v) <= hi and _CONTROL_CHAR.search(v) is None


def _members_problem(obj: dict[str, Any], expected: frozenset[str], what: str) -> str | None:
    keys = obj.keys()
    if keys == expected:
        return None
    missing = sorted(expected - keys)
    extra = sorted(keys - expected)
    bits = []
    if missing:
        bits.append("missing " + ", ".join(missing))
    if extra:
        bits.append("unexpected " + ", ".join(extra))
    return f"{what} has {'; '.join(bits)}"


def _payload_members(p: dict[str, Any], kind: str) -> list[Problem]:
    """Missing members first, then unexpected ones, each in name order (as the core)."""
    expected = _PAYLOAD_KEYS[kind]
    missing = sorted(set(expected) - p.keys())
    extra = sorted(p.keys() - set(expected) - set(_OPTIONAL_PAYLOAD_KEYS.get(kind, ())))
    out = [("missing_field", f"a {kind} statement needs {n!r}") for n in missing]
    return out + [("unknown_field", f"{n!r} is not allowed in a {kind} statement") for n in extra]


def _key_problem(p: dict[str, Any], name: str) -> list[Problem]:
    v = p.get(name)
    if name not in p:
        return []
    if type(v) is not str:
        return [("wrong_type", f"{name} must be base64 text")]
    raw = b64decode_strict(v)
    if raw is None:
        return [("bad_base64", f"{name} is not canonical base64")]
    if len(raw) != ED25519_KEY_BYTES:
        return [("bad_length", f"{name} must decode to 32 bytes, not {len(raw)}")]
    return []


def _text_problem(p: dict[str, Any], name: str, hi: int) -> list[Problem]:
    if name in p and not _text_ok(p[name], 1, hi):
        return [
            (
                "bad_value",
                f"{name} must be text of 1 to {hi} characters, without control characters",
            )
        ]
    return []


def _time_problem(p: dict[str, Any], name: str) -> list[Problem]:
    if name in p and ledger_time_ns(p[name]) is None:
        return [("bad_time", f"{name} must be a UTC time like 2026-09-20T08:00:00.000Z")]
    return []


def _actor_id_problem(p: dict[str, Any]) -> list[Problem]:
    a = p.get("actor")
    if "actor" in p and not (type(a) is str and _ACTOR_ID.match(a)):
        return [("bad_value", "actor must be 2 to 63 lowercase letters, digits or '-'")]
    return []


def check_payload_genesis(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.1, in the core's order of checks."""
    origin = _text_problem(p, "origin", 200)
    out = _payload_members(p, "genesis") + origin
    o = p.get("origin")
    if not origin and type(o) is str and not _valid_key_name(o):
        out.append(("bad_value", "the origin has no spaces and no '+'"))
    return out + _key_problem(p, "operator_key") + _time_problem(p, "created")


def check_payload_actor(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.2 (the registry's own rules are Registry.actor_rules)."""
    out = _payload_members(p, "actor") + _actor_id_problem(p)
    out += _text_problem(p, "name", 200) + _text_problem(p, "name_en", 200)
    out += _text_problem(p, "region", 200)
    r = p.get("roles")
    if "roles" in p and (
        type(r) is not list
        or not r
        or any(type(x) is not str or x not in ROLES for x in r)
        or len(set(r)) != len(r)
    ):
        roles = ", ".join(sorted(ROLES))
        out.append(
            ("bad_value", f"roles must be a non-empty list without repeats, each one of {roles}")
        )
    g = p.get("gln")
    if "gln" not in p:
        return out
    if type(g) is not str:
        out.append(("wrong_type", "gln must be a 13-digit text"))
    elif not (len(g) == 13 and g.isascii() and g.isdigit()):
        out.append(("bad_identifier", f"the GLN {g!r} must be 13 digits"))
    elif not gs1_check_digit_ok(g):
        out.append(("bad_check_digit", f"the GLN {g} has a wrong check digit"))
    return out


def check_payload_key(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.3 (the registry's own rules are Registry.key_rules)."""
    return _payload_members(p, "key") + _actor_id_problem(p) + _key_problem(p, "public_key")


def check_payload_revoke(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.4 (the registry's own rules are Registry.revoke_rules)."""
    out = _payload_members(p, "revoke") + _actor_id_problem(p)
    k = p.get("key_id")
    if "key_id" in p and not (type(k) is str and _HEX32.match(k)):
        out.append(("bad_value", "key_id must be 32 lowercase hex digits"))
    return out + _time_problem(p, "effective") + _text_problem(p, "reason", 500)


# The head of the core's event reader (ledger/core/event_parser.py, docs/EVENTS.md): the
# event types, the members each allows, and the type and action each step is posted as.
EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent")
_EVENT_COMMON = frozenset(
    ("type", "eventID", "eventTime", "eventTimeZoneOffset", "bizStep", "disposition",
     "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
     "sensorElementList", "certificationInfo",
     "tl:allowedRange", "tl:farmInput", "tl:inspection", "tl:carrier")
)  # fmt: skip
_EVENT_TYPE_MEMBERS = {
    "ObjectEvent": frozenset(("action", "epcList", "quantityList", "ilmd")),
    "AggregationEvent": frozenset(("action", "parentID", "childEPCs", "childQuantityList")),
    "TransformationEvent": frozenset(
        ("transformationID", "inputEPCList", "inputQuantityList", "outputEPCList",
         "outputQuantityList", "ilmd")
    ),
}  # fmt: skip
_EVENT_MEMBERS = _EVENT_COMMON.union(*_EVENT_TYPE_MEMBERS.values())
_STEP_SHAPE: dict[str, tuple[str, str | None]] = dict.fromkeys(
    BIZSTEP_ROLES, ("ObjectEvent", "OBSERVE")
)
_STEP_SHAPE.update(
    commissioning=("ObjectEvent", "ADD"),
    transforming=("TransformationEvent", None),
    packing=("AggregationEvent", "ADD"),
    unpacking=("AggregationEvent", "DELETE"),
)
_EVENT_ID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_OFFSET = re.compile(r"[+-][0-9]{2}:[0-9]{2}\Z")
_BAD_TEXT_CHAR = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _event_text(
    p: dict[str, Any], name: str, hi: int, options: Iterable[str] = ()
) -> Problem | None:
    """A member read as the core reads text (non-empty, at most ``hi`` characters, no
    control characters, trimmed) and, given ``options``, one of them."""
    v = p[name]
    if type(v) is not str:
        return ("wrong_type", f"{name} must be a text string")
    if not v:
        return ("empty", f"{name} is empty")
    if len(v) > hi:
        return ("too_long", f"{name} is {len(v)} characters long; at most {hi}")
    if _BAD_TEXT_CHAR.search(v):
        return ("control_character", f"{name} contains an invisible control character")
    if v != v.strip():
        return ("bad_value", f"{name} starts or ends with spaces")
    if options and v not in options:
        return ("bad_value", f"{name} {v!r} is not one of the values this ledger knows")
    return None


def check_payload_event(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.5, the log check: the core's event reader up to the step's shape (the
    type, the members it allows, eventID, eventTime, eventTimeZoneOffset, a known bizStep,
    the type and action the step is posted as), in its order. The rest of docs/EVENTS.md
    (identifiers, quantities, places, ...) is checked by the ledger, not here."""
    if "type" not in p:
        return [("missing_field", "the event has no type (ObjectEvent, ...)")]
    problem = _event_text(p, "type", 100, EVENT_TYPES)
    if problem:
        return [problem]
    event_type = p["type"]
    allowed = _EVENT_COMMON | _EVENT_TYPE_MEMBERS[event_type]
    for name in p:
        if name in allowed:
            continue
        if name in _EVENT_MEMBERS:
            return [("unexpected_field", f"{name} belongs to another event type")]
        return [("unknown_field", f"the event has an unknown member {name!r}")]
    for name in ("eventID", "eventTime", "eventTimeZoneOffset", "bizStep"):
        if name not in p:
            return [("missing_field", f"the event has no {name}")]
    problem = _event_text(p, "eventID", 45)
    if problem is None and not _EVENT_ID.match(p["eventID"]):
        problem = ("bad_value", "eventID must be urn:uuid: followed by a lowercase UUID")
    if problem:
        return [problem]
    if type(p["eventTime"]) is not str:
        return [("wrong_type", "eventTime must be a date-time text")]
    if event_time_ns(p["eventTime"]) is None:
        return [("bad_time", "eventTime is not an RFC 3339 date-time with an offset or Z")]
    offset = p["eventTimeZoneOffset"]
    if not (type(offset) is str and _OFFSET.match(offset)) or (
        int(offset[4:6]) > 59 or int(offset[1:3]) * 60 + int(offset[4:6]) > 14 * 60
    ):
        return [("bad_time", "eventTimeZoneOffset must be an offset like +08:00")]
    problem = _event_text(p, "bizStep", 100, BIZSTEP_ROLES)
    if problem:
        return [problem]
    want_type, want_action = _STEP_SHAPE[p["bizStep"]]
    if event_type != want_type:
        return [("step_mismatch", f"the step {p['bizStep']} is posted as a {want_type}")]
    if want_action is None:
        return []
    if "action" not in p:
        return [("missing_field", f"the event has no action ({want_action})")]
    problem = _event_text(p, "action", 100, ("ADD", "OBSERVE", "DELETE"))
    if problem is None and p["action"] != want_action:
        problem = ("step_mismatch", f"the step {p['bizStep']} needs action {want_action}")
    return [problem] if problem else []


_RECALL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_VALUE = "[A-Za-z0-9!\"$%&'()*+,.:;<=>@_-]{1,80}"
_RECALL_OBJECT = re.compile(
    rf"https://id\.gs1\.org/(?:01/([0-9]{{14}})/(?:10|21)/{_VALUE}|00/([0-9]{{18}})"
    rf"|414/([0-9]{{13}})/254/{_VALUE})\Z"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _bad(name: str, why: str) -> list[Problem]:
    return [("bad_value", f"{name} {why}")]


def _recall_words(p: dict[str, Any], name: str) -> list[Problem]:
    v = p[name]
    if type(v) is not dict or not v or not set(v) <= {"zh", "en"}:
        return _bad(name, "must give the text in Chinese, English or both")
    for lang in ("zh", "en"):
        if lang in v and not _text_ok(v[lang], 1, 1000):
            return _bad(f"{name}.{lang}", "must be text of 1 to 1000 characters")
    return []


def _calendar_day(v: Any) -> str | None:
    if type(v) is not str or not _DATE.match(v):
        return None
    try:
        return _dt.date.fromisoformat(v).isoformat()
    except ValueError:
        return None


def _recall_products(v: Any) -> list[Problem]:
    if type(v) is not list or len(v) > 100:
        return _bad("products", "must be a list of at most 100 product ranges")
    seen = set()
    for n, item in enumerate(v):
        where = f"products[{n}]"
        if type(item) is not dict or item.keys() != {"gtin", "from", "to"}:
            return _bad(where, "must have exactly the members gtin, from and to")
        g = item["gtin"]
        if not (type(g) is str and len(g) == 14 and g.isascii() and g.isdigit()):
            return _bad(f"{where}.gtin", "must be a GTIN of 14 digits")
        if not gs1_check_digit_ok(g):
            return _bad(f"{where}.gtin", "has a wrong check digit")
        first, last = _calendar_day(item["from"]), _calendar_day(item["to"])
        if first is None:
            return _bad(f"{where}.from", "must be a date written YYYY-MM-DD")
        if last is None:
            return _bad(f"{where}.to", "must be a date written YYYY-MM-DD")
        if last < first:
            return _bad(f"{where}.to", "is before its from date")
        seen.add((g, first, last))
    if len(seen) != len(v):
        return _bad("products", "names a product range twice")
    return []


def check_payload_recall(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.7, the payload's rules in their order (the first broken is reported)."""
    members = _payload_members(p, "recall")
    if members:
        return members
    if not (type(p["recall"]) is str and _RECALL_ID.match(p["recall"])):
        return _bad("recall", "must be 1 to 64 letters, digits, '.', '_' or '-'")
    if p["status"] not in ("open", "update", "closed") or type(p["status"]) is not str:
        return _bad("status", "must be open, update or closed")
    if type(p["level"]) is not int or p["level"] not in (1, 2, 3):
        return _bad("level", "must be 1, 2 or 3")
    problems = _recall_words(p, "reason") or _recall_words(p, "action")
    if problems:
        return problems
    objects = p["objects"]
    if type(objects) is not list or len(objects) > 1000:
        return _bad("objects", "must be a list of at most 1000 identifiers")
    for n, o in enumerate(objects):
        m = _RECALL_OBJECT.match(o) if type(o) is str else None
        if m is None:
            return _bad(f"objects[{n}]", "must be a lot, unit, case or plot Digital Link")
        if not gs1_check_digit_ok(next(g for g in m.groups() if g is not None)):
            return _bad(f"objects[{n}]", "has a wrong check digit")
    if len(set(objects)) != len(objects):
        return _bad("objects", "names an identifier twice")
    if "products" in p:
        problems = _recall_products(p["products"])
        if problems:
            return problems
    if "note" in p and not _text_ok(p["note"], 1, 1000):
        return _bad("note", "must be text of 1 to 1000 characters")
    if not objects and not p.get("products"):
        return _bad("objects", "is empty and no products are named")
    return []


def check_payload_correction(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.8, the payload's rules in their order."""
    members = _payload_members(p, "correction")
    if members:
        return members
    if type(p["entry"]) is not int or p["entry"] < 1:
        return _bad("entry", "must be the index of the erroneous event's entry")
    if type(p["reason"]) is not str or p["reason"] not in ("did_not_occur", "incorrect_data"):
        return _bad("reason", "must be did_not_occur or incorrect_data")
    if not _text_ok(p["explanation"], 1, 1000):
        return _bad("explanation", "must be text of 1 to 1000 characters")
    if "corrective_event_ids" in p:
        ids = p["corrective_event_ids"]
        if not (
            type(ids) is list
            and 1 <= len(ids) <= 20
            and all(type(e) is str and _EVENT_ID.match(e) for e in ids)
            and len(set(ids)) == len(ids)
        ):
            return _bad("corrective_event_ids", "must list 1 to 20 different event IDs")
    return []


COMPLAINT_CATEGORIES = ("quality", "foreign_matter", "spoiled", "label", "weight", "other")
COMPLAINT_OUTCOMES = ("answered", "refunded", "escalated")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


def check_payload_complaint(p: dict[str, Any]) -> list[Problem]:
    """FORMAT.md 3.9, the payload's rules in their order."""
    members = _payload_members(p, "complaint")
    if members:
        return members
    if not (type(p["commitment"]) is str and _HEX64.match(p["commitment"])):
        return _bad("commitment", "must be 64 lowercase hex digits")
    if not (type(p["actor"]) is str and _ACTOR_ID.match(p["actor"])):
        return _bad("actor", "must be an actor ID")
    o = p["object"]
    m = _RECALL_OBJECT.match(o) if type(o) is str else None
    if m is None:
        return _bad("object", "must be a lot, unit, case or plot Digital Link")
    if not gs1_check_digit_ok(next(g for g in m.groups() if g is not None)):
        return _bad("object", "has a wrong check digit")
    if type(p["category"]) is not str or p["category"] not in COMPLAINT_CATEGORIES:
        return _bad("category", "must be one of " + ", ".join(COMPLAINT_CATEGORIES))
    if type(p["outcome"]) is not str or p["outcome"] not in COMPLAINT_OUTCOMES:
        return _bad("outcome", "must be one of " + ", ".join(COMPLAINT_OUTCOMES))
    if not _text_ok(p["reply"], 1, 1000):
        return _bad("reply", "must be text of 1 to 1000 characters")
    if "recall" in p:
        if not (type(p["recall"]) is str and _RECALL_ID.match(p["recall"])):
            return _bad("recall", "must be 1 to 64 letters, digits, '.', '_' or '-'")
        if p["outcome"] != "escalated":
            return _bad("recall", "is named only when the outcome is escalated")
    return []


PAYLOAD_CHECKS: dict[str, Callable[[dict[str, Any]], list[Problem]]] = {
    "genesis": check_payload_genesis,
    "actor": check_payload_actor,
    "key": check_payload_key,
    "revoke": check_payload_revoke,
    "event": check_payload_event,
    "recall": check_payload_recall,
    "correction": check_payload_correction,
    "complaint": check_payload_complaint,
}


def check_statement(st: Any) -> tuple[list[str], bytes | None]:
    """The statement's own shape (FORMAT.md 3; the core's entry_shape): returns (problems,
    the signature bytes if well-formed). Payload rules are PAYLOAD_CHECKS'."""
    if type(st) is not dict:
        return ["statement is not a JSON object"], None
    out = []
    prob = _members_problem(st, _STATEMENT_KEYS, "statement")
    if prob:
        out.append(prob)
    kind = st.get("kind")
    if type(kind) is not str or kind not in PAYLOAD_CHECKS:
        out.append(f"statement kind {kind!r} is not one of " + ", ".join(STATEMENT_KINDS))
    signer = st.get("signer")
    if not (type(signer) is str and _HEX32.match(signer)):
        out.append("statement signer is not a key ID of 32 lowercase hex digits")
    sig = b64decode_strict(st.get("sig"), ED25519_SIGNATURE_BYTES)
    if sig is None:
        out.append("statement sig is not base64 of a 64-byte signature")
    if type(st.get("payload")) is not dict:
        out.append("statement payload is not a JSON object")
    return out, sig


# ---------------------------------------------------------------------------------------
# The key registry (FORMAT.md 3.2-3.4, 3.6): one model for exports and bundles
# ---------------------------------------------------------------------------------------


class ActorRec:
    """A registered actor."""

    __slots__ = ("actor", "gln", "index", "name", "region", "roles")

    def __init__(self, p: dict[str, Any], index: int) -> None:
        roles = p.get("roles")
        self.actor: str = p["actor"]
        self.name = p.get("name")
        self.region = p.get("region")
        self.gln = p.get("gln")
        self.roles = (
            frozenset(x for x in roles if type(x) is str) if type(roles) is list else frozenset()
        )
        self.index = index


class KeyRec:
    """A key added for an actor, and its revocation if any (``revoked_ns``: the instant)."""

    __slots__ = ("actor", "index", "public_key", "revoked_ns")

    def __init__(self, actor: str, public_key: bytes, index: int) -> None:
        self.actor = actor
        self.public_key = public_key
        self.index = index
        self.revoked_ns: int | None = None


class Registry:
    """Actors, keys and revocations as entries register them, starting from the operator
    key trusted out of band, and the rules of FORMAT.md 3.2-3.6 that read them.

    The ``*_rules`` methods return every rule broken, in the core's order of checks (the
    bundle verifier reports the first one); ``apply`` records what an entry registers.
    """

    def __init__(self, operator_public_key: bytes) -> None:
        self.operator_public_key = operator_public_key
        self.operator_key_id = key_id(operator_public_key)
        self.actors: dict[str, ActorRec] = {}
        self.glns: set[str] = set()
        self.keys: dict[str, KeyRec] = {}
        # recall ID -> [the actor that opened it, closed?]
        self.recalls: dict[str, tuple[str, bool]] = {}
        self.event_actors: dict[int, str] = {}  # entry index of an event -> its actor
        self.corrections: dict[int, int] = {}  # corrected entry -> the correction's entry
        self.complaints: dict[str, int] = {}  # commitment -> the outcome's entry

    # -- rules ---------------------------------------------------------------------------

    def rules(self, kind: str, p: dict[str, Any]) -> list[Problem]:
        """The registry's rules for a well-formed actor, key or revoke payload."""
        if kind == "actor":
            return self.actor_rules(p)
        if kind == "key":
            pk = b64decode_strict(p.get("public_key"), ED25519_KEY_BYTES)
            return self.key_rules(p["actor"], pk) if pk is not None else []
        return self.revoke_rules(p)

    def actor_rules(self, p: dict[str, Any]) -> list[Problem]:
        a, g = p.get("actor"), p.get("gln")
        out: list[Problem] = []
        if type(a) is str and a in self.actors:
            out.append(
                (
                    "actor_exists",
                    f"actor {a!r} is already registered (entry {self.actors[a].index})",
                )
            )
        if type(g) is str and g in self.glns:
            out.append(("gln_taken", f"GLN {g} already belongs to another actor"))
        return out

    def key_rules(self, actor: str, pk: bytes) -> list[Problem]:
        out: list[Problem] = []
        if actor not in self.actors:
            out.append(("unknown_actor", f"no actor {actor!r} is registered"))
        if key_id(pk) in self.keys or pk == self.operator_public_key:
            out.append(("key_exists", "this public key is already in the log"))
        return out

    def revoke_rules(self, p: dict[str, Any]) -> list[Problem]:
        a, kid = p.get("actor"), p.get("key_id")
        rec = self.keys.get(kid) if type(kid) is str else None
        if rec is None or rec.actor != a:
            return [("unknown_key", f"actor {a!r} has no key {kid}")]
        if rec.revoked_ns is not None:
            return [("key_already_revoked", f"key {kid} is already revoked")]
        return []

    def event_rules(
        self, signer: str, p: dict[str, Any], entry_ns: int | None, entry_time: str | None
    ) -> tuple[list[Problem], KeyRec | None]:
        """FORMAT.md 3.6 rules 1-4 for an event at an entry of that time; and the key."""
        out: list[Problem] = []
        rec = self.keys.get(signer)
        if rec is None:
            out.append(
                ("unknown_key", "events must be signed by an actor's key, not the operator key")
                if signer == self.operator_key_id
                else ("unknown_key", f"signer {signer} is not a key added by an earlier key entry")
            )
        else:
            if entry_ns is not None and rec.revoked_ns is not None and rec.revoked_ns <= entry_ns:
                out.append(
                    (
                        "key_revoked",
                        f"key {signer} of actor {rec.actor} was revoked with effect "
                        f"at or before this entry's time {entry_time}",
                    )
                )
            actor = self.actors.get(rec.actor)
            if actor is None:
                out.append(("unknown_actor", f"the actor of key {signer} is not registered"))
            step = p.get("bizStep")
            if type(step) is str:
                out.extend(_step_problem(rec.actor, actor.roles if actor else frozenset(), step))
        ev_ns = event_time_ns(p.get("eventTime"))
        if ev_ns is not None and entry_ns is not None and event_in_future(ev_ns, entry_ns):
            out.append(
                (
                    "event_in_future",
                    f"eventTime {p.get('eventTime')} is more than 10 minutes "
                    f"after the entry's time {entry_time}",
                )
            )
        return out, rec

    def signing_key_rules(
        self, signer: str, entry_ns: int, entry_time: str
    ) -> tuple[list[Problem], ActorRec | None]:
        """FORMAT.md 3.6 rules 1-2 for a recall or correction: the key and its actor."""
        rec = self.keys.get(signer)
        if rec is None:
            return [("unknown_key", f"signer {signer} is no key an earlier entry added")], None
        if rec.revoked_ns is not None and rec.revoked_ns <= entry_ns:
            return [("key_revoked", f"key {signer} was revoked before {entry_time}")], None
        actor = self.actors.get(rec.actor)
        if actor is None:
            return [("unknown_actor", f"the actor of key {signer} is not registered")], None
        return [], actor

    def recall_rules(
        self, signer: str, p: dict[str, Any], entry_ns: int, entry_time: str
    ) -> list[Problem]:
        """FORMAT.md 3.7 rules 1-3."""
        problems, actor = self.signing_key_rules(signer, entry_ns, entry_time)
        if actor is None:
            return problems
        if not actor.roles & RECALL_ROLES:
            return [("role_not_permitted", f"actor {actor.actor} may not sign a recall")]
        state = self.recalls.get(p["recall"])
        if p["status"] == "open":
            if state is not None:
                return [("recall_exists", f"recall {p['recall']} was already opened")]
        elif state is None:
            return [("unknown_recall", f"no recall {p['recall']} was opened")]
        elif state[1]:
            return [("recall_closed", f"recall {p['recall']} is closed")]
        elif state[0] != actor.actor and "regulator" not in actor.roles:
            return [("not_recall_owner", f"recall {p['recall']} was opened by {state[0]}")]
        return []

    def correction_rules(
        self, signer: str, p: dict[str, Any], index: int, entry_ns: int, entry_time: str
    ) -> list[Problem]:
        """FORMAT.md 3.8 rules 1-4."""
        by = None
        if signer != self.operator_key_id:
            problems, actor = self.signing_key_rules(signer, entry_ns, entry_time)
            if actor is None:
                return problems
            by = actor.actor
        target = p["entry"]
        owner = self.event_actors.get(target) if target < index else None
        if owner is None:
            return [("unknown_event", f"entry {target} is not an earlier event")]
        if by is not None and owner != by:
            return [("not_event_owner", f"entry {target} was posted by {owner}, not {by}")]
        if target in self.corrections:
            return [("already_corrected", f"entry {target} was already corrected")]
        return []

    def complaint_rules(
        self, signer: str, p: dict[str, Any], entry_ns: int, entry_time: str
    ) -> list[Problem]:
        """FORMAT.md 3.9 rules 1-5."""
        by = None
        if signer != self.operator_key_id:
            problems, actor = self.signing_key_rules(signer, entry_ns, entry_time)
            if actor is None:
                return problems
            by = actor.actor
        if p["actor"] not in self.actors:
            return [("unknown_actor", f"no actor {p['actor']!r} is registered")]
        if by is not None and by != p["actor"]:
            return [
                ("not_complaint_party", f"the complaint is addressed to {p['actor']}, not {by}")
            ]
        if "recall" in p and p["recall"] not in self.recalls:
            return [("unknown_recall", f"no recall {p['recall']} was opened")]
        if p["commitment"] in self.complaints:
            return [("complaint_answered", "this complaint already has its outcome")]
        return []

    # -- effects -------------------------------------------------------------------------

    def apply(self, kind: str, p: dict[str, Any], index: int, signer: str = "") -> None:
        """Record what an admitted statement registers (an admitted genesis names the
        operator key of the statements after it, as in the core)."""
        if kind == "genesis":
            pk = b64decode_strict(p["operator_key"], ED25519_KEY_BYTES)
            assert pk is not None  # only admitted payloads are applied
            self.operator_public_key, self.operator_key_id = pk, key_id(pk)
        elif kind == "actor":
            if type(p.get("gln")) is str:
                self.glns.add(p["gln"])
            self.actors[p["actor"]] = ActorRec(p, index)
        elif kind == "key":
            pk = b64decode_strict(p["public_key"], ED25519_KEY_BYTES)
            assert pk is not None  # only admitted payloads are applied
            self.keys[key_id(pk)] = KeyRec(p["actor"], pk, index)
        elif kind == "revoke":
            self.keys[p["key_id"]].revoked_ns = ledger_time_ns(p["effective"])
        elif kind == "event":
            self.event_actors[index] = self.keys[signer].actor
        elif kind == "recall":
            opener = self.recalls.get(p["recall"], (self.keys[signer].actor, False))[0]
            self.recalls[p["recall"]] = (opener, p["status"] == "closed")
        elif kind == "correction":
            self.corrections[p["entry"]] = index
        elif kind == "complaint":
            self.complaints[p["commitment"]] = index


def _step_problem(actor: str, roles: frozenset[str], step: str) -> list[Problem]:
    """FORMAT.md 3.6 rule 3: a role of the actor permits the step (unknown steps: none)."""
    allowed = BIZSTEP_ROLES.get(step)
    if allowed is None:
        return [("role_not_permitted", f"bizStep {step!r} is not a step that any role may post")]
    if roles & allowed:
        return []
    held = ", ".join(sorted(roles)) or "none"
    return [
        (
            "role_not_permitted",
            f"actor {actor} (roles: {held}) may not post bizStep {step!r} "
            f"(allowed: {', '.join(sorted(allowed))})",
        )
    ]


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------


class Failure:
    """One thing that does not hold, for exports and bundles alike: where (entry index, or
    None), which check (a name of CHECKS or a core error code), why, and where else (line,
    checkpoint) as ``extra``."""

    __slots__ = ("check", "extra", "index", "message")

    def __init__(
        self, index: int | None, check: str, message: str, extra: dict[str, Any] | None = None
    ):
        self.index = index
        self.check = check
        self.message = message
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"index": self.index, "check": self.check, "message": self.message}
        d.update(self.extra)
        return d

    def as_problem(self) -> dict[str, str]:
        """The check and message alone (the bundle report's failures)."""
        return {"check": self.check, "message": self.message}

    def as_line(self) -> str:
        if "checkpoint" in self.extra:
            where = f"checkpoint {self.extra['checkpoint']}"
            bits = []
            if self.extra.get("tree_size") is not None:
                bits.append(f"tree size {self.extra['tree_size']}")
            if self.index is not None:
                bits.append(f"after entry {self.index}")
            if bits:
                where += f" ({', '.join(bits)})"
        elif self.index is not None:
            where = f"entry {self.index}"
        elif "line" in self.extra:
            where = f"line {self.extra['line']}"
        else:
            where = "export"
        return f"FAIL {where} [{self.check}]: {self.message}"

    def __repr__(self) -> str:
        return f"Failure({self.index!r}, {self.check!r}, {self.message!r})"


class Report:
    """Collects failures. Keeps the first `keep` in memory (for callers and tests), streams
    text lines to `out` if given, and spills the rest to a temporary file so that memory
    stays flat however many failures there are."""

    def __init__(self, out: IO[str] | None = None, keep: int = 10000) -> None:
        self.out = out
        self.keep = keep
        self.failures: list[Failure] = []
        self.count = 0
        self._spill: IO[str] | None = None
        self.entries = 0
        self.checkpoints = 0
        self.notes: list[str] = []

    def add(self, f: Failure) -> None:
        self.count += 1
        if self.out is not None:
            try:
                self.out.write(f.as_line() + "\n")
            except BrokenPipeError:  # e.g. piped into head: stop printing, keep verifying
                self.out = None
        if len(self.failures) < self.keep:
            self.failures.append(f)
        else:
            if self._spill is None:
                # closed by close(), when the report has been written
                self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            self._spill.write(json.dumps(f.as_dict(), ensure_ascii=False) + "\n")

    @property
    def ok(self) -> bool:
        return self.count == 0

    def iter_dicts(self) -> Iterator[dict[str, Any]]:
        for f in self.failures:
            yield f.as_dict()
        if self._spill is not None:
            self._spill.seek(0)
            for line in self._spill:
                yield json.loads(line)

    def write_json(self, out: IO[str]) -> None:
        out.write(
            f'{{"ok": {"true" if self.ok else "false"}, "entries": {self.entries}, '
            f'"checkpoints": {self.checkpoints}, "failures": ['
        )
        first = True
        for d in self.iter_dicts():
            out.write(("\n  " if first else ",\n  ") + json.dumps(d, ensure_ascii=False))
            first = False
        out.write("\n]}\n" if not first else "]}\n")

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None


# ---------------------------------------------------------------------------------------
# Duplicate statement IDs: a fixed-size Bloom filter, confirmed exactly by a second pass
# ---------------------------------------------------------------------------------------


class BloomFilter:
    """A Bloom filter over SHA-256 outputs (already uniform): four 32-bit slices of the
    digest pick the bits. About 12 bits per expected entry: under 1% false positives."""

    def __init__(self, expected: int, bits_per_entry: int = 12) -> None:
        m = max(1 << 16, expected * bits_per_entry)
        m = min(m, 1 << 28)  # 32 MiB at most: beyond ~20 million entries, more false positives
        self.bits = 1 << (m - 1).bit_length()
        self.mask = self.bits - 1
        self.array = bytearray(self.bits >> 3)

    def contains(self, h: bytes) -> bool:
        arr, mask = self.array, self.mask
        for i in (0, 4, 8, 12):
            p = int.from_bytes(h[i : i + 4], "big") & mask
            if not arr[p >> 3] & (1 << (p & 7)):
                return False
        return True

    def add_check(self, h: bytes) -> bool:
        """Add h; return True if it was possibly present before."""
        arr, mask = self.array, self.mask
        present = True
        for p in (
            int.from_bytes(h[0:4], "big") & mask,
            int.from_bytes(h[4:8], "big") & mask,
            int.from_bytes(h[8:12], "big") & mask,
            int.from_bytes(h[12:16], "big") & mask,
        ):
            byte, bit = p >> 3, 1 << (p & 7)
            if not arr[byte] & bit:
                present = False
                arr[byte] |= bit
        return present


class GrowingBloomFilter:
    """Bloom filters sized for `expected` entries; if more arrive, a new filter twice as
    large takes the next ones (a "scalable Bloom filter"), so a header that understates the
    log's size cannot saturate it. Lookups consult every filter."""

    def __init__(self, expected: int) -> None:
        self.capacity = max(expected, 1024)
        self.filters = [BloomFilter(self.capacity)]
        self.count = 0

    def add_check(self, h: bytes) -> bool:
        if self.count >= self.capacity:
            self.capacity *= 2
            self.filters.append(BloomFilter(self.capacity))
            self.count = 0
        self.count += 1
        filters = self.filters
        if len(filters) == 1:
            return filters[0].add_check(h)
        seen = any(f.contains(h) for f in filters[:-1])
        return filters[-1].add_check(h) or seen


# ---------------------------------------------------------------------------------------
# One entry: its bytes read (FORMAT.md 4) and its statement admitted (3.1-3.6), in the
# core's order of checks; exports and bundles alike
# ---------------------------------------------------------------------------------------


class RuleBroken(Exception):
    """A rule broken: the raising form of a Problem, caught where it is reported."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.problem: Problem = (check, message)


def read_entry(leaf: bytes) -> dict[str, Any]:
    """FORMAT.md 4: the entry's JSON, members, canonical bytes, index, version, prev, time
    and statement shape, in the core's order (ledger/core/entries.py); raises RuleBroken
    (``entry_shape``, or ``canonical_bytes``). The entry gains ``_sig``, ``_message`` (what
    was signed) and ``_time_ns``."""
    try:
        # Without the duplicate-name check, for speed: a duplicate member cannot survive the
        # byte comparison with the canonical form, and is named when that fails.
        obj, plain = read_json(leaf, check_names=False)
        if type(obj) is not dict or obj.keys() != _ENTRY_KEYS:
            raise RuleBroken(
                "entry_shape", "an entry has exactly the members " + ", ".join(sorted(_ENTRY_KEYS))
            )
        canonical = jcs(obj, plain=plain)
        if canonical != leaf:
            read_json(leaf)
    except JSONError as e:
        raise RuleBroken("entry_shape", f"the entry is not acceptable JSON: {e}") from None
    if canonical != leaf:
        raise RuleBroken("canonical_bytes", "the entry bytes are not in canonical (RFC 8785) form")
    index, prev, st = obj["index"], obj["prev"], obj["statement"]
    if type(index) is not int or not 0 <= index <= _MAX_SAFE:
        raise RuleBroken("entry_shape", "an entry's index is a non-negative integer")
    if type(obj["v"]) is not int or obj["v"] != 1:
        raise RuleBroken("entry_shape", f"unsupported entry version {obj['v']!r}")
    if type(prev) is not str or not _HEX64.match(prev):
        raise RuleBroken("entry_shape", "an entry's prev is 64 lowercase hex digits")
    time_ns = ledger_time_ns(obj["time"])
    if time_ns is None:
        raise RuleBroken(
            "entry_shape", "an entry's time is not of the form YYYY-MM-DDTHH:MM:SS.sssZ"
        )
    if type(st) is not dict:
        raise RuleBroken("entry_shape", "a statement must be a JSON object")
    if st.keys() != _STATEMENT_KEYS:
        raise RuleBroken("entry_shape", _members_problem(st, _STATEMENT_KEYS, "statement") or "")
    if st["kind"] not in STATEMENT_KINDS:
        raise RuleBroken("entry_shape", "kind must be one of " + ", ".join(STATEMENT_KINDS))
    if type(st["payload"]) is not dict:
        raise RuleBroken("entry_shape", "payload must be a JSON object")
    if not (type(st["signer"]) is str and _HEX32.match(st["signer"])):
        raise RuleBroken("entry_shape", "signer must be a key ID: 32 lowercase hex digits")
    sig = b64decode_strict(st["sig"], ED25519_SIGNATURE_BYTES)
    if sig is None:
        raise RuleBroken("entry_shape", "sig is not canonical base64 of a 64-byte signature")
    # The bytes are canonical and of statement_slices' form: cut the statement out of them
    # rather than serialise it again.
    slices = statement_slices(leaf)
    assert slices is not None  # canonical bytes of the shape checked above
    a, i, j, b = slices
    if b > MAX_STATEMENT_BYTES + a:
        raise RuleBroken("entry_shape", f"the statement is more than {MAX_STATEMENT_BYTES} bytes")
    obj["_sig"] = sig
    obj["_message"] = _DOMAIN[st["kind"]] + leaf[a:i] + leaf[j:b]
    obj["_time_ns"] = time_ns
    return obj


def first_rule(reg: Registry, index: int, entry: dict[str, Any]) -> Problem | None:
    """FORMAT.md 3.1-3.6 for the entry at ``index``, in the core's order of checks
    (ledger/core/registry.py ``admit``): the first rule broken, or None when the statement
    is admitted. The signature is checked last."""
    st = entry["statement"]
    kind, p, signer = st["kind"], st["payload"], st["signer"]
    if index == 0 or kind == "genesis":
        if index != 0 or kind != "genesis":
            return ("misplaced_genesis", "the first entry, and only the first, is the genesis")
        problems = check_payload_genesis(p)
        if problems:
            return problems[0]
        pk = b64decode_strict(p["operator_key"], ED25519_KEY_BYTES)
        assert pk is not None  # checked by check_payload_genesis
        if signer != key_id(pk):
            return ("not_operator", "the genesis must be signed by the operator key it names")
        return _signature_problem(kind, pk, entry)
    if kind in OPERATOR_KINDS:
        if signer != reg.operator_key_id:
            return ("not_operator", f"only the operator may sign {kind} statements")
        problems = PAYLOAD_CHECKS[kind](p) or reg.rules(kind, p)
        return problems[0] if problems else _signature_problem(kind, reg.operator_public_key, entry)
    t, ns = entry["time"], entry["_time_ns"]
    if kind == "recall":
        problems = check_payload_recall(p) or reg.recall_rules(signer, p, ns, t)
    elif kind == "correction":
        problems = check_payload_correction(p) or reg.correction_rules(signer, p, index, ns, t)
        if not problems and signer == reg.operator_key_id:
            return _signature_problem(kind, reg.operator_public_key, entry)
    elif kind == "complaint":
        problems = check_payload_complaint(p) or reg.complaint_rules(signer, p, ns, t)
        if not problems and signer == reg.operator_key_id:
            return _signature_problem(kind, reg.operator_public_key, entry)
    else:
        problems = check_payload_event(p) or reg.event_rules(signer, p, ns, t)[0]
    return problems[0] if problems else _signature_problem(kind, reg.keys[signer].public_key, entry)


def _signature_problem(kind: str, public_key: bytes, entry: dict[str, Any]) -> Problem | None:
    if ed25519_verify(public_key, entry["_message"], entry["_sig"]):
        return None
    return ("signature", f"the {kind} statement's signature does not verify")


# ---------------------------------------------------------------------------------------
# The export verifier
# ---------------------------------------------------------------------------------------


class UsageError(Exception):
    """Bad arguments: exit status 2."""


_STMT_SLICE_FIELDS = (b'"statement":', b',"time":', b',"sig":"', b',"signer":"')


def statement_slices(leaf: bytes) -> tuple[int, int, int, int] | None:
    """Where the statement's parts lie in canonical entry bytes whose members are exactly
    index, prev, statement, time, v (an integer, a hex string, the statement, a time string,
    an integer) and whose statement has exactly the members kind, payload, sig, signer with
    string values kind, sig and signer: (statement start, its `,"sig":` member, its
    `,"signer":` member, statement end).

    In such bytes the statement follows the first `"statement":` (only a number and a hex
    string precede it), ends before the last `,"time":` (only a time string and a number
    follow), and its own sig is its last `,"sig":"` (only the signer's string follows)."""
    a = leaf.find(_STMT_SLICE_FIELDS[0])
    b = leaf.rfind(_STMT_SLICE_FIELDS[1])
    if a < 0 or b < 0:
        return None
    a += len(_STMT_SLICE_FIELDS[0])
    i = leaf.rfind(_STMT_SLICE_FIELDS[2], a, b)
    j = leaf.rfind(_STMT_SLICE_FIELDS[3], a, b)
    if i < 0 or j < i or not leaf.startswith(b'{"kind":"', a):
        return None
    return a, i, j, b


def statement_body_from_canonical_leaf(leaf: bytes) -> bytes | None:
    """JCS(statement without sig), cut out of entry bytes of statement_slices' form."""
    slices = statement_slices(leaf)
    if slices is None:
        return None
    a, i, j, b = slices
    return leaf[a:i] + leaf[j:b]


def statement_id_from_canonical_leaf(leaf: bytes) -> bytes | None:
    """The statement ID of an entry whose leaf bytes are known to be canonical and
    well-shaped, by slicing the bytes (used by the duplicate-confirmation pass)."""
    body = statement_body_from_canonical_leaf(leaf)
    if body is None:
        return None
    kind = body[9 : body.index(b'"', 9)].decode("ascii", "replace")
    prefix = _DOMAIN.get(kind)
    if prefix is None:
        return None
    return hashlib.sha256(prefix + body).digest()


GENESIS_PREV = bytes(32)
_HEADER_KEYS = frozenset(("type", "format", "v", "origin", "verifier_key", "tree_size"))
_ENTRY_LINE_KEYS = frozenset(("type", "index", "leaf"))
_CHECKPOINT_LINE_KEYS = frozenset(("type", "note"))
_ENTRY_LINE_HEAD = b'{"type":"entry","index":'
_ENTRY_LINE_LEAF = b',"leaf":"'


def split_entry_line(raw: bytes) -> tuple[int, str] | None:
    """(index, leaf) of an entry line in the usual writer's exact form
    `{"type":"entry","index":N,"leaf":"..."}`, without a JSON parse; None for any other form
    (which is then parsed in full). The leaf is returned as text; its base64 is checked later,
    strictly, so a quote or backslash in it cannot pass."""
    if not raw.startswith(_ENTRY_LINE_HEAD):
        return None
    end = len(raw) - 1 if raw.endswith(b"\n") else len(raw)
    if raw[end - 2 : end] != b'"}':
        return None
    k = raw.find(_ENTRY_LINE_LEAF, 24)
    if k < 0:
        return None
    digits = raw[24:k]
    if not digits.isdigit() or (len(digits) > 1 and digits[0] == 48):
        return None
    leaf = raw[k + 9 : end - 2]
    if b'"' in leaf or b"\\" in leaf or not leaf.isascii():
        return None
    return int(digits), leaf.decode("ascii")


class ExportVerifier:
    """Verifies one export, read as a stream of lines (FORMAT.md section 8), reporting what
    the core's verifier (ledger/core/export_file.py, ledger/core/verify.py) reports, at the
    same index: section 8 says which index each check is reported at."""

    def __init__(
        self,
        operator: VerifierKey,
        *,
        since: Checkpoint | None = None,
        report: Report | None = None,
        progress: IO[str] | None = None,
        progress_every: int = 100_000,
        exact_duplicates: bool = False,
    ) -> None:
        self.operator = operator
        self.since = since
        self.report = report or Report()
        self.progress = progress
        self.progress_every = progress_every
        self.registry = Registry(operator.public_key)
        self.tree = CompactRange()
        self.prev: bytes | None = GENESIS_PREV  # None: the entry before could not be read
        self.last_ns: int | None = None  # the time of the last entry read
        self.header_size: int | None = None
        self.lines = 0
        self.checkpoints = 0
        # Duplicate statement IDs: exactly, in memory (stdin), or with a Bloom filter whose
        # candidates a second pass confirms (files; memory independent of the log's length).
        self.seen_ids: set[bytes] | None = set() if exact_duplicates else None
        self.bloom: GrowingBloomFilter | None = None
        self.candidates: set[bytes] = set()
        self.read_ok = bytearray()  # one bit per entry: it was read (it has a statement ID)
        self.started = _time.monotonic()

    def _fail(self, index: int | None, check: str, message: str, **extra: Any) -> None:
        self.report.add(Failure(index, check, message, extra))

    # -- lines ---------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes]) -> Report:
        """The first pass: every line, in order (a binary file object will do)."""
        for raw in lines:
            self.lines += 1
            if not raw.endswith(b"\n"):  # only the last line can lack it
                self._fail(
                    None,
                    "truncated",
                    f"line {self.lines} does not end with a newline: the export was cut",
                    line=self.lines,
                )
            self._line(raw, self.lines)
        self.finish()
        return self.report

    def _line(self, raw: bytes, line_no: int) -> None:
        fast = split_entry_line(raw) if line_no > 1 else None
        if fast is not None:
            self._entry_line({"type": "entry", "index": fast[0], "leaf": fast[1]}, line_no)
            return
        try:
            obj, _ = read_json(raw, lone_surrogates=True)
            problem = "not a JSON object"
        except JSONError as e:
            obj, problem = None, f"not acceptable JSON: {e}"
        if type(obj) is not dict:
            check = "header" if line_no == 1 else "malformed"
            self._fail(None, check, f"line {line_no} is {problem}", line=line_no)
            return
        kind = obj.get("type")
        if kind == "header":
            self._header_line(obj, line_no)
            return
        if line_no == 1:
            self._fail(None, "header", "the export does not start with a header line", line=1)
        note = obj.get("note")
        if kind == "entry":
            self._entry_line(obj, line_no)
        elif kind == "checkpoint" and obj.keys() == _CHECKPOINT_LINE_KEYS and type(note) is str:
            self._checkpoint(note, line_no)
        else:
            self._fail(
                None,
                "malformed",
                f"line {line_no} is not a header, entry or checkpoint line of FORMAT.md 8",
                line=line_no,
            )

    def _header_line(self, obj: dict[str, Any], line_no: int) -> None:
        if line_no != 1:
            self._fail(None, "header", "a second header line", line=line_no)
            return
        op = self.operator
        problems = []
        prob = _members_problem(obj, _HEADER_KEYS, "the header")
        if prob:
            problems.append(prob)
        if obj.get("format") != "traceledger-export":
            problems.append("format is not 'traceledger-export'")
        if type(obj.get("v")) is not int or obj.get("v") != 1:
            problems.append("v is not 1")
        if obj.get("origin") != op.name:
            problems.append(f"origin {obj.get('origin')!r} is not the operator key's name")
        if obj.get("verifier_key") != op.text:
            problems.append(f"verifier_key is not the operator key given ({op.text})")
        size = obj.get("tree_size")
        if type(size) is int and size >= 0:
            self.header_size = size
        else:
            problems.append("tree_size is not a non-negative integer")
        for p in problems:
            self._fail(None, "header", p, line=line_no)

    # -- entries ---------------------------------------------------------------------------

    def _entry_line(self, obj: dict[str, Any], line_no: int) -> None:
        """The entry line's own members, then the entry (an unreadable leaf is counted)."""
        position = self.tree.size
        problem = ""
        index = obj.get("index")
        if obj.keys() != _ENTRY_LINE_KEYS:
            problem = "an entry line has exactly the members type, index and leaf"
        elif type(index) is not int:
            problem = "the entry line's index is not an integer"
        elif index != position:
            self._fail(
                position, "index_sequence", f"the entry line says index {index}", line=line_no
            )
        leaf = b64decode_strict(obj.get("leaf"))
        if leaf is None:
            problem = problem or "leaf is not canonical base64 text"
        if problem:
            self._fail(position, "malformed", problem, line=line_no)
        if leaf is None:
            self._append(leaf_hash(b""))  # a hash no checkpoint can match
            self.prev = None  # and the next entry's link cannot be checked
        else:
            self._entry(leaf, position, line_no)
        if self.progress is not None and self.tree.size % self.progress_every == 0:
            dt = max(_time.monotonic() - self.started, 1e-9)
            n = self.tree.size
            self.progress.write(f"  {n} entries verified ({n / dt:,.0f} entries/s)\n")
            self.progress.flush()

    def _append(self, h: bytes) -> None:
        position = self.tree.size
        self.tree.append_hash(h)
        if position & 7 == 0:
            self.read_ok.append(0)
        since = self.since
        if since is not None and self.tree.size == since.size and self.tree.root() != since.root:
            self._fail(
                None,
                "since_root",
                f"the export's first {since.size} entries do not reproduce the --since "
                "checkpoint's root: the log does not extend the history you saw",
            )

    def _entry(self, leaf: bytes, position: int, line_no: int) -> None:
        """FORMAT.md 4 and 3, in the core's order: the entry's bytes, its index, link and
        time, its statement ID, then the first rule its statement breaks."""
        h = leaf_hash(leaf)
        self._append(h)
        try:
            entry = read_entry(leaf)
        except RuleBroken as e:
            self._fail(position, *e.problem, line=line_no)
            self.prev = h  # the next entry's prev is checked against these bytes' hash
            return
        if entry["index"] != position:
            self._fail(
                position,
                "index_sequence",
                f"the entry says index {entry['index']}, but it is entry {position}",
                line=line_no,
            )
        prev = bytes.fromhex(entry["prev"])
        if self.prev is not None and prev != self.prev:
            self._fail(
                position,
                "chain_link",
                f"prev {entry['prev']} is not the hash of the entry before it, {self.prev.hex()}",
                line=line_no,
            )
        self.prev = h
        t = entry["_time_ns"]
        if self.last_ns is not None and t < self.last_ns:
            self._fail(
                position, "time_order", "its time is earlier than the entry before it", line=line_no
            )
        # Compared with the entry just before, not a running maximum, as the core does.
        self.last_ns = t
        self.read_ok[position >> 3] |= 1 << (position & 7)
        self._statement_id(hashlib.sha256(entry["_message"]).digest(), position, line_no)
        problem = first_rule(self.registry, position, entry)
        if problem is not None:
            self._fail(position, *problem, line=line_no)
            return
        st = entry["statement"]
        kind, p = st["kind"], st["payload"]
        if kind == "genesis" and (
            b64decode_strict(p["operator_key"]) != self.operator.public_key
            or p["origin"] != self.operator.name
        ):
            self._fail(
                position,
                "genesis",
                "the genesis entry names another operator key or origin",
                line=line_no,
            )
        # As the core: what is admitted takes effect, whatever else failed at this entry
        # (a genesis too: the key it names signs the operator statements after it).
        self.registry.apply(kind, p, position, st["signer"])

    def _statement_id(self, sid: bytes, position: int, line_no: int) -> None:
        if self.seen_ids is not None:
            if sid in self.seen_ids:
                self._fail(
                    position,
                    "duplicate_statement",
                    "this statement is already in the log",
                    line=line_no,
                )
            self.seen_ids.add(sid)
            return
        if self.bloom is None:
            # about twelve bits an entry, sized from the header's tree_size, and grown
            # should the header claim fewer entries than there are
            self.bloom = GrowingBloomFilter(self.header_size or 1 << 16)
        if self.bloom.add_check(sid):
            self.candidates.add(sid)

    # -- checkpoints -------------------------------------------------------------------------

    def _checkpoint(self, note: str, line_no: int) -> None:
        """FORMAT.md 6 and 8: the operator's signature, the origin, and the checkpoint's size
        and root against the entries read so far. Reported for the log (index null)."""
        ordinal = self.checkpoints
        self.checkpoints += 1
        size = self.tree.size
        extra: dict[str, Any] = {"checkpoint": ordinal, "line": line_no}
        try:
            cp = verify_checkpoint(note, self.operator)
        except NoteError as e:
            self._fail(None, "checkpoint_signature", f"the checkpoint after entry {size - 1}: {e}")
            return
        extra["tree_size"] = cp.size
        if cp.origin != self.operator.name:
            self._fail(
                None,
                "checkpoint_origin",
                f"origin {cp.origin!r} is not the log's origin {self.operator.name!r}",
                **extra,
            )
        if cp.size != size:
            self._fail(
                None,
                "checkpoint_size",
                f"a checkpoint of size {cp.size} stands where the log has {size} entries",
                **extra,
            )
        elif cp.root != (root := self.tree.root()):
            self._fail(
                None,
                "checkpoint_root",
                f"root {b64encode(cp.root)} is not the Merkle tree hash of the first "
                f"{size} entries ({b64encode(root)})",
                **extra,
            )

    # -- the end -----------------------------------------------------------------------------

    def finish(self) -> None:
        n = self.tree.size
        if self.lines == 0:
            self._fail(None, "header", "the export is empty: no header line")
        if self.header_size is not None and self.header_size != n:
            self._fail(
                None,
                "truncated",
                f"the header says tree_size {self.header_size} but the export has {n} entries",
            )
        if self.since is not None and n < self.since.size:
            self._fail(
                None,
                "since_root",
                f"the --since checkpoint is for tree size {self.since.size}, but the "
                f"export has only {n} entries",
            )
        self.report.entries = n
        self.report.checkpoints = self.checkpoints

    # -- duplicates ---------------------------------------------------------------------------

    def confirm_duplicates(self, lines: Iterable[bytes]) -> None:
        """The second pass: confirm the Bloom filter's possible duplicates exactly, counting
        entry lines as the first pass did (only entries read there have a statement ID)."""
        if not self.candidates:
            return
        cands, read_ok = self.candidates, self.read_ok
        seen: set[bytes] = set()
        pos = -1
        for line_no, raw in enumerate(lines, 1):
            fast = split_entry_line(raw) if line_no > 1 else None
            if fast is not None:
                text: Any = fast[1]
            else:
                try:
                    obj, _ = read_json(raw, lone_surrogates=True)
                except JSONError:
                    continue
                if type(obj) is not dict or obj.get("type") != "entry":
                    continue
                text = obj.get("leaf")
            pos += 1
            if not (read_ok[pos >> 3] >> (pos & 7)) & 1:
                continue
            leaf = b64decode_strict(text)
            sid = statement_id_from_canonical_leaf(leaf) if leaf is not None else None
            if sid is None or sid not in cands:
                continue
            if sid in seen:
                self._fail(
                    pos, "duplicate_statement", "this statement is already in the log", line=line_no
                )
            seen.add(sid)


def _iter_lines(f: IO[bytes]) -> Iterator[bytes]:
    return iter(f)


def verify_export(
    path: str,
    operator: VerifierKey,
    *,
    since: Checkpoint | None = None,
    report: Report | None = None,
    progress: IO[str] | None = None,
    progress_every: int = 100_000,
    stdin: IO[bytes] | None = None,
) -> Report:
    """Verify an export file (or stdin when path is '-'). Returns the report."""
    report = report or Report()
    if path == "-":
        src = stdin if stdin is not None else sys.stdin.buffer
        v = ExportVerifier(
            operator,
            since=since,
            report=report,
            progress=progress,
            progress_every=progress_every,
            exact_duplicates=True,
        )
        v.run(src)
        return report
    v = ExportVerifier(
        operator, since=since, report=report, progress=progress, progress_every=progress_every
    )
    with open(path, "rb") as f:
        v.run(_iter_lines(f))
    if v.candidates:
        if progress is not None:
            progress.write(
                f"  {len(v.candidates)} possible duplicate statement ID(s): re-reading to confirm\n"
            )
        with open(path, "rb") as f:
            v.confirm_duplicates(_iter_lines(f))
    return report


# ---------------------------------------------------------------------------------------
# Proof bundles (FORMAT.md section 9): one product's journey against one checkpoint
# ---------------------------------------------------------------------------------------

BUNDLE_FORMAT = "traceledger-bundle"
MAX_BUNDLE_ENTRIES = 2000
MAX_PROOF_LENGTH = 64
MAX_BUNDLE_NODES = MAX_PROOF_LENGTH * MAX_BUNDLE_ENTRIES
_BUNDLE_KEYS = frozenset(
    ("format", "v", "subject", "verifier_key", "checkpoint", "nodes", "entries")
)
_BUNDLE_ENTRY_KEYS = frozenset(("index", "leaf", "proof"))
_BUNDLE_ID_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_BUNDLE_CLASS_LISTS = (
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
)
_LOT_BEFORE_SERIAL = re.compile(r"/10/[^/]+(?=/21/)")
_MAX_SAFE = 2**53 - 1


class BundleReport:
    """What a bundle proves: the checkpoint, every failure (index None: the bundle as a
    whole), and each entry's kind and the fields read from its verified bytes."""

    def __init__(self) -> None:
        self.subject = ""
        self.checkpoint: Checkpoint | None = None
        self.checkpoint_message = "not checked"
        self.failures: list[Failure] = []
        self.kinds: dict[int, str | None] = {}  # every entry of the bundle, in index order
        self.verified: dict[int, dict[str, Any]] = {}
        self.steps: list[int] = []

    def fail(self, index: int | None, problem: Problem) -> None:
        self.failures.append(Failure(index, problem[0], problem[1]))

    def failures_at(self, index: int | None) -> list[Failure]:
        """The failures of the entry at log index ``index`` (None: of the bundle)."""
        return [f for f in self.failures if f.index == index]

    @property
    def ok(self) -> bool:
        return self.checkpoint is not None and not self.failures

    def as_dict(self) -> dict[str, Any]:
        """The browser verifier's report shape (web/static/verify/bundle.js)."""
        cp = self.checkpoint
        return {
            "ok": self.ok,
            "subject": self.subject,
            "checkpoint": {
                "ok": cp is not None,
                "size": cp.size if cp else None,
                "root": b64encode(cp.root) if cp else None,
                "message": self.checkpoint_message,
            },
            "bundleFailures": [f.as_problem() for f in self.failures_at(None)],
            "entries": {str(i): self._entry_dict(i) for i in self.kinds},
            "steps": self.steps,
        }

    def _entry_dict(self, index: int) -> dict[str, Any]:
        failures = self.failures_at(index)
        return {
            "ok": not failures,
            "kind": self.kinds[index],
            "verified": self.verified.get(index),
            "failures": [f.as_problem() for f in failures],
        }


def _bundle_document(data: bytes) -> tuple[dict[str, Any], list[tuple[int, bytes, list[bytes]]]]:
    """FORMAT.md 9.1 shape; raises RuleBroken('bundle', ...)."""
    try:
        doc, _ = read_json(data, lone_surrogates=True)
    except JSONError as e:
        raise RuleBroken("bundle", f"the bundle is not acceptable JSON: {e}") from None
    if type(doc) is not dict or doc.keys() != _BUNDLE_KEYS:
        raise RuleBroken(
            "bundle", "a bundle has exactly the members " + ", ".join(sorted(_BUNDLE_KEYS))
        )
    if doc["format"] != BUNDLE_FORMAT or type(doc["v"]) is not int or doc["v"] != 1:
        raise RuleBroken("bundle", f"not a {BUNDLE_FORMAT} version 1 document")
    for name in ("subject", "verifier_key", "checkpoint"):
        if type(doc[name]) is not str:
            raise RuleBroken("bundle", f"{name} must be text")
    nodes = _bundle_nodes(doc["nodes"])
    raw = doc["entries"]
    if type(raw) is not list or not 1 <= len(raw) <= MAX_BUNDLE_ENTRIES:
        raise RuleBroken("bundle", f"entries must be a list of 1 to {MAX_BUNDLE_ENTRIES} entries")
    out: list[tuple[int, bytes, list[bytes]]] = []
    first_unused = 0  # nodes are numbered in order of first use (FORMAT.md 9.1)
    for n, item in enumerate(raw):
        where = f"entries[{n}]"
        if type(item) is not dict or item.keys() != _BUNDLE_ENTRY_KEYS:
            raise RuleBroken("bundle", f"{where} must have exactly the members index, leaf, proof")
        index, proof = item["index"], item["proof"]
        if type(index) is not int or not 0 <= index <= _MAX_SAFE:
            raise RuleBroken("bundle", f"{where}.index must be a non-negative integer")
        if out and index <= out[-1][0]:
            raise RuleBroken(
                "bundle", f"{where}: entries must be in increasing index order, each once"
            )
        if type(proof) is not list or len(proof) > MAX_PROOF_LENGTH:
            raise RuleBroken(
                "bundle", f"{where}.proof must be a list of at most {MAX_PROOF_LENGTH} node numbers"
            )
        leaf = b64decode_strict(item["leaf"])
        if leaf is None:
            raise RuleBroken("bundle", f"{where}.leaf must be canonical base64")
        for k, p in enumerate(proof):
            if type(p) is not int or not 0 <= p < len(nodes):
                raise RuleBroken(
                    "bundle",
                    f"{where}.proof[{k}] must be the number of one of the {len(nodes)} nodes",
                )
            if p > first_unused:
                raise RuleBroken(
                    "bundle", f"{where}.proof[{k}]: nodes must be listed in order of first use"
                )
            if p == first_unused:
                first_unused += 1
        out.append((index, leaf, [nodes[p] for p in proof]))
    if first_unused != len(nodes):
        raise RuleBroken("bundle", f"nodes[{first_unused}] is used by no proof")
    return doc, out


def _bundle_nodes(raw: Any) -> list[bytes]:
    """FORMAT.md 9.1: the distinct proof hashes, each canonical base64 of 32 bytes."""
    if type(raw) is not list or len(raw) > MAX_BUNDLE_NODES:
        raise RuleBroken("bundle", f"nodes must be a list of at most {MAX_BUNDLE_NODES} hashes")
    nodes = []
    for k, h in enumerate(raw):
        node = b64decode_strict(h, 32)
        if node is None:
            raise RuleBroken("bundle", f"nodes[{k}] must be canonical base64 of a 32-byte hash")
        nodes.append(node)
    if len(set(nodes)) != len(nodes):
        raise RuleBroken("bundle", "nodes must not hold the same hash twice")
    return nodes


def _verified(reg: Registry, entry: dict[str, Any]) -> dict[str, Any]:
    """What a verified entry shows: its kind, time, signer, and for a step who did what."""
    st = entry["statement"]
    kind, p = st["kind"], st["payload"]
    out = {"kind": kind, "time": entry["time"], "signer": st["signer"]}
    if kind in ("actor", "key", "revoke"):
        out["actor"] = p["actor"]
    elif kind == "event":
        actor = reg.actors[reg.keys[st["signer"]].actor]
        out.update(
            actor=actor.actor,
            bizStep=p["bizStep"],
            eventTime=p["eventTime"],
            actorName=actor.name,
            actorRegion=actor.region,
        )
    return out


def _instance_names(value: str) -> tuple[str, ...]:
    """An instance ID's names: a unit written with its lot names the unit (lot segment
    removed) and the lot (everything before its ``/21/``)."""
    lot = _LOT_BEFORE_SERIAL.search(value)
    if lot is None:
        return (value,)
    return (value[: lot.start()] + value[lot.end() :], value[: lot.end()])


def mentioned_ids(payload: dict[str, Any]) -> set[str]:
    """The identifiers an event payload names (FORMAT.md 9.2 step 6)."""
    found: set[str] = set()
    for name in _BUNDLE_ID_LISTS:
        values = payload.get(name)
        for v in values if type(values) is list else ():
            if type(v) is str:
                found.update(_instance_names(v))
    if type(payload.get("parentID")) is str:
        found.add(payload["parentID"])
    for name in _BUNDLE_CLASS_LISTS:
        values = payload.get(name)
        for el in values if type(values) is list else ():
            if type(el) is dict and type(el.get("epcClass")) is str:
                found.add(el["epcClass"])
    return found


def verify_bundle(data: bytes, operator: VerifierKey) -> BundleReport:
    """FORMAT.md 9.2 at the level of the log check; every failure is in the report."""
    report = BundleReport()
    try:
        doc, items = _bundle_document(data)
    except RuleBroken as e:
        report.fail(None, e.problem)
        return report
    report.subject = doc["subject"]
    if not _bundle_checkpoint(report, doc, operator):
        return report
    if items[0][0] != 0:
        report.fail(None, ("genesis", "the bundle lacks the log's genesis entry (index 0)"))
    registry = Registry(operator.public_key)
    events = [
        payload
        for index, leaf, proof in items
        if (payload := _check_bundle_entry(report, registry, index, leaf, proof, operator))
        is not None
    ]
    if not any(report.subject in mentioned_ids(p) for p in events):
        report.fail(None, ("subject", f"no event in the bundle names {report.subject}"))
    return report


def _bundle_checkpoint(report: BundleReport, doc: dict[str, Any], operator: VerifierKey) -> bool:
    """FORMAT.md 9.2 steps 2-3: the trusted key, and the checkpoint it signed."""
    if doc["verifier_key"] != operator.text:
        problem = ("operator_key", "the bundle names another operator key than the one trusted")
        report.fail(None, problem)
        return False
    try:
        cp = verify_checkpoint(doc["checkpoint"], operator)
    except NoteError as e:
        report.checkpoint_message = str(e)
        report.fail(None, ("checkpoint_signature", str(e)))
        return False
    if cp.origin != operator.name:
        report.checkpoint_message = f"the checkpoint's origin {cp.origin!r} is not this log's"
        report.fail(None, ("checkpoint_origin", report.checkpoint_message))
        return False
    report.checkpoint = cp
    report.checkpoint_message = f"signed by {operator.name} for {cp.size} entries"
    return True


def _check_bundle_entry(
    report: BundleReport,
    reg: Registry,
    index: int,
    leaf: bytes,
    proof: list[bytes],
    operator: VerifierKey,
) -> dict[str, Any] | None:
    """FORMAT.md 9.2 step 5 for one entry; returns an event's payload (for step 6)."""
    cp = report.checkpoint
    assert cp is not None
    report.kinds[index] = None
    if index >= cp.size:
        report.fail(
            index, ("inclusion", f"entry {index} is beyond the checkpoint's {cp.size} entries")
        )
    elif not verify_inclusion(index, cp.size, leaf_hash(leaf), proof, cp.root):
        report.fail(
            index, ("inclusion", "the inclusion proof does not lead to the checkpoint's root")
        )
    try:
        entry = read_entry(leaf)
    except RuleBroken as e:
        report.fail(index, e.problem)
        return None
    st = entry["statement"]
    kind = report.kinds[index] = st["kind"]
    if entry["index"] != index:
        report.fail(index, ("index", f"the entry says index {entry['index']}, the bundle {index}"))
        return None
    payload = st["payload"] if kind == "event" else None
    if payload is not None:
        report.steps.append(index)
    problem = first_rule(reg, index, entry)
    if problem is not None:
        report.fail(index, problem)
        return payload
    p = st["payload"]
    if kind == "genesis" and (
        b64decode_strict(p["operator_key"]) != operator.public_key or p["origin"] != operator.name
    ):
        report.fail(index, ("genesis", "the genesis entry names another operator key or origin"))
    if not report.failures_at(index):
        # Only an entry with no failure enters the registry (FORMAT.md 9.2 step 5).
        if kind != "genesis":
            reg.apply(kind, p, index, st["signer"])
        report.verified[index] = _verified(reg, entry)
    return payload


def print_bundle_report(report: BundleReport, out: IO[str]) -> None:
    """One line per entry (index, bizStep, actor, eventTime, OK or failures), then the verdict."""
    for f in report.failures_at(None):
        out.write(f"FAIL bundle [{f.check}]: {f.message}\n")
    for index, kind in report.kinds.items():
        v = report.verified.get(index) or {}
        what = (
            f"{v.get('bizStep')}  {v.get('actorName')} ({v.get('actor')})  {v.get('eventTime')}"
            if kind == "event" and v
            else f"{kind or '?'}  {v.get('actor', '')}".rstrip()
        )
        failures = report.failures_at(index)
        verdict = (
            "FAIL " + "; ".join(f"[{f.check}] {f.message}" for f in failures) if failures else "OK"
        )
        out.write(f"{index:>8}  {what}  {verdict}\n")
    if report.ok:
        out.write(
            f"VERIFIED: {len(report.steps)} steps of {report.subject} against the checkpoint of "
            f"{report.checkpoint.size if report.checkpoint else '?'} entries\n"
        )
    else:
        out.write(
            f"FAILED: {len(report.failures)} failure(s) in the bundle for {report.subject or '?'}\n"
        )


def run_bundle(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """--bundle mode: read the file, pick the operator key, verify, print."""
    try:
        with open(args.bundle, "rb") as f:
            data = f.read()
    except OSError as e:
        stderr.write(f"verify_ledger.py: cannot read the bundle: {e}\n")
        return EXIT_USAGE
    if args.operator_key:
        try:
            operator = load_operator_key(args.operator_key)
        except UsageError as e:
            stderr.write(f"verify_ledger.py: {e}\n")
            return EXIT_USAGE
    else:
        # Without an out-of-band key the bundle can only be checked against itself.
        try:
            doc, _ = read_json(data)
            vkey = doc.get("verifier_key") if type(doc) is dict else None
            if type(vkey) is not str:
                raise NoteError("it is not a JSON object with a verifier_key text")
            operator = parse_vkey(vkey)
        except (JSONError, NoteError) as e:
            stderr.write(
                f"verify_ledger.py: the bundle has no usable verifier_key ({e}); "
                "give --operator-key\n"
            )
            return EXIT_USAGE
        stderr.write(
            "WARNING: no --operator-key given: the bundle was checked against its own verifier_key "
            f"({operator.text}), not against a key obtained out of band. It proves consistency, "
            "not that the operator you trust signed it.\n"
        )
    report = verify_bundle(data, operator)
    if args.json:
        result = report.as_dict()
        result["operator_key"] = operator.text
        result["operator_key_checked"] = bool(args.operator_key)
        stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        print_bundle_report(report, stdout)
    stdout.flush()
    return EXIT_OK if report.ok else EXIT_FAILED


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def load_operator_key(arg: str) -> VerifierKey:
    try:
        return parse_vkey(arg)
    except NoteError as first:
        if os.path.isfile(arg):
            try:
                with open(arg, encoding="utf-8") as f:
                    return parse_vkey(f.read().strip())
            except (OSError, UnicodeDecodeError) as e:
                raise UsageError(f"cannot read the operator key file {arg}: {e}") from None
            except NoteError as e:
                raise UsageError(
                    f"the file {arg} does not hold a valid verifier key: {e}"
                ) from None
        raise UsageError(
            f"--operator-key is neither a verifier key nor a file holding one: {first}"
        ) from None


def load_since(path: str, operator: VerifierKey) -> Checkpoint:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError(f"cannot read the --since checkpoint {path}: {e}") from None
    try:
        cp = verify_checkpoint(data, operator)
    except NoteError as e:
        raise UsageError(
            f"the --since checkpoint does not verify with the operator key: {e}"
        ) from None
    if cp.origin != operator.name:
        raise UsageError(
            f"the --since checkpoint is for origin {cp.origin!r}, not {operator.name!r}"
        )
    return cp


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="verify_ledger.py",
        description="Verify a traceledger export offline (docs/FORMAT.md section 8): every entry's "
        "canonical bytes, hash chain, statement, signature and authorisation, every checkpoint's "
        "signature and Merkle root. Independent of the ledger's own code: Python and PyNaCl only.",
        epilog="Exit status: 0 everything verified; 1 verification failed (each failure is "
        "printed, "
        "one line each, with its entry index or checkpoint and a check name); 2 usage error. "
        "Memory stays flat on any log size when reading a file: duplicate statement IDs are found "
        "with a Bloom filter of about twelve bits per entry and, if it reports possible "
        "duplicates, "
        "a second read of the file. From stdin ('-') the file cannot be re-read, so an exact set "
        "of statement IDs is kept instead (about 100 bytes per entry). Check names: "
        + ", ".join(CHECKS)
        + ".",
    )
    p.add_argument("export", nargs="?", help="the export file (JSON Lines), or - for stdin")
    p.add_argument(
        "--bundle",
        metavar="FILE",
        help="verify one product's proof bundle (FORMAT.md 9) instead of an export; "
        "without --operator-key it is checked against its own verifier_key, with a warning",
    )
    p.add_argument(
        "--operator-key",
        metavar="VKEY",
        help="the operator's C2SP verifier key <name>+<id>+<key>, or a file holding it "
        "(required for an export)",
    )
    p.add_argument(
        "--since",
        metavar="CHECKPOINT_FILE",
        help="a signed checkpoint saved earlier: check that the export extends it",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument(
        "--json",
        action="store_true",
        help='print a JSON report {"ok", "entries", "checkpoints", "failures": [{"index", '
        '"check", "message", ...}]} instead of text lines',
    )
    p.add_argument(
        "--progress-every",
        type=int,
        default=100_000,
        metavar="N",
        help="a progress line on stderr every N entries (default 100000)",
    )
    return p


def main(
    argv: list[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stdin: IO[bytes] | None = None,
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    if _crypto_sign_open is None:
        stderr.write("verify_ledger.py: PyNaCl is required (pip install pynacl)\n")
        return EXIT_USAGE
    if args.bundle is not None:
        if args.export is not None or args.since:
            stderr.write("verify_ledger.py: --bundle takes no export file and no --since\n")
            return EXIT_USAGE
        return run_bundle(args, stdout, stderr)
    if args.export is None or args.operator_key is None:
        stderr.write(
            "verify_ledger.py: an export file and --operator-key are required (or --bundle FILE)\n"
        )
        return EXIT_USAGE
    try:
        operator = load_operator_key(args.operator_key)
        since = load_since(args.since, operator) if args.since else None
        if args.export != "-" and not os.path.isfile(args.export):
            raise UsageError(f"no such export file: {args.export}")
        if args.progress_every <= 0:
            raise UsageError("--progress-every must be positive")
    except UsageError as e:
        stderr.write(f"verify_ledger.py: {e}\n")
        return EXIT_USAGE
    report = Report(out=None if args.json else stdout)
    progress = None if args.quiet else stderr
    started = _time.monotonic()
    try:
        verify_export(
            args.export,
            operator,
            since=since,
            report=report,
            progress=progress,
            progress_every=args.progress_every,
            stdin=stdin,
        )
    except OSError as e:
        stderr.write(f"verify_ledger.py: cannot read the export: {e}\n")
        return EXIT_USAGE
    elapsed = _time.monotonic() - started
    with contextlib.suppress(BrokenPipeError):  # the reader went away: not our error
        _print_result(args, report, operator, stdout)
    if progress is not None:
        rate = report.entries / elapsed if elapsed > 0 else 0.0
        progress.write(
            f"  done: {report.entries} entries in {elapsed:.2f} s ({rate:,.0f} entries/s)\n"
        )
    report.close()
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_result(
    args: argparse.Namespace, report: Report, operator: VerifierKey, stdout: IO[str]
) -> None:
    if args.json:
        report.write_json(stdout)
    else:
        if report.ok:
            stdout.write(
                f"OK: {report.entries} entries and {report.checkpoints} checkpoints verified "
                f"against {operator.text}\n"
            )
        else:
            stdout.write(
                f"FAILED: {report.count} failure(s) in {report.entries} entries and "
                f"{report.checkpoints} checkpoints\n"
            )
    stdout.flush()


if __name__ == "__main__":
    status = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (e.g. | head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(status)
