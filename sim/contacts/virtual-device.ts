/**
 * A device simulated inside the simulator (a simulated user's primary phone): a full Signal participant
 * built from Baileys' own pieces — `initAuthCreds()` for its identity, signed pre-key and registration id,
 * and `makeSignalRepository` (libsignal) for sessions, encryption and decryption.
 */
import {
  addTransactionCapability,
  type AuthenticationCreds,
  BufferJSON,
  Curve,
  DEFAULT_CONNECTION_CONFIG,
  encodeWAMessage,
  initAuthCreds,
  proto,
  unpadRandomMax16,
} from '@whiskeysockets/baileys'
import pino from 'pino'
import { makeMemoryKeyStore, type MemoryKeyStore } from './memory-store'

const quiet = pino({ level: 'silent' })

/** What the server hands out for a device: identity, signed pre-key and at most one one-time pre-key. */
export type PreKeyBundle = {
  registrationId: number
  /** 32-byte Curve25519 keys, no 0x05 prefix */
  identity: Buffer
  signedPreKey: { keyId: number; publicKey: Buffer; signature: Buffer }
  preKey?: { keyId: number; publicKey: Buffer }
}

export type EncType = 'pkmsg' | 'msg'

/** Serialisable state of a virtual device (JSON via BufferJSON). */
export type VirtualDeviceState = { creds: AuthenticationCreds; keys: Record<string, Record<string, unknown>> }

const prefixed = (key: Uint8Array): Buffer => Buffer.concat([Buffer.from([5]), key])

export class VirtualDevice {
  readonly creds: AuthenticationCreds
  private readonly store: MemoryKeyStore
  private readonly repo

  constructor(state?: VirtualDeviceState) {
    this.creds = state?.creds ?? initAuthCreds()
    this.store = makeMemoryKeyStore(state?.keys ?? {})
    const keys = addTransactionCapability(this.store, quiet, { maxCommitRetries: 1, delayBetweenTriesMs: 10 })
    this.repo = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds: this.creds, keys }, quiet, () => Promise.resolve([]))
  }

  static fromJSON(json: string): VirtualDevice {
    return new VirtualDevice(JSON.parse(json, BufferJSON.reviver) as VirtualDeviceState)
  }

  toJSON(): string {
    return JSON.stringify({ creds: this.creds, keys: this.store.dump() }, BufferJSON.replacer)
  }

  get identityPublic(): Buffer {
    return Buffer.from(this.creds.signedIdentityKey.public)
  }

  /**
   * Our bundle for a peer that wants to start a session. One-time pre-keys are generated on demand
   * (one per request) instead of keeping a pool, so an idle user costs nothing.
   */
  issueBundle(): PreKeyBundle {
    const keyId = this.creds.nextPreKeyId++
    const pair = Curve.generateKeyPair()
    this.store.set({ 'pre-key': { [String(keyId)]: pair } })
    return {
      registrationId: this.creds.registrationId,
      identity: this.identityPublic,
      signedPreKey: {
        keyId: this.creds.signedPreKey.keyId,
        publicKey: Buffer.from(this.creds.signedPreKey.keyPair.public),
        signature: Buffer.from(this.creds.signedPreKey.signature),
      },
      preKey: { keyId, publicKey: Buffer.from(pair.public) },
    }
  }

  /**
   * Drops every Signal session this device holds (as a reinstalled phone would): its next message to
   * each device starts a new session with a pre-key message, and the receiver closes the old one.
   */
  forgetSessions(): number {
    const ids = Object.keys(this.store.dump().session ?? {})
    this.store.set({ session: Object.fromEntries(ids.map((id) => [id, null])) })
    return ids.length
  }

  async hasSession(jid: string): Promise<boolean> {
    return (await this.repo.validateSession(jid)).exists
  }

  /** X3DH towards a remote device from the bundle the server holds for it. */
  async startSession(jid: string, bundle: PreKeyBundle): Promise<void> {
    await this.repo.injectE2ESession({
      jid,
      session: {
        registrationId: bundle.registrationId,
        identityKey: prefixed(bundle.identity),
        signedPreKey: {
          keyId: bundle.signedPreKey.keyId,
          publicKey: prefixed(bundle.signedPreKey.publicKey),
          signature: bundle.signedPreKey.signature,
        },
        preKey: bundle.preKey ? { keyId: bundle.preKey.keyId, publicKey: prefixed(bundle.preKey.publicKey) } : undefined,
      },
    })
  }

  async encrypt(jid: string, message: proto.IMessage): Promise<{ type: EncType; ciphertext: Uint8Array }> {
    return this.repo.encryptMessage({ jid, data: encodeWAMessage(message) })
  }

  async decrypt(jid: string, type: EncType, ciphertext: Uint8Array): Promise<proto.Message> {
    const padded = await this.repo.decryptMessage({ jid, type, ciphertext })
    return proto.Message.decode(unpadRandomMax16(padded))
  }
}
