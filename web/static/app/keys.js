// The device key: an Ed25519 key pair made by WebCrypto on the phone, its private half
// non-extractable (no script, ours included, can read it out), kept in IndexedDB. The
// server never sees it; without WebCrypto Ed25519 in a secure context there is no fallback.

import { base64Encode, concatBytes, hexEncode, utf8Encode } from '../verify/bytes.js';
import { canonicalBytes } from '../verify/jcs.js';
import { sha256 } from '../verify/crypto.js';

const DOMAIN_TAG = 'traceledger/v1/';

/** Why this browser cannot hold a device key ('insecure_context', 'no_webcrypto',
 * 'no_ed25519'), or null when it can. */
export async function keySupport() {
  if (!globalThis.isSecureContext) return 'insecure_context';
  if (!globalThis.crypto?.subtle) return 'no_webcrypto';
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  } catch (error) {
    if (error.name === 'NotSupportedError' || error.name === 'TypeError') return 'no_ed25519';
    throw error;
  }
  return null;
}

/** A new device: a fresh non-extractable key pair and its public half and key ID. */
export async function newDevice() {
  const keyPair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey));
  const keyId = hexEncode((await sha256(publicKey)).slice(0, 16));
  return { keyPair, keyId, publicKey: base64Encode(publicKey) };
}

/** Sign `prefix || JCS(value)` with the device key (FORMAT.md 2 and 11). */
export async function signWithPrefix(device, purpose, value) {
  const message = concatBytes(utf8Encode(`${DOMAIN_TAG}${purpose}\u0000`), canonicalBytes(value));
  const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', device.keyPair.privateKey, message));
  return { message, sig: base64Encode(sig) };
}

/** The signed enrolment request asking to add this device's key to `actor` (FORMAT.md 11). */
export async function enrolmentRequest(device, actor, name) {
  const request = {
    actor,
    public_key: device.publicKey,
    device: name,
    requested: new Date().toISOString(),
  };
  const { sig } = await signWithPrefix(device, 'enrolment', request);
  return { request, sig };
}

/** A signed request for the complaints that concern this device's actor (docs/COMPLAINTS.md):
 * the server answers them only to a registered key, within minutes of `requested`. */
export async function inboxRequest(device) {
  const request = { key_id: device.keyId, requested: new Date().toISOString() };
  const { sig } = await signWithPrefix(device, 'complaint-inbox', request);
  return { request, sig };
}

/** A signed statement of `kind` (FORMAT.md 3) and its statement ID (hex SHA-256 of the
 * signed message): what goes into the outbox. */
export async function signStatement(device, kind, payload) {
  const unsigned = { kind, payload, signer: device.keyId };
  const { message, sig } = await signWithPrefix(device, kind, unsigned);
  return { statement: { ...unsigned, sig }, id: hexEncode(await sha256(message)) };
}
