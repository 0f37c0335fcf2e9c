/**
 * The simulator's Noise certificate chain (root → intermediate → leaf = server static key).
 * Baileys rc14 checks the chain's shape and that `intermediate.details.issuerSerial === 0`; its signature
 * check goes through `Curve.verify`, which ignores libsignal's boolean result, so a self-signed chain is
 * accepted (see docs/wa-protocol.md). If a later Baileys verifies it, pin `WA_CERT_DETAILS.PUBLIC_KEY`
 * to `rootPublicKey` in the client process.
 */
import { Curve, type KeyPair, proto } from '@whiskeysockets/baileys'

export type CertificateAuthority = { root: KeyPair; intermediate: KeyPair }

export const makeCertificateAuthority = (): CertificateAuthority => ({
  root: Curve.generateKeyPair(),
  intermediate: Curve.generateKeyPair(),
})

export const buildCertChain = (ca: CertificateAuthority, serverStaticPublic: Uint8Array): Uint8Array => {
  const now = Math.floor(Date.now() / 1000)
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: ca.intermediate.public,
    notBefore: now - 3600,
    notAfter: now + 365 * 24 * 3600,
  }).finish()
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStaticPublic,
    notBefore: now - 3600,
    notAfter: now + 30 * 24 * 3600,
  }).finish()
  return proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(ca.root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(ca.intermediate.private, leafDetails) },
  }).finish()
}
