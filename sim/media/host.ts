/**
 * The HTTPS media host on loopback: `POST /mms/{type}/{encSha256}?auth=…` stores an upload (as
 * Baileys' waUploadToServer sends it) and answers `{url, direct_path}`; `GET /v/t62/{token}.enc`
 * serves the encrypted blob (404/410 once expired); `GET /test/endless` answers 200 and sends random
 * bytes until the client hangs up (a host that never stops, for size-cap tests). Its certificate is
 * signed by the simulator's CA.
 */
import crypto from 'node:crypto'
import https from 'node:https'
import fs from 'node:fs'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { SimLogger } from '../logger'
import { errorMessage } from '../errors'
import { MediaStore } from './store'
import type { ServerCertificate } from './tls'

/** The path that streams forever (`GET https://{media host}/test/endless`). */
export const ENDLESS_PATH = '/test/endless'

export class MediaHost {
  private readonly server: https.Server
  private address: AddressInfo | undefined

  constructor(
    private readonly store: MediaStore,
    cert: ServerCertificate,
    private readonly log: SimLogger,
  ) {
    this.server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.warn({ err: errorMessage(err), url: req.url }, 'media host request failed')
        if (!res.headersSent) res.writeHead(500).end()
        else res.destroy()
      })
    })
  }

  async listen(host: string): Promise<void> {
    this.server.listen(0, host)
    await once(this.server, 'listening')
    this.address = this.server.address() as AddressInfo
  }

  /** `host:port` as media_conn announces it (Baileys builds https://{hostname}{path} from it). */
  get hostname(): string {
    if (!this.address) throw new Error('media host is not listening')
    const a = this.address.address
    return `${a.includes(':') ? `[${a}]` : a}:${this.address.port}`
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  /** Random bytes, 64 KiB at a time with back-pressure, until the client goes away. */
  private endless(res: import('node:http').ServerResponse): void {
    this.store.countDownload()
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    const pump = () => {
      while (!res.destroyed && res.write(crypto.randomBytes(64 * 1024)));
    }
    res.on('drain', pump)
    pump()
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://media.invalid')
    if (req.method === 'POST' && url.pathname.startsWith('/mms/')) {
      if (url.searchParams.get('auth') !== this.store.auth) {
        req.resume()
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad auth' }))
        return
      }
      const { directPath } = await this.store.upload(req)
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ url: `https://${this.hostname}${directPath}`, direct_path: directPath }))
      return
    }
    if (req.method === 'GET' && url.pathname === ENDLESS_PATH) {
      this.endless(res)
      return
    }
    if (req.method === 'GET') {
      const token = MediaStore.tokenOf(url.pathname)
      const found = token ? this.store.lookup(token) : { status: 404 }
      if ('status' in found) {
        res.writeHead(found.status).end()
        return
      }
      this.store.countDownload()
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(found.size) })
      fs.createReadStream(found.file).pipe(res)
      return
    }
    res.writeHead(405).end()
  }
}
