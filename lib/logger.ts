import pino, { type Logger } from 'pino'

export type { Logger }

/**
 * Structured JSON logs. Secrets are redacted wherever they might appear in a logged object, so a
 * careless `logger.info({ body })` cannot leak a password, key or token.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'req.headers.authorization',
  'creds',
  '*.creds',
  'keys',
  '*.keys',
]

export function createLogger(opts: { level: string; name?: string }): Logger {
  return pino({
    name: opts.name ?? 'wa-gateway',
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  })
}
