// Byte helpers for the verifier: strict base64 (RFC 4648 section 4, canonical spelling
// only), hex, UTF-8. No third-party code; every function is pure.

const B64_SHAPE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/**
 * Decode standard base64 with padding, accepting only its one canonical spelling
 * (non-zero padding bits are rejected, as FORMAT.md's conventions require).
 * @param {unknown} text
 * @param {number} [length] the exact number of bytes expected, if any
 * @returns {Uint8Array|null} the bytes, or null when the text is not such base64
 */
export function base64Decode(text, length) {
  if (typeof text !== 'string' || !B64_SHAPE.test(text)) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  if (length !== undefined && out.length !== length) return null;
  // atob ignores non-zero pad bits; the canonical spelling is the one that re-encodes.
  if (base64Encode(out) !== text) return null;
  return out;
}

/**
 * Encode bytes as standard base64 with padding.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function base64Encode(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Lowercase hex of bytes.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function hexEncode(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Bytes of an even-length hex string (either case); null if it is not hex.
 * @param {string} text
 * @returns {Uint8Array|null}
 */
export function hexDecode(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * UTF-8 bytes of a string.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function utf8Encode(text) {
  return UTF8_ENCODER.encode(text);
}

/** Bytes that are not well-formed UTF-8. */
export class EncodingError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EncodingError';
  }
}

/**
 * Decode UTF-8 strictly: malformed sequences throw an EncodingError instead of becoming
 * U+FFFD.
 * @param {Uint8Array} bytes
 * @returns {string}
 * @throws {EncodingError}
 */
export function utf8Decode(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('utf8Decode takes a Uint8Array');
  try {
    return UTF8_STRICT.decode(bytes);
  } catch (err) {
    // A fatal decoder given a Uint8Array throws a TypeError for malformed UTF-8 and for
    // nothing else; any other error is a bug and goes on.
    if (err instanceof TypeError) throw new EncodingError(`the bytes are not valid UTF-8 (${err.message})`);
    throw err;
  }
}

/**
 * The concatenation of byte arrays.
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Whether two byte arrays hold the same bytes.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {boolean}
 */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
