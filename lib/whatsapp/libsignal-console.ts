/* eslint-disable no-console -- this module is the one place that takes over the console */
import { format } from 'node:util'
import type { Logger } from '@/lib/logger'

/**
 * libsignal (inside Baileys) narrates session changes with `console.info` / `console.warn` /
 * `console.error`: "Closing session: SessionEntry {…}", "Opening session: …", "Removing old closed
 * session: …", "Session already closed …". The printed SessionEntry holds the current ratchet's
 * private key, the root key and every chain key, so on stdout it hands key material to whatever
 * collects the logs, as multi-line text in the middle of JSON lines.
 *
 * `routeLibsignalConsole(logger)` replaces the console methods once for the whole process:
 * - a line libsignal is known to print goes to the logger instead (object first, debug for the
 *   routine session changes, warn for its errors), with any session object reduced to harmless
 *   facts (open or closed, when created and closed);
 * - any other console call passes through unchanged, except that an argument shaped like Signal
 *   key material (a SessionEntry, or an object with privKey/rootKey/chainKey fields) is replaced by
 *   the same reduced facts, so a message we do not know yet cannot leak keys either;
 * - with `everything` (JSON logs: stdout is read by a collector), every other console call becomes a
 *   log line too (`{console: "log"}` and the formatted text), so stdout stays one JSON object a line
 *   whatever a library prints (Next prints "✓ Running next.config.ts…" while it prepares).
 *
 * It is process-wide on purpose: the callers are in a library the gateway runs unmodified. It is
 * installed with the other process-wide patches (lib/process-patches.ts); docs/upstream.md says when
 * it can go.
 */

type Level = 'debug' | 'warn'
type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug'
const METHODS: readonly ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug']

/** What libsignal 6.x (the build Baileys rc14 resolves) prints, by the start of its first argument. */
const KNOWN: readonly { prefix: string; event: string; level: Level }[] = [
  { prefix: 'Closing session', event: 'session closed', level: 'debug' },
  { prefix: 'Opening session', event: 'session opened', level: 'debug' },
  { prefix: 'Removing old closed session', event: 'old closed session removed', level: 'debug' },
  { prefix: 'Session already closed', event: 'session already closed', level: 'debug' },
  { prefix: 'Session already open', event: 'session already open', level: 'debug' },
  {
    prefix: 'Closing open session in favor of incoming prekey bundle',
    event: 'session replaced by an incoming prekey bundle',
    level: 'debug',
  },
  { prefix: 'Closing stale open session', event: 'stale session closed', level: 'debug' },
  { prefix: 'Decrypted message with closed session', event: 'decrypted with a closed session', level: 'debug' },
  { prefix: 'Migrating session to', event: 'session record migrated', level: 'debug' },
  { prefix: 'Failed to decrypt message with any known session', event: 'no session could decrypt a message', level: 'warn' },
  { prefix: 'Session error', event: 'session error', level: 'warn' },
  { prefix: 'V1 session storage migration error', event: 'session record migration failed', level: 'warn' },
  { prefix: 'Unhandled bucket type', event: 'unhandled job queue bucket', level: 'warn' },
  { prefix: 'WARNING: Expected pubkey of length 33', event: 'public key of unexpected length', level: 'warn' },
]

/** Field names that only Signal key material carries; an object with any of them is never printed. */
const SECRET_FIELDS = new Set(['privKey', 'rootKey', 'chainKey', 'currentRatchet', 'ephemeralKeyPair', '_chains', 'messageKeys'])

export type SessionFacts = { kind: 'signal-session'; open?: boolean; created?: number; closed?: number }

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)
}

/** True when `v` (or an object up to three levels inside it) carries Signal key material. */
export function carriesKeyMaterial(v: unknown, depth = 0): boolean {
  if (!isRecord(v) || depth > 3 || v instanceof Error) return false
  if (v.constructor.name === 'SessionEntry' || v.constructor.name === 'SessionRecord') return true
  for (const [key, value] of Object.entries(v)) {
    if (SECRET_FIELDS.has(key)) return true
    if (carriesKeyMaterial(value, depth + 1)) return true
  }
  return false
}

/** The harmless facts of a SessionEntry-like object: whether it is open, when it was made and closed. */
export function sessionFacts(v: unknown): SessionFacts {
  const info = isRecord(v) && isRecord(v.indexInfo) ? v.indexInfo : undefined
  const closed = typeof info?.closed === 'number' ? info.closed : undefined
  const created = typeof info?.created === 'number' ? info.created : undefined
  return {
    kind: 'signal-session',
    ...(closed !== undefined ? { open: closed === -1 } : {}),
    ...(created !== undefined ? { created } : {}),
    ...(closed !== undefined && closed !== -1 ? { closed } : {}),
  }
}

/**
 * An argument as it may be shown: a session becomes its facts, a secret field is left out, and the
 * objects around them keep their other fields; anything without key material is returned as it is.
 */
function harmless(arg: unknown, depth = 0): unknown {
  if (!carriesKeyMaterial(arg)) return arg
  if (!isRecord(arg) || depth > 3 || 'indexInfo' in arg || arg.constructor.name === 'SessionEntry') return sessionFacts(arg)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(arg)) if (!SECRET_FIELDS.has(key)) out[key] = harmless(value, depth + 1)
  return out
}

function detailOf(args: readonly unknown[]): Record<string, unknown> {
  const rest = args.slice(1)
  const detail: Record<string, unknown> = {}
  const sessions = rest.filter(carriesKeyMaterial).map(sessionFacts)
  if (sessions.length === 1) detail.session = sessions[0]
  else if (sessions.length > 1) detail.sessions = sessions
  const err = rest.find((a): a is Error => a instanceof Error)
  if (err) detail.err = err
  // primitives only (a version number, a job-queue bucket name): nothing secret travels as a string here
  const values = rest.filter((a) => a === null || (typeof a !== 'object' && typeof a !== 'function'))
  if (values.length > 0) detail.values = values
  return detail
}

export function knownLibsignalLine(first: unknown): { event: string; level: Level } | undefined {
  if (typeof first !== 'string') return undefined
  const hit = KNOWN.find((k) => first.startsWith(k.prefix))
  return hit ? { event: hit.event, level: hit.level } : undefined
}

const LEVEL_OF: Record<ConsoleMethod, 'debug' | 'info' | 'warn' | 'error'> = {
  debug: 'debug',
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
}
// eslint-disable-next-line no-control-regex -- terminal colour codes are control sequences by definition
const ANSI = /\u001b\[[0-9;]*m/g

let installed: { originals: Map<ConsoleMethod, (...args: unknown[]) => void> } | undefined

/**
 * Installs the routing once per process; returns false when it was already installed (the first
 * logger stays). `restoreLibsignalConsole` puts the console back (tests).
 */
export function routeLibsignalConsole(logger: Logger, opts: { everything?: boolean } = {}): boolean {
  if (installed) return false
  const log = logger.child({ component: 'libsignal' })
  const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>()
  for (const method of METHODS) {
    const original = Reflect.get(console, method) as (...args: unknown[]) => void
    originals.set(method, original)
    console[method] = (...args: unknown[]) => {
      const known = knownLibsignalLine(args[0])
      if (known) {
        log[known.level]({ libsignal: known.event, ...detailOf(args) }, `libsignal: ${known.event}`)
        return
      }
      const secret = args.some(carriesKeyMaterial)
      if (secret) log.warn({ console: method }, 'a console line carried Signal key material; printed without it')
      const shown = secret ? args.map(harmless) : args
      if (opts.everything) logger[LEVEL_OF[method]]({ console: method }, format(...shown).replace(ANSI, ''))
      else original.apply(console, shown)
    }
  }
  installed = { originals }
  return true
}

/** Whether the routing is in place in this process (by any caller). */
export const libsignalConsoleRouted = (): boolean => installed !== undefined

export function restoreLibsignalConsole(): void {
  if (!installed) return
  for (const [method, original] of installed.originals) console[method] = original
  installed = undefined
}
