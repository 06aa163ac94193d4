// The producer app: enrol this phone, fill a form, see exactly what is signed, sign it on
// the phone, keep it in the outbox until the server has it, and check on the phone that
// the log holds it. Views are sections of the page shown one at a time.

import { ApiError, getJson, postJson } from './api.js';
import { readBatch } from './batch.js';
import { readCode } from '../camera.js';
import { buildPayload, defaultOf } from './builder.js';
import { get, outbox, put, remove } from './db.js';
import { enrolmentRequest, inboxRequest, keySupport, newDevice, signStatement } from './keys.js';
import { confirm, enqueue, enqueueAll, sync } from './outbox.js';
import { hexEncode } from '../verify/bytes.js';
import { sha256 } from '../verify/crypto.js';
import { canonicalize } from '../verify/jcs.js';

const $ = (id) => document.getElementById(id);
const data = (id) => JSON.parse($(id).textContent);
const WORDS = data('words');
const PRODUCTS = data('products');
const LANG = document.documentElement.lang.startsWith('zh') ? 'zh' : 'en';
const POLL_MS = 3000;
const SYNC_MS = 30000;

let device = null;
let vocabulary = null;
let holdings = { lots: [], units: [], incoming: [], places: [] };
let current = null; // the form being filled: {form, values, payload, files}

/** A sentence of the app's words, with %(name)s filled in. */
function say(key, params = {}) {
  return (WORDS[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ''));
}

function show(view) {
  for (const section of document.querySelectorAll('main > section')) {
    section.hidden = section.id !== `view-${view}`;
  }
  window.scrollTo(0, 0);
}

function element(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// -- enrolment ------------------------------------------------------------------------------

async function enrol(event) {
  event.preventDefault();
  const actor = $('enrol-actor').value.trim();
  const name = $('enrol-device').value.trim();
  $('enrol-error').textContent = '';
  if (!actor || !name) {
    $('enrol-error').textContent = say('required');
    return;
  }
  const made = await newDevice();
  const enrolment = await enrolmentRequest(made, actor, name);
  try {
    const state = await postJson('/api/v1/enrolments', enrolment);
    device = { ...made, actor, name, enrolment, code: state.code };
    await put('device', device, 'self');
    navigator.storage?.persist?.();
    waitForApproval();
  } catch (error) {
    if (!(error instanceof ApiError || error instanceof TypeError)) throw error;
    report(error instanceof ApiError ? `${error.message} [${error.code}]` : say('offline_enrol'), 'enrol-error');
  }
}

async function waitForApproval() {
  show('waiting');
  $('enrol-code').textContent = device.code;
  $('enrol-qr').src = `/app/qr/${device.code}.svg`;
  $('enrol-status').textContent = say('waiting');
  for (;;) {
    let state;
    try {
      state = await getJson(`/api/v1/enrolments/${device.keyId}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // The server lost the request (a restored database): ask again, the same request.
        await postJson('/api/v1/enrolments', device.enrolment).catch(report);
      } else if (error instanceof TypeError) {
        report(say('offline_enrol'), 'enrol-status');
      } else {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      continue;
    }
    if (state.status === 'approved') {
      await approved(state);
      return;
    }
    $('enrol-status').textContent = say(state.status, { actor: state.actor_name });
    if (state.status !== 'pending') return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function approved(state) {
  const key = await getJson(`/api/v1/keys/${device.keyId}`);
  const operator = await getJson('/api/v1/operator');
  // The operator's verifier key, learnt once here, checks every later checkpoint.
  device.approved = {
    actorName: state.actor_name,
    gln: key.gln,
    roles: key.roles,
    keyIndex: state.key_index,
    vkey: operator.verifier_key,
  };
  await put('device', device, 'self');
  await home();
}

async function restart() {
  await remove('device', 'self');
  device = null;
  show('enrol');
}

// -- home: the forms and the outbox ---------------------------------------------------------

async function loadCached(name, path) {
  try {
    const fresh = await getJson(path);
    await put('cache', fresh, name);
    return fresh;
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof ApiError)) throw error;
    return get('cache', name); // offline, or the server cannot answer now: the last copy
  }
}

async function home() {
  $('home-actor').textContent = device.approved.actorName;
  $('home-key').textContent = `${device.name} · ${device.keyId.slice(0, 8)}`;
  vocabulary = (await loadCached('vocabulary', '/api/v1/vocabulary')) || vocabulary;
  holdings = (await loadCached('holdings', `/api/v1/actors/${device.actor}/holdings`)) || holdings;
  const list = $('form-list');
  list.replaceChildren();
  const roles = new Set(device.approved.roles);
  for (const form of vocabulary?.forms || []) {
    if (!form.roles.some((role) => roles.has(role))) continue;
    const button = element('button', { type: 'button', 'data-form': form.name }, form.label[LANG]);
    button.addEventListener('click', () => openForm(form));
    list.append(element('li', {}, button));
  }
  if (roles.has('regulator') || roles.has('brand')) {
    const button = element('button', { type: 'button', 'data-form': 'recall' }, say('recall_form'));
    button.addEventListener('click', () => show('recall'));
    list.append(element('li', {}, button));
  }
  const batchForm = $('batch-form');
  batchForm.replaceChildren(
    ...(vocabulary?.forms || [])
      .filter((form) => form.roles.some((role) => roles.has(role)))
      .map((form) => element('option', { value: form.name }, form.label[LANG])),
  );
  batchTemplateLink();
  show('home'); // once its forms are listed: what the producer sees first is complete
  await renderOutbox();
  sendAll();
}

// -- batch entry ----------------------------------------------------------------------------

let batch = [];

function batchTemplateLink() {
  $('batch-template').href = `/api/v1/vocabulary/forms/${$('batch-form').value}.csv`;
}

function formNamed(name) {
  return vocabulary.forms.find((form) => form.name === name);
}

async function readBatchFile() {
  batchTemplateLink();
  const file = $('batch-file').files[0];
  const list = $('batch-rows');
  list.replaceChildren();
  $('batch-sign').hidden = true;
  if (!file) return;
  const form = formNamed($('batch-form').value);
  batch = await readBatch(await file.text(), form, { keyId: device.keyId, gln: device.approved.gln });
  const ok = batch.filter((row) => row.payload);
  for (const row of batch) {
    const li = element('li', { class: row.payload ? 'accepted' : 'rejected', 'data-line': row.line });
    li.append(element('strong', {}, say('line', { line: row.line })), ' ');
    if (row.payload) {
      li.append(Object.values(row.values).join(' · '));
    } else {
      for (const error of row.errors) {
        const label = form.fields.find((f) => f.name === error.field)?.label[LANG] || error.field;
        li.append(element('span', { class: 'state' }, `${label}: ${say(error.words, error.params)} [${error.code}]`));
      }
    }
    list.append(li);
  }
  $('batch-summary').textContent = say('batch_summary', { ok: ok.length, bad: batch.length - ok.length });
  $('batch-sign').hidden = ok.length === 0;
}

async function signBatch() {
  const form = formNamed($('batch-form').value);
  const ok = batch.filter((row) => row.payload);
  const records = [];
  for (const row of ok) {
    const signed = await signStatement(device, 'event', row.payload);
    const title = `${form.label[LANG]} (${say('line', { line: row.line })})`;
    records.push({ signed, form: form.name, summary: { title, when: (row.values.time || '').replace('T', ' ') } });
  }
  await enqueueAll(records);
  batch = [];
  $('batch-rows').replaceChildren();
  $('batch-sign').hidden = true;
  $('batch-file').value = '';
  $('batch-summary').textContent = say('batch_signed', { n: ok.length });
  await renderOutbox();
  sendAll();
}

async function renderOutbox() {
  const items = (await outbox()).reverse();
  const count = (state) => items.filter((i) => i.state === state).length;
  $('outbox-summary').textContent = say('summary', {
    waiting: count('waiting'),
    accepted: count('accepted'),
    rejected: count('rejected'),
  });
  const list = $('outbox-list');
  list.replaceChildren();
  for (const item of items) {
    const confirmed = item.state === 'accepted' && item.checkpoint;
    const li = element('li', {
      class: confirmed ? 'confirmed' : item.state,
      'data-state': confirmed ? 'confirmed' : item.state,
      'data-id': item.id,
    });
    li.append(element('strong', {}, item.summary.title), ' ', item.summary.when);
    let state = say(`state_${item.state}`, { index: item.index });
    if (confirmed) state = say('state_confirmed', { index: item.index, size: item.checkpoint });
    li.append(element('span', { class: 'state' }, state));
    const corrected = items.find(
      (other) => other.statement.kind === 'correction' && other.statement.payload.entry === item.index,
    );
    if (corrected) {
      li.append(element('span', { class: 'state' }, say('corrected', { index: corrected.index ?? '…' })));
    } else if (item.state === 'accepted' && item.statement.kind === 'event') {
      const wrong = element('button', { type: 'button', class: 'secondary wrong' }, say('wrong'));
      wrong.addEventListener('click', () => openCorrection(item));
      li.append(wrong);
    }
    const lot = item.state === 'accepted' && createdLot(item.statement.payload);
    if (lot) {
      li.append(element('a', { class: 'certificate', href: `/certificates${lot}` }, say('certificate')));
    }
    if (item.state === 'rejected') {
      const todo = WORDS[`do_${item.code}`] ? say(`do_${item.code}`) : say('do_other');
      li.append(
        element('span', { class: 'reason' }, `${item.message} [${item.code}]`),
        element('span', { class: 'todo hint' }, todo),
      );
      const drop = element('button', { type: 'button', class: 'secondary' }, say('delete'));
      drop.addEventListener('click', async () => {
        await remove('outbox', item.id);
        renderOutbox();
      });
      li.append(drop);
    }
    list.append(li);
  }
}

/** The path (/01/{gtin}/10/{lot}) of the lot a record creates, if it creates one: the
 * lot its 承诺达标合格证 is printed for. */
function createdLot(payload) {
  const uri = payload.quantityList?.[0]?.epcClass ?? payload.outputQuantityList?.[0]?.epcClass;
  if (!uri || !['commissioning', 'transforming'].includes(payload.bizStep)) return null;
  return new URL(uri).pathname;
}

let sending = false;

async function sendAll() {
  $('net').textContent = say(navigator.onLine ? 'online' : 'offline');
  if (sending || !device?.approved) return;
  sending = true;
  try {
    await uploadDocuments();
    await sync(renderOutbox);
    await confirm(device.approved.vkey, renderOutbox);
  } catch (error) {
    if (error instanceof ApiError || error instanceof TypeError) return; // try again later
    throw error;
  } finally {
    sending = false;
    renderOutbox();
  }
}

async function uploadDocuments() {
  for (const item of await outbox()) {
    if (item.state !== 'waiting' || !item.document) continue;
    // The hash the record carries goes with the file: bytes changed on the way are refused.
    const hash = item.statement.payload['tl:inspection']?.reportSha256;
    const query = hash ? `?sha256=${hash}` : '';
    const response = await fetch(`/api/v1/documents${query}`, {
      method: 'POST',
      headers: { 'Content-Type': item.document.type },
      body: item.document.blob,
    });
    if (!response.ok) throw new ApiError(response.status, await response.json());
    delete item.document;
    await put('outbox', item);
  }
}

// -- a form ---------------------------------------------------------------------------------

function context() {
  return {
    gln: device.approved.gln,
    now: new Date(),
    lastPlot: current?.lastPlot,
    eventId: current?.eventId,
  };
}

function plotCode(uri) {
  const prefix = `https://id.gs1.org/414/${device.approved.gln}/254/`;
  return uri.startsWith(prefix) ? decodeURIComponent(uri.slice(prefix.length)) : uri;
}

function pickerValues(picker) {
  switch (picker) {
    case 'plots':
    case 'places':
      return holdings.places.map(plotCode);
    case 'lots':
      return holdings.lots;
    case 'units':
      return [...holdings.units, ...holdings.incoming];
    default:
      return [];
  }
}

function inputFor(field, id, value) {
  const common = { id, name: field.name, required: field.required || undefined };
  if (field.kind === 'choice') {
    const select = element('select', common);
    if (!field.required) select.append(element('option', { value: '' }, '—'));
    for (const option of field.options) {
      select.append(element('option', { value: option.value }, option.label[LANG]));
    }
    select.value = value;
    return select;
  }
  if (['analytes', 'readings', 'objects'].includes(field.kind)) {
    const area = element('textarea', common);
    area.value = value;
    return area;
  }
  const type = { datetime: 'datetime-local', date: 'date' }[field.kind] || 'text';
  const attrs = { ...common, type, autocomplete: 'off', autocapitalize: 'none' };
  if (field.kind === 'number') attrs.inputmode = 'decimal';
  if (field.maxLength) attrs.maxlength = field.maxLength;
  const options = pickerValues(field.picker);
  if (options.length) attrs.list = `${id}-list`;
  const input = element('input', attrs);
  input.value = value;
  return input;
}

function extras(field, input) {
  const parts = [];
  const options = pickerValues(field.picker);
  if (options.length) {
    parts.push(element('datalist', { id: `${input.id}-list` }, ...options.map((v) => element('option', { value: v }))));
  }
  if (field.kind === 'lot' && PRODUCTS.length) {
    const product = element('select', { 'aria-label': say('new_lot') },
      element('option', { value: '' }, say('new_lot')),
      ...PRODUCTS.map((p) => element('option', { value: p.gtin }, p.name)));
    const lot = element('input', { 'aria-label': say('new_lot'), autocapitalize: 'characters', placeholder: 'WC-2026-001' });
    const compose = () => {
      if (product.value && lot.value.trim()) {
        input.value = `https://id.gs1.org/01/${product.value}/10/${encodeURIComponent(lot.value.trim())}`;
      }
    };
    product.addEventListener('change', compose);
    lot.addEventListener('input', compose);
    parts.push(element('div', { class: 'row new-lot' }, product, lot));
  }
  if (field.kind === 'sha256') {
    const file = element('input', { type: 'file', accept: 'application/pdf,image/jpeg,image/png,image/webp', 'aria-label': field.label[LANG] });
    file.addEventListener('change', async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      input.value = hexEncode(await sha256(new Uint8Array(await chosen.arrayBuffer())));
      current.files[field.name] = chosen;
    });
    parts.push(file);
  }
  if (field.kind === 'readings') {
    const file = element('input', { type: 'file', accept: '.csv,text/csv', 'aria-label': field.label[LANG] });
    file.addEventListener('change', async () => {
      if (file.files[0]) input.value = readingsFromCsv(await file.files[0].text());
    });
    parts.push(file);
  }
  if ((field.kind === 'objects' || field.kind === 'object') && 'BarcodeDetector' in window) {
    const scan = element('button', { type: 'button', class: 'secondary' }, say('scan'));
    scan.addEventListener('click', () => scanInto(input, field.kind === 'objects'));
    parts.push(scan);
  }
  return parts;
}

/** A temperature logger's CSV (a time and a temperature on each line, a header allowed)
 * as the readings field writes it. */
export function readingsFromCsv(text) {
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, ''));
    if (cells.length < 2 || !/^\d{4}-\d{2}-\d{2}/.test(cells[0])) continue;
    out.push(`${cells[0]}=${cells[1]}`);
  }
  return out.join('; ');
}

async function scanInto(input, many) {
  const video = element('video', { playsinline: '', muted: '', class: 'scanner' });
  input.after(video);
  try {
    const value = await readCode(video, (text) => text.split('?')[0] || null, ['qr_code', 'data_matrix']);
    input.value = many && input.value ? `${input.value} ${value}` : value;
  } finally {
    video.remove();
  }
}

async function openForm(form, values = {}) {
  current = {
    form,
    files: {},
    eventId: `urn:uuid:${crypto.randomUUID()}`,
    lastPlot: await get('cache', 'lastPlot'),
  };
  $('form-title').textContent = form.label[LANG];
  $('form-errors').textContent = '';
  const fields = $('fields');
  fields.replaceChildren();
  for (const field of form.fields) {
    const id = `f-${field.name}`;
    const text = values[field.name] ?? defaultOf(field, context());
    const input = inputFor(field, id, text);
    const hint = field.help?.[LANG] || vocabulary.kinds?.[field.kind]?.[LANG];
    fields.append(
      element('div', { class: 'field', 'data-field': field.name },
        element('label', { for: id }, field.label[LANG], field.required ? ' *' : ''),
        input,
        ...extras(field, input),
        hint ? element('small', { class: 'hint' }, hint) : null,
        element('p', { class: 'error', id: `${id}-error`, role: 'alert' })),
    );
  }
  show('form');
}

function formValues() {
  const values = {};
  for (const field of current.form.fields) values[field.name] = $(`f-${field.name}`).value;
  return values;
}

async function check(event) {
  event.preventDefault();
  for (const node of document.querySelectorAll('#fields .field')) {
    node.classList.remove('invalid');
    node.querySelector('.error').textContent = '';
  }
  const values = formValues();
  const { payload, errors } = buildPayload(current.form, values, context());
  if (errors.length) {
    for (const error of errors) {
      const node = document.querySelector(`#fields [data-field="${error.field}"]`);
      node?.classList.add('invalid');
      if (node) node.querySelector('.error').textContent = say(error.words, error.params);
    }
    $('form-errors').textContent = say('fix_fields');
    return;
  }
  current.values = values;
  current.payload = payload;
  if (navigator.onLine && !(await serverAccepts(payload))) return;
  preview();
}

/** The form field a rule error's JSON path falls in (ledger.core.forms._field_of). */
function fieldOf(path) {
  const where = (path || '').replace(/^payload\.?/, '').replace(/\[\d+\]/g, '');
  let best = '';
  let name = '';
  for (const field of current.form.fields) {
    const own = field.path.replace(/\[(\d+|\*)\]/g, '');
    const inside = where === own || where.startsWith(`${own}.`) || own.startsWith(`${where}.`);
    if (where && inside && own.length > best.length) [best, name] = [own, field.name];
  }
  return name;
}

/** Online, the server's own event rules judge the payload before it is signed (nothing is
 * stored); offline the field checks above stand, and the server judges it on arrival. */
async function serverAccepts(payload) {
  try {
    await postJson('/api/v1/vocabulary/check', payload);
    return true;
  } catch (error) {
    if (error instanceof TypeError) return true; // the network went: sign, judge on arrival
    if (!(error instanceof ApiError)) throw error;
    const node = document.querySelector(`#fields [data-field="${fieldOf(error.field)}"]`);
    node?.classList.add('invalid');
    const text = `${error.message} [${error.code}]`;
    if (node) node.querySelector('.error').textContent = text;
    else report(text, 'form-errors');
    return false;
  }
}

function shown(field, text) {
  if (field.kind === 'choice') {
    return field.options.find((o) => o.value === text)?.label[LANG] ?? text;
  }
  if (field.kind === 'datetime') return text.replace('T', ' ');
  const lot = /\/01\/(\d{14})\/10\/([^/?]+)$/.exec(text);
  if (field.kind === 'lot' && lot) {
    const product = PRODUCTS.find((p) => p.gtin === lot[1]);
    return `${product ? product.name : lot[1]} · ${say('lot_number')} ${decodeURIComponent(lot[2])}`;
  }
  return text;
}

function preview() {
  $('preview-title').textContent = current.form.label[LANG];
  const list = $('preview-list');
  list.replaceChildren(
    element('dt', {}, say('signer')),
    element('dd', {}, `${device.approved.actorName} · ${device.name}`),
  );
  for (const field of current.form.fields) {
    const text = (current.values[field.name] || '').trim() || defaultOf(field, context());
    if (!text || (field.goesWith && !(current.values[field.goesWith] || '').trim())) continue;
    list.append(element('dt', {}, field.label[LANG]), element('dd', {}, shown(field, text)));
  }
  $('preview-json').textContent = canonicalize(current.payload);
  show('preview');
}

async function signAndSave() {
  $('sign').disabled = true;
  try {
    const signed = await signStatement(device, 'event', current.payload);
    const when = (current.values.time || '').replace('T', ' ');
    const item = await enqueue(signed, current.form.name, { title: current.form.label[LANG], when });
    const file = Object.values(current.files)[0];
    if (file) {
      item.document = { blob: file, type: file.type };
      await put('outbox', item);
    }
    const plot = current.values.plot?.trim();
    if (plot) await put('cache', plot, 'lastPlot');
    await home();
  } finally {
    $('sign').disabled = false;
  }
}

// -- corrections and recalls (FORMAT.md 3.8, 3.7) -------------------------------------------

let correcting = null; // the outbox item being declared wrong

function openCorrection(item) {
  correcting = item;
  $('correct-what').textContent = `${item.summary.title} ${item.summary.when} · ${say('state_accepted', { index: item.index })}`;
  $('correct-explanation').value = '';
  $('correct-error').textContent = '';
  show('correct');
}

async function signCorrection(event) {
  event.preventDefault();
  const explanation = $('correct-explanation').value.trim();
  if (!explanation) {
    $('correct-error').textContent = say('required');
    return;
  }
  const reason = document.querySelector('#correct-form input[name=reason]:checked').value;
  const payload = { entry: correcting.index, reason, explanation };
  const signed = await signStatement(device, 'correction', payload);
  await enqueue(signed, 'correction', { title: say('correction_title', { index: correcting.index }), when: '' });
  correcting = null;
  await home();
}

/** The recall form's text boxes as {zh, en}, leaving out the empty ones. */
function bilingual(name) {
  const out = {};
  for (const lang of ['zh', 'en']) {
    const text = $(`recall-${name}-${lang}`).value.trim();
    if (text) out[lang] = text;
  }
  return out;
}

async function signRecall(event) {
  event.preventDefault();
  const error = $('recall-error');
  error.textContent = '';
  const id = $('recall-id').value.trim();
  const objects = [...new Set($('recall-objects').value.split(/\s+/).filter(Boolean))];
  const reason = bilingual('reason');
  const action = bilingual('action');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) error.textContent = say('recall_id');
  else if (objects.length === 0) error.textContent = say('recall_objects');
  else if (!Object.keys(reason).length || !Object.keys(action).length) error.textContent = say('recall_words');
  if (error.textContent) return;
  const payload = {
    recall: id,
    status: $('recall-status').value,
    level: Number($('recall-level').value),
    reason,
    action,
    objects,
  };
  const note = $('recall-note').value.trim();
  if (note) payload.note = note;
  const signed = await signStatement(device, 'recall', payload);
  const status = $('recall-status').selectedOptions[0].textContent;
  await enqueue(signed, 'recall', { title: say('recall_title', { id, status }), when: '' });
  $('recall-form').reset();
  await home();
}

// -- complaints from shoppers (docs/COMPLAINTS.md, FORMAT.md 3.9) ---------------------------

async function loadComplaints() {
  const status = $('complaints-status');
  const list = $('complaints-list');
  let answer;
  try {
    answer = await postJson('/api/v1/complaints/inbox', await inboxRequest(device));
  } catch (error) {
    if (error instanceof TypeError) {
      status.textContent = say('complaints_offline');
      return;
    }
    if (!(error instanceof ApiError)) throw error;
    status.textContent = `${error.message} [${error.code}]`;
    return;
  }
  const signedHere = new Set(
    (await outbox()).filter((i) => i.statement.kind === 'complaint').map((i) => i.statement.payload.commitment),
  );
  list.replaceChildren();
  status.textContent = answer.complaints.length ? '' : say('complaints_none');
  for (const c of answer.complaints) {
    const li = element('li', { 'data-complaint': c.complaint, 'data-state': c.status });
    li.append(
      element('strong', {}, say(`category_${c.category}`)),
      ' ',
      c.created.replace('T', ' ').slice(0, 16),
      element('span', { class: 'reason' }, c.text),
    );
    if (c.outcome) {
      li.append(element('span', { class: 'state' }, say('complaint_answered_as', {
        outcome: say(`outcome_${c.outcome.outcome}`), index: c.outcome.entry,
      })));
    } else if (signedHere.has(c.commitment)) {
      li.append(element('span', { class: 'state' }, say('complaint_queued')));
    } else {
      li.append(answerForm(c));
    }
    list.append(li);
  }
}

/** The answer to one complaint: its outcome and a public reply, signed on this phone. */
function answerForm(c) {
  const form = element('form', { class: 'form complaint-answer', novalidate: true });
  const name = `outcome-${c.complaint}`;
  for (const outcome of ['answered', 'refunded', 'escalated']) {
    const input = element('input', { type: 'radio', name, value: outcome, checked: outcome === 'answered' });
    form.append(element('label', {}, input, ' ', say(`outcome_${outcome}`)));
  }
  const replyId = `reply-${c.complaint}`;
  const reply = element('textarea', { id: replyId, maxlength: 1000, rows: 3, required: true });
  const recallId = `recall-${c.complaint}`;
  const recall = element('input', { id: recallId, maxlength: 64, autocomplete: 'off' });
  const error = element('p', { class: 'error', role: 'alert' });
  const sign = element('button', { type: 'submit' }, say('complaint_answer'));
  form.append(
    element('label', { for: replyId }, say('complaint_reply')), reply,
    element('label', { for: recallId }, say('complaint_recall')), recall,
    error, sign,
  );
  form.addEventListener('submit', (event) => signComplaintAnswer(event, c, form).catch(report));
  return form;
}

async function signComplaintAnswer(event, c, form) {
  event.preventDefault();
  const error = form.querySelector('.error');
  const outcome = form.querySelector('input[type=radio]:checked').value;
  const reply = form.querySelector('textarea').value.trim();
  const recall = form.querySelector('input:not([type=radio])').value.trim();
  if (!reply) error.textContent = say('required');
  else if (outcome === 'escalated' && recall && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(recall)) error.textContent = say('recall_id');
  else error.textContent = '';
  if (error.textContent) return;
  const payload = {
    commitment: c.commitment,
    actor: device.actor,
    object: c.object,
    category: c.category,
    outcome,
    reply,
  };
  if (outcome === 'escalated' && recall) payload.recall = recall;
  const signed = await signStatement(device, 'complaint', payload);
  await enqueue(signed, 'complaint', { title: say('complaint_title', { number: c.complaint }), when: '' });
  form.replaceWith(element('span', { class: 'state' }, say('complaint_queued')));
  await renderOutbox();
  sendAll();
}

// -- start ----------------------------------------------------------------------------------

async function start() {
  $('enrol-form').addEventListener('submit', (e) => enrol(e).catch(report));
  $('enrol-restart').addEventListener('click', () => restart().catch(report));
  $('event-form').addEventListener('submit', (e) => check(e).catch(report));
  $('form-cancel').addEventListener('click', () => home().catch(report));
  $('preview-back').addEventListener('click', () => show('form'));
  $('sign').addEventListener('click', () => signAndSave().catch(report));
  $('sync-now').addEventListener('click', () => sendAll().catch(report));
  $('batch-form').addEventListener('change', () => readBatchFile().catch(report));
  $('batch-file').addEventListener('change', () => readBatchFile().catch(report));
  $('batch-sign').addEventListener('click', () => signBatch().catch(report));
  $('correct-form').addEventListener('submit', (e) => signCorrection(e).catch(report));
  $('correct-cancel').addEventListener('click', () => home().catch(report));
  $('recall-form').addEventListener('submit', (e) => signRecall(e).catch(report));
  $('recall-cancel').addEventListener('click', () => home().catch(report));
  $('complaints-load').addEventListener('click', () => loadComplaints().catch(report));
  window.addEventListener('online', () => sendAll().catch(report));
  window.addEventListener('offline', () => sendAll().catch(report));
  setInterval(() => sendAll().catch(report), SYNC_MS);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(report);
  }
  device = await get('device', 'self');
  if (!device) {
    const missing = await keySupport();
    if (missing) {
      $('unsupported-why').textContent = say(missing);
      show('unsupported');
      return;
    }
    show('enrol');
    return;
  }
  if (!device.approved) {
    await waitForApproval();
    return;
  }
  await home();
}

/** Show an error (or a sentence) on the page: in the element `where`, else the top bar. */
function report(error, where = 'net') {
  $(where).textContent = typeof error === 'string' ? error : error.message;
}

start().catch(report);
