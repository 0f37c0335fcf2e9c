/**
 * ADV (account–device verification): the identity the phone signs for a new companion, as Baileys'
 * `configureSuccessfulPairing` expects it, and the direct provisioning of companion creds.
 */
import {
  type AuthenticationCreds,
  Curve,
  generateSignalPubKey,
  hmacSign,
  initAuthCreds,
  proto,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
} from '@whiskeysockets/baileys'
import { randomInt } from 'node:crypto'
import { verifyCurveSignature } from './contacts/libsignal'
import type { LinkResult } from './pairing'
import type { Registry, SimUser } from './registry'

const deviceIdentityDetails = (keyIndex: number): Uint8Array =>
  proto.ADVDeviceIdentity.encode({
    rawId: randomInt(1, 2 ** 31),
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex,
    accountType: proto.ADVEncryptionType.E2EE,
    deviceType: proto.ADVEncryptionType.E2EE,
  }).finish()

/** ADVSignedDeviceIdentity signed by the user's account key for a companion identity key. */
export const signDeviceIdentity = (user: SimUser, keyIndex: number, companionIdentity: Uint8Array): proto.IADVSignedDeviceIdentity => {
  const details = deviceIdentityDetails(keyIndex)
  return {
    details,
    accountSignatureKey: user.accountKey.public,
    accountSignature: Curve.sign(user.accountKey.private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, companionIdentity])),
  }
}

/** The `<device-identity>` content of pair-success: the signed identity wrapped in an HMAC keyed by advSecret. */
export const wrapDeviceIdentity = (signed: proto.IADVSignedDeviceIdentity, advSecret: Uint8Array): Uint8Array => {
  const encoded = proto.ADVSignedDeviceIdentity.encode(signed).finish()
  return proto.ADVSignedDeviceIdentityHMAC.encode({ details: encoded, hmac: hmacSign(encoded, advSecret) }).finish()
}

/** Checks the companion's signature over `[6,1] ‖ details ‖ identity ‖ accountSignatureKey`. */
export const verifyDeviceSignature = (
  signed: proto.IADVSignedDeviceIdentity,
  companionIdentity: Uint8Array,
  accountKey: Uint8Array,
): boolean => {
  if (!signed.details || !signed.deviceSignature) return false
  const message = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, signed.details, companionIdentity, accountKey])
  return verifyCurveSignature(companionIdentity, message, signed.deviceSignature)
}

/**
 * Creds of a companion linked without a socket: exactly what Baileys holds after QR linking and the
 * 515 restart (me, account with device signature, signal identity, platform). Pre-keys are uploaded by
 * Baileys on its first login, as after a real link.
 */
export const provisionCompanionCreds = (
  user: SimUser,
  ids: { deviceId: number; keyIndex: number },
  platform = 'smbi',
): AuthenticationCreds => {
  const creds = initAuthCreds()
  const account = signDeviceIdentity(user, ids.keyIndex, creds.signedIdentityKey.public)
  const details = account.details ?? new Uint8Array()
  account.deviceSignature = Curve.sign(
    creds.signedIdentityKey.private,
    Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, details, creds.signedIdentityKey.public, user.accountKey.public]),
  )
  const lid = user.lidJid(ids.deviceId)
  creds.me = { id: user.pnJid(ids.deviceId), lid, name: user.name }
  creds.account = proto.ADVSignedDeviceIdentity.fromObject(account)
  creds.signalIdentities = [
    { identifier: { name: lid, deviceId: 0 }, identifierKey: Buffer.from(generateSignalPubKey(user.accountKey.public)) },
  ]
  creds.platform = platform
  creds.registered = true
  return creds
}

/** Links a companion to `user` without a socket and returns creds Baileys can log in with. */
export const provisionCompanion = (registry: Registry, user: SimUser, platform?: string): LinkResult & { creds: AuthenticationCreds } => {
  const ids = { deviceId: user.nextDeviceId, keyIndex: user.nextKeyIndex }
  const creds = provisionCompanionCreds(user, ids, platform)
  user.nextDeviceId++
  user.nextKeyIndex++
  registry.addCompanion(
    user,
    {
      noiseKey: Buffer.from(creds.noiseKey.public),
      platform,
      linkedVia: 'provisioned',
      keys: {
        registrationId: creds.registrationId,
        identity: Buffer.from(creds.signedIdentityKey.public),
        signedPreKey: {
          keyId: creds.signedPreKey.keyId,
          publicKey: Buffer.from(creds.signedPreKey.keyPair.public),
          signature: Buffer.from(creds.signedPreKey.signature),
        },
      },
    },
    { id: ids.deviceId, keyIndex: ids.keyIndex },
  )
  return { phone: user.phone, deviceId: ids.deviceId, jid: user.pnJid(ids.deviceId), lid: user.lidJid(ids.deviceId), creds }
}
