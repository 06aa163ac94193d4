// Who may sign what (FORMAT.md 3.1-3.6): the registry of actors and keys, replayed from
// entries, and `admit`, which decides whether one statement may stand at an index and time.
// Failures are thrown as CheckFailure named by the rule broken (the codes of
// docs/EVENTS.md, `signature` for every signature failure), checked in the same order as
// the server's rules, so the first rule broken is the one reported.

import { base64Decode } from './bytes.js';
import { verifyEd25519 } from './crypto.js';
import { CheckFailure, KEY_ID, keyId, parseLedgerTime, parseRfc3339 } from './entry.js';
import { isObject } from './jcs.js';

/** FORMAT.md 3.6: bizStep -> the roles that may post it. */
export const STEP_ROLES = Object.freeze({
  commissioning: ['farm', 'processor', 'packer'],
  'tl:sowing': ['farm'],
  'tl:fertilising': ['farm'],
  'tl:spraying': ['farm'],
  'tl:irrigating': ['farm'],
  transforming: ['farm', 'processor'],
  packing: ['processor', 'packer'],
  unpacking: ['processor', 'packer'],
  inspecting: ['lab'],
  sampling: ['lab'],
  storing: ['farm', 'processor', 'packer', 'warehouse', 'retailer'],
  shipping: ['farm', 'processor', 'packer', 'warehouse'],
  loading: ['carrier'],
  transporting: ['carrier'],
  unloading: ['carrier'],
  receiving: ['processor', 'packer', 'warehouse', 'retailer'],
  sensor_reporting: ['farm', 'processor', 'packer', 'carrier', 'warehouse', 'retailer'],
  retail_selling: ['retailer'],
});

export const ROLES = ['farm', 'processor', 'packer', 'carrier', 'warehouse', 'lab', 'retailer', 'regulator', 'brand'];
/** FORMAT.md 3.7: the roles that may sign a recall. */
const RECALL_ROLES = ['regulator', 'brand'];
const OPERATOR_KINDS = ['genesis', 'actor', 'key', 'revoke'];
/** FORMAT.md 3.6 rule 4: how far after its entry's time an event may lie. */
export const FUTURE_ALLOWANCE_MS = 10 * 60 * 1000;
const ACTOR_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The actors, keys and revocations proven so far; starts from a trusted genesis. */
export class Registry {
  /**
   * @param {string} origin the log's origin
   * @param {Uint8Array} operatorKey the operator's public key
   * @param {string} operatorKeyId its key ID
   */
  constructor(origin, operatorKey, operatorKeyId) {
    this.genesis = { origin, operatorKey, operatorKeyId };
    /** @type {Map<string, {actor: string, name: string, roles: string[], region: string, gln: string, index: number}>} */
    this.actors = new Map();
    this.glns = new Set();
    /** @type {Map<string, {keyId: string, actor: string, publicKey: Uint8Array, index: number, revokedMs: number|null}>} */
    this.keys = new Map();
    /** @type {Map<string, {actor: string, closed: boolean}>} recall ID -> who opened it */
    this.recalls = new Map();
    /** @type {Map<number, string>} entry index of an event -> its actor */
    this.eventActors = new Map();
    /** @type {Map<number, number>} corrected entry -> the correction's entry */
    this.corrections = new Map();
    /** @type {Map<string, number>} complaint commitment -> its outcome's entry */
    this.complaints = new Map();
  }

  /**
   * Record the effect of an admitted statement (the genesis is trusted, not replayed).
   * @param {object} admission what `admit` returned
   */
  apply(admission) {
    if (admission.kind === 'actor') {
      this.actors.set(admission.record.actor, admission.record);
      this.glns.add(admission.record.gln);
    } else if (admission.kind === 'key') {
      this.keys.set(admission.record.keyId, admission.record);
    } else if (admission.kind === 'revoke') {
      this.keys.set(admission.keyId, { ...this.keys.get(admission.keyId), revokedMs: admission.effectiveMs });
    } else if (admission.kind === 'event') {
      this.eventActors.set(admission.index, admission.actor.actor);
    } else if (admission.kind === 'recall') {
      const opener = this.recalls.get(admission.recall)?.actor ?? admission.actor.actor;
      this.recalls.set(admission.recall, { actor: opener, closed: admission.status === 'closed' });
    } else if (admission.kind === 'correction') {
      this.corrections.set(admission.target, admission.index);
    } else if (admission.kind === 'complaint') {
      this.complaints.set(admission.commitment, admission.index);
    }
  }
}

const fail = (check, message) => new CheckFailure(check, message);

function members(payload, required, kind, optional = []) {
  const missing = required.filter((n) => !(n in payload)).sort();
  if (missing.length) throw fail('missing_field', `a ${kind} statement needs ${JSON.stringify(missing[0])}`);
  const extra = Object.keys(payload).filter((n) => !required.includes(n) && !optional.includes(n)).sort();
  if (extra.length) throw fail('unknown_field', `${JSON.stringify(extra[0])} is not allowed in a ${kind} statement`);
}

function text(payload, name, maxLen) {
  const v = payload[name];
  // Lengths are in code points, as FORMAT.md counts characters.
  if (typeof v !== 'string' || [...v].length < 1 || [...v].length > maxLen || CONTROL.test(v)) {
    throw fail('bad_value', `${name} must be text of 1 to ${maxLen} characters, without control characters`);
  }
  return v;
}

function actorId(payload) {
  const v = payload.actor;
  if (typeof v !== 'string' || !ACTOR_ID.test(v)) throw fail('bad_value', 'actor must be a valid actor ID');
  return v;
}

function publicKey(payload, name) {
  const v = payload[name];
  if (typeof v !== 'string') throw fail('wrong_type', `${name} must be base64 text`);
  const raw = base64Decode(v);
  if (raw === null) throw fail('bad_base64', `${name} is not canonical base64`);
  if (raw.length !== 32) throw fail('bad_length', `${name} must decode to 32 bytes, not ${raw.length}`);
  return raw;
}

function time(payload, name) {
  const ms = parseLedgerTime(payload[name]);
  if (ms === null) throw fail('bad_time', `${name} must be a UTC time like 2026-09-20T08:00:00.000Z`);
  return ms;
}

/** The GS1 mod-10 check digit (the last digit of a GLN, GTIN or SSCC) holds. */
function checkDigitOk(digits) {
  const n = digits.length - 1;
  let total = 0;
  for (let i = 0; i < n; i++) total += Number(digits[n - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (total % 10)) % 10 === Number(digits[n]);
}

async function signedBy(statement, key) {
  if (!(await verifyEd25519(key, statement.message, statement.sig))) {
    throw fail('signature', `the ${statement.kind} statement's signature does not verify`);
  }
}

async function admitGenesis(st) {
  const p = st.payload;
  members(p, ['origin', 'operator_key', 'created'], 'genesis');
  const origin = text(p, 'origin', 200);
  if (/\s/u.test(origin) || origin.includes('+')) throw fail('bad_value', "the origin has no spaces and no '+'");
  const key = publicKey(p, 'operator_key');
  time(p, 'created');
  if (st.signer !== (await keyId(key))) {
    throw fail('not_operator', 'the genesis statement must be signed by the operator key it names');
  }
  await signedBy(st, key);
  return { kind: 'genesis', origin, operatorKey: key };
}

function admitActor(st, index, reg) {
  const p = st.payload;
  members(p, ['actor', 'name', 'roles', 'region', 'gln'], 'actor', ['name_en']);
  const actor = actorId(p);
  const name = text(p, 'name', 200);
  if ('name_en' in p) text(p, 'name_en', 200);
  const region = text(p, 'region', 200);
  const roles = p.roles;
  if (!Array.isArray(roles) || roles.length === 0 || new Set(roles).size !== roles.length
      || !roles.every((r) => typeof r === 'string' && ROLES.includes(r))) {
    throw fail('bad_value', `roles must be a non-empty list without repeats, each one of ${ROLES.join(', ')}`);
  }
  if (typeof p.gln !== 'string') throw fail('wrong_type', 'gln must be a 13-digit text');
  if (!/^[0-9]{13}$/.test(p.gln)) throw fail('bad_identifier', `the GLN ${JSON.stringify(p.gln)} must be 13 digits`);
  if (!checkDigitOk(p.gln)) throw fail('bad_check_digit', `the GLN ${p.gln} has a wrong check digit`);
  if (reg.actors.has(actor)) throw fail('actor_exists', `actor ${actor} is already registered`);
  if (reg.glns.has(p.gln)) throw fail('gln_taken', `GLN ${p.gln} already belongs to another actor`);
  return { kind: 'actor', record: { actor, name, roles: [...roles], region, gln: p.gln, index } };
}

async function admitKey(st, index, reg) {
  const p = st.payload;
  members(p, ['actor', 'public_key'], 'key');
  const actor = actorId(p);
  const key = publicKey(p, 'public_key');
  const id = await keyId(key);
  if (!reg.actors.has(actor)) throw fail('unknown_actor', `no actor ${actor} is registered`);
  if (reg.keys.has(id) || id === reg.genesis.operatorKeyId) throw fail('key_exists', 'this public key is already in the log');
  return { kind: 'key', record: { keyId: id, actor, publicKey: key, index, revokedMs: null } };
}

function admitRevoke(st, index, reg) {
  const p = st.payload;
  members(p, ['actor', 'key_id', 'effective', 'reason'], 'revoke');
  const actor = actorId(p);
  if (typeof p.key_id !== 'string' || !KEY_ID.test(p.key_id)) throw fail('bad_value', 'key_id must be 32 lowercase hex digits');
  const effectiveMs = time(p, 'effective');
  text(p, 'reason', 500);
  const record = reg.keys.get(p.key_id);
  if (record === undefined || record.actor !== actor) throw fail('unknown_key', `actor ${actor} has no key ${p.key_id}`);
  if (record.revokedMs !== null) throw fail('key_already_revoked', `key ${p.key_id} is already revoked`);
  return { kind: 'revoke', keyId: p.key_id, actor, effectiveMs };
}

// The head of the server's event reader (ledger/core/event_parser.py, docs/EVENTS.md): the
// event types, the members each allows, and the type and action each step is posted as.
const EVENT_COMMON = ['type', 'eventID', 'eventTime', 'eventTimeZoneOffset', 'bizStep', 'disposition',
  'readPoint', 'bizLocation', 'bizTransactionList', 'sourceList', 'destinationList',
  'sensorElementList', 'certificationInfo',
  'tl:allowedRange', 'tl:farmInput', 'tl:inspection', 'tl:carrier'];
const EVENT_TYPE_MEMBERS = Object.freeze({
  ObjectEvent: ['action', 'epcList', 'quantityList', 'ilmd'],
  AggregationEvent: ['action', 'parentID', 'childEPCs', 'childQuantityList'],
  TransformationEvent: ['transformationID', 'inputEPCList', 'inputQuantityList', 'outputEPCList',
    'outputQuantityList', 'ilmd'],
});
const EVENT_MEMBERS = new Set([...EVENT_COMMON, ...Object.values(EVENT_TYPE_MEMBERS).flat()]);
/** The type and action (null: none) each step is posted as. */
const STEP_SHAPE = Object.freeze({
  ...Object.fromEntries(Object.keys(STEP_ROLES).map((s) => [s, ['ObjectEvent', 'OBSERVE']])),
  commissioning: ['ObjectEvent', 'ADD'],
  transforming: ['TransformationEvent', null],
  packing: ['AggregationEvent', 'ADD'],
  unpacking: ['AggregationEvent', 'DELETE'],
});
const EVENT_ID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OFFSET = /^[+-][0-9]{2}:[0-9]{2}$/;
const BAD_TEXT_CHAR = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u; // u: lone surrogates only
const has = (obj, name) => Object.prototype.hasOwnProperty.call(obj, name);

/** A member read as the server reads text and, given `options`, one of them. */
function eventText(p, name, maxLen, options = null) {
  const v = p[name];
  if (typeof v !== 'string') throw fail('wrong_type', `${name} must be a text string`);
  if (v === '') throw fail('empty', `${name} is empty`);
  const length = [...v].length;
  if (length > maxLen) throw fail('too_long', `${name} is ${length} characters long; at most ${maxLen}`);
  if (BAD_TEXT_CHAR.test(v)) throw fail('control_character', `${name} contains an invisible control character`);
  if (v !== v.trim()) throw fail('bad_value', `${name} starts or ends with spaces`);
  if (options !== null && !options.includes(v)) {
    throw fail('bad_value', `${name} ${JSON.stringify(v)} is not one of the values this ledger knows`);
  }
  return v;
}

/**
 * The log check of an event (FORMAT.md 3.5): the server's event reader up to the step's
 * shape, in its order (type, members, eventID, eventTime, eventTimeZoneOffset, a known
 * bizStep, the type and action the step is posted as). The rest of docs/EVENTS.md is the
 * server's.
 */
function eventHead(p) {
  if (!has(p, 'type')) throw fail('missing_field', 'the event has no type (ObjectEvent, ...)');
  const type = eventText(p, 'type', 100, Object.keys(EVENT_TYPE_MEMBERS));
  const allowed = new Set([...EVENT_COMMON, ...EVENT_TYPE_MEMBERS[type]]);
  for (const name of Object.keys(p)) {
    if (allowed.has(name)) continue;
    if (EVENT_MEMBERS.has(name)) throw fail('unexpected_field', `${name} belongs to another event type`);
    throw fail('unknown_field', `the event has an unknown member ${JSON.stringify(name)}`);
  }
  for (const name of ['eventID', 'eventTime', 'eventTimeZoneOffset', 'bizStep']) {
    if (!has(p, name)) throw fail('missing_field', `the event has no ${name}`);
  }
  if (!EVENT_ID.test(eventText(p, 'eventID', 45))) {
    throw fail('bad_value', 'eventID must be urn:uuid: followed by a lowercase UUID');
  }
  if (typeof p.eventTime !== 'string') throw fail('wrong_type', 'eventTime must be a date-time text');
  const eventTime = parseRfc3339(p.eventTime);
  if (eventTime === null) throw fail('bad_time', 'eventTime is not an RFC 3339 date-time with an offset or Z');
  const offset = p.eventTimeZoneOffset;
  if (typeof offset !== 'string' || !OFFSET.test(offset) || Number(offset.slice(4, 6)) > 59
      || Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)) > 14 * 60) {
    throw fail('bad_time', 'eventTimeZoneOffset must be an offset like +08:00');
  }
  const step = eventText(p, 'bizStep', 100, Object.keys(STEP_SHAPE));
  const [wantType, wantAction] = STEP_SHAPE[step];
  if (type !== wantType) throw fail('step_mismatch', `the step ${step} is posted as a ${wantType}`);
  if (wantAction !== null) {
    if (!has(p, 'action')) throw fail('missing_field', `the event has no action (${wantAction})`);
    const action = eventText(p, 'action', 100, ['ADD', 'OBSERVE', 'DELETE']);
    if (action !== wantAction) throw fail('step_mismatch', `the step ${step} needs action ${wantAction}`);
  }
  return eventTime;
}

/** FORMAT.md 3.6 rules 1-2: the signer's key, valid at the entry's time, and its actor. */
function signingKey(st, timeMs, reg) {
  const key = reg.keys.get(st.signer);
  if (key === undefined) {
    throw fail('unknown_key', `key ${st.signer} is not added by an earlier entry of this bundle`);
  }
  if (key.revokedMs !== null && key.revokedMs <= timeMs) {
    throw fail('key_revoked', `key ${st.signer} was revoked with effect at or before this entry's time`);
  }
  const actor = reg.actors.get(key.actor);
  if (actor === undefined) throw fail('unknown_actor', `the actor of key ${st.signer} is not registered`);
  return { key, actor };
}

async function admitEvent(st, index, timeMs, entryTime, reg) {
  const p = st.payload;
  const eventTime = eventHead(p);
  const { key, actor } = signingKey(st, timeMs, reg);
  const permitted = STEP_ROLES[p.bizStep]; // a known step: eventHead checked it
  if (!actor.roles.some((r) => permitted.includes(r))) {
    throw fail('role_not_permitted',
      `an actor with the roles ${actor.roles.join(', ')} may not post the step ${p.bizStep}; only ${permitted.join(', ')} may`);
  }
  const limit = timeMs + FUTURE_ALLOWANCE_MS;
  if (eventTime.ms > limit || (eventTime.ms === limit && eventTime.subMs)) {
    throw fail('event_in_future', `the event time ${p.eventTime} is more than 10 minutes after the entry's time ${entryTime}`);
  }
  await signedBy(st, key.publicKey);
  return { kind: 'event', index, actor, key, bizStep: p.bizStep, eventTime: p.eventTime };
}

// FORMAT.md 3.7 and 3.8: recalls and corrections, checked in full, in the core's order.
const bad = (field, why) => fail('bad_value', `${field} ${why}`);
const RECALL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VALUE = '[A-Za-z0-9!"$%&\'()*+,.:;<=>@_-]{1,80}';
const RECALL_OBJECT = new RegExp(
  `^https://id\\.gs1\\.org/(?:01/([0-9]{14})/(?:10|21)/${VALUE}|00/([0-9]{18})|414/([0-9]{13})/254/${VALUE})$`);
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** Text as FORMAT.md 3.2 counts it: 1 to maxLen code points, no control character. */
function textOk(v, maxLen) {
  return typeof v === 'string' && [...v].length >= 1 && [...v].length <= maxLen && !CONTROL.test(v);
}

function recallWords(p, name) {
  const v = p[name];
  if (!isObject(v) || Object.keys(v).length === 0 || !Object.keys(v).every((k) => k === 'zh' || k === 'en')) {
    throw bad(name, 'must give the text in Chinese, English or both');
  }
  for (const lang of ['zh', 'en']) {
    if (has(v, lang) && !textOk(v[lang], 1000)) throw bad(`${name}.${lang}`, 'must be text of 1 to 1000 characters');
  }
}

/** A real calendar day written YYYY-MM-DD, or null. */
function calendarDay(v) {
  if (typeof v !== 'string' || !DAY.test(v)) return null;
  const [y, m, d] = v.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  date.setUTCFullYear(y); // years below 100 are not shifted to 19xx
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? v : null;
}

function recallProducts(v) {
  if (!Array.isArray(v) || v.length > 100) throw bad('products', 'must be a list of at most 100 product ranges');
  const seen = new Set();
  v.forEach((item, n) => {
    const where = `products[${n}]`;
    const names = isObject(item) ? Object.keys(item).sort().join(',') : '';
    if (names !== 'from,gtin,to') throw bad(where, 'must have exactly the members gtin, from and to');
    if (typeof item.gtin !== 'string' || !/^[0-9]{14}$/.test(item.gtin)) throw bad(`${where}.gtin`, 'must be a GTIN of 14 digits');
    if (!checkDigitOk(item.gtin)) throw bad(`${where}.gtin`, 'has a wrong check digit');
    const first = calendarDay(item.from);
    if (first === null) throw bad(`${where}.from`, 'must be a date written YYYY-MM-DD');
    const last = calendarDay(item.to);
    if (last === null) throw bad(`${where}.to`, 'must be a date written YYYY-MM-DD');
    if (last < first) throw bad(`${where}.to`, 'is before its from date');
    seen.add(`${item.gtin} ${first} ${last}`);
  });
  if (seen.size !== v.length) throw bad('products', 'names a product range twice');
}

function recallPayload(p) {
  members(p, ['recall', 'status', 'level', 'reason', 'action', 'objects'], 'recall', ['products', 'note']);
  if (typeof p.recall !== 'string' || !RECALL_ID.test(p.recall)) throw bad('recall', 'must be 1 to 64 letters, digits, ".", "_" or "-"');
  if (!['open', 'update', 'closed'].includes(p.status)) throw bad('status', 'must be open, update or closed');
  if (![1, 2, 3].includes(p.level)) throw bad('level', 'must be 1, 2 or 3');
  recallWords(p, 'reason');
  recallWords(p, 'action');
  const objects = p.objects;
  if (!Array.isArray(objects) || objects.length > 1000) throw bad('objects', 'must be a list of at most 1000 identifiers');
  objects.forEach((o, n) => {
    const m = typeof o === 'string' ? RECALL_OBJECT.exec(o) : null;
    if (m === null) throw bad(`objects[${n}]`, 'must be a lot, unit, case or plot Digital Link');
    if (!checkDigitOk(m.slice(1).find((g) => g !== undefined))) throw bad(`objects[${n}]`, 'has a wrong check digit');
  });
  if (new Set(objects).size !== objects.length) throw bad('objects', 'names an identifier twice');
  if (has(p, 'products')) recallProducts(p.products);
  if (has(p, 'note') && !textOk(p.note, 1000)) throw bad('note', 'must be text of 1 to 1000 characters');
  if (objects.length === 0 && !(has(p, 'products') && p.products.length > 0)) throw bad('objects', 'is empty and no products are named');
}

async function admitRecall(st, timeMs, reg) {
  const p = st.payload;
  recallPayload(p);
  const { key, actor } = signingKey(st, timeMs, reg);
  if (!actor.roles.some((r) => RECALL_ROLES.includes(r))) {
    throw fail('role_not_permitted', `actor ${actor.actor} may not sign a recall: only a regulator or a brand owner may`);
  }
  const state = reg.recalls.get(p.recall);
  if (p.status === 'open') {
    if (state !== undefined) throw fail('recall_exists', `recall ${p.recall} was already opened`);
  } else if (state === undefined) {
    throw fail('unknown_recall', `no recall ${p.recall} was opened`);
  } else if (state.closed) {
    throw fail('recall_closed', `recall ${p.recall} is closed`);
  } else if (state.actor !== actor.actor && !actor.roles.includes('regulator')) {
    throw fail('not_recall_owner', `recall ${p.recall} was opened by ${state.actor}`);
  }
  await signedBy(st, key.publicKey);
  return { kind: 'recall', actor, recall: p.recall, status: p.status };
}

const EVENT_ID_LIST_MAX = 20;

async function admitCorrection(st, index, timeMs, reg) {
  const p = st.payload;
  members(p, ['entry', 'reason', 'explanation'], 'correction', ['corrective_event_ids']);
  if (!Number.isInteger(p.entry) || p.entry < 1) throw bad('entry', "must be the index of the erroneous event's entry");
  if (!['did_not_occur', 'incorrect_data'].includes(p.reason)) throw bad('reason', 'must be did_not_occur or incorrect_data');
  if (!textOk(p.explanation, 1000)) throw bad('explanation', 'must be text of 1 to 1000 characters');
  if (has(p, 'corrective_event_ids')) {
    const ids = p.corrective_event_ids;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > EVENT_ID_LIST_MAX
        || !ids.every((e) => typeof e === 'string' && EVENT_ID.test(e)) || new Set(ids).size !== ids.length) {
      throw bad('corrective_event_ids', `must list 1 to ${EVENT_ID_LIST_MAX} different event IDs`);
    }
  }
  let by = null;
  let publicKey = reg.genesis.operatorKey;
  if (st.signer !== reg.genesis.operatorKeyId) {
    const { key, actor } = signingKey(st, timeMs, reg);
    by = actor.actor;
    publicKey = key.publicKey;
  }
  const owner = p.entry < index ? reg.eventActors.get(p.entry) : undefined;
  if (owner === undefined) throw fail('unknown_event', `entry ${p.entry} is not an earlier event`);
  if (by !== null && owner !== by) throw fail('not_event_owner', `entry ${p.entry} was posted by ${owner}, not ${by}`);
  if (reg.corrections.has(p.entry)) throw fail('already_corrected', `entry ${p.entry} was already corrected`);
  await signedBy(st, publicKey);
  return { kind: 'correction', index, target: p.entry, actor: by };
}

// FORMAT.md 3.9: a complaint's outcome, named by its salted commitment.
const COMPLAINT_CATEGORIES = ['quality', 'foreign_matter', 'spoiled', 'label', 'weight', 'other'];
const COMPLAINT_OUTCOMES = ['answered', 'refunded', 'escalated'];
const HEX64 = /^[0-9a-f]{64}$/;

function complaintPayload(p) {
  members(p, ['commitment', 'actor', 'object', 'category', 'outcome', 'reply'], 'complaint', ['recall']);
  if (typeof p.commitment !== 'string' || !HEX64.test(p.commitment)) throw bad('commitment', 'must be 64 lowercase hex digits');
  if (typeof p.actor !== 'string' || !ACTOR_ID.test(p.actor)) throw bad('actor', 'must be an actor ID');
  const m = typeof p.object === 'string' ? RECALL_OBJECT.exec(p.object) : null;
  if (m === null) throw bad('object', 'must be a lot, unit, case or plot Digital Link');
  if (!checkDigitOk(m.slice(1).find((g) => g !== undefined))) throw bad('object', 'has a wrong check digit');
  if (!COMPLAINT_CATEGORIES.includes(p.category)) throw bad('category', `must be one of ${COMPLAINT_CATEGORIES.join(', ')}`);
  if (!COMPLAINT_OUTCOMES.includes(p.outcome)) throw bad('outcome', `must be one of ${COMPLAINT_OUTCOMES.join(', ')}`);
  if (!textOk(p.reply, 1000)) throw bad('reply', 'must be text of 1 to 1000 characters');
  if (has(p, 'recall')) {
    if (typeof p.recall !== 'string' || !RECALL_ID.test(p.recall)) throw bad('recall', 'must be 1 to 64 letters, digits, ".", "_" or "-"');
    if (p.outcome !== 'escalated') throw bad('recall', 'is named only when the outcome is escalated');
  }
}

async function admitComplaint(st, index, timeMs, reg) {
  const p = st.payload;
  complaintPayload(p);
  let by = null;
  let publicKey = reg.genesis.operatorKey;
  if (st.signer !== reg.genesis.operatorKeyId) {
    const { key, actor } = signingKey(st, timeMs, reg);
    by = actor.actor;
    publicKey = key.publicKey;
  }
  if (!reg.actors.has(p.actor)) throw fail('unknown_actor', `no actor ${p.actor} is registered`);
  if (by !== null && by !== p.actor) throw fail('not_complaint_party', `the complaint is addressed to ${p.actor}, not ${by}`);
  if (has(p, 'recall') && !reg.recalls.has(p.recall)) throw fail('unknown_recall', `no recall ${p.recall} was opened`);
  if (reg.complaints.has(p.commitment)) throw fail('complaint_answered', 'this complaint already has its outcome');
  await signedBy(st, publicKey);
  return { kind: 'complaint', index, commitment: p.commitment, actor: p.actor, outcome: p.outcome };
}

/**
 * Decide whether `entry`'s statement may stand at its index and time, given `reg`.
 * @param {import('./entry.js').Entry} entry
 * @param {Registry} reg
 * @returns {Promise<object>} the admission, for `reg.apply`
 * @throws {CheckFailure} naming the first rule broken
 */
export async function admit(entry, reg) {
  const st = entry.statement;
  if (!isObject(st.payload)) throw fail('entry_shape', 'payload must be a JSON object');
  if (entry.index === 0 || st.kind === 'genesis') {
    if (entry.index !== 0 || st.kind !== 'genesis') {
      throw fail('misplaced_genesis', 'the first entry of a log, and only the first, is its genesis statement');
    }
    return admitGenesis(st);
  }
  if (OPERATOR_KINDS.includes(st.kind)) {
    if (st.signer !== reg.genesis.operatorKeyId) throw fail('not_operator', `only the operator may sign ${st.kind} statements`);
    let admission;
    if (st.kind === 'actor') admission = admitActor(st, entry.index, reg);
    else if (st.kind === 'key') admission = await admitKey(st, entry.index, reg);
    else admission = admitRevoke(st, entry.index, reg);
    await signedBy(st, reg.genesis.operatorKey);
    return admission;
  }
  if (st.kind === 'recall') return admitRecall(st, entry.timeMs, reg);
  if (st.kind === 'correction') return admitCorrection(st, entry.index, entry.timeMs, reg);
  if (st.kind === 'complaint') return admitComplaint(st, entry.index, entry.timeMs, reg);
  return admitEvent(st, entry.index, entry.timeMs, entry.time, reg);
}
