import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import type { DB } from '@/lib/db/client'
import { findMediaFile, findUpload, touchMediaFile, upsertMediaFile } from '@/lib/db/media'
import { findMessageByWaId, findMessageRow, type MessageRow } from '@/lib/db/messages'
import { AppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import type { Logger } from '@/lib/logger'
import { guardedRequest, type OutboundPolicy } from '@/lib/net/outbound'
import type { OutgoingMedia } from '@/lib/whatsapp/outgoing'
import type { WaSocket } from '@/lib/whatsapp/socket'
import { linkOrCopy, sniffFile, writeStreamToFile } from './files'
import { downloadMessageMedia } from './from-whatsapp'
import { WhatsAppMediaHosts } from './media-hosts'
import { type IncomingUpload, storeUpload, type UploadView } from './uploads'
import { evictMediaCache, sweepMediaDir } from './sweep'
import { baseType, CAPTION_KINDS, checkMedia, cleanFileName, type MediaKind, type MediaLimits } from './policy'

export type MediaConfig = {
  /** DATA_DIR/media */
  dir: string
  limits: MediaLimits
  uploadTtlMs: number
  cacheMaxBytes: number
  eagerDownload: boolean
  link: { allowedCidrs: readonly string[]; allowHttp: boolean; timeoutMs: number; maxRedirects: number }
  /** how long a download from WhatsApp may take */
  downloadTimeoutMs: number
  /** bytes of unexpired uploads one account may keep (MEDIA_ACCOUNT_QUOTA_BYTES); unlimited when absent */
  accountQuotaBytes?: number
}

/** A media object of a send: exactly one source (the schema enforces it). */
export type MediaSource = {
  id?: string
  link?: string
  base64?: string
  mimeType?: string
  caption?: string
  fileName?: string
  voice?: boolean
}

export type { UploadView } from './uploads'

/** A send's media, on disk under the gateway's own name, checked against its kind. */
export type PreparedMedia = OutgoingMedia & { size: number; sha256: string; relPath: string }

export type MediaStream = {
  stream: Readable
  /** the type recorded for the message (declared by its sender for received media) */
  mimeType: string
  /** the type the bytes really are (file-type), null when they have no known signature */
  sniffedType: string | null
  size: number
  fileName: string | null
}

export type MediaSessions = { connectedSocket(accountId: string): WaSocket | undefined }

const SWEEP_MS = 10 * 60_000

/**
 * Media of an account's messages: uploads (`POST /accounts/{id}/media`), the files a send needs
 * (from an upload, base64 or a link fetched through the outbound guard), and the bytes of sent and
 * received messages (`GET …/messages/{id}/media`), fetched from WhatsApp on first request and kept
 * in a size-capped cache.
 */
export class MediaService {
  private readonly log: Logger
  private readonly now: () => number
  private readonly inflight = new Map<number, Promise<void>>()
  private readonly offs: (() => void)[] = []
  private timer: NodeJS.Timeout | undefined
  readonly linkPolicy: OutboundPolicy
  /** received media from WhatsApp's hosts: https only; one object, so its keep-alive pool is reused (lib/net/outbound.ts) */
  private readonly waPolicy: OutboundPolicy
  private readonly waHosts: WhatsAppMediaHosts

  constructor(
    private readonly deps: { db: DB; bus: EventBus; logger: Logger; sessions: MediaSessions; config: MediaConfig; now?: () => number },
  ) {
    this.log = deps.logger.child({ component: 'media' })
    this.now = deps.now ?? Date.now
    this.linkPolicy = {
      allowedCidrs: deps.config.link.allowedCidrs,
      allowHttp: deps.config.link.allowHttp,
      forbiddenCode: 'media_url_forbidden',
    }
    this.waPolicy = { allowedCidrs: deps.config.link.allowedCidrs, allowHttp: false, forbiddenCode: 'media_url_forbidden' }
    this.waHosts = new WhatsAppMediaHosts((id) => deps.sessions.connectedSocket(id), this.log)
    fs.mkdirSync(path.join(deps.config.dir, 'tmp'), { recursive: true, mode: 0o700 })
  }

  /** Sweeps expired uploads and stray files now and every 10 minutes; downloads eagerly if configured. */
  start(): void {
    this.sweep()
    this.timer = setInterval(() => this.sweep(), SWEEP_MS)
    this.timer.unref()
    if (this.deps.config.eagerDownload) {
      this.offs.push(
        this.deps.bus.on('message.created', ({ accountId, message }) => {
          if (message.direction !== 'in' || !isMediaKind(message.type)) return
          this.fetchToCache(accountId, message.id).catch((err: unknown) =>
            this.log.warn({ err, accountId, messageId: message.id }, 'eager media download failed'),
          )
        }),
      )
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    for (const off of this.offs.splice(0)) off()
  }

  // ---- uploads ---------------------------------------------------------------------------------

  /** Largest upload any kind accepts (the route refuses a larger Content-Length before reading). */
  get maxUploadBytes(): number {
    return Math.max(...Object.values(this.deps.config.limits))
  }

  /**
   * Streams an uploaded file to disk, capped by what its real type may be sent as and by what is left
   * of the account's upload quota; nothing is kept on failure (lib/media/uploads.ts).
   */
  storeUpload(accountId: string, file: IncomingUpload): Promise<UploadView> {
    const { db, config } = this.deps
    return storeUpload(
      {
        db,
        dir: config.dir,
        limits: config.limits,
        uploadTtlMs: config.uploadTtlMs,
        quotaBytes: config.accountQuotaBytes ?? Number.POSITIVE_INFINITY,
        now: this.now(),
      },
      accountId,
      file,
    )
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * The file a send of `kind` goes out with: an upload of the account (linked, not copied), decoded
   * base64, or a link downloaded through the outbound guard — each checked by its real bytes.
   */
  async prepare(accountId: string, kind: MediaKind, source: MediaSource): Promise<PreparedMedia> {
    const relPath = `out/${safeSegment(accountId)}/${crypto.randomUUID()}`
    const target = this.abs(relPath)
    const limits = this.deps.config.limits
    const capFor = () => limits[kind]
    const tooLarge = (cap: number) =>
      new AppError('payload_too_large', `A ${kind} may be at most ${cap} bytes.`, { details: { kind, maxBytes: cap } })
    let written: { size: number; sha256: string; sniffed: string | null }
    let declared: string | null = source.mimeType ?? null
    let fileName = cleanFileName(source.fileName)
    if (source.id) {
      const upload = findUpload({ db: this.deps.db, accountId, id: source.id })
      if (!upload) throw new AppError('not_found', `No upload ${source.id} in this account.`, { details: { field: `${kind}.id` } })
      if (upload.expiresAt <= this.now())
        throw new AppError('media_expired', `Upload ${source.id} expired; upload the file again.`, { details: { field: `${kind}.id` } })
      linkOrCopy(this.abs(`uploads/${upload.id}`), target)
      written = { size: upload.size, sha256: upload.sha256, sniffed: upload.mimeType }
      declared = upload.mimeType
      fileName ??= upload.fileName
    } else if (source.base64 !== undefined) {
      const bytes = Buffer.from(source.base64, 'base64')
      written = await writeStreamToFile(Readable.from([bytes]), target, { capFor, tooLarge })
    } else if (source.link) {
      const fetched = await this.download(source.link, target, capFor, tooLarge)
      written = fetched.written
      declared ??= fetched.contentType
      fileName ??= fetched.fileName
    } else {
      throw new AppError('validation_failed', `Give one of ${kind}.id, ${kind}.link or ${kind}.base64.`)
    }
    try {
      const mimeType = checkMedia(
        { kind, sniffed: written.sniffed, declared: source.id ? null : declared, size: written.size, voice: source.voice },
        limits,
      )
      return {
        kind: 'media',
        media: kind,
        path: target,
        relPath,
        mimeType,
        size: written.size,
        sha256: written.sha256,
        ...(source.caption && CAPTION_KINDS.includes(kind) ? { caption: source.caption } : {}),
        ...(kind === 'document' ? { fileName: fileName ?? 'file' } : {}),
        ...(kind === 'audio' ? { voice: source.voice === true } : {}),
      }
    } catch (err) {
      fs.rmSync(target, { force: true })
      throw err
    }
  }

  /** Records a prepared file as the media of the message that will send it. */
  attach(accountId: string, messageRowId: number, m: PreparedMedia): void {
    const now = this.now()
    upsertMediaFile({
      db: this.deps.db,
      row: {
        messageId: messageRowId,
        accountId,
        path: m.relPath,
        mimeType: m.mimeType,
        size: m.size,
        sha256: m.sha256,
        fileName: m.fileName ?? null,
        lastUsedAt: now,
        createdAt: now,
      },
    })
    this.evict()
  }

  /** A prepared file that no message uses (a duplicate send, a refused one). */
  discard(m: PreparedMedia): void {
    fs.rmSync(m.path, { force: true })
  }

  private async download(
    link: string,
    target: string,
    capFor: () => number,
    tooLarge: (cap: number) => AppError,
  ): Promise<{ written: { size: number; sha256: string; sniffed: string | null }; contentType: string | null; fileName: string | null }> {
    const { link: cfg } = this.deps.config
    const started = this.now()
    const res = await guardedRequest(link, {
      policy: this.linkPolicy,
      log: this.log,
      method: 'GET',
      timeoutMs: cfg.timeoutMs,
      maxRedirects: cfg.maxRedirects,
      maxBytes: capFor(),
    })
    if (res.status !== 200) {
      res.body.destroy()
      throw new AppError('upstream_failed', `The link answered HTTP ${res.status}, not the file.`, { details: { status: res.status } })
    }
    const left = Math.max(1, cfg.timeoutMs - (this.now() - started))
    const written = await writeStreamToFile(res.body, target, { capFor, tooLarge, timeoutMs: left })
    const type = res.headers['content-type']
    const contentType = typeof type === 'string' ? baseType(type) : null
    return {
      written,
      // a server's generic type says nothing; let the bytes speak
      contentType: contentType === 'application/octet-stream' || contentType === 'binary/octet-stream' ? null : contentType,
      fileName: cleanFileName(decodeURIComponent(res.url.pathname.split('/').pop() ?? '')),
    }
  }

  // ---- reading a message's media -----------------------------------------------------------------

  /**
   * The bytes of a message's media, sent or received: from the cache, else fetched from WhatsApp
   * (asking the sender's phone to upload it again once when WhatsApp's link has expired).
   */
  async open(accountId: string, messageId: string): Promise<MediaStream> {
    const row = this.requireMediaMessage(accountId, messageId)
    await this.ensureCached(accountId, row)
    const file = findMediaFile({ db: this.deps.db, messageId: row.id })
    const abs = file ? this.abs(file.path) : undefined
    if (!file || !abs || !fs.existsSync(abs)) throw new AppError('media_gone', 'The media file is not available.')
    touchMediaFile({ db: this.deps.db, messageId: row.id, now: this.now() })
    // served with the type of its bytes, not the one a sender declared
    const sniffedType = await sniffFile(abs)
    return { stream: fs.createReadStream(abs), mimeType: file.mimeType, sniffedType, size: file.size, fileName: file.fileName }
  }

  /** Downloads a received message's media into the cache (eager download; the GET route does the same on demand). */
  async fetchToCache(accountId: string, messageId: string): Promise<void> {
    await this.ensureCached(accountId, this.requireMediaMessage(accountId, messageId))
  }

  private requireMediaMessage(accountId: string, messageId: string): MessageRow {
    const row =
      findMessageRow({ db: this.deps.db, accountId, publicId: messageId }) ?? findMessageByWaId(this.deps.db, accountId, messageId)
    if (!row) throw new AppError('not_found', `No message ${messageId} in account ${accountId}.`)
    if (!isMediaKind(row.type)) throw new AppError('not_found', `Message ${messageId} has no media (it is ${row.type}).`)
    return row
  }

  private async ensureCached(accountId: string, row: MessageRow): Promise<void> {
    const file = findMediaFile({ db: this.deps.db, messageId: row.id })
    if (file && fs.existsSync(this.abs(file.path))) return
    let running = this.inflight.get(row.id)
    if (!running) {
      running = this.fetchFromWhatsApp(accountId, row).finally(() => this.inflight.delete(row.id))
      this.inflight.set(row.id, running)
    }
    await running
  }

  private async fetchFromWhatsApp(accountId: string, row: MessageRow): Promise<void> {
    const relPath = `cache/${safeSegment(accountId)}/${crypto.randomUUID()}`
    const { written, info } = await downloadMessageMedia({
      accountId,
      row,
      target: this.abs(relPath),
      timeoutMs: this.deps.config.downloadTimeoutMs,
      connectedSocket: () => this.deps.sessions.connectedSocket(accountId),
      hosts: this.waHosts,
      limits: this.deps.config.limits,
      policy: this.waPolicy,
      log: this.log,
    })
    const now = this.now()
    upsertMediaFile({
      db: this.deps.db,
      row: {
        messageId: row.id,
        accountId,
        path: relPath,
        mimeType: info.mimeType ?? written.sniffed ?? 'application/octet-stream',
        size: written.size,
        sha256: written.sha256,
        fileName: cleanFileName(info.fileName) ?? null,
        lastUsedAt: now,
        createdAt: now,
      },
    })
    this.evict(row.id)
  }

  // ---- housekeeping -----------------------------------------------------------------------------

  private evict(keep?: number): void {
    const { db, config } = this.deps
    evictMediaCache({ db, dir: config.dir, maxBytes: config.cacheMaxBytes, ...(keep !== undefined ? { keep } : {}), log: this.log })
  }

  /** Removes expired uploads and stray files (lib/media/sweep.ts). */
  sweep(): void {
    sweepMediaDir({ db: this.deps.db, dir: this.deps.config.dir, now: this.now(), log: this.log })
  }

  private abs(rel: string): string {
    return path.join(this.deps.config.dir, rel)
  }
}

export const isMediaKind = (t: string): t is MediaKind => ['image', 'video', 'audio', 'document', 'sticker'].includes(t)

const safeSegment = (s: string) => s.replace(/[^\w.-]/g, '_')
