// A filled form to an event payload, read from the form's description in the vocabulary
// (GET /api/v1/vocabulary: the server's own ledger.core.form_fields, never a copy kept
// here). The same steps as ledger.core.forms.build_payload: each value read by its field's
// kind and written at its path, the step's type and action added. The server re-checks
// everything when the statement arrives; these checks only spare the producer a rejection.

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$/;
const ZONED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SPLIT = /[\s,;，；]+/;
const ENTRIES = /[;\n；]+/;
const STEM = 'https://id.gs1.org';

class Bad extends Error {
  constructor(code, words, params = {}) {
    super(words);
    this.code = code;
    this.words = words;
    this.params = params;
  }
}

/** The phone's UTC offset now, as +08:00. */
export function localOffset(date = new Date()) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const pad = (n) => String(n).padStart(2, '0');
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** "now" in the form a datetime field shows: local date and time to the minute. */
export function localNow(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A field's default for this actor, as text. */
export function defaultOf(field, context) {
  switch (field.default) {
    case undefined:
      return '';
    case 'now':
      return localNow(context.now);
    case 'today':
      return localNow(context.now).slice(0, 10);
    case 'self':
      return context.gln;
    case 'last_plot':
      return context.lastPlot || '';
    default:
      return field.default;
  }
}

function gln(text) {
  if (!/^\d{13}$/.test(text)) throw new Bad('form_bad_value', 'gln');
  const digits = [...text].map(Number);
  const sum = digits.slice(0, 12).reduce((s, d, i) => s + d * (i % 2 ? 3 : 1), 0);
  if ((10 - (sum % 10)) % 10 !== digits[12]) throw new Bad('bad_check_digit', 'check_digit');
  return text;
}

function uri(text) {
  if (!/^https:\/\/\S+$/.test(text)) throw new Bad('form_bad_value', 'code');
  return text;
}

const READERS = {
  text(field, text) {
    if (field.maxLength && [...text].length > field.maxLength) {
      throw new Bad('form_bad_value', 'too_long', { max: field.maxLength });
    }
    return text;
  },
  uri: (field, text) => READERS.text(field, text),
  sha256(field, text) {
    if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Bad('form_bad_value', 'sha256');
    return text.toLowerCase();
  },
  number(field, text) {
    if (!NUMBER.test(text)) throw new Bad('form_bad_value', 'not_number');
    const value = Number(text);
    const range = field.range;
    if (range) {
      if (range.integer && !Number.isInteger(value)) throw new Bad('form_bad_value', 'whole');
      if (range.exclusiveMinimum && range.minimum !== null && value <= range.minimum) {
        throw new Bad('form_bad_value', 'more_than', { n: range.minimum });
      }
      if (range.minimum !== null && value < range.minimum) {
        throw new Bad('form_bad_value', 'at_least', { n: range.minimum });
      }
      if (range.maximum !== null && value > range.maximum) {
        throw new Bad('form_bad_value', 'at_most', { n: range.maximum });
      }
    }
    return value;
  },
  datetime(field, text, context) {
    const local = LOCAL_TIME.exec(text);
    if (local) text = `${local[1]}T${local[2]}${local[3] || ':00'}${localOffset(context.now)}`;
    if (!ZONED_TIME.test(text) || Number.isNaN(Date.parse(text))) throw new Bad('bad_time', 'time');
    return text;
  },
  date(field, text) {
    if (!DATE.test(text) || Number.isNaN(Date.parse(text))) throw new Bad('bad_date', 'date');
    return text;
  },
  choice(field, text) {
    const option = field.options.find(
      (o) => text === o.value || text === o.label.zh || text === o.label.en,
    );
    if (!option) throw new Bad('form_bad_value', 'choice');
    return option.value;
  },
  place(field, text, context) {
    if (/^\d+$/.test(text)) return `${STEM}/414/${gln(text)}`;
    if (!text.includes('/')) return `${STEM}/414/${context.gln}/254/${encodeURIComponent(text)}`;
    return uri(text);
  },
  party(field, text) {
    return /^\d+$/.test(text) ? `${STEM}/417/${gln(text)}` : uri(text);
  },
  lot: (field, text) => uri(text),
  // A crop by the GTIN printed under a barcode (8 to 14 digits) or its Digital Link.
  product(field, text) {
    return /^\d{8,14}$/.test(text) ? `${STEM}/01/${text.padStart(14, '0')}` : uri(text);
  },
  object(field, text) {
    return /^\d{18}$/.test(text) ? `${STEM}/00/${text}` : uri(text);
  },
  objects(field, text) {
    return text.split(SPLIT).filter(Boolean).map((item) => READERS.object(field, item));
  },
  analytes(field, text) {
    const out = [];
    for (const entry of text.split(ENTRIES).map((e) => e.trim()).filter(Boolean)) {
      const match = /^(.+?)\s*=\s*(\S+)\s*\/\s*(\S+)\s+(\S+)$/.exec(entry);
      if (!match) throw new Bad('form_bad_value', 'analyte', { entry });
      out.push({
        name: match[1],
        value: READERS.number(field, match[2]),
        limit: READERS.number(field, match[3]),
        uom: match[4],
      });
    }
    return out;
  },
  readings(field, text, context) {
    const out = [];
    for (const entry of text.split(ENTRIES).map((e) => e.trim()).filter(Boolean)) {
      const at = entry.lastIndexOf('=');
      if (at < 0) throw new Bad('form_bad_value', 'reading', { entry });
      const time = READERS.datetime(field, entry.slice(0, at).trim(), context);
      const value = READERS.number(field, entry.slice(at + 1).trim());
      out.push({
        sensorMetadata: { time },
        sensorReport: [{ type: 'Temperature', value, uom: 'CEL' }],
      });
    }
    return out;
  },
};

function tokens(path) {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+|\*)\]/g)].map(([, name, index]) =>
    name !== undefined ? name : index === '*' ? -1 : Number(index),
  );
}

function putTokens(target, [head, ...rest], value) {
  if (head === -1) {
    for (const item of target) putTokens(item, rest, value);
    return;
  }
  if (typeof head === 'number') while (target.length <= head) target.push({});
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  if (typeof head === 'string' && !(head in target)) {
    target[head] = typeof rest[0] === 'number' ? [] : {};
  }
  putTokens(target[head], rest, value);
}

/**
 * Build the event payload of `form` (one entry of the vocabulary's `forms`) from `values`
 * (field name to text). Returns {payload, errors}: errors are {field, code, words, params},
 * `words` a key of the app's messages.
 */
export function buildPayload(form, values, context) {
  const errors = [];
  const payload = { type: form.type, eventID: context.eventId };
  if (form.action) payload.action = form.action;
  payload.bizStep = form.bizStep;
  const given = new Set(
    form.fields.filter((f) => (values[f.name] || '').trim() || f.default).map((f) => f.name),
  );
  const ordered = [...form.fields].sort(
    (a, b) => Number(a.path.includes('[*]')) - Number(b.path.includes('[*]')),
  );
  for (const field of ordered) {
    const text = (values[field.name] || '').trim() || defaultOf(field, context);
    if (field.goesWith && !given.has(field.goesWith)) continue;
    if (!text) {
      if (field.required) errors.push({ field: field.name, code: 'form_missing', words: 'required' });
      continue;
    }
    let value;
    try {
      value = READERS[field.kind](field, text, context);
    } catch (error) {
      if (!(error instanceof Bad)) throw error;
      errors.push({ field: field.name, code: error.code, words: error.words, params: error.params });
      continue;
    }
    putTokens(payload, tokens(field.path), value);
    for (const [path, fixed] of Object.entries(field.sets || {})) putTokens(payload, tokens(path), fixed);
    if (field.path === 'eventTime') {
      payload.eventTimeZoneOffset = value.endsWith('Z') ? '+00:00' : value.slice(-6);
    }
  }
  return errors.length ? { payload: null, errors } : { payload, errors };
}
