// The outbox: signed statements wait here (IndexedDB) until the server has them. Each item
// is 'waiting', 'accepted' (with its entry index, then its inclusion in a signed
// checkpoint checked on this phone) or 'rejected' (with the server's code and words).
// Sending is idempotent on the server (a statement is one entry however often it is
// sent), so an item whose answer was lost, say the page closed mid-sync, is simply sent
// again and answers the entry it already has.

import { ApiError, getJson, postJson } from './api.js';
import { outbox, put, putAll } from './db.js';
import { base64Decode, bytesEqual, concatBytes, hexDecode } from '../verify/bytes.js';
import { sha256 } from '../verify/crypto.js';
import { canonicalBytes, parseStrict } from '../verify/jcs.js';
import { verifyInclusion } from '../verify/merkle.js';
import { parseCheckpoint, parseVkey, verifyNote } from '../verify/note.js';

export const BATCH = 50; // statements per request: small enough for a weak network

function waitingItem(signed, form, summary, created) {
  return { id: signed.id, statement: signed.statement, form, summary, created, state: 'waiting' };
}

/** Put a signed statement in the outbox. */
export async function enqueue(signed, form, summary) {
  const item = waitingItem(signed, form, summary, Date.now());
  await put('outbox', item);
  return item;
}

/** Put many signed statements ({signed, form, summary}) in the outbox, in one transaction
 * and in their order. */
export async function enqueueAll(records) {
  const start = Date.now();
  const items = records.map((r, i) => waitingItem(r.signed, r.form, r.summary, start + i / 1000));
  await putAll('outbox', items);
  return items;
}

/**
 * Send every waiting item, BATCH at a time, in the order they were signed. A batch is all
 * or nothing on the server: when it names a statement it refuses, that one is marked
 * rejected and the rest are sent again. Stops quietly when the network is gone.
 * @returns {Promise<boolean>} false when the network failed before the end
 */
export async function sync(onChange = () => {}) {
  for (;;) {
    const waiting = (await outbox()).filter((item) => item.state === 'waiting').slice(0, BATCH);
    if (waiting.length === 0) return true;
    try {
      const answer = await postJson('/api/v1/statements', {
        statements: waiting.map((item) => item.statement),
      });
      for (const [position, entry] of answer.entries.entries()) {
        Object.assign(waiting[position], { state: 'accepted', index: entry.index });
      }
      await putAll('outbox', waiting); // one transaction for the batch
    } catch (error) {
      if (error instanceof TypeError) return false; // offline: try again later
      if (!(error instanceof ApiError)) throw error;
      const position = Number.isInteger(error.index) ? error.index : 0;
      if (error.status >= 500 || (waiting.length > 1 && !Number.isInteger(error.index))) {
        return false; // not about one statement: keep them all waiting
      }
      Object.assign(waiting[position], {
        state: 'rejected',
        code: error.code,
        message: error.message,
      });
      await put('outbox', waiting[position]);
    }
    onChange();
  }
}

/**
 * Check on this phone that every accepted item is in the log: its entry holds exactly the
 * statement signed here, and an RFC 9162 inclusion proof ties it to a checkpoint signed
 * by the operator key the phone learnt when it was enrolled.
 */
export async function confirm(vkeyText, onChange = () => {}) {
  const pending = (await outbox()).filter((item) => item.state === 'accepted' && !item.checkpoint);
  if (pending.length === 0) return;
  const vkey = await parseVkey(vkeyText);
  const note = await (await fetch('/api/v1/checkpoint', { cache: 'no-store' })).text();
  const { text } = await verifyNote(note, [vkey]);
  const checkpoint = parseCheckpoint(text);
  for (const item of pending) {
    if (item.index >= checkpoint.size) continue; // the next checkpoint will hold it
    const failure = await checkIncluded(item, checkpoint);
    Object.assign(item, failure ? { state: 'unproven', problem: failure } : { checkpoint: checkpoint.size });
    await put('outbox', item);
    onChange();
  }
}

async function checkIncluded(item, checkpoint) {
  const page = await getJson(`/api/v1/log/entries?start=${item.index}&end=${item.index + 1}`);
  const leaf = base64Decode(page.entries[0]?.leaf ?? '');
  if (leaf === null) return 'the server sent no entry';
  const entry = parseStrict(new TextDecoder().decode(leaf));
  if (!bytesEqual(canonicalBytes(entry.statement), canonicalBytes(item.statement))) {
    return 'the entry does not hold the statement signed on this phone';
  }
  const proof = await getJson(
    `/api/v1/log/proof/inclusion?index=${item.index}&tree_size=${checkpoint.size}`,
  );
  const leafHash = await sha256(concatBytes(new Uint8Array([0]), leaf));
  const why = await verifyInclusion(
    item.index,
    checkpoint.size,
    leafHash,
    proof.proof.map(hexDecode),
    checkpoint.root,
  );
  return why;
}
