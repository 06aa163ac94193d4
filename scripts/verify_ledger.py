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

Every failure is reported, one line each, with the entry index (or the checkpoint's
position) and a stable check name; after a failure verification goes on, re-synchronising
the hash chain so that one altered entry is named once and not blamed on the rest of the
log. Exit status: 0 when everything holds, 1 when verification failed, 2 on usage errors.

With --bundle it checks one product's proof bundle as FORMAT.md 9.2 says (the log check:
shape, operator key, checkpoint signature, each entry's inclusion proof, canonical bytes,
signature and registration from the bundle's own entries, the subject), printing one line
per entry and the verdict; --json gives the browser verifier's report shape
(web/static/verify/bundle.js). Without --operator-key the bundle's own key is used, with
a warning that it was not checked against a key obtained out of band.

Structure (so that other modes, e.g. a single product's proof bundle, can reuse it):
canonical JSON (``jcs_*``), base64/hex/time helpers, Merkle hashing (``CompactRange``,
``mth``), signed notes and checkpoints (``parse_vkey``, ``parse_note``, ``verify_note``,
``parse_checkpoint_text``), statements (``check_statement``, ``check_payload_*``), the key
registry replay (``Registry``) and the step permission table (``BIZSTEP_ROLES``), the chain
reconciler (``ChainTracker``), reporting (``Report``), and the export driver
(``ExportVerifier``, ``verify_export``).
"""

from __future__ import annotations

import argparse
import binascii
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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

try:
    from nacl.bindings import crypto_sign_open as _crypto_sign_open
    from nacl.exceptions import BadSignatureError as _BadSignatureError
except ImportError:  # pragma: no cover - reported at run time
    _crypto_sign_open = None  # type: ignore[assignment]
    _BadSignatureError = Exception  # type: ignore[assignment,misc]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# ---------------------------------------------------------------------------------------
# Stable check names (the "check" member of every failure).
# ---------------------------------------------------------------------------------------

CHECKS = {
    "header": "the export's header line is missing, malformed, or does not match the operator key",
    "truncated": "the export ends early: entry count differs from the header, or the last line is cut",
    "malformed": "a line, or an entry's leaf, is not well-formed base64 / JSON",
    "canonical_bytes": "the entry bytes are not the RFC 8785 canonical form of the entry",
    "entry_shape": "the entry lacks a member, has an extra one, or one of the wrong type or form",
    "version": "the entry's format version v is not 1",
    "index_sequence": "an entry's index is not its position (missing, repeated, reordered entries)",
    "chain_link": "the hash chain is broken: prev does not match the previous entry's hash",
    "time_order": "an entry's time is earlier than the previous entry's time",
    "statement_shape": "the statement or its payload does not have the shape of FORMAT.md section 3",
    "signature": "the statement's Ed25519 signature does not verify",
    "genesis": "the genesis entry is missing or does not name the given operator key and origin",
    "operator_only": "a genesis/actor/key/revoke statement is not signed by the operator key",
    "registry": "a key registry rule is broken (unknown actor, reused actor ID/GLN/key, bad revoke)",
    "unknown_key": "an event's signer is not a key added by an earlier key entry",
    "key_revoked": "an event is signed with a key revoked with effect at or before the entry's time",
    "role_not_permitted": "the signer's actor holds no role permitting the event's bizStep",
    "event_in_future": "the event's eventTime is more than 10 minutes after the entry's time",
    "depends_on_failed": "later entries are unauthorised only because an earlier registry entry failed",
    "duplicate_statement": "a statement ID appears more than once",
    "checkpoint_signature": "a checkpoint note is malformed or lacks a valid operator signature",
    "checkpoint_origin": "a checkpoint's origin line is not the log's origin",
    "checkpoint_size": "a checkpoint does not stand directly after the entry that brings the log to its size",
    "checkpoint_root": "a checkpoint's root is not the Merkle tree hash of the entries at its size",
    "since_root": "the export does not reproduce the --since checkpoint's root at its size",
}

# ---------------------------------------------------------------------------------------
# Canonical JSON: RFC 8785 (JCS)
# ---------------------------------------------------------------------------------------


class JSONError(ValueError):
    """A JSON text is not acceptable (syntax, duplicate names, NaN/Infinity, lone surrogates)."""


MAX_SAFE_INTEGER = 2**53  # integers with |n| <= 2**53 are exact doubles and print as str(n)

_ESCAPES = {i: "\\u%04x" % i for i in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"})
_ESCAPES[ord('"')] = '\\"'
_ESCAPES[ord("\\")] = "\\\\"


def jcs_string(s: str) -> str:
    """RFC 8785 section 3.2.2.2: a string with only the minimal escapes."""
    return '"' + s.translate(_ESCAPES) + '"'


def es_number(value: float) -> str:
    """Format a number as ECMAScript Number.prototype.toString does (RFC 8785 3.2.2.3).

    Integers are taken as the nearest IEEE 754 double, as I-JSON prescribes.
    """
    if isinstance(value, int):
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
    if "e" in r:
        mant, _, exp_s = r.partition("e")
        exp = int(exp_s)
    else:
        mant, exp = r, 0
    int_part, _, frac_part = mant.partition(".")
    digits = int_part + frac_part
    exp -= len(frac_part)
    stripped = digits.lstrip("0")
    trailing = len(stripped) - len(stripped.rstrip("0"))
    s = stripped.rstrip("0")
    exp += trailing
    k = len(s)
    n = exp + k  # value = 0.s * 10**n
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        e = n - 1
        es = ("+" if e >= 0 else "-") + str(abs(e))
        out = (s if k == 1 else s[0] + "." + s[1:]) + "e" + es
    return sign + out


def _utf16_key(item: tuple[str, Any]) -> bytes:
    return item[0].encode("utf-16-be", "surrogatepass")


def jcs_text(value: Any) -> str:
    """The RFC 8785 canonical form of a JSON value, as a str (own, complete implementation)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    t = type(value)
    if t is str:
        return jcs_string(value)
    if t is int or t is float:
        return es_number(value)
    if t is dict:
        return (
            "{"
            + ",".join(
                jcs_string(k) + ":" + jcs_text(v) for k, v in sorted(value.items(), key=_utf16_key)
            )
            + "}"
        )
    if t is list or t is tuple:
        return "[" + ",".join(jcs_text(v) for v in value) + "]"
    if isinstance(value, str):
        return jcs_string(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return es_number(value)
    if isinstance(value, dict):
        return jcs_text(dict(value))
    if isinstance(value, (list, tuple)):
        return jcs_text(list(value))
    raise JSONError(f"cannot canonicalise a {t.__name__}")


def jcs(value: Any) -> bytes:
    """JCS(value): the RFC 8785 bytes. Lone surrogates cannot be encoded and are rejected."""
    try:
        return jcs_text(value).encode("utf-8")
    except UnicodeEncodeError:
        raise JSONError("string contains a lone surrogate") from None


class StrictDecoder:
    """A strict JSON parser (RFC 8259 / I-JSON): duplicate member names, NaN, Infinity and
    numbers beyond the double range are rejected."""

    def __init__(self) -> None:
        def pairs(p: list[tuple[str, Any]]) -> dict[str, Any]:
            d = dict(p)
            if len(d) != len(p):
                seen: set[str] = set()
                for k, _ in p:
                    if k in seen:
                        raise JSONError(f"duplicate member name {k!r}")
                    seen.add(k)
            return d

        def pfloat(s: str) -> float:
            f = float(s)
            if f in (math.inf, -math.inf):
                raise JSONError(f"number {s} is beyond the range of IEEE 754 doubles")
            return f

        def pint(s: str) -> int:
            n = int(s)
            if len(s) > 308 and not (-1.7976931348623157e308 <= n <= 1.7976931348623157e308):
                raise JSONError(f"number {s} is beyond the range of IEEE 754 doubles")
            return n

        def pconst(s: str) -> Any:
            raise JSONError(f"{s} is not allowed in JSON")

        self._dec = json.JSONDecoder(
            object_pairs_hook=pairs, parse_float=pfloat, parse_int=pint, parse_constant=pconst
        )

    def loads(self, text: str, *, exact: bool = True) -> Any:
        """Parse one JSON text. With exact=True no surrounding white space is allowed."""
        try:
            if exact:
                value, end = self._dec.raw_decode(text)
                if end != len(text):
                    raise JSONError(f"extra data after the JSON value at character {end}")
                return value
            return self._dec.decode(text)
        except JSONError:
            raise
        except RecursionError:
            raise JSONError("JSON nested too deeply") from None
        except ValueError as e:  # json.JSONDecodeError
            raise JSONError(str(e)) from None


_STRICT = StrictDecoder()


def jcs_loads(text: str | bytes) -> Any:
    """Strictly parse a JSON text (UTF-8 if bytes)."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise JSONError(f"not UTF-8: {e}") from None
    return _STRICT.loads(text, exact=False)


def jcs_canonicalize(text: str | bytes) -> bytes:
    """Parse a JSON text strictly and return its RFC 8785 canonical bytes."""
    return jcs(jcs_loads(text))


# The fast path: Python's C JSON encoder produces exactly the RFC 8785 text when keys sort
# the same by code points as by UTF-16 code units (no characters beyond U+FFFF) and every
# number prints the same (see parse_leaf). The complete implementation above is
# the reference; the tests check the two agree.
_c_encode_str = (
    getattr(_json_encoder, "c_encode_basestring", None) or _json_encoder.py_encode_basestring
)
_FAST_ENCODER = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"), check_circular=False
)
_fast_encode = _FAST_ENCODER.encode


def _no_default(o: Any) -> Any:
    raise TypeError(f"cannot canonicalise a {type(o).__name__}")


if getattr(_json_encoder, "c_make_encoder", None) is not None and _c_encode_str is getattr(
    _json_encoder, "c_encode_basestring", None
):
    # One C encoder object made once (JSONEncoder.encode makes one per call).
    _make = _json_encoder.c_make_encoder  # type: ignore[attr-defined]
    _c_iter = _make(None, _no_default, _c_encode_str, None, ":", ",", True, False, False)

    def _fast_encode_container(value: Any) -> str:
        return "".join(_c_iter(value, 0))
else:  # pragma: no cover - Pythons without the C accelerator

    def _fast_encode_container(value: Any) -> str:
        return _fast_encode(value)


def jcs_fast(value: Any) -> str:
    t = type(value)
    if t is str:
        return _c_encode_str(value)
    if t is int:
        return str(value)
    if t is dict or t is list:
        return _fast_encode_container(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if t is float:
        return repr(value)
    raise JSONError(f"cannot canonicalise a {t.__name__}")


_NON_BMP_LEAD_BYTES = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")  # UTF-8 of U+10000 and up


def has_non_bmp(data: bytes) -> bool:
    """Whether valid UTF-8 bytes hold a character beyond U+FFFF (keys would then sort
    differently by UTF-16 code units than by code points)."""
    return not data.isascii() and any(b in data for b in _NON_BMP_LEAD_BYTES)


_leaf_state = [False]


def _leaf_int(s: str) -> int:
    if len(s) > 15:  # possibly beyond 2**53: only the complete implementation prints it right
        _leaf_state[0] = True
        n = int(s)
        if not (-1.7976931348623157e308 <= n <= 1.7976931348623157e308):
            raise JSONError(f"number {s} is beyond the range of IEEE 754 doubles")
        return n
    return int(s)


def _leaf_float(s: str) -> float:
    f = float(s)
    if f in (math.inf, -math.inf):
        raise JSONError(f"number {s} is beyond the range of IEEE 754 doubles")
    a = abs(f)
    if not (1e-4 <= a < 1e16) or a.is_integer():
        _leaf_state[0] = True
    return f


# Entry bytes are parsed without the duplicate-name hook, for speed: a duplicate member
# cannot survive the byte-for-byte comparison with the canonical form (the parsed object
# has fewer members than the bytes), and when that comparison fails the bytes are parsed
# again strictly to say why.
_LEAF_DECODER = json.JSONDecoder(parse_float=_leaf_float, parse_int=_leaf_int)


def parse_leaf(text: str) -> tuple[Any, bool]:
    """Parse entry bytes (as text) quickly: (value, whether jcs_fast may not be exact)."""
    _leaf_state[0] = False
    try:
        value, end = _LEAF_DECODER.raw_decode(text)
    except JSONError:
        raise
    except RecursionError:
        raise JSONError("JSON nested too deeply") from None
    except ValueError as e:
        raise JSONError(str(e)) from None
    if end != len(text):
        raise JSONError(f"extra data after the JSON value at character {end}")
    return value, _leaf_state[0]


# ---------------------------------------------------------------------------------------
# Small helpers: base64, hex, times
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
_STRICT_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z\Z"
)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def _day_seconds(y: int, mo: int, d: int) -> int:
    return (_dt.date(y, mo, d).toordinal() - _EPOCH_ORDINAL) * 86400


_DAY_CACHE: dict[str, int] = {}


def parse_strict_time_ms(s: Any) -> int | None:
    """Milliseconds since the epoch of a `YYYY-MM-DDTHH:MM:SS.sssZ` time; None if malformed."""
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
    return (day + h * 3600 + mi * 60 + sec) * 1000 + int(s[20:23])


def parse_rfc3339_ns(s: Any) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 date-time with `Z` or a numeric offset.

    Only the upper-case `T` and `Z` are accepted (FORMAT.md 3.5 writes `Z`; RFC 3339 would
    also allow lower case).
    Fractions finer than a nanosecond round up, which keeps `t <= limit` exact for limits
    that are whole nanoseconds. A leap second (:60) counts as the next minute's :00.
    """
    if type(s) is not str:
        return None
    if s == _rfc3339_last[0]:
        return _rfc3339_last[1]
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


# ---------------------------------------------------------------------------------------
# Ed25519 and key IDs
# ---------------------------------------------------------------------------------------


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Pure Ed25519 (RFC 8032) verification with libsodium through PyNaCl."""
    if len(signature) != 64 or len(public_key) != 32:
        return False
    try:
        _crypto_sign_open(signature + message, public_key)
        return True
    except (_BadSignatureError, ValueError, TypeError):
        return False
    except Exception:  # noqa: BLE001 - any library refusal is a failed verification
        return False


def key_id(public_key: bytes) -> str:
    """FORMAT.md section 2: hex(SHA-256(pk))[0:32]."""
    return hashlib.sha256(public_key).hexdigest()[:32]


STATEMENT_KINDS = ("genesis", "actor", "key", "revoke", "event")
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
        if not ed25519_verify(k.public_key, text, sig):
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

ROLES = frozenset(("farm", "processor", "packer", "carrier", "warehouse", "lab", "retailer"))

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

EVENT_FUTURE_ALLOWANCE_MS = 10 * 60 * 1000

_ACTOR_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}\Z")
_GLN = re.compile(r"[0-9]{13}\Z")
_STATEMENT_KEYS = frozenset(("kind", "payload", "signer", "sig"))
_ENTRY_KEYS = frozenset(("index", "prev", "statement", "time", "v"))
_PAYLOAD_KEYS = {
    "genesis": frozenset(("origin", "operator_key", "created")),
    "actor": frozenset(("actor", "name", "roles", "region", "gln")),
    "key": frozenset(("actor", "public_key")),
    "revoke": frozenset(("actor", "key_id", "effective", "reason")),
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


def check_payload_genesis(p: dict[str, Any]) -> list[str]:
    out = []
    prob = _members_problem(p, _PAYLOAD_KEYS["genesis"], "genesis payload")
    if prob:
        out.append(prob)
    o = p.get("origin")
    if "origin" in p and not (type(o) is str and _valid_key_name(o)):
        out.append("genesis origin must be a non-empty string without spaces or '+'")
    if "operator_key" in p and b64decode_strict(p.get("operator_key"), 32) is None:
        out.append("genesis operator_key is not base64 of 32 bytes")
    if "created" in p and parse_strict_time_ms(p.get("created")) is None:
        out.append("genesis created is not a time of the form YYYY-MM-DDTHH:MM:SS.sssZ")
    return out


def check_payload_actor(p: dict[str, Any]) -> list[str]:
    out = []
    prob = _members_problem(p, _PAYLOAD_KEYS["actor"], "actor payload")
    if prob:
        out.append(prob)
    a = p.get("actor")
    if "actor" in p and not (type(a) is str and _ACTOR_ID.match(a)):
        out.append("actor ID must match ^[a-z0-9][a-z0-9-]{1,62}$")
    if "name" in p and not _text_ok(p.get("name"), 1, 200):
        out.append("actor name must be a string of 1 to 200 characters")
    if "region" in p and not _text_ok(p.get("region"), 1, 200):
        out.append("actor region must be a string of 1 to 200 characters")
    if "roles" in p:
        r = p.get("roles")
        if type(r) is not list or not r:
            out.append("actor roles must be a non-empty array")
        elif any(type(x) is not str or x not in ROLES for x in r):
            out.append("actor roles must each be one of " + ", ".join(sorted(ROLES)))
        elif len(set(r)) != len(r):
            out.append("actor roles contain a duplicate")
    if "gln" in p:
        g = p.get("gln")
        if not (type(g) is str and _GLN.match(g) and gs1_check_digit_ok(g)):
            out.append("actor gln must be 13 digits with a valid GS1 check digit")
    return out


def check_payload_key(p: dict[str, Any]) -> list[str]:
    out = []
    prob = _members_problem(p, _PAYLOAD_KEYS["key"], "key payload")
    if prob:
        out.append(prob)
    a = p.get("actor")
    if "actor" in p and not (type(a) is str and _ACTOR_ID.match(a)):
        out.append("key actor is not a valid actor ID")
    if "public_key" in p and b64decode_strict(p.get("public_key"), 32) is None:
        out.append("public_key is not base64 of a 32-byte key")
    return out


def check_payload_revoke(p: dict[str, Any]) -> list[str]:
    out = []
    prob = _members_problem(p, _PAYLOAD_KEYS["revoke"], "revoke payload")
    if prob:
        out.append(prob)
    a = p.get("actor")
    if "actor" in p and not (type(a) is str and _ACTOR_ID.match(a)):
        out.append("revoke actor is not a valid actor ID")
    k = p.get("key_id")
    if "key_id" in p and not (type(k) is str and _HEX32.match(k)):
        out.append("revoke key_id is not 32 lowercase hex digits")
    if "effective" in p and parse_strict_time_ms(p.get("effective")) is None:
        out.append("revoke effective is not a time of the form YYYY-MM-DDTHH:MM:SS.sssZ")
    if "reason" in p and not _text_ok(p.get("reason"), 1, 500):
        out.append("revoke reason must be a string of 1 to 500 characters")
    return out


def check_payload_event(p: dict[str, Any]) -> list[str]:
    out = []
    if "eventTime" not in p:
        out.append("event has no eventTime")
    elif parse_rfc3339_ns(p["eventTime"]) is None:
        out.append("event eventTime is not an RFC 3339 date-time with an offset or Z")
    if "bizStep" not in p:
        out.append("event has no bizStep")
    elif type(p["bizStep"]) is not str:
        out.append("event bizStep is not a string")
    return out


PAYLOAD_CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "genesis": check_payload_genesis,
    "actor": check_payload_actor,
    "key": check_payload_key,
    "revoke": check_payload_revoke,
    "event": check_payload_event,
}


def check_statement(st: Any) -> tuple[list[str], bytes | None]:
    """Shape of a statement (FORMAT.md 3): returns (problems, signature bytes if well-formed)."""
    if type(st) is not dict:
        return ["statement is not a JSON object"], None
    out = []
    prob = _members_problem(st, _STATEMENT_KEYS, "statement")
    if prob:
        out.append(prob)
    kind = st.get("kind")
    if kind not in PAYLOAD_CHECKS:
        out.append(f"statement kind {kind!r} is not one of " + ", ".join(STATEMENT_KINDS))
    signer = st.get("signer")
    if not (type(signer) is str and _HEX32.match(signer)):
        out.append("statement signer is not a key ID of 32 lowercase hex digits")
    sig = b64decode_strict(st.get("sig"), 64)
    if sig is None:
        out.append("statement sig is not base64 of a 64-byte signature")
    payload = st.get("payload")
    if type(payload) is not dict:
        out.append("statement payload is not a JSON object")
    elif kind in PAYLOAD_CHECKS:
        out.extend(PAYLOAD_CHECKS[kind](payload))
    return out, sig


# ---------------------------------------------------------------------------------------
# The key registry replay (FORMAT.md 3.2-3.4, 3.6)
# ---------------------------------------------------------------------------------------


class ActorRec:
    __slots__ = ("index", "roles", "taint")

    def __init__(self, roles: frozenset[str], index: int, taint: int | None) -> None:
        self.roles = roles
        self.index = index
        self.taint = taint


class KeyRec:
    __slots__ = ("actor", "index", "public_key", "revoke_taint", "revoked_effective", "taint")

    def __init__(self, actor: str, public_key: bytes, index: int, taint: int | None) -> None:
        self.actor = actor
        self.public_key = public_key
        self.index = index
        self.revoked_effective: str | None = None
        self.revoke_taint: int | None = None
        self.taint = taint


class Registry:
    """Actors, keys and revocations as replayed from the log, in order.

    Operator statements that failed verification (signature, signer, shape) still take
    effect, since the log says what it says, but they are remembered as tainted. A later
    registry or authorisation failure that such a failed entry explains (a key for an actor
    whose registration failed, an event by a key whose registration or actor failed, a
    revocation that failed, ...) is not reported on its own: it is counted, and reported
    once at the failed entry (check depends_on_failed), so that one bad entry does not
    produce a cascade of failures over the rest of the log.
    """

    MAX_LISTED = 8

    def __init__(self, operator_public_key: bytes) -> None:
        self.operator_public_key = operator_public_key
        self.operator_key_id = key_id(operator_public_key)
        self.actors: dict[str, ActorRec] = {}
        self.glns: set[str] = set()
        self.keys: dict[str, KeyRec] = {}
        self.public_keys: set[bytes] = {operator_public_key}
        self.failed_actor_entry: int | None = None  # the latest failed actor registration
        self.failed_key_entry: int | None = None  # the latest failed key registration
        self.dependents: dict[int, list[Any]] = {}  # failed index -> [count, [first indexes]]

    def note_unreadable(self, index: int) -> None:
        """An entry whose statement cannot be read may have registered actors or keys: later
        failures that it could explain are counted against it."""
        self.failed_actor_entry = index
        self.failed_key_entry = index

    def note_dependent(self, taint: int, index: int) -> None:
        d = self.dependents.get(taint)
        if d is None:
            self.dependents[taint] = [1, [index]]
        else:
            d[0] += 1
            if len(d[1]) < self.MAX_LISTED and d[1][-1] != index:
                d[1].append(index)

    def apply_actor(self, p: dict[str, Any], index: int, taint: int | None) -> list[str]:
        out: list[str] = []
        if taint is not None:
            self.failed_actor_entry = index
        a, g, roles = p.get("actor"), p.get("gln"), p.get("roles")
        if type(a) is not str:
            return out
        if a in self.actors:
            out.append(f"actor ID {a!r} is already registered (entry {self.actors[a].index})")
            return out
        if type(g) is str:
            if g in self.glns:
                out.append(f"GLN {g} is already registered to another actor")
            self.glns.add(g)
        rs = frozenset(x for x in roles if type(x) is str) if type(roles) is list else frozenset()
        self.actors[a] = ActorRec(rs, index, taint)
        return out

    def apply_key(self, p: dict[str, Any], index: int, taint: int | None) -> list[str]:
        out: list[str] = []
        if taint is not None:
            self.failed_key_entry = index
        a = p.get("actor")
        pk = b64decode_strict(p.get("public_key"), 32)
        if type(a) is not str or pk is None:
            return out
        actor = self.actors.get(a)
        if actor is None:
            if taint is None and self.failed_actor_entry is not None:
                taint = self.failed_actor_entry  # explained by a failed actor registration
                self.note_dependent(taint, index)
            elif taint is None:
                out.append(f"key is added for actor {a!r}, which is not registered")
                return out
        elif taint is None:
            taint = actor.taint
        if pk in self.public_keys:
            out.append("public key is already in the log")
            return out
        self.public_keys.add(pk)
        self.keys[key_id(pk)] = KeyRec(a, pk, index, taint)
        return out

    def apply_revoke(self, p: dict[str, Any], index: int, taint: int | None) -> list[str]:
        out: list[str] = []
        a, kid, eff = p.get("actor"), p.get("key_id"), p.get("effective")
        if type(a) is not str or type(kid) is not str or parse_strict_time_ms(eff) is None:
            return out
        rec = self.keys.get(kid)
        if rec is None or rec.actor != a:
            explained = (
                self.failed_key_entry
                if self.failed_key_entry is not None
                else self.failed_actor_entry
            )
            if rec is not None and rec.taint is not None:
                explained = rec.taint
            if taint is None and explained is not None:
                self.note_dependent(explained, index)
            elif taint is None:
                out.append(f"key {kid} was not added for actor {a!r}")
            return out
        if rec.revoked_effective is not None:
            out.append(f"key {kid} is already revoked")
            return out
        rec.revoked_effective = eff
        rec.revoke_taint = taint
        return out

    def authorise_event(
        self, signer: str, payload: dict[str, Any], t: str | None, t_ms: int | None, index: int
    ) -> tuple[list[tuple[str, str]], KeyRec | None]:
        """FORMAT.md 3.6 rules 1-4 for an event at an entry with time t (ISO string and ms)."""
        out: list[tuple[str, str]] = []
        rec = self.keys.get(signer)
        if rec is None:
            if signer == self.operator_key_id:
                out.append(
                    ("unknown_key", "events must be signed by an actor's key, not the operator key")
                )
            elif self.failed_key_entry is not None:
                self.note_dependent(self.failed_key_entry, index)
            else:
                out.append(
                    ("unknown_key", f"signer {signer} is not a key added by an earlier key entry")
                )
        else:
            if t is not None and rec.revoked_effective is not None and rec.revoked_effective <= t:
                if rec.revoke_taint is not None:
                    self.note_dependent(rec.revoke_taint, index)
                else:
                    out.append(
                        (
                            "key_revoked",
                            f"key {signer} of actor {rec.actor} was revoked with effect "
                            f"from {rec.revoked_effective}, at or before this entry's time {t}",
                        )
                    )
            step = payload.get("bizStep")
            if type(step) is str:
                actor = self.actors.get(rec.actor)
                roles = actor.roles if actor is not None else frozenset()
                allowed = BIZSTEP_ROLES.get(step)
                if allowed is None:
                    out.append(
                        (
                            "role_not_permitted",
                            f"bizStep {step!r} is not a step that any role may post",
                        )
                    )
                elif not (roles & allowed):
                    taint = (
                        actor.taint if actor is not None and actor.taint is not None else rec.taint
                    )
                    if taint is not None:
                        self.note_dependent(taint, index)
                    else:
                        out.append(
                            (
                                "role_not_permitted",
                                f"actor {rec.actor} (roles: {', '.join(sorted(roles)) or 'none'})"
                                f" may not post bizStep {step!r} (allowed: {', '.join(sorted(allowed))})",
                            )
                        )
        ev_ns = parse_rfc3339_ns(payload.get("eventTime"))
        if ev_ns is not None and t_ms is not None:
            if ev_ns > (t_ms + EVENT_FUTURE_ALLOWANCE_MS) * 1_000_000:
                out.append(
                    (
                        "event_in_future",
                        f"eventTime {payload.get('eventTime')} is more than 10 minutes "
                        f"after the entry's time {t}",
                    )
                )
        return out, rec


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------


class Failure:
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
                self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")
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
            '{"ok": %s, "entries": %d, "checkpoints": %d, "failures": ['
            % ("true" if self.ok else "false", self.entries, self.checkpoints)
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
# The hash chain and the Merkle tree, reconciled with a small look-ahead window
# ---------------------------------------------------------------------------------------


class EntryRec:
    """What the chain needs from one entry line, plus the failures found for it so far."""

    __slots__ = ("H", "P", "fails", "idx", "line", "pos", "time")

    def __init__(
        self,
        pos: int,
        line: int,
        idx: int | None,
        H: bytes | None,
        P: bytes | None,
        time: str | None,
    ) -> None:
        self.pos = pos
        self.line = line
        self.idx = idx  # the index the entry claims (None if unreadable)
        self.H = H  # entry hash (RFC 9162 leaf hash of the leaf bytes)
        self.P = P  # its prev (32 bytes) or None
        self.time = time  # its time if well-formed
        self.fails: list[tuple[str, str]] = []

    def fail(self, check: str, message: str) -> None:
        for i, (c, m) in enumerate(self.fails):
            if c == check:
                if message not in m:
                    self.fails[i] = (c, m + "; " + message)
                return
        self.fails.append((check, message))


class ChainTracker:
    """Decides, entry by entry, which leaf each index holds, and blames broken links on the
    right entry.

    Entries wait in a window of WINDOW lines. For the entry at the head (index k) the
    tracker knows the next entries, so it can tell an altered entry k (its hash differs
    from the prev recorded by entry k+1, while k+1 and k+2 link up) from an entry k+1 with an
    altered prev. The Merkle tree then takes, for an altered entry, the hash that its
    successor records: checkpoints signed before the alteration still match, and the only
    failures are at the altered entry. Missing, repeated, reordered and inserted entries
    are recognised by their indexes and hashes the same way. These repairs never hide a
    problem: each is made only together with a failure report.
    """

    WINDOW = 5

    def __init__(
        self,
        emit: Callable[[EntryRec, int | None], None],
        on_leaf: Callable[[int], None],
        on_gap: Callable[[int, int], None],
        fail_at: Callable[[int, str, str], None],
    ) -> None:
        self.window: deque[EntryRec] = deque()
        self.k = 0  # next index to place
        self.head: bytes | None = b"\x00" * 32  # hash that entry k's prev must equal
        self.tree = CompactRange()
        self.base_time: str | None = None
        self.emit = emit
        self.on_leaf = on_leaf
        self.on_gap = on_gap
        self.fail_at = fail_at
        self.skipped: dict[int, bytes | None] = {}  # recent out-of-place entries: index -> hash

    def push(self, rec: EntryRec) -> None:
        self.window.append(rec)
        while len(self.window) > self.WINDOW:
            self._step()

    def finish(self) -> None:
        while self.window:
            self._step()

    def _find(self, idx: int, start: int) -> EntryRec | None:
        w = self.window
        for i in range(start, len(w)):
            if w[i].idx == idx:
                return w[i]
        return None

    def _break_tree(self, start: int, end: int) -> None:
        self.tree = None  # type: ignore[assignment]
        self.on_gap(start, end)

    def _commit_leaf(self, h: bytes | None) -> None:
        if h is None:
            # An unreadable entry whose hash no successor records: the tree cannot go on.
            if self.tree is not None:
                self._break_tree(self.k, self.k + 1)
        elif self.tree is not None:
            self.tree.append_hash(h)
        self.head = h
        self.k += 1
        if self.tree is not None:
            self.on_leaf(self.k)

    def _step(self) -> None:
        w = self.window
        e = w[0]
        k = self.k
        idx = e.idx if e.idx is not None else k
        if idx != k:
            later = self._find(k, 1) is not None
            nxt = w[1] if len(w) > 1 else None
            in_place = not later and (
                (nxt is not None and nxt.idx == k + 1)
                or (nxt is None and e.P is not None and self.head == e.P)
            )
            if in_place:
                e.fail("index_sequence", f"index is {e.idx} but the entry stands at index {k}")
                e.idx = k
            elif later or idx < k:
                w.popleft()
                if idx < k and idx == k - 1 and e.H is not None and self.head == e.H:
                    msg = f"entry {idx} appears a second time (line {e.line})"
                elif idx < k:
                    msg = f"entry with index {idx} appears out of order, after entry {k - 1} (line {e.line})"
                else:
                    msg = f"entry with index {idx} appears out of order, before entry {k} (line {e.line})"
                e.fail("index_sequence", msg)
                if len(self.skipped) > 64:
                    self.skipped.clear()
                self.skipped[idx] = e.H
                self.emit(e, idx)
                return
            else:
                missing = idx - k
                what = f"entry {k} is" if missing == 1 else f"entries {k} to {idx - 1} are"
                if not (missing == 1 and e.P is not None and self.skipped.get(k) == e.P):
                    # (an entry k seen out of order, whose hash is what entry k+1 records, is
                    # already reported)
                    self.fail_at(
                        k, "index_sequence", f"{what} missing (the next entry has index {idx})"
                    )
                if missing == 1 and e.P is not None:
                    self._commit_leaf(e.P)  # the missing entry's hash, as its successor records it
                else:
                    if self.tree is not None:
                        self._break_tree(k, idx)
                    self.k = idx
                    self.head = e.P
                return
        # e stands at index k. Another entry in the window may claim the same index: keep the
        # one that the next index's prev names.
        others = [r for r in list(w)[1:] if r.idx == k]
        if others:
            succ = self._find(k + 1, 1)
            if succ is not None and succ.P is not None and succ.P != e.H:
                if any(o.H == succ.P for o in others):
                    w.popleft()
                    e.fail(
                        "chain_link",
                        f"entry claims index {k} but is not part of the chain: "
                        f"entry {k + 1} records the hash of another entry {k} (line {e.line})",
                    )
                    self.emit(e, idx)
                    return
        w.popleft()
        if e.P is not None and self.head is not None and self.head != e.P:
            e.fail(
                "chain_link",
                f"prev does not match the hash of entry {k - 1}"
                if k > 0
                else "prev of entry 0 must be 64 zero digits",
            )
        t = e.H
        s1 = self._find(k + 1, 0)
        if s1 is not None and s1.P is not None and s1.P != e.H:
            s2 = self._find(k + 2, 0)
            if e.H is None or (s2 is not None and s1.H is not None and s2.P == s1.H):
                t = s1.P
                if e.H is not None:
                    e.fail(
                        "chain_link",
                        f"entry {k + 1} records a different hash for this entry: "
                        "it was altered after it was sequenced",
                    )
        self._check_time(e, s1)
        self._commit_leaf(t)
        self.emit(e, k)

    def _check_time(self, e: EntryRec, s1: EntryRec | None) -> None:
        a, b = self.base_time, e.time
        if b is None:
            return
        if a is not None and b < a:
            e.fail("time_order", f"time {b} is earlier than the previous entry's time {a}")
            self.base_time = b
            return
        c = s1.time if s1 is not None else None
        if a is not None and c is not None and c < b and c >= a:
            e.fail(
                "time_order",
                f"time {b} is later than the next entry's time {c} "
                f"(and the entries around it are in order)",
            )
            return  # keep the previous baseline, so the next entry is not blamed as well
        self.base_time = b


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
# The export verifier
# ---------------------------------------------------------------------------------------


class UsageError(Exception):
    """Bad arguments: exit status 2."""


_STMT_SLICE_FIELDS = (b'"statement":', b',"time":', b',"sig":"', b',"signer":"')


def statement_body_from_canonical_leaf(leaf: bytes) -> bytes | None:
    """JCS(statement without sig), cut out of canonical entry bytes whose statement has
    exactly the members kind, payload, sig, signer with string values kind, sig and signer.

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
    """Verifies one export, read as a stream of lines (FORMAT.md section 8)."""

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
        self.origin = operator.name
        self.since = since
        self.report = report or Report()
        self.progress = progress
        self.progress_every = progress_every
        self.registry = Registry(operator.public_key)
        self.exact_duplicates = exact_duplicates
        self.seen_ids: dict[bytes, int] | None = {} if exact_duplicates else None
        self.bloom: GrowingBloomFilter | None = None
        self.candidates: dict[bytes, list[tuple[int, int]]] = {}  # sid -> [(position, index)]
        self.well_formed = bytearray()  # one bit per entry: canonical and well-shaped
        self.chain = ChainTracker(self._emit_entry, self._on_leaf, self._on_gap, self._fail_at)
        self.header: dict[str, Any] | None = None
        self.header_size: int | None = None
        self.positions = 0  # entry lines read
        self.last_claimed: int | None = None
        self.checkpoints = 0
        # roots to compare when the tree reaches their size: (size, root, index, extra, check)
        self.pending: list[tuple[int, bytes, int | None, dict[str, Any], str]] = []
        self.unverifiable: list[tuple[int | None, dict[str, Any], str]] = []
        self.gap_at: int | None = None
        self._diverged_since: tuple[int | None, dict[str, Any]] | None = None
        self._diverged: list[tuple[int | None, dict[str, Any]]] = []
        self.genesis_mismatch = False
        self.genesis_key: bytes | None = None
        self.genesis_key_signed = 0
        self.genesis_key_checkpoints = 0
        self.started = _time.monotonic()
        self._started = False
        self._replayed = False

    # -- failure helpers ------------------------------------------------------------------

    def _fail(self, index: int | None, check: str, message: str, **extra: Any) -> None:
        self.report.add(Failure(index, check, message, extra))

    def _fail_at(self, index: int, check: str, message: str) -> None:
        self._fail(index, check, message)

    def _emit_entry(self, rec: EntryRec, index: int | None) -> None:
        where = index if index is not None else rec.pos
        for check, message in rec.fails:
            self._fail(where, check, message, line=rec.line)

    # -- Merkle tree / checkpoints --------------------------------------------------------

    def _on_leaf(self, size: int) -> None:
        if self.pending:
            self._check_pending(size)

    def _check_pending(self, size: int) -> None:
        tree = self.chain.tree
        keep = []
        root = None
        for item in self.pending:
            want, want_root, at, extra, check = item
            if want == size and tree is not None:
                if root is None:
                    root = tree.root()
                if check == "since_root":
                    if root != want_root:
                        self._fail(
                            at,
                            check,
                            f"the export's entries give a different root at tree size {want} "
                            "than the --since checkpoint: the log does not extend the history you saw",
                            **extra,
                        )
                elif root == want_root:
                    self._diverged_since = (
                        None  # in step again (an earlier mismatch was that checkpoint's)
                    )
                elif self._diverged_since is not None:
                    # once the entries' tree differs from what was signed, every later root must
                    # differ too: counted, and reported once at the end
                    self._diverged.append((at, extra))
                else:
                    self._fail(
                        at,
                        check,
                        f"root {b64encode(want_root)} is not the Merkle tree hash of the "
                        f"first {want} entries ({b64encode(root)})",
                        **extra,
                    )
                    self._diverged_since = (at, extra)
            elif want < size or tree is None:
                self.unverifiable.append((at, extra, check))
            else:
                keep.append(item)
        self.pending = keep

    def _on_gap(self, start: int, end: int) -> None:
        if self.gap_at is None:
            self.gap_at = start
        for _size, _root, at, extra, check in self.pending:  # these can no longer be checked
            self.unverifiable.append((at, extra, check))
        self.pending = []

    def _queue_root(
        self, size: int, root: bytes, at: int | None, extra: dict[str, Any], check: str
    ) -> None:
        tree = self.chain.tree
        if tree is None:
            self.unverifiable.append((at, extra, check))
            return
        self.pending.append((size, root, at, extra, check))
        if tree.size == size and not self.chain.window:
            self._check_pending(size)
        elif tree.size > size:
            self._check_pending(tree.size)

    # -- lines ---------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes]) -> Report:
        """The first pass: every line, in order (a binary file object will do)."""
        line_no = 0
        for raw in lines:
            line_no += 1
            if not raw.endswith(b"\n"):  # only the last line can lack it
                self._fail(
                    None,
                    "truncated",
                    f"the last line ({line_no}) does not end with a newline: the export was cut",
                    line=line_no,
                )
            self._line(raw, line_no)
        self.finish()
        return self.report

    def _line(self, raw: bytes, line_no: int) -> None:
        fast = split_entry_line(raw)
        if fast is not None and self.header is not None:
            self._entry_line({"type": "entry", "index": fast[0], "leaf": fast[1]}, line_no)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self._bad_line(line_no, "line is not UTF-8")
            return
        text = text.rstrip("\n")
        if line_no == 1 and text.startswith("\ufeff"):
            self._bad_line(line_no, "line starts with a byte order mark")
            return
        try:
            obj = _STRICT.loads(text, exact=False)
        except JSONError as e:
            self._bad_line(line_no, f"line is not valid JSON: {e}")
            return
        typ = obj.get("type") if type(obj) is dict else None
        if typ == "entry":
            if self.header is None and line_no == 1:
                self._fail(
                    None, "header", "the export does not start with a header line", line=line_no
                )
                self.header = {}
            self._entry_line(obj, line_no)
        elif typ == "checkpoint":
            if self.header is None and line_no == 1:
                self._fail(
                    None, "header", "the export does not start with a header line", line=line_no
                )
                self.header = {}
            self._checkpoint_line(obj, line_no)
        elif typ == "header":
            self._header_line(obj, line_no)
        else:
            self._bad_line(line_no, "line is not a header, entry or checkpoint object")

    def _bad_line(self, line_no: int, message: str) -> None:
        if line_no == 1 and self.header is None:
            self._fail(
                None, "header", f"the first line is not a valid header: {message}", line=line_no
            )
            self.header = {}
            return
        self._fail(None, "malformed", message, line=line_no)

    def _header_line(self, obj: dict[str, Any], line_no: int) -> None:
        if line_no != 1 or self.header is not None:
            self._fail(None, "header", "a second header line", line=line_no)
            return
        self.header = obj
        problems = []
        expected = {"type", "format", "v", "origin", "verifier_key", "tree_size"}
        prob = _members_problem(obj, frozenset(expected), "header")
        if prob:
            problems.append(prob)
        if obj.get("format") != "traceledger-export":
            problems.append("format is not 'traceledger-export'")
        if obj.get("v") != 1 or type(obj.get("v")) is not int:
            problems.append("v is not 1")
        if obj.get("origin") != self.origin:
            problems.append(
                f"origin {obj.get('origin')!r} is not the operator key's name {self.origin!r}"
            )
        vk = obj.get("verifier_key")
        try:
            hk = parse_vkey(vk) if type(vk) is str else None
        except NoteError:
            hk = None
        if hk is None:
            problems.append("verifier_key is not a valid verifier key")
        elif hk != self.operator:
            problems.append(
                f"verifier_key {vk} is not the operator key given ({self.operator.text})"
            )
        ts = obj.get("tree_size")
        if type(ts) is int and ts >= 0:
            self.header_size = ts
        else:
            problems.append("tree_size is not a non-negative integer")
        for p in problems:
            self._fail(None, "header", p, line=line_no)
        self._ensure_started()

    def _ensure_started(self) -> None:
        """Set up what depends on the header (run once, with or without a header)."""
        if self._started:
            return
        self._started = True
        if self.header is None:
            self.header = {}
        if not self.exact_duplicates:
            # a few bits per entry, sized from the header's tree_size (and grown, should the
            # header claim fewer entries than there are)
            self.bloom = GrowingBloomFilter(
                self.header_size if self.header_size is not None else 1 << 16
            )
        if self.since is not None:
            self._queue_root(self.since.size, self.since.root, None, {"since": True}, "since_root")

    # -- entries ---------------------------------------------------------------------------

    def _entry_line(self, obj: dict[str, Any], line_no: int) -> None:
        self._ensure_started()
        pos = self.positions
        self.positions = pos + 1
        wrapper_index = obj.get("index")
        rec = EntryRec(pos, line_no, None, None, None, None)
        if type(wrapper_index) is int:
            rec.idx = wrapper_index
        if obj.keys() != {"type", "index", "leaf"}:
            rec.fail("malformed", "entry line must have exactly the members type, index and leaf")
        leaf = b64decode_strict(obj.get("leaf"))
        wf = 0
        if leaf is None:
            rec.fail("malformed", "leaf is not valid base64")
            self.registry.note_unreadable(rec.idx if rec.idx is not None else pos)
        else:
            rec.H = hashlib.sha256(b"\x00" + leaf).digest()
            wf = self._check_entry(leaf, rec, wrapper_index)
        self.last_claimed = rec.idx
        # one bit per entry: canonical and well-shaped (the second pass may slice its bytes)
        if pos & 7 == 0:
            self.well_formed.append(0)
        if wf:
            self.well_formed[pos >> 3] |= 1 << (pos & 7)
        self.chain.push(rec)
        if self.progress is not None and self.positions % self.progress_every == 0:
            dt = max(_time.monotonic() - self.started, 1e-9)
            self.progress.write(
                f"  {self.positions} entries verified ({self.positions / dt:,.0f} entries/s)\n"
            )
            self.progress.flush()

    def _check_entry(self, leaf: bytes, rec: EntryRec, wrapper_index: Any) -> int:
        """All checks of one entry that do not need its neighbours. Returns 1 if the entry is
        canonical and well-shaped (its statement ID can later be recomputed by slicing)."""
        self._replayed = False
        wf = self._check_entry_inner(leaf, rec, wrapper_index)
        if not self._replayed:  # its statement could not be read, let alone replayed
            self.registry.note_unreadable(rec.idx if rec.idx is not None else rec.pos)
        return wf

    def _check_entry_inner(self, leaf: bytes, rec: EntryRec, wrapper_index: Any) -> int:
        try:
            text = leaf.decode("utf-8")
            entry, unsafe = parse_leaf(text)
        except UnicodeDecodeError:
            rec.fail("malformed", "leaf is not UTF-8")
            return 0
        except JSONError as e:
            rec.fail("malformed", f"leaf is not valid JSON: {e}")
            return 0
        if not unsafe:
            unsafe = has_non_bmp(leaf)
        ser = jcs_text if unsafe else jcs_fast
        if type(entry) is not dict:
            rec.fail("entry_shape", "entry is not a JSON object")
            return 0

        # -- canonical bytes, composed from parts so the payload is serialised once
        st = entry.get("statement")
        body: bytes | None = None
        try:
            if (
                not unsafe
                and entry.keys() == _ENTRY_KEYS
                and type(st) is dict
                and st.keys() == _STATEMENT_KEYS
                and type(st["kind"]) is str
                and type(st["signer"]) is str
                and type(st["sig"]) is str
                and type(st["payload"]) is dict
                and type(entry["index"]) is int
                and type(entry["prev"]) is str
                and type(entry["time"]) is str
                and type(entry["v"]) is int
            ):
                # the common case, with the fewest calls: JCS(entry) and JCS(statement
                # without sig) share every part; the payload is serialised once
                enc = _c_encode_str
                kind_j, payload_j, sig_j, signer_j = (
                    enc(st["kind"]),
                    _fast_encode_container(st["payload"]),
                    enc(st["sig"]),
                    enc(st["signer"]),
                )
                canonical = "".join(
                    (
                        '{"index":',
                        str(entry["index"]),
                        ',"prev":',
                        enc(entry["prev"]),
                        ',"statement":{"kind":',
                        kind_j,
                        ',"payload":',
                        payload_j,
                        ',"sig":',
                        sig_j,
                        ',"signer":',
                        signer_j,
                        '},"time":',
                        enc(entry["time"]),
                        ',"v":',
                        str(entry["v"]),
                        "}",
                    )
                ).encode("utf-8")
                if canonical == leaf:
                    # JCS(statement without sig) is a slice of the bytes: no second encoding
                    body = statement_body_from_canonical_leaf(leaf)
                if body is None:
                    body = "".join(
                        ('{"kind":', kind_j, ',"payload":', payload_j, ',"signer":', signer_j, "}")
                    ).encode("utf-8")
                statement_len = len(body) + 7 + len(sig_j.encode("utf-8"))
            elif entry.keys() == _ENTRY_KEYS and type(st) is dict and st.keys() == _STATEMENT_KEYS:
                # any types, or numbers/keys that need the complete implementation
                head_b = ('{"kind":' + ser(st["kind"]) + ',"payload":' + ser(st["payload"])).encode(
                    "utf-8"
                )
                signer_b = (',"signer":' + ser(st["signer"]) + "}").encode("utf-8")
                sig_b = (',"sig":' + ser(st["sig"])).encode("utf-8")
                statement_b = head_b + sig_b + signer_b
                statement_len = len(statement_b)
                canonical = b"".join(
                    (
                        (
                            '{"index":'
                            + ser(entry["index"])
                            + ',"prev":'
                            + ser(entry["prev"])
                            + ',"statement":'
                        ).encode("utf-8"),
                        statement_b,
                        (',"time":' + ser(entry["time"]) + ',"v":' + ser(entry["v"]) + "}").encode(
                            "utf-8"
                        ),
                    )
                )
                body = head_b + signer_b
            else:
                canonical = ser(entry).encode("utf-8")
                statement_len = len(jcs(st)) if type(st) is dict else 0
        except (JSONError, UnicodeEncodeError, RecursionError, ValueError, TypeError) as e:
            rec.fail("canonical_bytes", f"entry cannot be canonicalised: {e}")
            return 0
        canonical_ok = canonical == leaf
        if not canonical_ok:
            try:
                _STRICT.loads(text)  # duplicate names, NaN, ...: say so
            except JSONError as e:
                rec.fail("malformed", f"leaf is not acceptable JSON: {e}")
                return 0
            rec.fail(
                "canonical_bytes", "leaf bytes are not the RFC 8785 canonical form of the entry"
            )

        # -- entry members
        ok_shape = True
        prob = _members_problem(entry, _ENTRY_KEYS, "entry")
        if prob:
            rec.fail("entry_shape", prob)
            ok_shape = False
        index = entry.get("index")
        if type(index) is int and index >= 0:
            if type(wrapper_index) is int and wrapper_index != index:
                rec.fail(
                    "index_sequence",
                    f"the export line says index {wrapper_index} but the entry says {index}",
                )
            rec.idx = index
        else:
            rec.fail("entry_shape", "entry index is not a non-negative integer")
            ok_shape = False
        prev = entry.get("prev")
        if type(prev) is str and _HEX64.match(prev):
            rec.P = bytes.fromhex(prev)
        else:
            rec.fail("entry_shape", "entry prev is not 64 lowercase hex digits")
            ok_shape = False
        t = entry.get("time")
        t_ms = parse_strict_time_ms(t)
        if t_ms is None:
            rec.fail("entry_shape", "entry time is not of the form YYYY-MM-DDTHH:MM:SS.sssZ")
            t = None
            ok_shape = False
        rec.time = t
        v = entry.get("v")
        if not (type(v) is int and v == 1):
            rec.fail("version", f"entry format version v is {v!r}, not 1")

        # -- statement
        problems, sig = check_statement(st)
        if statement_len > MAX_STATEMENT_BYTES:
            problems.append(f"statement is {statement_len} bytes, more than {MAX_STATEMENT_BYTES}")
        kind = st.get("kind") if type(st) is dict else None
        at = rec.idx if rec.idx is not None else rec.pos
        if kind == "genesis" and at != 0:
            problems.append("a genesis statement may only stand at index 0")
        elif at == 0 and rec.pos == 0 and kind != "genesis":
            rec.fail("genesis", "entry 0 is not a genesis statement")
        for p in problems:
            rec.fail("statement_shape", p)
        if type(st) is not dict:
            return 0
        if body is None:
            try:
                body = jcs({k: v for k, v in st.items() if k != "sig"})
            except JSONError:
                return 0
        if kind not in _DOMAIN:
            return 0
        message = _DOMAIN[kind] + body
        sid = hashlib.sha256(message).digest()
        self._note_statement_id(sid, rec, at)
        signer = st.get("signer")
        payload = st.get("payload")
        if type(signer) is not str or type(payload) is not dict:
            return 0
        self._replayed = True
        self._authorise(kind, signer, payload, sig, message, rec, at, t, t_ms, bool(problems))
        return 1 if (canonical_ok and ok_shape and not problems) else 0

    def _note_statement_id(self, sid: bytes, rec: EntryRec, at: int) -> None:
        if self.seen_ids is not None:
            first = self.seen_ids.get(sid)
            if first is not None:
                rec.fail("duplicate_statement", f"the same statement is already at entry {first}")
            else:
                self.seen_ids[sid] = at
        elif self.bloom is not None and self.bloom.add_check(sid):
            self.candidates.setdefault(sid, []).append((rec.pos, at))

    def _authorise(
        self,
        kind: str,
        signer: str,
        payload: dict[str, Any],
        sig: bytes | None,
        message: bytes,
        rec: EntryRec,
        at: int,
        t: str | None,
        t_ms: int | None,
        shape_failed: bool,
    ) -> None:
        reg = self.registry
        failed = shape_failed
        if kind in OPERATOR_KINDS:
            if kind == "genesis":
                self._check_genesis(payload, signer, rec)
            if signer != reg.operator_key_id:
                gk = self.genesis_key
                if (
                    self.genesis_mismatch
                    and gk is not None
                    and signer == key_id(gk)
                    and sig is not None
                    and ed25519_verify(gk, message, sig)
                ):
                    self.genesis_key_signed += 1  # reported once, at the genesis
                else:
                    rec.fail(
                        "operator_only",
                        f"a {kind} statement must be signed by the operator key "
                        f"({reg.operator_key_id}), not {signer}",
                    )
                failed = True
            elif sig is not None and not ed25519_verify(reg.operator_public_key, message, sig):
                if (
                    self.genesis_mismatch
                    and self.genesis_key is not None
                    and ed25519_verify(self.genesis_key, message, sig)
                ):
                    self.genesis_key_signed += 1
                else:
                    rec.fail(
                        "signature",
                        f"the {kind} statement's signature does not verify with the operator key",
                    )
                failed = True
            taint = at if failed else None
            if kind == "actor":
                for m in reg.apply_actor(payload, at, taint):
                    rec.fail("registry", m)
            elif kind == "key":
                for m in reg.apply_key(payload, at, taint):
                    rec.fail("registry", m)
            elif kind == "revoke":
                for m in reg.apply_revoke(payload, at, taint):
                    rec.fail("registry", m)
            return
        # an event
        fails, krec = reg.authorise_event(signer, payload, t, t_ms, at)
        for check, m in fails:
            rec.fail(check, m)
        if (
            krec is not None
            and sig is not None
            and not ed25519_verify(krec.public_key, message, sig)
        ):
            rec.fail(
                "signature",
                f"the event's signature does not verify with key {signer} of actor {krec.actor}",
            )

    def _check_genesis(self, payload: dict[str, Any], signer: str, rec: EntryRec) -> None:
        op = self.operator
        pk = b64decode_strict(payload.get("operator_key"), 32)
        if pk is not None and pk != op.public_key:
            rec.fail(
                "genesis",
                "genesis names a different operator key than the one given "
                f"({b64encode(pk)} instead of {b64encode(op.public_key)})",
            )
            self.genesis_mismatch = True
            self.genesis_key = pk
        if payload.get("origin") != op.name:
            rec.fail(
                "genesis",
                f"genesis origin {payload.get('origin')!r} is not the operator key's name {op.name!r}",
            )
        if pk is not None and signer != key_id(pk):
            rec.fail("genesis", "genesis signer is not the key ID of its operator_key")

    # -- checkpoints -------------------------------------------------------------------------

    def _checkpoint_line(self, obj: dict[str, Any], line_no: int) -> None:
        """Signature, origin and placement now; the root when the tree reaches its size.

        A checkpoint failure's index is the entry that brings the log to the checkpoint's
        size (the entry it stands after, when misplaced); None before any entry."""
        self._ensure_started()
        ordinal = self.checkpoints
        self.checkpoints += 1
        extra: dict[str, Any] = {"checkpoint": ordinal, "line": line_no}
        at = self.last_claimed
        note = obj.get("note")
        if obj.keys() != {"type", "note"} or type(note) is not str:
            self._fail(
                at,
                "checkpoint_signature",
                "checkpoint line must have exactly the members type and note (a string)",
                **extra,
            )
            return
        try:
            text, _sigs = parse_note(note)
        except NoteError as e:
            self._fail(at, "checkpoint_signature", f"checkpoint note is malformed: {e}", **extra)
            return
        text_problem = ""
        try:
            cp: Checkpoint | None = parse_checkpoint_text(text)
        except NoteError as e:
            cp = None
            text_problem = str(e)
        placed = cp is not None and cp.size in (
            0 if self.last_claimed is None else self.last_claimed + 1,
            self.positions,
        )
        if cp is not None:
            extra["tree_size"] = cp.size
            if placed:
                at = cp.size - 1 if cp.size > 0 else None
        else:
            self._fail(
                at, "checkpoint_signature", f"checkpoint text is malformed: {text_problem}", **extra
            )
        try:
            verify_note(note, [self.operator])
        except NoteError as e:
            gk = self.genesis_key if self.genesis_mismatch else None
            try:
                if gk is None:
                    raise
                verify_note(note, [VerifierKey(self.origin, note_key_id(self.origin, gk), gk, "")])
                self.genesis_key_checkpoints += 1  # reported once, at the genesis
            except NoteError:
                self._fail(
                    at,
                    "checkpoint_signature",
                    f"{e} (the operator's signature must verify)",
                    **extra,
                )
        if cp is None:
            return
        if cp.origin != self.origin:
            self._fail(
                at,
                "checkpoint_origin",
                f"origin {cp.origin!r} is not the log's origin {self.origin!r}",
                **extra,
            )
        if not placed:
            expected = 0 if self.last_claimed is None else self.last_claimed + 1
            where = (
                "after the header"
                if self.last_claimed is None
                else f"after entry {self.last_claimed}"
            )
            self._fail(
                at,
                "checkpoint_size",
                f"checkpoint for tree size {cp.size} stands {where}, "
                f"where the tree size is {expected}",
                **extra,
            )
        self._queue_root(cp.size, cp.root, at, extra, "checkpoint_root")

    # -- the end -----------------------------------------------------------------------------

    def finish(self) -> None:
        if self.header is None:
            self._fail(None, "header", "the export is empty: no header line")
            self.header = {}
        self.chain.finish()
        n = self.positions
        if self.header_size is not None and self.header_size != n:
            self._fail(
                None,
                "truncated",
                f"the header says tree_size {self.header_size} but the export has {n} entries",
            )
        final = self.chain.k
        for size, _root, at, extra, check in self.pending:
            if check == "since_root":
                self._fail(
                    None,
                    "since_root",
                    f"the --since checkpoint is for tree size {size}, but the "
                    f"export has only {final} entries",
                )
            else:
                self._fail(
                    at,
                    "checkpoint_root",
                    f"checkpoint for tree size {size} is beyond the {final} entries of the export",
                    **extra,
                )
        self.pending = []
        if self.unverifiable:
            cps = [(a, e) for a, e, c in self.unverifiable if c == "checkpoint_root"]
            if cps:
                ords = [e.get("checkpoint") for _, e in cps]
                where = (
                    f"from entry {self.gap_at} on the tree is incomplete"
                    if self.gap_at is not None
                    else "they are misplaced"
                )
                self._fail(
                    cps[0][0],
                    "checkpoint_root",
                    f"{len(cps)} checkpoint root(s) could not be checked "
                    f"against the entries ({where}); checkpoints {ords[0]} to {ords[-1]}",
                    checkpoint=ords[0],
                )
            if any(c == "since_root" for _, _, c in self.unverifiable):
                self._fail(
                    None,
                    "since_root",
                    "the --since checkpoint's root could not be checked: "
                    "entries before its size are missing",
                )
        if self._diverged:
            first_at, first_extra = self._diverged[0]
            last_at, last_extra = self._diverged[-1]
            self._fail(
                first_at,
                "checkpoint_root",
                f"{len(self._diverged)} later checkpoint(s) (checkpoints "
                f"{first_extra.get('checkpoint')} to {last_extra.get('checkpoint')}, up to tree size "
                f"{last_extra.get('tree_size')}) do not match the entries either, as follows from the "
                "mismatch reported before them",
                **first_extra,
            )
        if self.genesis_key_signed:
            self._fail(
                0,
                "genesis",
                f"{self.genesis_key_signed} operator statement(s) are signed by the key "
                "the genesis names, not by the operator key given",
            )
        if self.genesis_key_checkpoints:
            self._fail(
                None,
                "checkpoint_signature",
                f"{self.genesis_key_checkpoints} checkpoint(s) are signed "
                "by the key the genesis names, not by the operator key given",
            )
        for taint, (count, listed) in sorted(self.registry.dependents.items()):
            shown = ", ".join(str(i) for i in listed) + (", ..." if count > len(listed) else "")
            self._fail(
                taint,
                "depends_on_failed",
                f"{count} later entr{'y is' if count == 1 else 'ies are'} "
                f"not authorised under the key registry as written (entries {shown}), because this "
                "entry, which registers actors or keys, failed verification",
            )
        self.report.entries = n
        self.report.checkpoints = self.checkpoints

    # -- duplicates ---------------------------------------------------------------------------

    def confirm_duplicates(self, lines: Iterable[bytes]) -> None:
        """The second pass: confirm the Bloom filter's possible duplicates exactly."""
        if not self.candidates:
            return
        cands = self.candidates
        last_pos = max(p for occ in cands.values() for p, _ in occ)
        first_seen: dict[bytes, Any] = {}
        pos = -1
        wf = self.well_formed
        started = _time.monotonic()
        for raw in lines:
            fast = split_entry_line(raw)
            if fast is not None:  # the usual writer's form; anything else is parsed in full
                obj = {"index": fast[0], "leaf": fast[1]}
            else:
                try:
                    obj = _STRICT.loads(raw.decode("utf-8").rstrip("\n"), exact=False)
                except (UnicodeDecodeError, JSONError):
                    continue
                if type(obj) is not dict or obj.get("type") != "entry":
                    continue
            pos += 1
            if pos > last_pos:
                break
            if not (wf[pos >> 3] >> (pos & 7)) & 1:
                sid = self._slow_statement_id(obj)
            else:
                leaf = b64decode_strict(obj.get("leaf"))
                sid = statement_id_from_canonical_leaf(leaf) if leaf is not None else None
            if sid is None or sid not in cands:
                continue
            if sid not in first_seen:
                first_seen[sid] = obj.get("index")
            else:
                at: Any = next((a for p, a in cands[sid] if p == pos), obj.get("index"))
                self._fail(
                    at,
                    "duplicate_statement",
                    f"the same statement is already at entry "
                    f"{first_seen[sid]} (statement ID {sid.hex()})",
                )
            if self.progress is not None and pos and pos % self.progress_every == 0:
                dt = max(_time.monotonic() - started, 1e-9)
                self.progress.write(
                    f"  duplicate check: {pos} entries re-read ({pos / dt:,.0f} entries/s)\n"
                )

    def _slow_statement_id(self, obj: dict[str, Any]) -> bytes | None:
        leaf = b64decode_strict(obj.get("leaf"))
        if leaf is None:
            return None
        try:
            entry = _STRICT.loads(leaf.decode("utf-8"))
            st = entry["statement"]
            kind = st["kind"]
            body = jcs({k: v for k, v in st.items() if k != "sig"})
        except Exception:  # noqa: BLE001 - unreadable entries have no statement ID
            return None
        prefix = _DOMAIN.get(kind) if type(kind) is str else None
        return hashlib.sha256(prefix + body).digest() if prefix else None


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


class RuleBroken(Exception):
    """A bundle entry breaks a rule; ``check`` is its name (FORMAT.md 9.2)."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


class BundleEntryReport:
    """One bundle entry's verdict: its failures and the fields read from its verified bytes."""

    def __init__(self) -> None:
        self.kind: str | None = None
        self.failures: list[tuple[str, str]] = []
        self.verified: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "verified": self.verified,
            "failures": [{"check": c, "message": m} for c, m in self.failures],
        }


class BundleReport:
    """What a bundle proves, in the shape of the browser verifier's report."""

    def __init__(self) -> None:
        self.subject = ""
        self.checkpoint: Checkpoint | None = None
        self.checkpoint_message = "not checked"
        self.bundle_failures: list[tuple[str, str]] = []
        self.entries: dict[int, BundleEntryReport] = {}
        self.steps: list[int] = []

    @property
    def ok(self) -> bool:
        return (
            self.checkpoint is not None
            and not self.bundle_failures
            and all(e.ok for e in self.entries.values())
        )

    def as_dict(self) -> dict[str, Any]:
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
            "bundleFailures": [{"check": c, "message": m} for c, m in self.bundle_failures],
            "entries": {str(i): e.as_dict() for i, e in self.entries.items()},
            "steps": self.steps,
        }


def _bundle_document(data: bytes) -> tuple[dict[str, Any], list[tuple[int, bytes, list[bytes]]]]:
    """FORMAT.md 9.1 shape; raises RuleBroken('bundle', ...)."""
    try:
        doc = jcs_loads(data)
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


def _bundle_entry(leaf: bytes) -> dict[str, Any]:
    """FORMAT.md 4 and 9.2 step 5.2: the entry's JSON, canonical bytes, members, statement."""
    try:
        obj = jcs_loads(leaf)
    except JSONError as e:
        raise RuleBroken("entry_shape", f"the entry is not acceptable JSON: {e}") from None
    if type(obj) is not dict or obj.keys() != _ENTRY_KEYS:
        raise RuleBroken(
            "entry_shape", "an entry has exactly the members " + ", ".join(sorted(_ENTRY_KEYS))
        )
    try:
        canonical = jcs(obj)
    except JSONError as e:
        raise RuleBroken("entry_shape", f"the entry has no canonical form: {e}") from None
    if canonical != leaf:
        raise RuleBroken("canonical_bytes", "the entry bytes are not in canonical (RFC 8785) form")
    index, prev, st = obj["index"], obj["prev"], obj["statement"]
    if type(index) is not int or not 0 <= index <= _MAX_SAFE:
        raise RuleBroken("entry_shape", "an entry's index is a non-negative integer")
    if type(obj["v"]) is not int or obj["v"] != 1:
        raise RuleBroken("entry_shape", f"unsupported entry version {obj['v']!r}")
    if type(prev) is not str or not _HEX64.match(prev):
        raise RuleBroken("entry_shape", "an entry's prev is 64 lowercase hex digits")
    if parse_strict_time_ms(obj["time"]) is None:
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
    sig = b64decode_strict(st["sig"], 64)
    if sig is None:
        raise RuleBroken("entry_shape", "sig is not canonical base64 of a 64-byte signature")
    body = jcs({k: v for k, v in st.items() if k != "sig"})
    if len(jcs(st)) > MAX_STATEMENT_BYTES:
        raise RuleBroken("entry_shape", f"the statement is more than {MAX_STATEMENT_BYTES} bytes")
    obj["_sig"], obj["_message"] = sig, statement_message(st["kind"], body)
    return obj


class BundleRegistry:
    """Actors and keys proven by the bundle's own entries; starts from the trusted key."""

    def __init__(self, operator: VerifierKey) -> None:
        self.operator = operator
        self.operator_key_id = key_id(operator.public_key)
        self.actors: dict[str, dict[str, Any]] = {}
        self.glns: set[str] = set()
        self.keys: dict[str, dict[str, Any]] = {}  # key ID -> actor, public_key, revoked_ms

    def admit(self, index: int, entry: dict[str, Any]) -> dict[str, Any]:
        """FORMAT.md 3.1-3.6 for one entry, in the server's order of checks; returns what it
        registers (the first rule broken is raised)."""
        st, payload = entry["statement"], entry["statement"]["payload"]
        kind, signer, sig, message = st["kind"], st["signer"], entry["_sig"], entry["_message"]
        if index == 0 or kind == "genesis":
            if index != 0 or kind != "genesis":
                raise RuleBroken(
                    "misplaced_genesis", "the first entry, and only the first, is the genesis"
                )
            _payload_rules(kind, payload)
            pk = b64decode_strict(payload["operator_key"], 32)
            assert pk is not None  # checked by _payload_rules
            if signer != key_id(pk):
                raise RuleBroken(
                    "not_operator", "the genesis must be signed by the operator key it names"
                )
            _signed(kind, pk, message, sig)
            return {"kind": kind, "origin": payload["origin"], "operator_key": pk}
        if kind in OPERATOR_KINDS:
            if signer != self.operator_key_id:
                raise RuleBroken("not_operator", f"only the operator may sign {kind} statements")
            _payload_rules(kind, payload)
            admission = self._registration(kind, payload)
            _signed(kind, self.operator.public_key, message, sig)
            return admission
        return self._event(signer, payload, entry["time"], message, sig)

    def _registration(self, kind: str, p: dict[str, Any]) -> dict[str, Any]:
        if kind == "actor":
            if p["actor"] in self.actors:
                raise RuleBroken("actor_exists", f"actor {p['actor']} is already registered")
            if p["gln"] in self.glns:
                raise RuleBroken("gln_taken", f"GLN {p['gln']} already belongs to another actor")
            return {"kind": kind, "actor": p["actor"], "record": dict(p)}
        if kind == "key":
            pk = b64decode_strict(p["public_key"], 32)
            assert pk is not None
            kid = key_id(pk)
            if p["actor"] not in self.actors:
                raise RuleBroken("unknown_actor", f"no actor {p['actor']} is registered")
            if kid in self.keys or kid == self.operator_key_id:
                raise RuleBroken("key_exists", "this public key is already in the log")
            return {"kind": kind, "actor": p["actor"], "key_id": kid, "public_key": pk}
        rec = self.keys.get(p["key_id"])
        if rec is None or rec["actor"] != p["actor"]:
            raise RuleBroken("unknown_key", f"actor {p['actor']} has no key {p['key_id']}")
        if rec["revoked_ms"] is not None:
            raise RuleBroken("key_already_revoked", f"key {p['key_id']} is already revoked")
        return {
            "kind": kind,
            "actor": p["actor"],
            "key_id": p["key_id"],
            "effective_ms": parse_strict_time_ms(p["effective"]),
        }

    def _event(
        self, signer: str, p: dict[str, Any], t: str, message: bytes, sig: bytes
    ) -> dict[str, Any]:
        # The log check (FORMAT.md 3.5): only eventTime and bizStep are read.
        if "eventTime" not in p:
            raise RuleBroken("missing_field", "the event has no eventTime")
        ev_ns = parse_rfc3339_ns(p["eventTime"])
        if ev_ns is None:
            raise RuleBroken(
                "bad_time", "eventTime is not an RFC 3339 date-time with an offset or Z"
            )
        if "bizStep" not in p:
            raise RuleBroken("missing_field", "the event has no bizStep")
        step = p["bizStep"]
        if type(step) is not str:
            raise RuleBroken("bad_value", "bizStep is not text")
        key = self.keys.get(signer)
        if key is None:
            raise RuleBroken(
                "unknown_key", f"key {signer} is not added by an earlier entry of this bundle"
            )
        t_ms = parse_strict_time_ms(t)
        assert t_ms is not None  # checked by _bundle_entry
        if key["revoked_ms"] is not None and key["revoked_ms"] <= t_ms:
            raise RuleBroken(
                "key_revoked", f"key {signer} was revoked with effect at or before {t}"
            )
        actor = self.actors.get(key["actor"])
        if actor is None:
            raise RuleBroken("unknown_actor", f"the actor of key {signer} is not registered")
        allowed = BIZSTEP_ROLES.get(step, frozenset())
        if not allowed & set(actor["roles"]):
            raise RuleBroken(
                "role_not_permitted", f"actor {actor['actor']} may not post the step {step!r}"
            )
        if ev_ns > (t_ms + EVENT_FUTURE_ALLOWANCE_MS) * 1_000_000:
            raise RuleBroken(
                "event_in_future", f"eventTime {p['eventTime']} is more than 10 minutes after {t}"
            )
        _signed("event", key["public_key"], message, sig)
        return {
            "kind": "event",
            "actor": actor["actor"],
            "bizStep": step,
            "eventTime": p["eventTime"],
            "actorName": actor["name"],
            "actorRegion": actor["region"],
        }

    def apply(self, admission: dict[str, Any]) -> None:
        """Register what an entry with no failure proved (the genesis is the trusted key)."""
        kind = admission["kind"]
        if kind == "actor":
            self.actors[admission["actor"]] = admission["record"]
            self.glns.add(admission["record"]["gln"])
        elif kind == "key":
            self.keys[admission["key_id"]] = {
                "actor": admission["actor"],
                "public_key": admission["public_key"],
                "revoked_ms": None,
            }
        elif kind == "revoke":
            self.keys[admission["key_id"]]["revoked_ms"] = admission["effective_ms"]


def _payload_rules(kind: str, payload: dict[str, Any]) -> None:
    # The payload rules of FORMAT.md 3.1-3.4, as the export check applies them; the
    # server's error codes are finer, a bundle verifier reports them all as bad_value.
    problems = PAYLOAD_CHECKS[kind](payload)
    if problems:
        raise RuleBroken("bad_value", "; ".join(problems))


def _signed(kind: str, public_key: bytes, message: bytes, sig: bytes) -> None:
    if not ed25519_verify(public_key, message, sig):
        raise RuleBroken("signature", f"the {kind} statement's signature does not verify")


def mentioned_ids(payload: dict[str, Any]) -> set[str]:
    """The identifiers an event payload names (FORMAT.md 9.2 step 6)."""
    found: set[str] = set()
    for name in _BUNDLE_ID_LISTS:
        values = payload.get(name)
        for v in values if type(values) is list else ():
            if type(v) is str:
                found.add(_LOT_BEFORE_SERIAL.sub("", v, count=1))
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
        report.bundle_failures.append((e.check, e.message))
        return report
    report.subject = doc["subject"]
    if doc["verifier_key"] != operator.text:
        report.bundle_failures.append(
            ("operator_key", "the bundle names another operator key than the one trusted")
        )
        return report
    try:
        cp = verify_checkpoint(doc["checkpoint"], operator)
    except NoteError as e:
        report.checkpoint_message = str(e)
        report.bundle_failures.append(("checkpoint_signature", str(e)))
        return report
    if cp.origin != operator.name:
        report.checkpoint_message = f"the checkpoint's origin {cp.origin!r} is not this log's"
        report.bundle_failures.append(("checkpoint_origin", report.checkpoint_message))
        return report
    report.checkpoint = cp
    report.checkpoint_message = f"signed by {operator.name} for {cp.size} entries"
    if items[0][0] != 0:
        report.bundle_failures.append(
            ("genesis", "the bundle lacks the log's genesis entry (index 0)")
        )
    registry = BundleRegistry(operator)
    events: list[dict[str, Any]] = []
    for index, leaf, proof in items:
        rec = report.entries[index] = BundleEntryReport()
        if index >= cp.size:
            rec.failures.append(
                ("inclusion", f"entry {index} is beyond the checkpoint's {cp.size} entries")
            )
        elif not verify_inclusion(index, cp.size, leaf_hash(leaf), proof, cp.root):
            rec.failures.append(
                ("inclusion", "the inclusion proof does not lead to the checkpoint's root")
            )
        try:
            entry = _bundle_entry(leaf)
            rec.kind = entry["statement"]["kind"]
            if entry["index"] != index:
                raise RuleBroken(
                    "index", f"the entry says index {entry['index']}, the bundle {index}"
                )
            if rec.kind == "event":
                events.append(entry["statement"]["payload"])
                report.steps.append(index)
            admission = registry.admit(index, entry)
            if admission["kind"] == "genesis" and (
                admission["operator_key"] != operator.public_key
                or admission["origin"] != operator.name
            ):
                rec.failures.append(
                    ("genesis", "the genesis entry names another operator key or origin")
                )
            if rec.ok:
                # Only an entry with no failure enters the registry (FORMAT.md 9.2 step 5).
                registry.apply(admission)
                rec.verified = {
                    "kind": rec.kind,
                    "time": entry["time"],
                    "signer": entry["statement"]["signer"],
                    **{
                        k: v
                        for k, v in admission.items()
                        if k in ("actor", "bizStep", "eventTime", "actorName", "actorRegion")
                    },
                }
        except RuleBroken as e:
            rec.failures.append((e.check, e.message))
    if not any(report.subject in mentioned_ids(p) for p in events):
        report.bundle_failures.append(("subject", f"no event in the bundle names {report.subject}"))
    return report


def print_bundle_report(report: BundleReport, out: IO[str]) -> None:
    """One line per entry (index, bizStep, actor, eventTime, OK or failures), then the verdict."""
    for f in report.bundle_failures:
        out.write(f"FAIL bundle [{f[0]}]: {f[1]}\n")
    for index, rec in report.entries.items():
        v = rec.verified or {}
        what = (
            f"{v.get('bizStep')}  {v.get('actorName')} ({v.get('actor')})  {v.get('eventTime')}"
            if rec.kind == "event" and v
            else f"{rec.kind or '?'}  {v.get('actor', '')}".rstrip()
        )
        verdict = "OK" if rec.ok else "FAIL " + "; ".join(f"[{c}] {m}" for c, m in rec.failures)
        out.write(f"{index:>8}  {what}  {verdict}\n")
    if report.ok:
        out.write(
            f"VERIFIED: {len(report.steps)} steps of {report.subject} against the checkpoint of "
            f"{report.checkpoint.size if report.checkpoint else '?'} entries\n"
        )
    else:
        failures = len(report.bundle_failures) + sum(
            len(e.failures) for e in report.entries.values()
        )
        out.write(f"FAILED: {failures} failure(s) in the bundle for {report.subject or '?'}\n")


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
            doc = jcs_loads(data)
            operator = parse_vkey(doc["verifier_key"])
        except (JSONError, NoteError, TypeError, KeyError, AttributeError) as e:
            stderr.write(
                f"verify_ledger.py: the bundle has no usable verifier_key ({e}); give --operator-key\n"
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
        epilog="Exit status: 0 everything verified; 1 verification failed (each failure is printed, "
        "one line each, with its entry index or checkpoint and a check name); 2 usage error. "
        "Memory stays flat on any log size when reading a file: duplicate statement IDs are found "
        "with a Bloom filter of about twelve bits per entry and, if it reports possible duplicates, "
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
    try:
        _print_result(args, report, operator, stdout)
    except BrokenPipeError:
        pass
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
