/**
 * The phone's side of linking a companion: QR (pair-device refs → scan → pair-success) and pairing code
 * (link_code_companion_reg hello → phone enters the code → notification → companion_finish →
 * pair-success). Both end with the companion's signed reply and `<stream:error code=515>`.
 */
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  type BinaryNode,
  Curve,
  derivePairingCodeKey,
  getBinaryNodeChild,
  hkdf,
  proto,
  S_WHATSAPP_NET,
} from '@whiskeysockets/baileys'
import { randomBytes } from 'node:crypto'
import { signDeviceIdentity, verifyDeviceSignature, wrapDeviceIdentity } from './adv'
import { errorMessage, SimError } from './errors'
import type { SimLogger } from './logger'
import { childBuffer, contentBuffer, requireChildBuffer, unixSeconds } from './nodes'
import type { CompanionDevice, LinkMethod, Registry, SimUser } from './registry'
import type { SimConnection } from './transport/connection'

type Registration = {
  conn: SimConnection
  refs: string[]
  registrationId: number
  identity: Buffer
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer }
  platform: string | undefined
  linkCode?: { phone: string; wrappedEphemeral: Buffer; ref: Buffer; at: number; finish?: (node: BinaryNode) => void }
  linking: boolean
}

export type LinkResult = { phone: string; deviceId: number; jid: string; lid: string }

export type PairingOptions = { qrRefs: number }

export const parseQr = (qr: string): { ref: string; noiseKey: Buffer; identityKey: Buffer; advSecret: Buffer } => {
  const data = qr.includes('#') ? qr.slice(qr.indexOf('#') + 1) : qr
  const [ref, noise, identity, adv] = data.split(',')
  const decode = (s: string | undefined) => (s && /^[A-Za-z0-9+/]+=*$/.test(s) ? Buffer.from(s, 'base64') : undefined)
  const noiseKey = decode(noise)
  const identityKey = decode(identity)
  const advSecret = decode(adv)
  if (!ref || noiseKey?.length !== 32 || identityKey?.length !== 32 || advSecret?.length !== 32) {
    throw new SimError('invalid_qr', 'malformed QR: expected "ref,noiseKey,identityKey,advSecret[,platform]" with 32-byte base64 keys')
  }
  return { ref, noiseKey, identityKey, advSecret }
}

export class Pairing {
  private readonly byConn = new Map<SimConnection, Registration>()
  private readonly byRef = new Map<string, Registration>()
  /** enterPairingCode calls waiting for a companion_hello still in flight */
  private readonly helloWaiters = new Set<() => void>()

  constructor(
    private readonly registry: Registry,
    private readonly log: SimLogger,
    private readonly options: PairingOptions,
    private readonly onLinked: (user: SimUser, device: CompanionDevice) => void,
  ) {}

  get pendingCount(): number {
    return this.byConn.size
  }

  /** A registration ClientPayload arrived: offer QR refs. */
  start(conn: SimConnection, data: proto.ClientPayload.IDevicePairingRegistrationData): void {
    const need = (b: Uint8Array | null | undefined, what: string) => {
      if (!b) throw new Error(`registration payload lacks ${what}`)
      return Buffer.from(b)
    }
    const refs = Array.from({ length: this.options.qrRefs }, () => `2@${randomBytes(24).toString('base64')}`)
    const props = data.deviceProps ? proto.DeviceProps.decode(data.deviceProps) : undefined
    const reg: Registration = {
      conn,
      refs,
      registrationId: need(data.eRegid, 'eRegid').readUInt32BE(0),
      identity: need(data.eIdent, 'eIdent'),
      signedPreKey: {
        keyId: need(data.eSkeyId, 'eSkeyId').readUIntBE(0, 3),
        publicKey: need(data.eSkeyVal, 'eSkeyVal'),
        signature: need(data.eSkeySig, 'eSkeySig'),
      },
      platform: props?.os ?? undefined,
      linking: false,
    }
    this.byConn.set(conn, reg)
    for (const ref of refs) this.byRef.set(ref, reg)
    this.log.debug({ conn: conn.label, refs: refs.length }, 'registration started, sending pair-device')
    conn
      .query({
        tag: 'iq',
        attrs: { from: S_WHATSAPP_NET, type: 'set', xmlns: 'md' },
        content: [{ tag: 'pair-device', attrs: {}, content: refs.map((r) => ({ tag: 'ref', attrs: {}, content: Buffer.from(r) })) }],
      })
      // the answer carries nothing we need; it fails only if the connection closes (forget() cleans up) or stalls
      .catch((err: unknown) => this.log.debug({ conn: conn.label, err: errorMessage(err) }, 'pair-device not acknowledged'))
  }

  /** The registering connection went away: its refs and pairing-code request expire. */
  forget(conn: SimConnection): void {
    const reg = this.byConn.get(conn)
    if (!reg) return
    this.byConn.delete(conn)
    for (const ref of reg.refs) this.byRef.delete(ref)
  }

  /** `<iq xmlns=md type=set><link_code_companion_reg stage=…>` from a registering companion. */
  onLinkCodeIq(conn: SimConnection, iq: BinaryNode, child: BinaryNode): void {
    const reg = this.byConn.get(conn)
    if (!reg) {
      conn.send({
        tag: 'iq',
        attrs: { from: S_WHATSAPP_NET, type: 'error', id: iq.attrs.id ?? '' },
        content: [{ tag: 'error', attrs: { code: '400', text: 'bad-request' } }],
      })
      return
    }
    if (child.attrs.stage === 'companion_hello') {
      const ref = Buffer.from(randomBytes(16).toString('hex'))
      const phone = (child.attrs.jid ?? '').split('@')[0]?.split(':')[0] ?? ''
      reg.linkCode = {
        phone,
        wrappedEphemeral: requireChildBuffer(child, 'link_code_pairing_wrapped_companion_ephemeral_pub'),
        ref,
        at: Date.now(),
      }
      conn.reply(iq, [{ tag: 'link_code_companion_reg', attrs: {}, content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: ref }] }])
      this.log.debug({ conn: conn.label, phone }, 'pairing code requested')
      for (const wake of [...this.helloWaiters]) wake()
      return
    }
    conn.reply(iq)
    if (child.attrs.stage === 'companion_finish') reg.linkCode?.finish?.(child)
  }

  /** The phone of `phone` scans a QR shown by a companion. */
  async scan(phone: string, qr: string): Promise<LinkResult> {
    const user = this.registry.getUser(phone)
    const parsed = parseQr(qr)
    const reg = this.byRef.get(parsed.ref)
    if (!reg || reg.conn.closed) throw new SimError('unknown_ref', 'QR ref unknown or expired (the companion is no longer waiting for it)')
    if (!reg.conn.clientStatic?.equals(parsed.noiseKey))
      throw new SimError('invalid_qr', 'QR noise key does not match the companion that owns this ref')
    if (!reg.identity.equals(parsed.identityKey)) throw new SimError('invalid_qr', 'QR identity key does not match the registration')
    if (reg.linking) throw new SimError('conflict', 'this QR is already being linked')
    reg.linking = true
    try {
      return await this.complete(reg, user, parsed.advSecret, 'qr')
    } finally {
      reg.linking = false
    }
  }

  /** The phone of `phone` enters the pairing code a companion displays (requestPairingCode). */
  async enterPairingCode(phone: string, codeInput: string): Promise<LinkResult> {
    const user = this.registry.getUser(phone)
    const code = codeInput.replace(/[\s-]/g, '').toUpperCase()
    if (!/^[0-9A-Z]{8}$/.test(code)) throw new SimError('invalid_input', 'pairing code must be 8 letters/digits (dashes allowed)')
    const reg = await this.pendingHello(user.phone)
    const linkCode = reg?.linkCode
    if (!reg || !linkCode) throw new SimError('no_pending_pairing', `no companion is waiting for a pairing code for ${user.phone}`)
    reg.linking = true
    try {
      const wrapped = linkCode.wrappedEphemeral
      const companionEphemeral = aesDecryptCTR(
        wrapped.subarray(48, 80),
        await derivePairingCodeKey(code, wrapped.subarray(0, 32)),
        wrapped.subarray(32, 48),
      )
      const primaryEphemeral = Curve.generateKeyPair()
      const salt = randomBytes(32)
      const iv = randomBytes(16)
      const wrappedPrimary = Buffer.concat([salt, iv, aesEncryptCTR(primaryEphemeral.public, await derivePairingCodeKey(code, salt), iv)])
      const primaryIdentity = user.phoneSignal.creds.signedIdentityKey
      const finished = new Promise<BinaryNode>((resolve, reject) => {
        const timer = setTimeout(() => reject(new SimError('pairing_failed', 'companion did not send companion_finish')), 15_000)
        linkCode.finish = (node) => {
          clearTimeout(timer)
          resolve(node)
        }
      })
      reg.conn.send({
        tag: 'notification',
        attrs: { from: S_WHATSAPP_NET, type: 'link_code_companion_reg', id: randomBytes(6).toString('hex'), t: unixSeconds() },
        content: [
          {
            tag: 'link_code_companion_reg',
            attrs: {},
            content: [
              { tag: 'link_code_pairing_ref', attrs: {}, content: linkCode.ref },
              { tag: 'primary_identity_pub', attrs: {}, content: Buffer.from(primaryIdentity.public) },
              { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrappedPrimary },
            ],
          },
        ],
      })
      const finish = await finished
      // companion_finish: salt(32) | iv(12) | GCM(companionIdentity | primaryIdentity | random32)
      const bundle = requireChildBuffer(finish, 'link_code_pairing_wrapped_key_bundle')
      const companionShared = Curve.sharedKey(primaryEphemeral.private, companionEphemeral)
      const bundleKey = hkdf(companionShared, 32, { salt: bundle.subarray(0, 32), info: 'link_code_pairing_key_bundle_encryption_key' })
      let plain: Buffer
      try {
        plain = aesDecryptGCM(bundle.subarray(44), Buffer.from(bundleKey), bundle.subarray(32, 44), Buffer.alloc(0))
      } catch {
        throw new SimError('pairing_failed', 'wrong pairing code: the companion key bundle does not decrypt')
      }
      const companionIdentity = plain.subarray(0, 32)
      if (!companionIdentity.equals(reg.identity)) throw new SimError('pairing_failed', 'pairing code: companion identity mismatch')
      const identityShared = Curve.sharedKey(primaryIdentity.private, companionIdentity)
      const advSecret = Buffer.from(
        hkdf(Buffer.concat([companionShared, identityShared, plain.subarray(64, 96)]), 32, { info: 'adv_secret' }),
      )
      return await this.complete(reg, user, advSecret, 'pairing_code')
    } finally {
      reg.linking = false
    }
  }

  /**
   * The newest pending companion_hello for `phone`. AES-CTR has no integrity check, so the code cannot
   * be tested against the hello itself; a wrong code fails at companion_finish (GCM). Baileys'
   * requestPairingCode returns the code before the hello reaches us, so wait briefly for it.
   */
  private async pendingHello(phone: string, timeoutMs = 5_000): Promise<Registration | undefined> {
    const find = () =>
      [...this.byConn.values()]
        .filter((r) => r.linkCode?.phone === phone && !r.linking && !r.conn.closed)
        .sort((a, b) => (b.linkCode?.at ?? 0) - (a.linkCode?.at ?? 0))[0]
    const found = find()
    if (found || !this.byConn.size) return found
    return new Promise((resolve) => {
      const wake = () => {
        const reg = find()
        if (!reg) return
        done(reg)
      }
      const done = (reg: Registration | undefined) => {
        clearTimeout(timer)
        this.helloWaiters.delete(wake)
        resolve(reg)
      }
      const timer = setTimeout(() => done(undefined), timeoutMs)
      this.helloWaiters.add(wake)
    })
  }

  private async complete(reg: Registration, user: SimUser, advSecret: Buffer, via: LinkMethod): Promise<LinkResult> {
    const deviceId = user.nextDeviceId
    const keyIndex = user.nextKeyIndex
    const signed = signDeviceIdentity(user, keyIndex, reg.identity)
    const response = await reg.conn
      .query(
        {
          tag: 'iq',
          attrs: { from: S_WHATSAPP_NET, type: 'set', xmlns: 'md', t: unixSeconds() },
          content: [
            {
              tag: 'pair-success',
              attrs: {},
              content: [
                { tag: 'device-identity', attrs: {}, content: wrapDeviceIdentity(signed, advSecret) },
                { tag: 'platform', attrs: { name: 'smbi' } },
                { tag: 'device', attrs: { jid: user.pnJid(deviceId), lid: user.lidJid(deviceId) } },
              ],
            },
          ],
        },
        15_000,
      )
      .catch((err: unknown) => {
        throw new SimError('pairing_failed', `companion did not confirm pair-success: ${errorMessage(err)}`)
      })
    const signedBack = childBuffer(getBinaryNodeChild(response, 'pair-device-sign'), 'device-identity')
    const back = signedBack ? proto.ADVSignedDeviceIdentity.decode(contentBuffer(signedBack)) : undefined
    if (!back || !verifyDeviceSignature(back, reg.identity, user.accountKey.public)) {
      throw new SimError('pairing_failed', 'companion rejected pair-success or its device signature is invalid')
    }
    user.nextDeviceId++
    user.nextKeyIndex++
    const device = this.registry.addCompanion(
      user,
      {
        noiseKey: reg.conn.clientStatic ?? Buffer.alloc(32),
        platform: reg.platform,
        linkedVia: via,
        keys: { registrationId: reg.registrationId, identity: reg.identity, signedPreKey: reg.signedPreKey },
      },
      { id: deviceId, keyIndex },
    )
    this.forget(reg.conn)
    this.log.info({ jid: user.pnJid(deviceId), via }, 'companion linked, requesting restart (515)')
    reg.conn.streamError(515)
    this.onLinked(user, device)
    return { phone: user.phone, deviceId, jid: user.pnJid(deviceId), lid: user.lidJid(deviceId) }
  }
}
