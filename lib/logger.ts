import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger }

/**
 * Structured logs. Secrets are redacted wherever they might appear in a logged object, so a
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

export type LogFormat = 'auto' | 'json' | 'pretty'

/** `auto`: readable lines for a person at a terminal, JSON lines for everything else (files, collectors). */
export function resolveLogFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTty ? 'pretty' : 'json') : format
}

export function createLogger(opts: { level: string; name?: string; format?: LogFormat }): Logger {
  const options: pino.LoggerOptions = {
    name: opts.name ?? 'wa-gateway',
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  if (resolveLogFormat(opts.format ?? 'json', process.stdout.isTTY) === 'json') return pino(options)
  // Formatted on the main thread and written synchronously: a terminal reader wants every line, in
  // order, even from a process that is about to exit; throughput matters only for JSON output.
  return pino(options, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' }))
}
