import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { restoreLibsignalConsole, routeLibsignalConsole } from './libsignal-console'

/** The part of libsignal's SessionRecord these tests drive (its typings do not declare it). */
type Entry = { indexInfo: Record<string, unknown>; currentRatchet: Record<string, unknown>; registrationId: number }
type Record_ = { setSession(e: Entry): void; closeSession(e: Entry): void; openSession(e: Entry): void; removeOldSessions(): void }
type SessionRecordClass = { new (): Record_; createEntry(): Entry }
const { SessionRecord } = createRequire(import.meta.url)('libsignal') as { SessionRecord: SessionRecordClass }

const PRIV = Buffer.alloc(32, 7)
const ROOT = Buffer.alloc(32, 9)

function session(seed: number): Entry {
  const e = SessionRecord.createEntry()
  e.registrationId = 4242
  e.currentRatchet = {
    ephemeralKeyPair: { pubKey: Buffer.alloc(33, seed), privKey: PRIV },
    lastRemoteEphemeralKey: Buffer.alloc(33, 3),
    previousCounter: 0,
    rootKey: ROOT,
  }
  e.indexInfo = {
    baseKey: Buffer.alloc(33, seed),
    baseKeyType: 1,
    closed: -1,
    used: Date.now(),
    created: 1_700_000_000_000,
    remoteIdentityKey: Buffer.alloc(33, 5),
  }
  return e
}

const hex = (b: Buffer) => b.toString('hex')
/** Everything a console call or a log line could show of the keys, in any of the forms Node prints. */
const leaks = (text: string) =>
  ['privKey', 'rootKey', 'currentRatchet', 'Closing session', hex(PRIV), PRIV.toString('base64'), hex(ROOT), '07 07 07 07'].filter((s) =>
    text.includes(s),
  )

type Call = { method: string; args: unknown[] }
let calls: Call[]
let lines: string[]
let saved: Map<string, unknown>
const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const

beforeEach(() => {
  calls = []
  lines = []
  saved = new Map()
  // what would reach stdout/stderr: the console methods as they are before the routing is installed
  for (const m of METHODS) {
    saved.set(m, Reflect.get(console, m))
    console[m] = (...args: unknown[]) => {
      calls.push({ method: m, args })
    }
  }
})

afterEach(() => {
  restoreLibsignalConsole()
  for (const m of METHODS) console[m] = saved.get(m) as (typeof console)[typeof m]
})

function install(level = 'debug') {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  return routeLibsignalConsole(pino({ level }, sink))
}

const printed = () => calls.map((c) => c.args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a) + String(a))).join(' ')).join('\n')

describe('libsignal as published (canary: when this fails after an upgrade, re-check the routing)', () => {
  it('prints the whole session, private ratchet key and root key included, with console.info', () => {
    const record = new SessionRecord()
    const s = session(1)
    record.setSession(s)
    record.closeSession(s)
    const closing = calls.find((c) => c.method === 'info' && c.args[0] === 'Closing session:')
    expect(closing).toBeDefined()
    expect(closing?.args[1]).toBe(s)
    expect((closing?.args[1] as Entry).currentRatchet.rootKey).toBe(ROOT)
  })
})

describe('routeLibsignalConsole', () => {
  it('routes libsignal’s session lines to the logger as JSON facts; nothing reaches the console', () => {
    expect(install()).toBe(true)
    const record = new SessionRecord()
    const a = session(1)
    record.setSession(a)
    record.closeSession(a)
    record.closeSession(a) // "Session already closed", with the session
    record.openSession(a)
    for (let i = 2; i < 45; i++) {
      const s = session(i)
      record.setSession(s)
      record.closeSession(s)
    }
    record.removeOldSessions() // "Removing old closed session:", with the oldest one
    expect(calls).toEqual([])
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const events = new Set(records.map((r) => r.libsignal))
    expect(events).toEqual(new Set(['session closed', 'session already closed', 'session opened', 'old closed session removed']))
    expect(records.find((r) => r.libsignal === 'session closed')).toMatchObject({
      level: 20,
      component: 'libsignal',
      session: { kind: 'signal-session', open: true, created: 1_700_000_000_000 },
    })
    expect(records.find((r) => r.libsignal === 'old closed session removed')).toMatchObject({ session: { open: false } })
    expect(leaks(lines.join('\n'))).toEqual([])
  })

  it('keeps decryption failures visible as warnings, with the error but without sessions', () => {
    install('warn')
    console.error('Failed to decrypt message with any known session...')
    console.error('Session error:Error: Bad MAC', new Error('Bad MAC').stack)
    console.info('Closing session:', session(1)) // routine: below the logger's level, dropped
    expect(calls).toEqual([])
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(records.map((r) => r.libsignal)).toEqual(['no session could decrypt a message', 'session error'])
    expect(records.every((r) => r.level === 40)).toBe(true)
  })

  it('prints an unknown line that carries key material with the material reduced to facts', () => {
    install()
    console.log('some new libsignal message', { nested: { session: session(1) } })
    console.warn('raw ratchet', { rootKey: ROOT, counter: 3 })
    expect(calls).toHaveLength(2)
    expect(leaks(printed())).toEqual([])
    expect(calls[0]?.args).toEqual([
      'some new libsignal message',
      { nested: { session: { kind: 'signal-session', open: true, created: 1_700_000_000_000 } } },
    ])
    expect(calls[1]?.args).toEqual(['raw ratchet', { counter: 3 }])
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'a console line carried Signal key material; printed without it',
      'a console line carried Signal key material; printed without it',
    ])
  })

  it('passes every other console call through unchanged, once installed, and installs once', () => {
    expect(install()).toBe(true)
    expect(routeLibsignalConsole(pino({ level: 'silent' }))).toBe(false)
    const err = new Error('boom')
    console.log('plain', 1, { a: 1 })
    console.error(err)
    expect(calls).toEqual([
      { method: 'log', args: ['plain', 1, { a: 1 }] },
      { method: 'error', args: [err] },
    ])
    expect(lines).toEqual([])
    restoreLibsignalConsole()
    console.info('Closing session:', 'after restore')
    expect(calls.at(-1)).toEqual({ method: 'info', args: ['Closing session:', 'after restore'] })
  })
})

describe('routeLibsignalConsole with everything (JSON logs)', () => {
  it('turns every other console line into one log line, colours stripped, key material reduced', () => {
    install()
    restoreLibsignalConsole()
    expect(
      routeLibsignalConsole(
        pino(
          { level: 'debug' },
          new Writable({
            write(chunk: Buffer, _enc, done) {
              lines.push(...chunk.toString().split('\n').filter(Boolean))
              done()
            },
          }),
        ),
        { everything: true },
      ),
    ).toBe(true)
    console.log('\u001b[32m✓\u001b[39m Running next.config.ts took %d ms', 51)
    console.error('odd', { session: session(1) })
    expect(calls).toEqual([])
    const records = lines.map((l) => JSON.parse(l) as { msg: string; console?: string; level: number })
    expect(records.find((r) => r.console === 'log')).toMatchObject({ msg: '✓ Running next.config.ts took 51 ms', level: 30 })
    // the warning that key material was reduced, then the line itself at error level
    expect(records.filter((r) => r.console === 'error').map((r) => [r.level, r.msg.replace(/\s+/g, ' ')])).toEqual([
      [40, 'a console line carried Signal key material; printed without it'],
      [50, "odd { session: { kind: 'signal-session', open: true, created: 1700000000000 } }"],
    ])
    expect(leaks(lines.join('\n'))).toEqual([])
  })
})
