"""Every stable code the ledger emits, as data: what it means, its HTTP status, where it is
documented.

A code is published once and never renamed (docs/FORMAT.md section 10). ``LedgerError.of``
words an error from its code's template; ``web/errors.py`` answers with its status; the test
``tests/test_codes.py`` fails when the source raises or reports a code that is not
here, or one here that its document does not name.

Kinds:

- ``answer``: a rejection of a request (malformed input, a lookup that found nothing, the
  store's state) or one of the web layer's protocol answers;
- ``rule``: a rule of the statement and event model (FORMAT.md section 3, docs/EVENTS.md)
  broken; a verifier reports these codes as its check names too;
- ``check``: a check name the log and bundle verifiers report (FORMAT.md 8, 9.2);
- ``local``: raised by the command line and local files only, never answered over HTTP.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["answer", "rule", "check", "local"]


@dataclass(frozen=True)
class Code:
    """One stable code: the message template's ``{names}`` are its parameters."""

    code: str
    kind: Kind
    # The HTTP status it is answered with; None: never answered over HTTP (checks, local
    # codes), or answered with whatever status it stands for (``http_error``).
    status: int | None
    template: str
    # The document and section that name it, e.g. "FORMAT.md §10" or "EVENTS.md §7".
    documented: str

    @property
    def params(self) -> tuple[str, ...]:
        """The template's parameter names, in order of first use."""
        names = (name for _, name, _, _ in string.Formatter().parse(self.template) if name)
        return tuple(dict.fromkeys(names))

    def message(self, **params: object) -> str:
        """The template filled in; a missing or unexpected parameter is a bug of the caller."""
        if set(params) != set(self.params):
            raise TypeError(
                f"code {self.code} takes the parameters {', '.join(self.params) or 'none'}, "
                f"not {', '.join(sorted(params)) or 'none'}"
            )
        return self.template.format(**params)


_F10, _F8, _F92 = "FORMAT.md §10", "FORMAT.md §8", "FORMAT.md §9.2"
_E7, _E8, _LOCAL = "EVENTS.md §7", "EVENTS.md §8", "FORMAT.md §10.3"
_E12 = "EVENTS.md §12"
_E13 = "EVENTS.md §13"

_ALL = (
    # -- the classes' own codes, for a rejection no narrower code names ------------------
    Code("ledger_error", "answer", 400, "the request is refused: {what}", _F10),
    Code("malformed", "answer", 400, "the input cannot be read: {what}", _F10),
    Code("invalid", "answer", 400, "the input breaks a rule: {what}", _F10),
    Code("forbidden", "answer", 403, "the signer may not do this: {what}", _F10),
    Code("bad_signature", "rule", 403, "the signature does not verify: {what}", _F10),
    Code("conflict", "answer", 409, "this clashes with the log: {what}", _F10),
    Code("not_found", "answer", 404, "{what} is not in the log", _F10),
    Code("proof_failed", "answer", 400, "the proof does not verify: {what}", _F10),
    Code("store_error", "answer", 503, "the store cannot be used right now: {what}", _F10),
    Code(
        "no_operator_key",
        "answer",
        503,
        "the operator key is not unlocked on this server: start it with LEDGER_PASSPHRASE",
        _F10,
    ),
    # -- reading JSON, base64, keys and notes --------------------------------------------
    Code("bad_json", "answer", 400, "the document is not valid JSON ({where})", _F10),
    Code("bad_encoding", "answer", 400, "the document is not valid UTF-8 text", _F10),
    Code("bad_number", "answer", 400, "the number {shown} is out of range", _F10),
    Code("duplicate_member", "answer", 400, "the JSON object has the member {name} twice", _F10),
    Code("too_deep", "answer", 400, "the document is nested too deeply", _F10),
    Code(
        "too_large", "answer", 413, "the {what} is {size} bytes; at most {limit} are accepted", _F10
    ),
    Code("not_canonicalizable", "answer", 400, "this value has no canonical JSON form", _F10),
    Code("not_canonical", "answer", 400, "the {what} bytes are not in canonical form", _F10),
    Code("bad_base64", "answer", 400, "{field} is not valid base64", _F10),
    Code("bad_length", "answer", 400, "{field} must decode to {size} bytes, not {found}", _F10),
    Code("bad_key", "answer", 400, "an Ed25519 public key is 32 bytes, not {size}", _F10),
    Code("bad_key_id", "answer", 400, "signer must be a key ID: 32 lowercase hex digits", _F10),
    Code("bad_key_name", "answer", 400, "the key name {name!r} is not allowed", _F10),
    Code("bad_vkey", "answer", 400, "the verifier key is malformed: {why}", _F10),
    Code("bad_skey", "answer", 400, "the note signer key is malformed: {why}", _F10),
    Code("bad_note", "answer", 400, "the signed note is malformed: {why}", _F10),
    Code("bad_checkpoint", "answer", 400, "the checkpoint text is malformed: {why}", _F10),
    Code("bad_entry", "answer", 400, "the entry is malformed: {why}", _F10),
    Code("bad_bundle", "answer", 400, "the proof bundle is malformed: {why}", _F10),
    Code("unknown_kind", "answer", 400, "kind must be one of {kinds}", _F10),
    Code("unverified_note", "rule", 403, "no signature on this note is from a known key", _F10),
    # -- proofs --------------------------------------------------------------------------
    Code("bad_proof_request", "answer", 400, "entry {index} is not in a tree of size {size}", _F10),
    Code("bad_proof", "answer", 400, "the proof is malformed: {why}", _F10),
    Code(
        "root_mismatch",
        "answer",
        400,
        "the proof leads to root {computed}, not the expected {expected}",
        _F10,
    ),
    # -- requests to the API -------------------------------------------------------------
    Code("bad_parameter", "answer", 400, "{name} must be {words}", _F10),
    Code("bad_range", "answer", 400, "start and end must satisfy 0 <= start <= end", _F10),
    Code("page_too_large", "answer", 400, "ask for at most {limit} entries at a time", _F10),
    Code(
        "bad_batch_size",
        "answer",
        400,
        "a batch holds 1 to {limit} statements, not {count}",
        _F10,
    ),
    Code("batch_too_large", "answer", 400, "a batch holds at most {limit} statements", _F10),
    Code("bad_format", "answer", 400, "a QR code URL ends in .svg or .png", _F10),
    # -- the document store (lab reports, off the log) ------------------------------------
    Code("bad_sha256", "answer", 400, "{field} must be a SHA-256: 64 lowercase hex digits", _F10),
    Code(
        "unsupported_document",
        "answer",
        415,
        "a document must be a PDF, JPEG, PNG or WebP file; this one is {found}",
        _F10,
    ),
    Code(
        "document_type_mismatch",
        "answer",
        415,
        "the file is {found} but was sent as Content-Type {claimed}",
        _F10,
    ),
    Code(
        "document_hash_mismatch",
        "answer",
        400,
        "the file's SHA-256 is {found}, not {expected} as sent: send the file again",
        _F10,
    ),
    Code("unknown_document", "answer", 404, "no document with SHA-256 {sha256} is stored", _F10),
    # -- device enrolment (FORMAT.md 11, off the log until approved) -------------------------
    Code(
        "bad_enrolment",
        "answer",
        400,
        'an enrolment is {{"request": {{actor, public_key, device, requested}}, "sig"}}',
        _F10,
    ),
    Code(
        "bad_enrolment_signature",
        "answer",
        403,
        "the enrolment is not signed by the key it asks to add: make a new code on the phone",
        _F10,
    ),
    Code(
        "enrolment_in_future",
        "answer",
        400,
        "the phone's clock is ahead of the server's by more than 10 minutes: set its time",
        _F10,
    ),
    Code(
        "enrolment_expired",
        "answer",
        400,
        "this enrolment code is more than {days} days old: make a new one on the phone",
        _F10,
    ),
    Code(
        "bad_code",
        "answer",
        400,
        "an enrolment code is 8 letters and digits, like 7KQ2-M9XD",
        _F10,
    ),
    Code("unknown_enrolment", "answer", 404, "no phone is waiting with the code {enrolment}", _F10),
    Code(
        "enrolment_exists",
        "answer",
        409,
        "another enrolment for this key is already waiting (code {enrolment})",
        _F10,
    ),
    Code(
        "enrolment_decided",
        "answer",
        409,
        "the enrolment {enrolment} was already {status}",
        _F10,
    ),
    Code(
        "trace_too_large",
        "answer",
        400,
        "the trace holds {count} entries, more than a bundle's {limit}: ask for a smaller depth",
        _F10,
    ),
    Code(
        "bad_date_range",
        "answer",
        400,
        "a date range runs forwards from 'from' to 'to' (exclusive), over at most 731 days: {why}",
        _F10,
    ),
    Code(
        "report_too_large",
        "answer",
        400,
        "the report would hold {count} {what}, more than {limit}: ask for a shorter date range",
        _F10,
    ),
    Code("no_checkpoint", "answer", 404, "this ledger has signed no checkpoint yet", _F10),
    Code("no_such_tree", "answer", 404, "there is no tree of size {size}", _F10),
    Code("no_such_checkpoint", "answer", 404, "no checkpoint of size {size} was signed", _F10),
    Code(
        "unknown_lot",
        "answer",
        404,
        "the ledger has no serialised units of GTIN {gtin} lot {lot!r}",
        _F10,
    ),
    Code(
        "no_certificate",
        "answer",
        404,
        "nothing in the log creates lot {lot!r} of GTIN {gtin} (no harvest, processing or "
        "packing), so it has no certificate",
        _F10,
    ),
    Code(
        "no_link",
        "answer",
        404,
        "this resolver has no gs1:{link_type} link for {object}: ask with ?linkType=linkset "
        "for the links it has",
        _F10,
    ),
    # -- the product catalogue and business contacts, kept by the operator's console ------
    Code(
        "bad_product_name",
        "answer",
        400,
        "a product name is 1 to {limit} characters, without control characters or spaces "
        "at either end",
        _F10,
    ),
    Code(
        "bad_net_content",
        "answer",
        400,
        "the net content is up to {limit} characters, such as 5 kg, or left blank",
        _F10,
    ),
    Code(
        "bad_temperature",
        "answer",
        400,
        "a temperature is a number of degrees Celsius from {low} to {high}, or left blank",
        _F10,
    ),
    Code(
        "bad_temperature_band",
        "answer",
        400,
        "the lowest allowed temperature ({low} °C) is above the highest ({high} °C)",
        _F10,
    ),
    Code("product_exists", "answer", 409, "GTIN {gtin} is already in the catalogue", _F10),
    Code("unknown_product", "answer", 404, "GTIN {gtin} is not in the catalogue", _F10),
    Code(
        "bad_contact",
        "answer",
        400,
        "{what} is up to {limit} characters, without control characters, or left blank",
        _F10,
    ),
    Code(
        "not_initialised",
        "answer",
        503,
        "this database holds no ledger yet: run `ledger init` first",
        _F10,
    ),
    Code(
        "schema_outdated",
        "answer",
        503,
        "this database's schema is older than this version of the ledger: run `ledger init` "
        "with the same origin to migrate it",
        _F10,
    ),
    # -- complaints (docs/COMPLAINTS.md) ------------------------------------------------
    Code("bad_complaint", "answer", 400, "the complaint cannot be taken: {why}", _F10),
    Code(
        "bad_photo",
        "answer",
        400,
        "a photo must be a JPEG, PNG or WebP image; this file is {found}",
        _F10,
    ),
    Code(
        "unknown_complaint",
        "answer",
        404,
        "no complaint {complaint} is here, or the link to it is not complete",
        _F10,
    ),
    Code(
        "bad_inbox_request",
        "answer",
        400,
        'a complaints request is {{"request": {{key_id, requested}}, "sig"}}: {why}',
        _F10,
    ),
    Code(
        "stale_request",
        "answer",
        400,
        "the signed request was made at {requested}, more than 10 minutes from the server's "
        "clock: check the phone's time",
        _F10,
    ),
    Code(
        "not_concerned",
        "answer",
        403,
        "complaint {complaint} is not addressed to {actor}",
        _F10,
    ),
    # -- the web layer's protocol answers (werkzeug's errors, and the last resort) --------
    Code("bad_request", "answer", 400, "the request cannot be understood", _F10),
    Code("method_not_allowed", "answer", 405, "this URL does not take {method}", _F10),
    Code(
        "unsupported_media_type",
        "answer",
        415,
        "send the statements as Content-Type: application/json",
        _F10,
    ),
    Code(
        "requested_range_not_satisfiable",
        "answer",
        416,
        "the byte range asked for is not in the file",
        _F10,
    ),
    Code("rate_limited", "answer", 429, "too many requests from this client: {what}", _F10),
    Code("internal", "answer", 500, "the server met an unexpected error; it has been logged", _F10),
    Code("http_error", "answer", None, "{url} answered {status} {reason}", _F10),
    # -- statement rules (FORMAT.md 3) ---------------------------------------------------
    Code("misplaced_genesis", "rule", 400, "only the first entry of a log is its genesis", _F10),
    Code("no_genesis", "rule", 400, "the log has no genesis entry", _F10),
    Code("not_operator", "rule", 403, "only the operator may sign {kind} statements", _F10),
    Code("actor_exists", "rule", 409, "actor {actor!r} is already registered", _F10),
    Code("gln_taken", "rule", 409, "GLN {gln} already belongs to another actor", _F10),
    Code("key_exists", "rule", 409, "this public key is already in the log", _F10),
    Code("key_already_revoked", "rule", 409, "key {key_id} is already revoked", _F10),
    Code("unknown_actor", "rule", 403, "no actor {actor!r} is registered", _F10),
    Code(
        "unknown_key",
        "rule",
        403,
        "key {key_id} is not registered: ask the operator to register it first",
        _F10,
    ),
    Code(
        "key_revoked",
        "rule",
        403,
        "key {key_id} was revoked at {effective}: it signs nothing after",
        _F10,
    ),
    Code(
        "role_not_permitted",
        "rule",
        403,
        "actor {actor!r} ({roles}) may not post {step} events",
        "FORMAT.md §3.6",
    ),
    # -- recalls and corrections (FORMAT.md 3.7, 3.8) ------------------------------------
    Code("recall_exists", "rule", 409, "recall {recall} was already opened", _F10),
    Code("unknown_recall", "rule", 400, "no recall {recall} was opened", _F10),
    Code("recall_closed", "rule", 409, "recall {recall} is closed", _F10),
    Code(
        "not_recall_owner",
        "rule",
        403,
        "recall {recall} was opened by {actor}: only they or a regulator may change it",
        _F10,
    ),
    Code("unknown_event", "rule", 400, "entry {index} is not an earlier event", _F10),
    Code(
        "not_event_owner",
        "rule",
        403,
        "entry {index} was posted by {actor}: only they or the operator may correct it",
        _F10,
    ),
    Code("already_corrected", "rule", 409, "entry {index} was already corrected", _F10),
    # -- complaint outcomes (FORMAT.md 3.9) ----------------------------------------------
    Code(
        "not_complaint_party",
        "rule",
        403,
        "the complaint is addressed to {actor}: only they or the operator may give its outcome",
        _F10,
    ),
    Code("complaint_answered", "rule", 409, "this complaint already has its outcome", _F10),
    # -- event rules (docs/EVENTS.md 7) --------------------------------------------------
    Code("wrong_type", "rule", 400, "{field} must be {words}, not {found}", _E7),
    Code("missing_field", "rule", 400, "{field} is missing", _E7),
    Code("unknown_field", "rule", 400, "{field} is not a member this ledger knows", _E7),
    Code("unexpected_field", "rule", 400, "{field} is not used here: {why}", _E7),
    Code("empty", "rule", 400, "{field} is empty; leave it out or fill it in", _E7),
    Code("too_long", "rule", 400, "{field} is {length} characters long; at most {limit}", _E7),
    Code("too_many", "rule", 400, "{field} has {count} entries; at most {limit}", _E7),
    Code("control_character", "rule", 400, "{field} holds a control character", _E7),
    Code("bad_value", "rule", 400, "{field} {why}", _E7),
    Code("bad_time", "rule", 400, "{field} is not a valid time: {why}", _E7),
    Code("bad_identifier", "rule", 400, "{field} is not a valid GS1 Digital Link: {why}", _E7),
    Code(
        "bad_check_digit",
        "rule",
        400,
        "the check digit of {field} is wrong: it should be {digit}",
        _E7,
    ),
    Code("duplicate", "rule", 400, "{field} names {value} twice", _E7),
    Code("step_mismatch", "rule", 400, "a {step} is posted as {wanted}", _E7),
    Code(
        "farm_work_without_crop",
        "rule",
        400,
        "{field} is missing: farm work names the crop it was applied to (its product class) "
        "and the area treated",
        _E7,
    ),
    Code(
        "event_in_future",
        "rule",
        400,
        "eventTime {event_time} is more than 10 minutes after the entry's time {time}",
        _E7,
    ),
    # -- the EPCIS query interface (docs/EVENTS.md 13) ------------------------------------
    Code(
        "query_unknown_parameter",
        "answer",
        400,
        "{name} is not a query parameter this server knows",
        _E13,
    ),
    Code("query_bad_parameter", "answer", 400, "{name} {why}", _E13),
    Code("query_bad_time_range", "answer", 400, "the time range {why}", _E13),
    Code(
        "bad_page_token",
        "answer",
        400,
        "nextPageToken was not made by this server for this query",
        _E13,
    ),
    Code("no_such_event", "answer", 404, "the ledger has no event {event_id}", _E13),
    Code("no_such_actor", "answer", 404, "no actor {actor} is registered in the log", _F10),
    # -- custody (docs/EVENTS.md 8) ------------------------------------------------------
    # -- filling a form (EVENTS.md §12): build_payload, checked before anything is signed -
    Code("unknown_form", "answer", 404, "there is no form {name!r}", _E12),
    Code("form_unknown_field", "local", None, "{field} is not a field of the form {form}", _E12),
    Code("form_missing", "local", None, "{field} is required", _E12),
    Code("form_bad_value", "local", None, "{field}: {why}", _E12),
    Code("unknown_object", "rule", 403, "{object} was never created in this ledger", _E8),
    Code("not_in_custody", "rule", 403, "{object} is not in your custody", _E8),
    Code("object_exists", "rule", 403, "{object} already exists", _E8),
    Code("in_transit", "rule", 403, "{object} is in transit: it must be received first", _E8),
    Code("not_receiver", "rule", 403, "{object} is not addressed to you", _E8),
    Code("already_packed", "rule", 403, "{object} is packed in {parent}", _E8),
    Code("not_packed", "rule", 403, "{object} is not packed in {parent}", _E8),
    Code("unknown_party", "rule", 403, "GLN {gln} belongs to no registered actor", _E8),
    # -- the verifiers' own check names (FORMAT.md 8 and 9.2) -----------------------------
    Code("header", "check", None, "the export's header line: {why}", _F8),
    Code("truncated", "check", None, "the export was cut: {why}", _F8),
    Code("canonical_bytes", "check", None, "the entry bytes are not in canonical form", _F8),
    Code("entry_shape", "check", None, "the entry cannot be read: {why}", _F8),
    Code("index_sequence", "check", None, "the entry says index {index}, not {position}", _F8),
    Code("chain_link", "check", None, "prev is not the hash of the entry before it", _F8),
    Code("time_order", "check", None, "its time is earlier than the entry before it", _F8),
    Code("duplicate_statement", "check", None, "this statement is already in the log", _F8),
    Code("signature", "check", None, "the signature does not verify: {why}", _F8),
    Code("genesis", "check", None, "the genesis entry names another operator key or origin", _F8),
    Code("checkpoint_signature", "check", None, "the checkpoint's signature: {why}", _F8),
    Code(
        "checkpoint_origin",
        "check",
        None,
        "the checkpoint's origin {origin!r} is not this log's",
        _F8,
    ),
    Code("checkpoint_size", "check", None, "a checkpoint of size {size} stands at {entries}", _F8),
    Code("checkpoint_root", "check", None, "the root signed for size {size} is not the log's", _F8),
    Code("since_root", "check", None, "the log does not extend the saved checkpoint", _F8),
    Code("stored_column", "check", None, "a stored column differs from the entry bytes", _F8),
    Code("merkle_nodes", "check", None, "a stored Merkle node is wrong or missing", _F8),
    Code("bundle", "check", None, "the proof bundle is malformed: {why}", _F92),
    Code("operator_key", "check", None, "the bundle names another operator key", _F92),
    Code("inclusion", "check", None, "entry {index} is not in the checkpoint's tree", _F92),
    Code("index", "check", None, "the entry says index {index}, the bundle {position}", _F92),
    Code("subject", "check", None, "no event in the bundle names {subject}", _F92),
    # -- local: the command line, key files, configuration -------------------------------
    Code("keystore_error", "local", None, "the key store cannot be used: {what}", _LOCAL),
    Code("bad_key_file", "local", None, "key file {path} is damaged", _LOCAL),
    Code("no_such_key", "local", None, "no key named {name!r} in {directory}", _LOCAL),
    Code("wrong_passphrase", "local", None, "wrong passphrase for key {name!r}", _LOCAL),
    Code(
        "empty_passphrase",
        "local",
        None,
        "an empty passphrase would leave the key unprotected",
        _LOCAL,
    ),
    Code(
        "ledger_exists",
        "local",
        None,
        "this database already holds another operator's ledger",
        _LOCAL,
    ),
    Code(
        "wrong_operator_key",
        "local",
        None,
        "the signing key is not this ledger's operator key",
        _LOCAL,
    ),
    Code("no_such_entry", "local", None, "the log has no entry {index}", _LOCAL),
    Code("bad_option", "local", None, "these options do not go together: {why}", _LOCAL),
    Code("bad_config", "local", None, "{name} must be a positive whole number", _LOCAL),
    Code("bad_catalogue", "local", None, "the catalogue {source} is not usable: {why}", _LOCAL),
    Code("unreachable", "local", None, "cannot reach {url}: {why}", _LOCAL),
    Code("bad_answer", "local", None, "{url} did not answer like a ledger server", _LOCAL),
    Code("account_exists", "local", None, "console account {name!r} already exists", _LOCAL),
    Code(
        "bad_account_name",
        "local",
        None,
        "an account name is 2 to 63 lowercase letters, digits or '-'",
        _LOCAL,
    ),
    Code(
        "weak_password", "local", None, "a console password needs at least {min} characters", _LOCAL
    ),
)


def _index(codes: tuple[Code, ...]) -> Mapping[str, Code]:
    by_code: dict[str, Code] = {}
    for entry in codes:
        if entry.code in by_code:
            raise ValueError(f"the code {entry.code} is registered twice")
        by_code[entry.code] = entry
    return by_code


CODES: Mapping[str, Code] = _index(_ALL)


def lookup(code: str) -> Code:
    """The registry's entry for ``code``; a code not registered is a bug of the raiser."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(f"{code!r} is not a registered code (ledger/core/codes.py)") from None


def status(code: str) -> int | None:
    """The HTTP status ``code`` is answered with (None: not an HTTP answer)."""
    entry = CODES.get(code)
    return None if entry is None else entry.status
