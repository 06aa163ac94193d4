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

export const ROLES = ['farm', 'processor', 'packer', 'carrier', 'warehouse', 'lab', 'retailer'];
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

/** The GS1 mod-10 check digit of 13 digits holds. */
function checkDigitOk(gln) {
  let total = 0;
  for (let i = 0; i < 12; i++) total += Number(gln[11 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (total % 10)) % 10 === Number(gln[12]);
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

async function admitEvent(st, timeMs, entryTime, reg) {
  const p = st.payload;
  const eventTime = eventHead(p);
  const key = reg.keys.get(st.signer);
  if (key === undefined) {
    throw fail('unknown_key', `key ${st.signer} is not added by an earlier entry of this bundle`);
  }
  if (key.revokedMs !== null && key.revokedMs <= timeMs) {
    throw fail('key_revoked', `key ${st.signer} was revoked with effect at or before this entry's time`);
  }
  const actor = reg.actors.get(key.actor);
  if (actor === undefined) throw fail('unknown_actor', `the actor of key ${st.signer} is not registered`);
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
  return { kind: 'event', actor, key, bizStep: p.bizStep, eventTime: p.eventTime };
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
  return admitEvent(st, entry.timeMs, entry.time, reg);
}
