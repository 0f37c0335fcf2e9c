/**
 * Responder side of Noise_XX_25519_AESGCM_SHA256 as WhatsApp Web uses it: the mirror image of Baileys'
 * `Utils/noise-handler.js`. Pure state machine, no I/O: the connection feeds it frames and sends what it
 * returns.
 */
import {
  aesDecryptGCM,
  aesEncryptGCM,
  Curve,
  hkdf,
  type KeyPair,
  NOISE_MODE,
  NOISE_WA_HEADER,
  proto,
  sha256,
} from '@whiskeysockets/baileys'

const EMPTY = Buffer.alloc(0)

const ivFor = (counter: number): Buffer => {
  const iv = Buffer.alloc(12)
  iv.writeUInt32BE(counter, 8)
  return iv
}

export type HandshakeStep =
  { kind: 'reply'; frame: Uint8Array } | { kind: 'complete'; clientPayload: proto.ClientPayload; clientStatic: Buffer }

type Phase = 'await-hello' | 'await-finish' | 'transport'

export class NoiseResponder {
  private hash: Buffer
  private salt: Buffer
  private key: Buffer
  private counter = 0
  private phase: Phase = 'await-hello'
  private readonly ephemeral: KeyPair = Curve.generateKeyPair()
  private sendKey: Buffer = EMPTY
  private recvKey: Buffer = EMPTY
  private sendCounter = 0
  private recvCounter = 0

  constructor(
    private readonly serverStatic: KeyPair,
    private readonly certChain: Uint8Array,
  ) {
    const mode = Buffer.from(NOISE_MODE)
    this.hash = mode.byteLength === 32 ? mode : Buffer.from(sha256(mode))
    this.salt = this.hash
    this.key = this.hash
    this.authenticate(NOISE_WA_HEADER)
  }

  get ready(): boolean {
    return this.phase === 'transport'
  }

  /** Handles one handshake frame (ClientHello, then ClientFinish). Throws on protocol violations. */
  handshake(frame: Uint8Array): HandshakeStep {
    if (this.phase === 'await-hello') {
      const { clientHello } = proto.HandshakeMessage.decode(frame)
      const clientEphemeral = clientHello?.ephemeral
      if (clientEphemeral?.length !== 32) throw new Error('expected ClientHello with a 32-byte ephemeral')
      this.authenticate(clientEphemeral)
      // -> e, ee, s, es (XX message 2)
      this.authenticate(this.ephemeral.public)
      this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientEphemeral))
      const staticCt = this.encryptHandshake(this.serverStatic.public)
      this.mixIntoKey(Curve.sharedKey(this.serverStatic.private, clientEphemeral))
      const payloadCt = this.encryptHandshake(this.certChain)
      this.phase = 'await-finish'
      const hello = proto.HandshakeMessage.encode({
        serverHello: { ephemeral: this.ephemeral.public, static: staticCt, payload: payloadCt },
      }).finish()
      return { kind: 'reply', frame: hello }
    }
    if (this.phase === 'await-finish') {
      const { clientFinish } = proto.HandshakeMessage.decode(frame)
      if (!clientFinish?.static || !clientFinish.payload) throw new Error('expected ClientFinish')
      // <- s, se (XX message 3)
      const clientStatic = Buffer.from(this.decryptHandshake(clientFinish.static))
      this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStatic))
      const payload = this.decryptHandshake(clientFinish.payload)
      // split(): the client encrypts with the first half and decrypts with the second
      const keys = Buffer.from(hkdf(new Uint8Array(0), 64, { salt: this.salt, info: '' }))
      this.recvKey = keys.subarray(0, 32)
      this.sendKey = keys.subarray(32)
      this.phase = 'transport'
      return { kind: 'complete', clientPayload: proto.ClientPayload.decode(payload), clientStatic }
    }
    throw new Error('handshake already complete')
  }

  encrypt(plaintext: Uint8Array): Buffer {
    if (this.phase !== 'transport') throw new Error('noise transport not ready')
    return aesEncryptGCM(plaintext, this.sendKey, ivFor(this.sendCounter++), EMPTY)
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    if (this.phase !== 'transport') throw new Error('noise transport not ready')
    return aesDecryptGCM(ciphertext, this.recvKey, ivFor(this.recvCounter++), EMPTY)
  }

  private authenticate(data: Uint8Array): void {
    this.hash = Buffer.from(sha256(Buffer.concat([this.hash, data])))
  }

  private mixIntoKey(data: Uint8Array): void {
    const out = Buffer.from(hkdf(Buffer.from(data), 64, { salt: this.salt, info: '' }))
    this.salt = out.subarray(0, 32)
    this.key = out.subarray(32)
    this.counter = 0
  }

  private encryptHandshake(plaintext: Uint8Array): Buffer {
    const ct = aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash)
    this.authenticate(ct)
    return ct
  }

  private decryptHandshake(ciphertext: Uint8Array): Buffer {
    const pt = aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash)
    this.authenticate(ciphertext)
    return pt
  }
}
