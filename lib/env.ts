import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { parseSchedule } from '@/lib/webhooks/policy'
import { ensurePrivateDir, writeNewPrivateFile } from '@/lib/fs/private-files'
import { decodeKey, isOn, keyText, LOG_LEVELS, LOOPBACK_HOSTS, rawSchema, secretText } from './env-schema'

/**
 * The gateway's configuration, parsed once at start by server.ts. Anything invalid stops the server
 * with one message that names the variable (ConfigError).
 */
export type Env = {
  nodeEnv: 'development' | 'production' | 'test'
  dev: boolean
  port: number
  host: string
  dataDir: string
  dbFile: string
  logLevel: (typeof LOG_LEVELS)[number]
  /** Human-readable lines (`pretty`) or JSON lines; `auto` = pretty when stdout is a terminal. */
  logFormat: 'auto' | 'json' | 'pretty'
  /** hand Node's crypto KeyObjects for byte keys (lib/crypto/buffer-keys.ts); on unless CRYPTO_FAST_BUFFER_KEYS=false */
  fastBufferKeys: boolean
  authSecret: string
  encryptionKey: Buffer
  adminEmail?: string
  adminPassword?: string
  gatewayApiKey?: string
  /** bearer token that may read /metrics (besides admin API keys) */
  metricsToken?: string
  waWsUrl?: string
  /** whose forwarding headers are believed: every peer (true), none (false), or peers in these CIDRs */
  trustProxy: boolean | string[]
  /** older encryption keys still accepted for reading (key rotation) */
  previousEncryptionKeys: Buffer[]
  sessions: {
    reconnectBaseMs: number
    reconnectMaxMs: number
    reconnectMaxAttempts: number
    conflictMaxAttempts: number
    watchdogMs: number
    loginConcurrency: number
    waConnectTimeoutMs?: number
    waKeepAliveMs?: number
    waQrTimeoutMs?: number
    waLogLevel: (typeof LOG_LEVELS)[number]
  }
  /** media: link downloads (through the outbound guard), uploads, the cache of received media, per-kind size caps */
  media: {
    allowedCidrs: string[]
    allowHttp: boolean
    linkTimeoutMs: number
    uploadTtlMs: number
    cacheMaxBytes: number
    eagerDownload: boolean
    /** bytes of unexpired uploads one account may keep */
    accountQuotaBytes: number
    maxBytes: { image: number; video: number; audio: number; document: number; sticker: number }
  }
  /** API rate limits: requests per minute per key/operator and per address; failed authentications per address per 15 min */
  apiLimits: {
    perKeyPerMinute: number
    perAddressPerMinute: number
    authFailures: number
    authFailureWindowSeconds: number
    /** phone numbers one account may have checked on WhatsApp per minute (contacts/check) */
    contactChecksPerMinute: number
  }
  /** the send queue: pacing (0 = off) and what repeated restrictions do */
  messages: {
    minGapMs: number
    perMinute: number
    restrictedPauseAfter: number
    restrictedPauseMs: number
    /** serve GET …/messages/send?apiKey= (compatibility; keys in URLs leak into logs) */
    allowQueryApiKey: boolean
    /** address ranges link previews may reach although they are not public (tests, intranets) */
    previewAllowedCidrs: string[]
    /** messages one account may have waiting in its send queue (queued or on their way) */
    queueLimit: number
  }
  /** webhook delivery: which private targets are allowed, timeouts, the retry schedule, when a failing endpoint is disabled */
  webhooks: {
    allowedCidrs: string[]
    allowHttp: boolean
    timeoutMs: number
    retryScheduleMs: number[]
    retryJitter: number
    disableAfterMs: number
    concurrency: number
    /** attempts in flight at once for one endpoint (its fair share of `concurrency`); unset: half of them, at most 8 */
    slotsPerEndpoint: number | undefined
    /** endpoints one account may have; every-account endpoints count together as one more "account" */
    endpointsPerAccount: number
  }
  /** messages (and their events) older than this many days are purged; 0 keeps everything */
  messageRetentionDays: number
  /** GET /events/stream: heartbeat, streams per key, what a stream may hold for a slow client, and how long it may stall */
  eventStreams: { heartbeatMs: number; maxStreamsPerKey: number; maxBufferedBytes: number; slowClientMs: number }
  /** secrets created on this start (to be logged once the logger exists) */
  generated: ('AUTH_SECRET' | 'ENCRYPTION_KEY')[]
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/**
 * A secret generated on first start lives in DATA_DIR with mode 0600 and is reused afterwards. What is
 * read back passes the same checks as the environment variable (a hand-edited file holding
 * `changeme` is refused, not trusted).
 */
function loadOrCreateSecret(
  dataDir: string,
  file: string,
  variable: string,
  schema: z.ZodType<string>,
  make: () => string,
): { value: string; created: boolean } {
  const p = path.join(dataDir, file)
  const checked = (value: string) => {
    const res = schema.safeParse(value)
    if (!res.success) throw new ConfigError(`Invalid configuration: ${variable} in ${p} ${res.error.issues[0]?.message ?? 'is invalid'}`)
    return value
  }
  if (fs.existsSync(p)) {
    const value = fs.readFileSync(p, 'utf8').trim()
    if (value) return { value: checked(value), created: false }
    fs.rmSync(p)
  }
  const value = make()
  // 'wx' fails if another process created it in between; then read theirs.
  try {
    writeNewPrivateFile(p, value + '\n')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { value: checked(fs.readFileSync(p, 'utf8').trim()), created: false }
    throw e
  }
  return { value, created: true }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = rawSchema.safeParse(source)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const name = issue?.path.join('.') ?? 'environment'
    throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? 'is invalid'}`)
  }
  const raw = parsed.data
  if ((raw.ADMIN_EMAIL === undefined) !== (raw.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together')
  }
  const dev = raw.NODE_ENV === 'development'
  if (dev && !LOOPBACK_HOSTS.has(raw.HOST.toLowerCase())) {
    throw new ConfigError(
      `Invalid configuration: HOST ${raw.HOST} is not a loopback address; the development server (NODE_ENV=development) listens on 127.0.0.1, ::1 or localhost only — run the production server (npm start) to accept remote connections`,
    )
  }
  if (!dev && raw.WA_WS_URL && !isOn(raw.ALLOW_CUSTOM_WA_URL)) {
    throw new ConfigError(
      'Invalid configuration: WA_WS_URL is refused in production unless ALLOW_CUSTOM_WA_URL=1: a custom URL replaces the TLS connection to WhatsApp, and Baileys does not authenticate the server by itself (see docs/noise-certificate.md)',
    )
  }
  const dataDir = path.resolve(raw.DATA_DIR)
  ensurePrivateDir(dataDir)
  const generated: Env['generated'] = []
  let authSecret = raw.AUTH_SECRET
  if (!authSecret) {
    const s = loadOrCreateSecret(dataDir, 'auth-secret', 'AUTH_SECRET', secretText, () => crypto.randomBytes(32).toString('base64url'))
    authSecret = s.value
    if (s.created) generated.push('AUTH_SECRET')
  }
  let encryptionKeyText = raw.ENCRYPTION_KEY
  if (!encryptionKeyText) {
    const s = loadOrCreateSecret(dataDir, 'encryption-key', 'ENCRYPTION_KEY', keyText, () => crypto.randomBytes(32).toString('base64'))
    encryptionKeyText = s.value
    if (s.created) generated.push('ENCRYPTION_KEY')
  }
  const encryptionKey = decodeKey(encryptionKeyText)
  // Both sources were checked above; this narrows the type.
  if (!encryptionKey) throw new ConfigError('Invalid configuration: ENCRYPTION_KEY must be 32 bytes as base64 or hex')

  const previousEncryptionKeys: Buffer[] = []
  for (const [i, text] of (raw.ENCRYPTION_KEY_PREVIOUS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .entries()) {
    const key = decodeKey(text)
    if (!key) throw new ConfigError(`Invalid configuration: ENCRYPTION_KEY_PREVIOUS entry ${i + 1} must be 32 bytes as base64 or hex`)
    previousEncryptionKeys.push(key)
  }

  return {
    nodeEnv: raw.NODE_ENV,
    dev,
    port: raw.PORT,
    host: raw.HOST,
    dataDir,
    dbFile: path.join(dataDir, 'gateway.db'),
    logLevel: raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT,
    fastBufferKeys: isOn(raw.CRYPTO_FAST_BUFFER_KEYS),
    authSecret,
    encryptionKey,
    adminEmail: raw.ADMIN_EMAIL?.toLowerCase(),
    adminPassword: raw.ADMIN_PASSWORD,
    gatewayApiKey: raw.GATEWAY_API_KEY,
    metricsToken: raw.METRICS_TOKEN,
    waWsUrl: raw.WA_WS_URL,
    trustProxy: raw.TRUST_PROXY,
    previousEncryptionKeys,
    sessions: {
      reconnectBaseMs: raw.RECONNECT_BASE_MS,
      reconnectMaxMs: raw.RECONNECT_MAX_MS,
      reconnectMaxAttempts: raw.RECONNECT_MAX_ATTEMPTS,
      conflictMaxAttempts: raw.CONFLICT_MAX_ATTEMPTS,
      watchdogMs: raw.CONNECT_WATCHDOG_MS,
      loginConcurrency: raw.LOGIN_CONCURRENCY,
      waConnectTimeoutMs: raw.WA_CONNECT_TIMEOUT_MS,
      waKeepAliveMs: raw.WA_KEEPALIVE_MS,
      waQrTimeoutMs: raw.WA_QR_TIMEOUT_MS,
      waLogLevel: raw.WA_LOG_LEVEL,
    },
    apiLimits: {
      perKeyPerMinute: raw.API_RATE_LIMIT,
      perAddressPerMinute: raw.API_ADDRESS_RATE_LIMIT,
      authFailures: raw.API_AUTH_FAILURE_LIMIT,
      authFailureWindowSeconds: 15 * 60,
      contactChecksPerMinute: raw.CONTACT_CHECK_RATE_PER_MINUTE,
    },
    media: {
      allowedCidrs: raw.MEDIA_ALLOWED_CIDRS,
      allowHttp: isOn(raw.MEDIA_ALLOW_HTTP),
      linkTimeoutMs: raw.MEDIA_LINK_TIMEOUT_MS,
      uploadTtlMs: raw.MEDIA_UPLOAD_TTL_SECONDS * 1000,
      cacheMaxBytes: raw.MEDIA_CACHE_MAX_BYTES,
      eagerDownload: isOn(raw.MEDIA_EAGER_DOWNLOAD),
      accountQuotaBytes: raw.MEDIA_ACCOUNT_QUOTA_BYTES,
      maxBytes: {
        image: raw.MEDIA_MAX_IMAGE_BYTES,
        video: raw.MEDIA_MAX_VIDEO_BYTES,
        audio: raw.MEDIA_MAX_AUDIO_BYTES,
        document: raw.MEDIA_MAX_DOCUMENT_BYTES,
        sticker: raw.MEDIA_MAX_STICKER_BYTES,
      },
    },
    messages: {
      minGapMs: raw.SEND_MIN_GAP_MS,
      perMinute: raw.SEND_PER_MINUTE,
      restrictedPauseAfter: raw.SEND_RESTRICTED_PAUSE_AFTER,
      restrictedPauseMs: raw.SEND_RESTRICTED_PAUSE_MS,
      allowQueryApiKey: isOn(raw.ALLOW_QUERY_API_KEY),
      previewAllowedCidrs: raw.LINK_PREVIEW_ALLOWED_CIDRS,
      queueLimit: raw.SEND_QUEUE_ACCOUNT_LIMIT,
    },
    webhooks: {
      allowedCidrs: raw.WEBHOOK_ALLOWED_CIDRS,
      allowHttp: isOn(raw.WEBHOOK_ALLOW_HTTP),
      timeoutMs: raw.WEBHOOK_TIMEOUT_MS,
      retryScheduleMs: parseSchedule(raw.WEBHOOK_RETRY_SCHEDULE),
      retryJitter: raw.WEBHOOK_RETRY_JITTER,
      disableAfterMs: raw.WEBHOOK_DISABLE_AFTER_MS,
      concurrency: raw.WEBHOOK_CONCURRENCY,
      slotsPerEndpoint: raw.WEBHOOK_SLOTS_PER_ENDPOINT,
      endpointsPerAccount: raw.WEBHOOK_ENDPOINTS_PER_ACCOUNT,
    },
    messageRetentionDays: raw.MESSAGE_RETENTION_DAYS,
    eventStreams: {
      heartbeatMs: raw.EVENT_STREAM_HEARTBEAT_MS,
      maxStreamsPerKey: raw.EVENT_STREAMS_PER_KEY,
      maxBufferedBytes: raw.EVENT_STREAM_BUFFER_BYTES,
      slowClientMs: raw.EVENT_STREAM_SLOW_CLIENT_MS,
    },
    generated,
  }
}
