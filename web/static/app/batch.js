// Batch entry on the phone: a filled CSV template (GET /api/v1/vocabulary/forms/{form}.csv)
// read row by row, as `ledger import` reads it (ledger/core/batch.py, docs/EVENTS.md 12):
// field names in row 1, the template's Chinese label row skipped, each row's own time as
// its "now", an empty plot taken from the row above, and an eventID that is a UUIDv5 over
// [key ID, form, the row's values], so the same file signed twice is the same statements.

import { buildPayload } from './builder.js';
import { concatBytes, hexDecode, hexEncode } from '../verify/bytes.js';
import { canonicalBytes } from '../verify/jcs.js';

// uuid5(NAMESPACE_URL, "https://traceledger.org/batch"): ledger.core.batch.EVENT_ID_NAMESPACE.
const NAMESPACE = hexDecode('03afb721947a5c3392a0310f04a52c34');
const TIME_FIELD = 'time';

/** RFC 4180 CSV text as rows of cells (quotes, doubled quotes, CRLF or LF). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

/** The row's eventID (ledger.core.batch.event_id). */
export async function batchEventId(keyId, formName, values) {
  const name = canonicalBytes([keyId, formName, values]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', concatBytes(NAMESPACE, name)));
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = hexEncode(bytes);
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function labelRow(form) {
  return form.fields.map((f) => f.label.zh + (f.required ? '*' : '') + (f.unit ? `（${f.unit}）` : ''));
}

/**
 * Every row of a filled template built into a payload, or its errors:
 * [{line, values, payload, errors}], plus the header's own errors (line 1).
 */
export async function readBatch(text, form, { keyId, gln }) {
  const rows = parseCsv(text.replace(/^\ufeff/, ''));
  const header = (rows.shift() || []).map((name) => name.trim());
  const results = [];
  const headerErrors = header
    .filter((name) => !form.fields.some((f) => f.name === name))
    .map((name) => ({ field: name, code: 'form_unknown_field', words: 'unknown_column', params: { name } }));
  if (!header.includes(TIME_FIELD)) {
    headerErrors.push({ field: TIME_FIELD, code: 'form_missing', words: 'time_column' });
  }
  if (headerErrors.length) results.push({ line: 1, values: {}, payload: null, errors: headerErrors });
  const names = form.fields.map((f) => f.name);
  const labels = labelRow(form);
  const wanted = header.map((name) => (names.includes(name) ? labels[names.indexOf(name)] : ''));
  let lastPlot;
  for (const [position, raw] of rows.entries()) {
    const line = position + 2;
    const cells = raw.map((c) => c.trim());
    if (!cells.some(Boolean)) continue;
    if (line === 2 && wanted.every((label, i) => cells[i] === label)) continue;
    const values = {};
    header.forEach((name, i) => {
      if (cells[i]) values[name] = cells[i];
    });
    let errors = [];
    let payload = null;
    if (cells.slice(header.length).some(Boolean)) {
      errors = [{ field: '', code: 'form_unknown_field', words: 'extra_cells' }];
    } else {
      const written = values[TIME_FIELD] || '';
      const now = new Date(written.includes('T') ? written : written.replace(' ', 'T'));
      const context = {
        gln,
        now,
        lastPlot,
        eventId: await batchEventId(keyId, form.name, values),
      };
      if (!written || Number.isNaN(now.getTime())) {
        errors = [{ field: TIME_FIELD, code: written ? 'bad_time' : 'form_missing', words: 'time' }];
      } else {
        ({ payload, errors } = buildPayload(form, values, context));
      }
    }
    lastPlot = values.plot || lastPlot;
    results.push({ line, values, payload, errors });
  }
  return results;
}
