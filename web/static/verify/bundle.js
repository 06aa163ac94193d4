// Proof bundle verification (FORMAT.md section 9.2), at the level of the log check.
//
// Importable on its own: `import { verifyBundle } from '/static/verify/bundle.js'` and
// call it with the bundle's bytes and the operator's verifier key obtained out of band.
// It needs only a secure context with WebCrypto SHA-256 and Ed25519.

import { base64Decode, base64Encode, EncodingError, utf8Decode } from './bytes.js';
import { hasExactly, isObject, JSONError, parseStrict } from './jcs.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { NoteError, parseCheckpoint, parseVkey, verifyNote } from './note.js';
import { CheckFailure, keyId, parseEntry } from './entry.js';
import { admit, Registry } from './rules.js';

export const BUNDLE_FORMAT = 'traceledger-bundle';
export const MAX_BUNDLE_ENTRIES = 2000;
export const MAX_PROOF_LENGTH = 64;
export const MAX_BUNDLE_NODES = MAX_PROOF_LENGTH * MAX_BUNDLE_ENTRIES;
const BUNDLE_MEMBERS = ['format', 'v', 'subject', 'verifier_key', 'checkpoint', 'nodes', 'entries'];
const ENTRY_MEMBERS = ['index', 'leaf', 'proof'];
const ID_LISTS = ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList'];
const CLASS_LISTS = ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList'];
const LOT_SEGMENT = /\/10\/[^/]+(?=\/21\/)/;

/**
 * @typedef {object} Failure
 * @property {string} check the check's name (FORMAT.md 9.2)
 * @property {string} message plain words
 */

/**
 * @typedef {object} EntryReport
 * @property {boolean} ok nothing failed at this index
 * @property {string|null} kind the statement kind, when the entry could be read
 * @property {Failure[]} failures
 * @property {object|null} verified fields read from the verified bytes (null if unread):
 *   kind, time (entry time), signer (key ID); for events bizStep, eventTime, actor,
 *   actorName, actorRegion, reportSha256 (an inspection's lab report, else null); for
 *   actor/key/revoke entries the actor ID
 */

/**
 * @typedef {object} Report
 * @property {boolean} ok the bundle is verified: nothing failed anywhere
 * @property {string} subject
 * @property {{ok: boolean, size: number|null, root: string|null, message: string}} checkpoint
 * @property {Failure[]} bundleFailures failures of the bundle as a whole
 * @property {Object<string, EntryReport>} entries by log index (as a decimal string key)
 * @property {number[]} steps the indices of the event entries, in order
 */

class BundleShapeError extends Error {}

function readBundle(bytes) {
  let doc;
  try {
    doc = parseStrict(utf8Decode(bytes));
  } catch (err) {
    if (err instanceof JSONError || err instanceof EncodingError) throw new BundleShapeError(`the bundle is not valid JSON: ${err.message}`);
    throw err;
  }
  if (!isObject(doc) || !hasExactly(doc, BUNDLE_MEMBERS)) {
    throw new BundleShapeError(`a bundle has exactly the members ${[...BUNDLE_MEMBERS].sort().join(', ')}`);
  }
  if (doc.format !== BUNDLE_FORMAT || doc.v !== 1) throw new BundleShapeError(`not a ${BUNDLE_FORMAT} version 1 document`);
  for (const name of ['subject', 'verifier_key', 'checkpoint']) {
    if (typeof doc[name] !== 'string') throw new BundleShapeError(`${name} must be text`);
  }
  // The distinct proof hashes (FORMAT.md 9.1): canonical base64 of 32 bytes, each once.
  if (!Array.isArray(doc.nodes) || doc.nodes.length > MAX_BUNDLE_NODES) {
    throw new BundleShapeError(`nodes must be a list of at most ${MAX_BUNDLE_NODES} hashes`);
  }
  const nodes = doc.nodes.map((h, k) => {
    const b = base64Decode(h, 32);
    if (b === null) throw new BundleShapeError(`nodes[${k}] must be canonical base64 of a 32-byte hash`);
    return b;
  });
  if (new Set(doc.nodes).size !== nodes.length) throw new BundleShapeError('nodes must not hold the same hash twice');
  const raw = doc.entries;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BUNDLE_ENTRIES) {
    throw new BundleShapeError(`entries must be a list of 1 to ${MAX_BUNDLE_ENTRIES} entries`);
  }
  const entries = [];
  let firstUnused = 0; // nodes are numbered in order of first use (FORMAT.md 9.1)
  raw.forEach((item, n) => {
    const where = `entries[${n}]`;
    if (!isObject(item) || !hasExactly(item, ENTRY_MEMBERS)) throw new BundleShapeError(`${where} must have exactly the members index, leaf, proof`);
    const { index, proof } = item;
    if (!Number.isSafeInteger(index) || index < 0) throw new BundleShapeError(`${where}.index must be a non-negative integer`);
    if (entries.length && index <= entries[entries.length - 1].index) {
      throw new BundleShapeError(`${where}: entries must be in increasing index order, each once`);
    }
    if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH) {
      throw new BundleShapeError(`${where}.proof must be a list of at most ${MAX_PROOF_LENGTH} node numbers`);
    }
    const leaf = base64Decode(item.leaf);
    if (leaf === null) throw new BundleShapeError(`${where}.leaf must be canonical base64`);
    const hashes = proof.map((p, k) => {
      if (!Number.isSafeInteger(p) || p < 0 || p >= nodes.length) {
        throw new BundleShapeError(`${where}.proof[${k}] must be the number of one of the ${nodes.length} nodes`);
      }
      if (p > firstUnused) throw new BundleShapeError(`${where}.proof[${k}]: nodes must be listed in order of first use`);
      if (p === firstUnused) firstUnused += 1;
      return nodes[p];
    });
    entries.push({ index, leaf, proof: hashes });
  });
  if (firstUnused !== nodes.length) throw new BundleShapeError(`nodes[${firstUnused}] is used by no proof`);
  return { doc, entries };
}

/**
 * An instance ID's names: a unit written with its lot names the unit (lot segment removed)
 * and the lot (everything before its `/21/`), FORMAT.md 9.2 step 6.
 * @param {string} value
 * @returns {string[]}
 */
function instanceNames(value) {
  const lot = LOT_SEGMENT.exec(value);
  if (lot === null) return [value];
  const end = lot.index + lot[0].length;
  return [value.slice(0, lot.index) + value.slice(end), value.slice(0, end)];
}

/**
 * The identifiers an event payload names (FORMAT.md 9.2 step 6).
 * @param {object} payload
 * @returns {Set<string>}
 */
export function mentionedIds(payload) {
  const found = new Set();
  for (const name of ID_LISTS) {
    const list = payload[name];
    if (Array.isArray(list)) for (const v of list) if (typeof v === 'string') for (const n of instanceNames(v)) found.add(n);
  }
  if (typeof payload.parentID === 'string') found.add(payload.parentID);
  for (const name of CLASS_LISTS) {
    const list = payload[name];
    if (Array.isArray(list)) {
      for (const el of list) if (isObject(el) && typeof el.epcClass === 'string') found.add(el.epcClass);
    }
  }
  return found;
}

/** The lab report's SHA-256 an inspection event carries (EVENTS.md 5.2), else null. */
function reportHash(payload) {
  const inspection = isObject(payload) ? payload['tl:inspection'] : undefined;
  return isObject(inspection) && typeof inspection.reportSha256 === 'string' ? inspection.reportSha256 : null;
}

function verifiedFields(entry, admission) {
  const out = { kind: entry.statement.kind, time: entry.time, signer: entry.statement.signer };
  if (admission.kind === 'event') {
    Object.assign(out, {
      bizStep: admission.bizStep,
      eventTime: admission.eventTime,
      actor: admission.actor.actor,
      actorName: admission.actor.name,
      actorRegion: admission.actor.region,
      reportSha256: reportHash(entry.statement.payload),
    });
  } else if (admission.kind === 'actor' || admission.kind === 'key') {
    Object.assign(out, { actor: admission.record.actor });
    if (admission.kind === 'actor') Object.assign(out, { actorName: admission.record.name, actorRegion: admission.record.region });
  } else if (admission.kind === 'revoke') {
    Object.assign(out, { actor: admission.actor, revokedKey: admission.keyId });
  }
  return out;
}

/**
 * Verify a proof bundle against the operator's verifier key (FORMAT.md 9.2). Never throws
 * for a bad bundle: every failure is in the report. Throws only when the browser cannot
 * verify at all (crypto.UnsupportedError) or the trusted key itself is malformed.
 * @param {Uint8Array} bundleBytes the bundle document, exactly as fetched
 * @param {string} trustedVkey the operator's C2SP verifier key, obtained out of band
 * @param {{onProgress?: function({done: number, total: number}): void}} [options]
 * @returns {Promise<Report>}
 */
export async function verifyBundle(bundleBytes, trustedVkey, { onProgress } = {}) {
  const operator = await parseVkey(trustedVkey);
  const report = {
    ok: false,
    subject: '',
    checkpoint: { ok: false, size: null, root: null, message: 'not checked' },
    bundleFailures: [],
    entries: {},
    steps: [],
  };
  const bundleFail = (check, message) => {
    report.bundleFailures.push({ check, message });
    return report;
  };

  // 9.2 steps 1-3: shape, operator key, checkpoint. Nothing else can be checked without them.
  let parsed;
  try {
    parsed = readBundle(bundleBytes);
  } catch (err) {
    if (err instanceof BundleShapeError) return bundleFail('bundle', err.message);
    throw err;
  }
  const { doc, entries } = parsed;
  report.subject = doc.subject;
  if (doc.verifier_key !== operator.text) {
    report.checkpoint.message = 'not checked: the bundle names another operator key';
    return bundleFail('operator_key', 'the bundle names another operator key than the one trusted');
  }
  let checkpoint;
  try {
    checkpoint = parseCheckpoint((await verifyNote(doc.checkpoint, [operator])).text);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    report.checkpoint.message = err.message;
    return bundleFail('checkpoint_signature', err.message);
  }
  if (checkpoint.origin !== operator.name) {
    report.checkpoint.message = `the checkpoint's origin ${checkpoint.origin} is not this log's`;
    return bundleFail('checkpoint_origin', report.checkpoint.message);
  }
  report.checkpoint = {
    ok: true, size: checkpoint.size, root: base64Encode(checkpoint.root),
    message: `signed by ${operator.name} for ${checkpoint.size} entries`,
  };

  // 9.2 step 4, then step 5 against a registry that starts from the trusted key.
  if (entries[0].index !== 0) bundleFail('genesis', "the bundle lacks the log's genesis entry (index 0)");
  const registry = new Registry(operator.name, operator.publicKey, await keyId(operator.publicKey));
  const events = [];
  let done = 0;
  for (const item of entries) {
    const rec = { ok: true, kind: null, failures: [], verified: null };
    report.entries[item.index] = rec;
    const entryFail = (check, message) => rec.failures.push({ check, message });
    // 5.1: inclusion in the checkpoint's tree.
    if (item.index >= checkpoint.size) {
      entryFail('inclusion', `entry ${item.index} is beyond the checkpoint's ${checkpoint.size} entries`);
    } else {
      const why = await verifyInclusion(item.index, checkpoint.size, await leafHash(item.leaf), item.proof, checkpoint.root);
      if (why !== null) entryFail('inclusion', why);
    }
    // 5.2-5.4: the entry's bytes, then the rules of section 3.
    try {
      const entry = parseEntry(item.leaf);
      rec.kind = entry.statement.kind;
      if (entry.index !== item.index) throw new CheckFailure('index', `the entry says index ${entry.index}, the bundle ${item.index}`);
      if (entry.statement.kind === 'event') {
        events.push(entry);
        report.steps.push(item.index);
      }
      const admission = await admit(entry, registry);
      rec.verified = verifiedFields(entry, admission);
      if (admission.kind === 'genesis' && (
        base64Encode(admission.operatorKey) !== base64Encode(operator.publicKey) || admission.origin !== operator.name)) {
        entryFail('genesis', 'the genesis entry names another operator key or origin');
      }
      // Only an entry with no failure enters the registry (FORMAT.md 9.2 step 5).
      if (rec.failures.length === 0 && admission.kind !== 'genesis') registry.apply(admission);
    } catch (err) {
      if (!(err instanceof CheckFailure)) throw err;
      entryFail(err.check, err.message);
    }
    rec.ok = rec.failures.length === 0;
    if (!rec.ok) rec.verified = null; // show nothing as verified from a failed entry
    done += 1;
    if (onProgress) onProgress({ done, total: entries.length });
  }
  // 9.2 step 6: the bundle is about its subject.
  if (!events.some((e) => mentionedIds(e.statement.payload).has(doc.subject))) {
    bundleFail('subject', `no event in the bundle names ${doc.subject}`);
  }
  report.ok = report.bundleFailures.length === 0 && Object.values(report.entries).every((e) => e.ok);
  return report;
}

/**
 * Whether a step (an event entry) is verified: nothing failed at its index, nothing failed
 * for the bundle as a whole, and the checkpoint verified (FORMAT.md 9.2, last paragraph).
 * @param {Report} report
 * @param {number} index
 * @returns {boolean}
 */
export function stepVerified(report, index) {
  const e = report.entries[index];
  return Boolean(e && e.ok && report.checkpoint.ok && report.bundleFailures.length === 0);
}
