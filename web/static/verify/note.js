// C2SP signed notes, verifier keys and tlog-checkpoints (FORMAT.md section 6).

import { base64Decode, bytesEqual, concatBytes, utf8Encode } from './bytes.js';
import { sha256, verifyEd25519 } from './crypto.js';

/** A note, verifier key or checkpoint is malformed or does not verify. */
export class NoteError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NoteError';
  }
}

const SIG_LINE_START = '\u2014 '; // em dash U+2014 and a space
const NOTE_CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const MAX_NOTE_SIGNATURES = 100;
const ALG_ED25519 = 0x01;

function validKeyName(name) {
  return name.length > 0 && !name.includes('+') && !/\s/u.test(name);
}

/**
 * The C2SP note key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || key), as a
 * big-endian unsigned number.
 * @param {string} name
 * @param {Uint8Array} publicKey
 * @returns {Promise<number>}
 */
export async function noteKeyId(name, publicKey) {
  const d = await sha256(concatBytes(utf8Encode(name), new Uint8Array([0x0a, ALG_ED25519]), publicKey));
  return new DataView(d.buffer).getUint32(0, false);
}

/**
 * @typedef {object} VerifierKey
 * @property {string} name the key name (for the operator: the log's origin)
 * @property {number} keyId the 4-byte note key ID
 * @property {Uint8Array} publicKey the 32-byte Ed25519 key
 * @property {string} text the vkey as given
 */

/**
 * Parse a C2SP verifier key `<name>+<8 hex digits>+<base64(0x01 || key)>` and check that
 * its key ID belongs to its name and key.
 * @param {string} text
 * @returns {Promise<VerifierKey>}
 * @throws {NoteError}
 */
export async function parseVkey(text) {
  // The base64 key may itself hold '+': split at the first two only.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw new NoteError('a verifier key has the form <name>+<key ID>+<base64 key>');
  const [name, hexId, b64] = [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  if (!validKeyName(name)) throw new NoteError("the verifier key's name is empty or has a space or '+'");
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new NoteError("the verifier key's ID is not 8 lowercase hex digits");
  const raw = base64Decode(b64);
  if (raw === null) throw new NoteError('the verifier key is not valid base64');
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) {
    throw new NoteError('the verifier key is not an Ed25519 key (type 0x01, 32 bytes)');
  }
  const publicKey = raw.slice(1);
  const keyId = parseInt(hexId, 16);
  if ((await noteKeyId(name, publicKey)) !== keyId) throw new NoteError("the verifier key's ID does not match its key");
  return { name, keyId, publicKey, text };
}

/**
 * Split a signed note into its text and signature lines (not verified).
 * @param {string} note
 * @returns {{text: string, signatures: {name: string, keyId: number, signature: Uint8Array}[]}}
 * @throws {NoteError}
 */
export function parseNote(note) {
  if (NOTE_CONTROL.test(note)) throw new NoteError('the note contains a control character');
  if (!note.endsWith('\n')) throw new NoteError('the note does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split('\n');
  if (lines.length < 2 || lines[lines.length - 1] !== '') throw new NoteError('the note has no signature lines');
  lines.pop();
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteError(`the note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIG_LINE_START)) throw new NoteError('a signature line does not start with an em dash and a space');
    const rest = line.slice(SIG_LINE_START.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    if (!validKeyName(name)) throw new NoteError('a signature line has a malformed key name');
    const raw = base64Decode(rest.slice(space + 1));
    if (raw === null || raw.length < 5) throw new NoteError('a signature is not base64 of a key ID and a signature');
    const keyId = new DataView(raw.buffer).getUint32(0, false);
    return { name, keyId, signature: raw.slice(4) };
  });
  return { text, signatures };
}

/**
 * Verify a signed note against known verifier keys. Lines by unknown keys (witness
 * cosignatures) are ignored; a known key's bad signature, or no known signature, rejects.
 * @param {string} note
 * @param {VerifierKey[]} keys
 * @returns {Promise<{text: string, verified: VerifierKey[]}>}
 * @throws {NoteError}
 */
export async function verifyNote(note, keys) {
  const { text, signatures } = parseNote(note);
  const message = utf8Encode(text);
  const verified = [];
  for (const { name, keyId, signature } of signatures) {
    const key = keys.find((k) => k.name === name && k.keyId === keyId);
    if (key === undefined) continue;
    if (!(await verifyEd25519(key.publicKey, message, signature))) {
      throw new NoteError(`the signature of key ${name}+${keyId.toString(16).padStart(8, '0')} does not verify`);
    }
    if (!verified.includes(key)) verified.push(key);
  }
  if (verified.length === 0) throw new NoteError('the note has no signature by a known key');
  return { text, verified };
}

/**
 * @typedef {object} Checkpoint
 * @property {string} origin
 * @property {number} size the tree size
 * @property {Uint8Array} root the 32-byte root hash
 */

/**
 * Parse a checkpoint text as FORMAT.md 6.1 allows it: origin, size, root, no extensions.
 * @param {string} text
 * @returns {Checkpoint}
 * @throws {NoteError}
 */
export function parseCheckpoint(text) {
  if (!text.endsWith('\n')) throw new NoteError('the checkpoint does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('the checkpoint has fewer than three lines');
  if (lines.length > 3) throw new NoteError('the checkpoint has extension lines (FORMAT.md 6.1 allows none)');
  const [origin, sizeText, rootText] = lines;
  if (origin === '') throw new NoteError("the checkpoint's origin is empty");
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText)) {
    throw new NoteError("the checkpoint's tree size is not a decimal number without leading zeros");
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new NoteError("the checkpoint's tree size is beyond 2^53");
  const root = base64Decode(rootText, 32);
  if (root === null) throw new NoteError("the checkpoint's root is not base64 of 32 bytes");
  return { origin, size, root };
}

/**
 * Whether two verifier keys are the same key (name, ID and public key).
 * @param {VerifierKey} a
 * @param {VerifierKey} b
 * @returns {boolean}
 */
export function sameKey(a, b) {
  return a.name === b.name && a.keyId === b.keyId && bytesEqual(a.publicKey, b.publicKey);
}
