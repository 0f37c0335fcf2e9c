/**
 * One client WebSocket: framing + Noise + binary nodes. Knows nothing about users or devices; the
 * simulator attaches what it learns after the handshake (`identity`) and handles nodes.
 */
import {
  type BinaryNode,
  binaryNodeToString,
  decodeBinaryNode,
  encodeBinaryNode,
  type KeyPair,
  proto,
  S_WHATSAPP_NET,
} from '@whiskeysockets/baileys'
import { randomBytes } from 'node:crypto'
import type { WebSocket } from 'ws'
import { errorMessage } from '../errors'
import type { SimLogger } from '../logger'
import { encodeFrame, FrameReader } from './framing'
import { NoiseResponder } from './noise'

export type ConnectionHandlers = {
  onHandshake(conn: SimConnection, payload: proto.ClientPayload): void
  onNode(conn: SimConnection, node: BinaryNode): void
  onClose(conn: SimConnection): void
}

/** The companion device a connection logged in as (set by the simulator after a successful login). */
export type ConnectionIdentity = { phone: string; deviceId: number }

let nextConnectionId = 1

export class SimConnection {
  readonly id = nextConnectionId++
  readonly openedAt = Date.now()
  identity: ConnectionIdentity | undefined
  clientStatic: Buffer | undefined
  closed = false
  /** fault injection: swallow everything in both directions, as a dead server would */
  silent = false
  private readonly reader = new FrameReader()
  private readonly noise: NoiseResponder
  private readonly pendingQueries = new Map<string, { resolve(node: BinaryNode): void; reject(err: Error): void; timer: NodeJS.Timeout }>()
  /** decoding is async (zlib); this chain keeps nodes in arrival order */
  private decodeChain: Promise<void> = Promise.resolve()

  constructor(
    readonly ws: WebSocket,
    serverStatic: KeyPair,
    certChain: Uint8Array,
    private readonly handlers: ConnectionHandlers,
    private readonly log: SimLogger,
  ) {
    this.noise = new NoiseResponder(serverStatic, certChain)
    ws.on('message', (data: Buffer) => this.onData(data))
    ws.on('error', (err) => this.log.debug({ conn: this.id, err: err.message }, 'websocket error'))
    ws.on('close', () => this.onClosed())
  }

  get label(): string {
    return this.identity ? `${this.identity.phone}:${this.identity.deviceId}` : `conn#${this.id}`
  }

  send(node: BinaryNode): void {
    if (this.closed || this.silent || this.ws.readyState !== this.ws.OPEN) return
    if (this.log.isLevelEnabled('trace')) this.log.trace({ conn: this.label, node: binaryNodeToString(node) }, 'send')
    this.ws.send(encodeFrame(this.noise.encrypt(encodeBinaryNode(node))))
  }

  /** Sends an iq to the client and resolves with its result (or rejects on timeout/close). */
  query(node: BinaryNode, timeoutMs = 20_000): Promise<BinaryNode> {
    const id = node.attrs.id ?? randomBytes(6).toString('hex')
    node.attrs.id = id
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingQueries.delete(id)
        reject(new Error(`iq ${id} timed out`))
      }, timeoutMs)
      this.pendingQueries.set(id, { resolve, reject, timer })
      this.send(node)
    })
  }

  reply(iq: BinaryNode, content?: BinaryNode[]): void {
    this.send({ tag: 'iq', attrs: { from: S_WHATSAPP_NET, type: 'result', id: iq.attrs.id ?? '' }, content })
  }

  streamError(code: number | undefined, child?: BinaryNode): void {
    this.send({ tag: 'stream:error', attrs: code ? { code: String(code) } : {}, content: child ? [child] : undefined })
  }

  /** WebSocket close frame (clean close). */
  close(): void {
    this.ws.close()
  }

  /** Abrupt TCP reset, no close frame. */
  reset(): void {
    this.ws.terminate()
  }

  private onData(data: Buffer): void {
    if (this.silent || this.closed) return
    try {
      for (const frame of this.reader.push(data)) this.onFrame(frame)
    } catch (err) {
      this.log.debug({ conn: this.id, err: errorMessage(err) }, 'protocol error, dropping connection')
      this.ws.terminate()
    }
  }

  private onFrame(frame: Buffer): void {
    if (!this.noise.ready) {
      const step = this.noise.handshake(frame)
      if (step.kind === 'reply') {
        this.ws.send(encodeFrame(step.frame))
        return
      }
      this.clientStatic = step.clientStatic
      this.handlers.onHandshake(this, step.clientPayload)
      return
    }
    const plain = this.noise.decrypt(frame)
    this.decodeChain = this.decodeChain
      .then(() => decodeBinaryNode(plain))
      .then((node) => this.dispatch(node))
      .catch((err: unknown) => {
        this.log.warn({ conn: this.label, err: errorMessage(err) }, 'failed to handle frame')
      })
  }

  private dispatch(node: BinaryNode): void {
    if (this.silent) return
    // a receipt or ack that arrived before the close still counts (the message it answers is settled)
    if (this.closed && node.tag !== 'receipt' && node.tag !== 'ack') return
    if (this.log.isLevelEnabled('trace')) this.log.trace({ conn: this.label, node: binaryNodeToString(node) }, 'recv')
    if (node.tag === 'iq' && (node.attrs.type === 'result' || node.attrs.type === 'error')) {
      const pending = node.attrs.id ? this.pendingQueries.get(node.attrs.id) : undefined
      if (pending && node.attrs.id) {
        this.pendingQueries.delete(node.attrs.id)
        clearTimeout(pending.timer)
        pending.resolve(node)
        return
      }
    }
    this.handlers.onNode(this, node)
  }

  private onClosed(): void {
    if (this.closed) return
    this.closed = true
    for (const [id, pending] of this.pendingQueries) {
      clearTimeout(pending.timer)
      pending.reject(new Error(`connection closed before iq ${id} was answered`))
    }
    this.pendingQueries.clear()
    // after the frames that arrived before the close are handled
    void this.decodeChain.then(() => this.handlers.onClose(this))
  }
}
