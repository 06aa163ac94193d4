// RFC 9162 section 2.1 Merkle tree hashing and inclusion proof verification (FORMAT.md 5).

import { bytesEqual, concatBytes } from './bytes.js';
import { sha256 } from './crypto.js';

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/**
 * The RFC 9162 leaf hash SHA-256(0x00 || data): a log entry's hash.
 * @param {Uint8Array} data
 * @returns {Promise<Uint8Array>}
 */
export function leafHash(data) {
  return sha256(concatBytes(LEAF_PREFIX, data));
}

/**
 * The RFC 9162 interior node hash SHA-256(0x01 || left || right).
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 * @returns {Promise<Uint8Array>}
 */
export function nodeHash(left, right) {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

/**
 * Verify an inclusion proof with the algorithm of RFC 9162 section 2.1.3.2.
 * BigInt arithmetic, since JavaScript's bit operators stop at 32 bits.
 * @param {number} index the leaf's index
 * @param {number} size the tree size
 * @param {Uint8Array} leaf the leaf hash (32 bytes)
 * @param {Uint8Array[]} proof the audit path, leaf end first
 * @param {Uint8Array} root the tree's root hash
 * @returns {Promise<string|null>} null when the proof holds, else why it does not
 */
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!(index >= 0 && index < size)) return `index ${index} is not below the tree size ${size}`;
  if (leaf.length !== 32) return 'a leaf hash is 32 bytes';
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return 'the proof is longer than the path to the root';
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return 'the proof is shorter than the path to the root';
  if (!bytesEqual(r, root)) return "the proof does not lead to the checkpoint's root";
  return null;
}
