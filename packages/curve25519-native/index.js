'use strict'
/*
 * curve25519-js 0.0.4 with a native verify().
 *
 * libsignal (and through it Baileys) checks XEdDSA signatures with curve25519-js, a pure-JavaScript
 * TweetNaCl port: about 9 ms of CPU per check on a small server. Every WhatsApp connection checks two
 * (the Noise certificate chain), every first message to a device one, every group message received one.
 * At 2,000 accounts that is most of a restart's CPU.
 *
 * An XEdDSA signature over a Curve25519 (Montgomery) key is an Ed25519 signature over the
 * birationally equivalent Edwards key, with the Edwards key's sign bit carried in the signature's
 * top bit. So: convert u -> y = (u - 1) / (u + 1) mod p, move the sign bit from the signature to the
 * key, and let OpenSSL verify the Ed25519 signature.
 *
 * Signing, key generation and key agreement are delegated unchanged to the original package, and so
 * is openMessage(). Inputs are never mutated. Results equal the original's for every signature an
 * honest signer produces (index.test.ts cross-checks them); OpenSSL is stricter than TweetNaCl on
 * malformed ones (it rejects an s that is not reduced mod L), which only refuses forgeries sooner.
 */
const crypto = require('node:crypto')
const original = require('curve25519-js-original')

const P = (1n << 255n) - 19n
const LOW_255_BITS = (1n << 255n) - 1n
// DER SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key (RFC 8410).
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

function checkArrayTypes(...args) {
  for (const arg of args) {
    const tag = Object.prototype.toString.call(arg)
    if (tag !== '[object Uint8Array]') {
      throw new TypeError('unexpected type ' + tag + ', use Uint8Array')
    }
  }
}

function readLittleEndian(bytes) {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i])
  return n
}

function modPow(base, exponent) {
  let result = 1n
  let b = base % P
  let e = exponent
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P
    b = (b * b) % P
    e >>= 1n
  }
  return result
}

/** Montgomery u (32 bytes, top bit ignored as curve25519-js does) -> Edwards y, 32 bytes little-endian. */
function montgomeryToEdwards(publicKey) {
  const u = (readLittleEndian(publicKey) & LOW_255_BITS) % P
  // Fermat inverse; like TweetNaCl's inv25519, the "inverse" of 0 is 0.
  const y = (((u - 1n + P) % P) * modPow(u + 1n, P - 2n)) % P
  const out = Buffer.alloc(32)
  let rest = y
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}

function verify(publicKey, msg, signature) {
  checkArrayTypes(msg, signature, publicKey)
  if (signature.length !== 64) throw new Error('wrong signature length')
  if (publicKey.length !== 32) throw new Error('wrong public key length')
  const edwardsKey = montgomeryToEdwards(publicKey)
  edwardsKey[31] |= signature[63] & 0x80
  const sig = Buffer.from(signature)
  sig[63] &= 0x7f
  try {
    const key = crypto.createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, edwardsKey]),
      format: 'der',
      type: 'spki',
    })
    return crypto.verify(null, msg, key, sig)
  } catch {
    // A key that is not a point on the curve: TweetNaCl's unpackneg refuses it too.
    return false
  }
}

module.exports = {
  sharedKey: original.sharedKey,
  signMessage: original.signMessage,
  openMessage: original.openMessage,
  sign: original.sign,
  verify,
  generateKeyPair: original.generateKeyPair,
  default: {},
}
