// RFC 8785 (JCS) canonical JSON and a strict JSON reader (FORMAT.md section 1).
//
// The reader rejects what FORMAT.md forbids and JSON.parse lets through: duplicate member
// names, numbers beyond the double range, nesting deeper than 64 levels (as the server's
// reader). Objects it returns have no prototype, so a member named "__proto__" is data.

/** The deepest nesting of objects and arrays a document may have (as ledger/core). */
export const MAX_DEPTH = 64;

/** A JSON text is not acceptable (syntax, duplicate member name, number out of range). */
export class JSONError extends Error {
  constructor(message) {
    super(message);
    this.name = 'JSONError';
  }
}

const WS = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parse one JSON text strictly (RFC 8259 / I-JSON, no duplicate member names).
 * @param {string} text
 * @returns {any} the value; objects have a null prototype
 * @throws {JSONError}
 */
export function parseStrict(text) {
  let at = 0;

  const skip = () => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };
  const fail = (what) => {
    throw new JSONError(`${what} at character ${at}`);
  };
  const token = (re) => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (m === null) return null;
    at = re.lastIndex;
    return m[0];
  };
  const string = () => {
    const t = token(STRING);
    if (t === null) fail('a malformed string');
    return JSON.parse(t);
  };

  const value = (depth) => {
    skip();
    const c = text[at];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
      return c === '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c === '"') return string();
    if (text.startsWith('true', at)) { at += 4; return true; }
    if (text.startsWith('false', at)) { at += 5; return false; }
    if (text.startsWith('null', at)) { at += 4; return null; }
    const n = token(NUMBER);
    if (n === null) fail('an unexpected character');
    const v = Number(n);
    if (!Number.isFinite(v)) fail(`the number ${n} beyond the range of doubles`);
    return v;
  };

  const object = (depth) => {
    at++; // {
    const out = Object.create(null);
    skip();
    if (text[at] === '}') { at++; return out; }
    for (;;) {
      skip();
      if (text[at] !== '"') fail('a member name expected');
      const name = string();
      if (Object.prototype.hasOwnProperty.call(out, name)) {
        throw new JSONError(`duplicate member name ${JSON.stringify(name)}`);
      }
      skip();
      if (text[at] !== ':') fail("':' expected");
      at++;
      out[name] = value(depth);
      skip();
      if (text[at] === ',') { at++; continue; }
      if (text[at] === '}') { at++; return out; }
      fail("',' or '}' expected");
    }
  };

  const array = (depth) => {
    at++; // [
    const out = [];
    skip();
    if (text[at] === ']') { at++; return out; }
    for (;;) {
      out.push(value(depth));
      skip();
      if (text[at] === ',') { at++; continue; }
      if (text[at] === ']') { at++; return out; }
      fail("',' or ']' expected");
    }
  };

  const result = value(0);
  skip();
  if (at !== text.length) fail('extra data after the JSON value');
  return result;
}

/**
 * The RFC 8785 canonical text of a JSON value: members sorted by their names' UTF-16
 * code units (JavaScript's own string order), ECMAScript number serialisation (which
 * RFC 8785 section 3.2.2.3 adopts), the minimal string escapes of JSON.stringify.
 * @param {any} value
 * @returns {string}
 * @throws {JSONError} for NaN, Infinity, lone surrogates and non-JSON values
 */
export function canonicalize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new JSONError('NaN and Infinity have no JSON form');
      return String(value); // String(-0) is "0", as RFC 8785 wants
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new JSONError('a string holds a lone surrogate');
      return JSON.stringify(value);
    case 'object':
      if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
      return '{' + Object.keys(value).sort().map(
        (k) => canonicalize(k) + ':' + canonicalize(value[k])).join(',') + '}';
    default:
      throw new JSONError(`a ${typeof value} has no JSON form`);
  }
}

/**
 * JCS(value): the UTF-8 bytes of the canonical text.
 * @param {any} value
 * @returns {Uint8Array}
 */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}

/**
 * Whether `obj` is a JSON object (not an array, not null).
 * @param {unknown} obj
 * @returns {boolean}
 */
export function isObject(obj) {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj);
}

/**
 * Whether a JSON object has exactly the given member names.
 * @param {object} obj
 * @param {string[]} names
 * @returns {boolean}
 */
export function hasExactly(obj, names) {
  const keys = Object.keys(obj);
  return keys.length === names.length && names.every((n) => Object.prototype.hasOwnProperty.call(obj, n));
}
