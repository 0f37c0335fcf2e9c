/**
 * One HTTP server per simulator: WebSocket upgrades on `/ws/chat` become SimConnections (unless an
 * upgrade fault is armed, then they get a plain HTTP error), everything else goes to the HTTP handler
 * (the admin API).
 */
import { type KeyPair } from '@whiskeysockets/baileys'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { UpgradeFaults } from '../faults'
import type { SimLogger } from '../logger'
import { type ConnectionHandlers, SimConnection } from './connection'

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void

export class WsServer {
  readonly connections = new Set<SimConnection>()
  accepted = 0
  private readonly http: Server
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  private httpHandler: HttpHandler = (_req, res) => void res.writeHead(404).end()
  private address: AddressInfo | undefined
  private closing = false

  constructor(
    private readonly keys: { serverStatic: KeyPair; certChain: Uint8Array },
    private readonly handlers: ConnectionHandlers,
    private readonly upgradeFaults: UpgradeFaults,
    private readonly log: SimLogger,
  ) {
    this.http = createServer((req, res) => this.httpHandler(req, res))
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head))
  }

  setHttpHandler(handler: HttpHandler): void {
    this.httpHandler = handler
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    this.http.listen(port, host)
    await once(this.http, 'listening')
    this.address = this.http.address() as AddressInfo
    return this.address
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0]
    if (path !== '/ws/chat' || this.closing) {
      socket.end(`HTTP/1.1 ${this.closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    const rejectStatus = this.upgradeFaults.take()
    if (rejectStatus) {
      this.log.debug({ status: rejectStatus }, 'websocket upgrade rejected (fault injection)')
      socket.end(`HTTP/1.1 ${rejectStatus} Rejected\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accepted++
      const conn = new SimConnection(
        ws,
        this.keys.serverStatic,
        this.keys.certChain,
        {
          onHandshake: (c, payload) => this.handlers.onHandshake(c, payload),
          onNode: (c, node) => this.handlers.onNode(c, node),
          onClose: (c) => {
            this.connections.delete(c)
            this.handlers.onClose(c)
          },
        },
        this.log,
      )
      this.connections.add(conn)
    })
  }

  /** Stops accepting, resets every connection and closes the port. */
  async close(): Promise<void> {
    this.closing = true
    for (const conn of this.connections) conn.reset()
    this.wss.close()
    this.http.closeAllConnections()
    await new Promise<void>((resolve) => this.http.close(() => resolve()))
  }
}
