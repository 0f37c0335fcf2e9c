/**
 * The environment variables the gateway reads, as one zod schema (lib/env.ts turns its output into
 * the typed Env), with the checks that refuse weak secrets and keys.
 */
import { z } from 'zod'
import { decodeKeyText } from '@/lib/crypto/aead'
import { parseCidrs } from '@/lib/net/outbound'
import { DEFAULT_RETRY_SCHEDULE, parseSchedule } from '@/lib/webhooks/policy'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Values copied from examples and tutorials; a secret equal to one of them is no secret. */
const PLACEHOLDERS = new Set([
  'changeme',
  'change-me',
  'change_me',
  'secret',
  'password',
  'your-secret',
  'your-secret-here',
  'your_secret_here',
  'replace-me',
  'replaceme',
  'todo',
  'xxx',
  'example',
  'test',
  'default',
  'insecure',
  'development',
])
const isPlaceholder = (v: string) => PLACEHOLDERS.has(v.trim().toLowerCase()) || /^(.)\1+$/.test(v)

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)

export const secretText = z
  .string()
  .min(32, 'must be at least 32 characters (generate one with: openssl rand -base64 32)')
  .refine((v) => !isPlaceholder(v), 'is a known placeholder value; set a real random secret or unset it to have one generated')
const secretSchema = z.preprocess(emptyToUndefined, secretText.optional())

/** ENCRYPTION_KEY: exactly 32 bytes, given as base64 or hex; null when it is not. */
export function decodeKey(v: string): Buffer | null {
  try {
    return decodeKeyText(v)
  } catch {
    return null
  }
}

export const keyText = z
  .string()
  .refine((v) => !isPlaceholder(v), 'is a known placeholder value')
  .refine((v) => decodeKey(v) !== null, 'must be 32 random bytes as base64 or hex (generate one with: openssl rand -base64 32)')
const keySchema = z.preprocess(emptyToUndefined, keyText.optional())

/**
 * A comma-separated list of IP ranges (CIDR or single addresses) for an outbound address guard, parsed
 * here once; unset or empty is no range. `message` replaces the parser's own in the error.
 */
const cidrList = (message?: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        try {
          return parseCidrs(v)
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: message ?? (err as Error).message })
          return z.NEVER
        }
      }),
  )

/** An integer variable: at least `min`, at most `max` when given; unset or empty takes `default`. */
const int = (o: { min: number; max?: number; default: number }) => {
  const n = z.coerce.number().int().min(o.min)
  return z.preprocess(emptyToUndefined, (o.max === undefined ? n : n.max(o.max)).default(o.default))
}
/** The same without a default: unset or empty stays undefined. */
const optionalInt = (o: { min: number; max: number }) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(o.min).max(o.max).optional())

/** An on/off variable (`1`/`true` or `0`/`false`); unset or empty takes `byDefault`. */
const flag = (byDefault: '0' | '1') => z.preprocess(emptyToUndefined, z.enum(['0', '1', 'true', 'false']).default(byDefault))
const flagSchema = flag('0')
export const isOn = (v: string) => v === '1' || v === 'true'

/** Names a development server may listen on: it serves source maps and runs unoptimised code. */
export const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '[::1]'])

export const rawSchema = z.object({
  // Unset means production: `node --import tsx server.ts` must never start Next's dev server by accident.
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('production')),
  PORT: int({ min: 0, max: 65535, default: 3000 }),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('info')),
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['auto', 'json', 'pretty']).default('auto')),
  CRYPTO_FAST_BUFFER_KEYS: flag('1'),
  AUTH_SECRET: secretSchema,
  ENCRYPTION_KEY: keySchema,
  ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email('must be an email address').optional()),
  ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(10, 'must be at least 10 characters').optional()),
  GATEWAY_API_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .min(32, 'must be at least 32 characters')
      .refine((v) => !isPlaceholder(v), 'is a known placeholder value')
      .optional(),
  ),
  METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .min(32, 'must be at least 32 characters')
      .refine((v) => !isPlaceholder(v), 'is a known placeholder value')
      .optional(),
  ),
  WA_WS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional()),
  ENCRYPTION_KEY_PREVIOUS: z.preprocess(emptyToUndefined, z.string().optional()),
  RECONNECT_BASE_MS: int({ min: 0, max: 600_000, default: 3000 }),
  RECONNECT_MAX_MS: int({ min: 0, max: 3_600_000, default: 30_000 }),
  RECONNECT_MAX_ATTEMPTS: int({ min: 1, max: 1000, default: 5 }),
  CONFLICT_MAX_ATTEMPTS: int({ min: 1, max: 100, default: 3 }),
  CONNECT_WATCHDOG_MS: int({ min: 100, max: 600_000, default: 30_000 }),
  LOGIN_CONCURRENCY: int({ min: 1, max: 1000, default: 16 }),
  WA_CONNECT_TIMEOUT_MS: optionalInt({ min: 100, max: 600_000 }),
  WA_KEEPALIVE_MS: optionalInt({ min: 100, max: 600_000 }),
  WA_QR_TIMEOUT_MS: optionalInt({ min: 100, max: 600_000 }),
  WA_LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(LOG_LEVELS).default('warn')),
  SEND_MIN_GAP_MS: int({ min: 0, max: 3_600_000, default: 1500 }),
  SEND_PER_MINUTE: int({ min: 0, max: 100_000, default: 30 }),
  SEND_RESTRICTED_PAUSE_AFTER: int({ min: 1, max: 1000, default: 3 }),
  SEND_RESTRICTED_PAUSE_MS: int({ min: 1000, max: 604_800_000, default: 3_600_000 }),
  // `1`/`true`: believe the forwarding headers of any peer (the port is reachable only through the
  // proxy); a CIDR list: only of peers in it (the proxy's own addresses); `0`/unset: of none
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('0')
      .transform((v, ctx): boolean | string[] => {
        if (['0', 'false'].includes(v)) return false
        if (['1', 'true'].includes(v)) return true
        try {
          return parseCidrs(v)
        } catch {
          ctx.addIssue({
            code: 'custom',
            message:
              'must be 1, 0, or the proxy addresses as a comma-separated list of IP addresses or CIDR ranges (e.g. 127.0.0.1,10.0.0.0/8)',
          })
          return z.NEVER
        }
      }),
  ),
  ALLOW_CUSTOM_WA_URL: flagSchema,
  ALLOW_QUERY_API_KEY: flagSchema,
  LINK_PREVIEW_ALLOWED_CIDRS: cidrList(),
  API_RATE_LIMIT: int({ min: 1, max: 1_000_000, default: 600 }),
  API_ADDRESS_RATE_LIMIT: int({ min: 1, max: 1_000_000, default: 1200 }),
  API_AUTH_FAILURE_LIMIT: int({ min: 1, max: 1_000_000, default: 20 }),
  CONTACT_CHECK_RATE_PER_MINUTE: int({ min: 1, max: 1_000_000, default: 60 }),
  SEND_QUEUE_ACCOUNT_LIMIT: int({ min: 1, max: 10_000_000, default: 10_000 }),
  MEDIA_ALLOWED_CIDRS: cidrList('must be a comma-separated list of IP addresses or CIDR ranges (e.g. 10.0.0.0/8,::1/128)'),
  MEDIA_ALLOW_HTTP: flagSchema,
  MEDIA_LINK_TIMEOUT_MS: int({ min: 100, max: 3_600_000, default: 60_000 }),
  MEDIA_UPLOAD_TTL_SECONDS: int({ min: 1, max: 365 * 86_400, default: 86_400 }),
  MEDIA_CACHE_MAX_BYTES: int({ min: 0, default: 1024 ** 3 }),
  MEDIA_EAGER_DOWNLOAD: flagSchema,
  MEDIA_ACCOUNT_QUOTA_BYTES: int({ min: 1, default: 2 * 1024 ** 3 }),
  MEDIA_MAX_IMAGE_BYTES: int({ min: 1, default: 16 * 1024 ** 2 }),
  MEDIA_MAX_VIDEO_BYTES: int({ min: 1, default: 64 * 1024 ** 2 }),
  MEDIA_MAX_AUDIO_BYTES: int({ min: 1, default: 16 * 1024 ** 2 }),
  MEDIA_MAX_DOCUMENT_BYTES: int({ min: 1, default: 100 * 1024 ** 2 }),
  MEDIA_MAX_STICKER_BYTES: int({ min: 1, default: 512 * 1024 }),
  WEBHOOK_ALLOWED_CIDRS: cidrList('must be a comma-separated list of IP addresses or CIDR ranges, e.g. 127.0.0.0/8,::1/128'),
  WEBHOOK_ALLOW_HTTP: flagSchema,
  WEBHOOK_TIMEOUT_MS: int({ min: 100, max: 300_000, default: 15_000 }),
  WEBHOOK_RETRY_SCHEDULE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((v) => {
        try {
          return parseSchedule(v).length <= 50
        } catch {
          return false
        }
      }, 'must be a comma-separated list of at most 50 delays, e.g. 0,5s,5m,30m,2h')
      .default(DEFAULT_RETRY_SCHEDULE),
  ),
  WEBHOOK_RETRY_JITTER: z.preprocess(emptyToUndefined, z.coerce.number().min(0).max(1).default(0.2)),
  WEBHOOK_DISABLE_AFTER_MS: int({ min: 1000, default: 5 * 86_400_000 }),
  WEBHOOK_CONCURRENCY: int({ min: 1, max: 1000, default: 32 }),
  WEBHOOK_SLOTS_PER_ENDPOINT: optionalInt({ min: 1, max: 1000 }),
  WEBHOOK_ENDPOINTS_PER_ACCOUNT: int({ min: 1, max: 100_000, default: 25 }),
  MESSAGE_RETENTION_DAYS: int({ min: 0, max: 36_500, default: 0 }),
  EVENT_STREAM_HEARTBEAT_MS: int({ min: 1000, max: 300_000, default: 15_000 }),
  EVENT_STREAMS_PER_KEY: int({ min: 1, max: 1000, default: 5 }),
  EVENT_STREAM_BUFFER_BYTES: int({ min: 16 * 1024, max: 256 * 1024 ** 2, default: 1024 ** 2 }),
  EVENT_STREAM_SLOW_CLIENT_MS: int({ min: 1000, max: 3_600_000, default: 30_000 }),
})
