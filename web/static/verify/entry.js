// Log entries and the statements they hold (FORMAT.md sections 2-4): reading exact entry
// bytes, checking they are canonical and well-formed, and building the signed message.

import { base64Decode, concatBytes, EncodingError, hexEncode, utf8Decode, utf8Encode } from './bytes.js';
import { canonicalBytes, canonicalize, hasExactly, isObject, JSONError, parseStrict } from './jcs.js';
import { sha256 } from './crypto.js';

/** A rule is broken; `check` is its stable name (FORMAT.md 9.2). */
export class CheckFailure extends Error {
  constructor(check, message) {
    super(message);
    this.name = 'CheckFailure';
    this.check = check;
  }
}

export const STATEMENT_KINDS = ['genesis', 'actor', 'key', 'revoke', 'event', 'recall', 'correction', 'complaint'];
const ENTRY_MEMBERS = ['index', 'prev', 'statement', 'time', 'v'];
const STATEMENT_MEMBERS = ['kind', 'payload', 'signer', 'sig'];
const MAX_STATEMENT_BYTES = 65536;
const LEDGER_TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z$/;
const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/;
const HEX64 = /^[0-9a-f]{64}$/;
export const KEY_ID = /^[0-9a-f]{32}$/;

function utcMs(y, mo, d, h, mi, s) {
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  t.setUTCHours(h, mi, s, 0);
  return t.getTime();
}

/**
 * Milliseconds since the epoch of a ledger time `YYYY-MM-DDTHH:MM:SS.sssZ`; null if it is
 * not one, or not a real date and time.
 * @param {unknown} text
 * @returns {number|null}
 */
export function parseLedgerTime(text) {
  const m = typeof text === 'string' ? LEDGER_TIME.exec(text) : null;
  if (m === null) return null;
  const ms = utcMs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
  return ms === null ? null : ms + Number(m[7]);
}

/**
 * An RFC 3339 date-time with `Z` or a numeric offset (upper-case `T` and `Z`), as the
 * instant it denotes: whole milliseconds since the epoch and whether a finer fraction
 * remains (so `later than t` stays exact for whole-millisecond `t`). Null if malformed.
 * @param {unknown} text
 * @returns {{ms: number, subMs: boolean}|null}
 */
export function parseRfc3339(text) {
  const m = typeof text === 'string' ? RFC3339.exec(text) : null;
  if (m === null) return null;
  let ms = utcMs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
  if (ms === null) return null;
  const frac = m[7] || '';
  ms += Number(frac.slice(0, 3).padEnd(3, '0'));
  if (m[8] !== 'Z') {
    const oh = +m[8].slice(1, 3);
    const om = +m[8].slice(4, 6);
    if (oh > 23 || om > 59) return null;
    ms -= (m[8][0] === '+' ? 1 : -1) * (oh * 60 + om) * 60000;
  }
  return { ms, subMs: /[1-9]/.test(frac.slice(3)) };
}

/**
 * The key ID of a public key: hex(SHA-256(pk))[0:32] (FORMAT.md 2).
 * @param {Uint8Array} publicKey
 * @returns {Promise<string>}
 */
export async function keyId(publicKey) {
  return hexEncode(await sha256(publicKey)).slice(0, 32);
}

/**
 * @typedef {object} Statement
 * @property {string} kind
 * @property {object} payload
 * @property {string} signer the signer's key ID
 * @property {Uint8Array} sig the 64-byte signature
 * @property {Uint8Array} message the signed bytes: domain prefix || JCS(statement without sig)
 */

/**
 * @typedef {object} Entry
 * @property {number} index
 * @property {string} prev
 * @property {Statement} statement
 * @property {string} time
 * @property {number} timeMs
 */

function parseStatement(obj) {
  const shape = (msg) => new CheckFailure('entry_shape', msg);
  if (!isObject(obj)) throw shape('a statement must be a JSON object');
  const missing = STATEMENT_MEMBERS.filter((n) => !(n in obj)).sort();
  if (missing.length) throw shape(`the statement has no ${JSON.stringify(missing[0])} member`);
  const extra = Object.keys(obj).filter((n) => !STATEMENT_MEMBERS.includes(n)).sort();
  if (extra.length) throw shape(`the statement has a member ${JSON.stringify(extra[0])} that is not allowed`);
  const { kind, payload, signer, sig } = obj;
  if (typeof kind !== 'string' || !STATEMENT_KINDS.includes(kind)) {
    throw shape(`kind must be one of ${STATEMENT_KINDS.join(', ')}`);
  }
  if (!isObject(payload)) throw shape('payload must be a JSON object');
  if (typeof signer !== 'string' || !KEY_ID.test(signer)) throw shape('signer must be a key ID: 32 lowercase hex digits');
  const sigBytes = base64Decode(sig, 64);
  if (sigBytes === null) throw shape('sig is not canonical base64 of a 64-byte signature');
  const unsigned = canonicalBytes({ kind, payload, signer });
  // JCS(statement) is JCS(unsigned) with ',"sig":"…"' spliced in: its length is known.
  const size = unsigned.length + ',"sig":""'.length + sig.length;
  if (size > MAX_STATEMENT_BYTES) {
    throw shape(`the statement is ${size} bytes in canonical form; at most ${MAX_STATEMENT_BYTES} are accepted`);
  }
  const message = concatBytes(utf8Encode(`traceledger/v1/${kind}\u0000`), unsigned);
  return { kind, payload, signer, sig: sigBytes, message };
}

/**
 * Read entry bytes: well-formed JSON (`entry_shape`), canonical (`canonical_bytes`), with
 * the members and forms of FORMAT.md 4 and a well-formed statement (`entry_shape`).
 * Signatures and registry rules are not checked here.
 * @param {Uint8Array} leaf the exact entry bytes
 * @returns {Entry}
 * @throws {CheckFailure}
 */
export function parseEntry(leaf) {
  let obj;
  let canonical;
  try {
    obj = parseStrict(utf8Decode(leaf));
  } catch (err) {
    if (err instanceof JSONError || err instanceof EncodingError) {
      throw new CheckFailure('entry_shape', `the entry is not valid JSON: ${err.message}`);
    }
    throw err;
  }
  if (!isObject(obj)) throw new CheckFailure('entry_shape', 'an entry must be a JSON object');
  if (!hasExactly(obj, ENTRY_MEMBERS)) {
    throw new CheckFailure('entry_shape', `an entry has exactly the members ${ENTRY_MEMBERS.join(', ')}`);
  }
  try {
    canonical = canonicalize(obj);
  } catch (err) {
    if (err instanceof JSONError) throw new CheckFailure('entry_shape', `the entry has no canonical form: ${err.message}`);
    throw err;
  }
  const bytes = utf8Encode(canonical);
  if (bytes.length !== leaf.length || !bytes.every((b, i) => b === leaf[i])) {
    throw new CheckFailure('canonical_bytes', 'the entry bytes are not in canonical (RFC 8785) form');
  }
  const { index, prev, v, time } = obj;
  if (!Number.isSafeInteger(index) || index < 0) throw new CheckFailure('entry_shape', "an entry's index is a non-negative integer");
  if (v !== 1) throw new CheckFailure('entry_shape', `unsupported entry version ${canonicalize(v)}`);
  if (typeof prev !== 'string' || !HEX64.test(prev)) throw new CheckFailure('entry_shape', "an entry's prev is 64 lowercase hex digits");
  const timeMs = parseLedgerTime(time);
  if (timeMs === null) throw new CheckFailure('entry_shape', "an entry's time is not a UTC time like 2026-09-20T08:00:00.000Z");
  return { index, prev, statement: parseStatement(obj.statement), time, timeMs };
}
