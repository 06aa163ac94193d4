// The browser's WebCrypto, as the verifier needs it: SHA-256 and Ed25519 verification
// (RFC 8032 pure Ed25519). Nothing is implemented here; a browser without these refuses.

/** The browser cannot verify here (no secure context, no WebCrypto, or no Ed25519). */
export class UnsupportedError extends Error {
  constructor(message, reason) {
    super(message);
    this.name = 'UnsupportedError';
    /** One of 'insecure_context', 'no_webcrypto', 'no_ed25519'. */
    this.reason = reason;
  }
}

// RFC 8032 section 7.1 TEST 1's public key: a known-good key to probe Ed25519 support with.
const PROBE_KEY = new Uint8Array([
  0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
  0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
]);

const keyCache = new Map();

function subtle() {
  const c = globalThis.crypto;
  if (!c || !c.subtle) {
    throw new UnsupportedError('this browser offers no WebCrypto (crypto.subtle)', 'no_webcrypto');
  }
  return c.subtle;
}

/**
 * Check that this page can verify: a secure context with WebCrypto SHA-256 and Ed25519.
 * @returns {Promise<void>}
 * @throws {UnsupportedError} saying which capability is missing
 */
export async function checkSupport() {
  if (globalThis.isSecureContext === false) {
    throw new UnsupportedError('the page is not a secure context (https or localhost)', 'insecure_context');
  }
  const s = subtle();
  try {
    await s.importKey('raw', PROBE_KEY, { name: 'Ed25519' }, false, ['verify']);
  } catch (err) {
    if (err && (err.name === 'NotSupportedError' || err.name === 'TypeError')) {
      throw new UnsupportedError('this browser\'s WebCrypto has no Ed25519', 'no_ed25519');
    }
    throw err;
  }
}

/**
 * SHA-256 of bytes.
 * @param {Uint8Array} data
 * @returns {Promise<Uint8Array>}
 */
export async function sha256(data) {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

async function importKey(publicKey) {
  const cacheKey = String.fromCharCode(...publicKey);
  let key = keyCache.get(cacheKey);
  if (key === undefined) {
    key = await subtle().importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    keyCache.set(cacheKey, key);
  }
  return key;
}

/**
 * Ed25519 verification of `signature` over `message` with a 32-byte public key.
 * A key WebCrypto refuses to import (not a curve point) verifies nothing: false.
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} message
 * @param {Uint8Array} signature
 * @returns {Promise<boolean>}
 */
export async function verifyEd25519(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  let key;
  try {
    key = await importKey(publicKey);
  } catch (err) {
    if (err && err.name === 'DataError') return false;
    throw err;
  }
  return subtle().verify('Ed25519', key, signature, message);
}
