/**
 * The one corner of libsignal (a Baileys dependency) the simulator calls directly: Baileys' own
 * `Curve.verify` ignores libsignal's boolean result (see docs/wa-protocol.md), so the simulated phone
 * verifies the companion's device signature with libsignal's `verifySignature`, which returns it.
 */
import { verifySignature as libsignalVerify } from 'libsignal/src/curve.js'

/** Verifies an XEdDSA signature made with a 32-byte Curve25519 identity key (no 0x05 prefix). */
export const verifyCurveSignature = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  try {
    return libsignalVerify(Buffer.concat([Buffer.from([5]), publicKey]), message, signature)
  } catch {
    return false
  }
}
