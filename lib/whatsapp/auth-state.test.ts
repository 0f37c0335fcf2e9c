import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BufferJSON, Curve, initAuthCreds, proto, type SignalDataSet } from '@whiskeysockets/baileys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createKeyring, createPlaintextKeyringForBenchmark, type Keyring } from '@/lib/crypto/aead'
import { closeDb, openDb, type DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import { createLogger } from '@/lib/logger'
import { serializeAuthValue } from '@/lib/whatsapp/auth-json'
import { PACK_MAX, PACK_MIN, packAad, useSqliteAuthState } from '@/lib/whatsapp/auth-state'
import { decodePack } from '@/lib/whatsapp/key-pack'

const logger = createLogger({ level: 'silent' })
const keyA = crypto.randomBytes(32)

let dir: string
let dbFile: string
let db: DB

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-state-test-'))
  dbFile = path.join(dir, 'gateway.db')
  db = openDb(dbFile)
  for (const id of ['acc-1', 'acc-2']) db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run(id, id)
})
afterEach(() => {
  closeDb(db)
  fs.rmSync(dir, { recursive: true, force: true })
})

const open = (accountId = 'acc-1', keyring: Keyring = createKeyring({ current: keyA }), onCorrupt?: (e: AppError) => void) =>
  useSqliteAuthState({ db, accountId, keyring, logger, onCorrupt })

/** libsignal stores SessionRecord.serialize() (a plain object) in the Uint8Array-typed session slot. */
const session = (marker: string) => ({ _sessions: { base: { registrationId: 7, note: marker } }, version: 'v1' }) as unknown as Uint8Array
const count = (sql: string, ...args: string[]) => (db.$client.prepare(sql).get(...args) as { n: number }).n
type KeyPair = ReturnType<typeof Curve.generateKeyPair>
const preKeys = (from: number, to: number) => {
  const out: Record<string, KeyPair> = {}
  for (let i = from; i <= to; i++) out[String(i)] = Curve.generateKeyPair()
  return out
}
const packRow = (accountId: string, packId: number) =>
  db.$client.prepare('SELECT key_id, value FROM wa_key_packs WHERE account_id = ? AND pack_id = ?').get(accountId, packId) as {
    key_id: string
    value: Buffer
  }
/** The pack as stored, opened with the test key: what a disk reader holding ENCRYPTION_KEY would find. */
const openPackRow = (accountId: string, packId: number) => {
  const row = packRow(accountId, packId)
  return decodePack(createKeyring({ current: keyA }).decrypt(row.key_id, row.value, packAad(accountId, packId)))
}

async function expectCorrupt(p: unknown): Promise<AppError> {
  try {
    await (typeof p === 'function' ? (p as () => unknown)() : p)
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    expect((e as AppError).code).toBe('auth_state_corrupt')
    return e as AppError
  }
  throw new Error('expected auth_state_corrupt')
}

describe('creds', () => {
  it('generates a new identity only when the account has no creds row, and persists it at once', () => {
    const first = open()
    expect(count('SELECT count(*) AS n FROM wa_creds WHERE account_id = ?', 'acc-1')).toBe(1)
    const stored = db.$client.prepare('SELECT value FROM wa_creds WHERE account_id = ?').get('acc-1')
    const second = open()
    expect(second.state.creds.noiseKey.private).toEqual(first.state.creds.noiseKey.private)
    expect(second.state.creds.registrationId).toBe(first.state.creds.registrationId)
    expect(db.$client.prepare('SELECT value FROM wa_creds WHERE account_id = ?').get('acc-1')).toEqual(stored)
  })

  it('round-trips saved creds, Buffers included', async () => {
    const auth = open()
    auth.state.creds.me = { id: '4915100000000:1@s.whatsapp.net', name: 'Bench' }
    auth.state.creds.registered = true
    await auth.saveCreds()
    const again = open().state.creds
    expect(again.me).toEqual({ id: '4915100000000:1@s.whatsapp.net', name: 'Bench' })
    expect(again.registered).toBe(true)
    expect(Buffer.isBuffer(again.signedIdentityKey.private)).toBe(true)
    expect(again.signedIdentityKey.private).toEqual(auth.state.creds.signedIdentityKey.private)
  })

  it('throws auth_state_corrupt on a tampered creds row instead of creating a fresh identity', async () => {
    open()
    const row = db.$client.prepare('SELECT value FROM wa_creds WHERE account_id = ?').get('acc-1') as { value: Buffer }
    row.value[30] = (row.value[30] ?? 0) ^ 0xff
    db.$client.prepare('UPDATE wa_creds SET value = ? WHERE account_id = ?').run(row.value, 'acc-1')
    const err = await expectCorrupt(() => open())
    expect(err.details).toMatchObject({ accountId: 'acc-1', reason: 'auth_failed' })
    const after = db.$client.prepare('SELECT value FROM wa_creds WHERE account_id = ?').get('acc-1') as { value: Buffer }
    expect(after.value.equals(row.value)).toBe(true)
  })

  it('throws auth_state_corrupt when opened with the wrong key', async () => {
    open()
    const err = await expectCorrupt(() => open('acc-1', createKeyring({ current: crypto.randomBytes(32) })))
    expect(err.details).toMatchObject({ reason: 'unknown_key' })
  })

  it('refuses a creds row copied from another account', async () => {
    open('acc-1')
    open('acc-2')
    db.$client
      .prepare('UPDATE wa_creds SET value = (SELECT value FROM wa_creds WHERE account_id = ?) WHERE account_id = ?')
      .run('acc-1', 'acc-2')
    await expectCorrupt(() => open('acc-2'))
  })
})

describe('keys', () => {
  it('round-trips keys of several types, reviving Buffers and app-state-sync-key protos', async () => {
    const pair = Curve.generateKeyPair()
    const appKey = { keyData: crypto.randomBytes(32), timestamp: 1234, fingerprint: { rawId: 5, currentIndex: 1, deviceIndexes: [0, 1] } }
    await open().state.keys.set({
      'pre-key': { '1': pair },
      session: { '4915100000000.0': session('hello') },
      'app-state-sync-key': { AAAAAQ: appKey },
      'sender-key-memory': { 'group@g.us': { '4915100000000:1@s.whatsapp.net': true } },
    })
    const keys = open().state.keys // cold cache: everything comes from disk
    const got = await keys.get('pre-key', ['1', '2'])
    expect(Object.keys(got)).toEqual(['1'])
    expect(Buffer.isBuffer(got['1']?.private)).toBe(true)
    expect(got['1']?.private).toEqual(pair.private)
    expect(await keys.get('session', ['4915100000000.0'])).toEqual({ '4915100000000.0': session('hello') })
    const app = (await keys.get('app-state-sync-key', ['AAAAAQ'])).AAAAAQ
    expect(app).toBeInstanceOf(proto.Message.AppStateSyncKeyData)
    expect(Buffer.from(app?.keyData ?? [])).toEqual(appKey.keyData)
    expect(await keys.get('sender-key-memory', ['group@g.us'])).toEqual({ 'group@g.us': { '4915100000000:1@s.whatsapp.net': true } })
  })

  it('deletes a row when set to null or undefined, in memory and on disk', async () => {
    const { keys } = open().state
    await keys.set({ session: { a: session('a'), b: session('b') } })
    await keys.set({ session: { a: null, b: undefined } as unknown as SignalDataSet['session'] })
    expect(await keys.get('session', ['a', 'b'])).toEqual({})
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ?', 'acc-1')).toBe(0)
    expect(await open().state.keys.get('session', ['a', 'b'])).toEqual({})
  })

  it('makes a whole set() roll back when one write in it fails', async () => {
    const { keys } = open().state
    await keys.set({ session: { a: session('old-a') } })
    db.$client.exec(`CREATE TRIGGER fail_boom BEFORE INSERT ON wa_keys WHEN NEW.id = 'boom'
      BEGIN SELECT RAISE(ABORT, 'boom'); END`)
    await expect(
      keys.set({
        session: { a: session('new-a'), c: session('new-c') },
        'pre-key': { boom: Curve.generateKeyPair() },
      }),
    ).rejects.toThrow(/boom/)
    expect(await keys.get('session', ['a', 'c'])).toEqual({ a: session('old-a') })
    expect(await open().state.keys.get('session', ['a', 'c'])).toEqual({ a: session('old-a') })
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ?', 'acc-1')).toBe(1)
  })

  it('writes a first-login batch of 812 pre-keys in one transaction, sealed in packs, every key readable on its own', async () => {
    const prekeys = preKeys(1, 812)
    const { keys } = open().state
    await keys.set({ 'pre-key': prekeys })
    expect(count(`SELECT count(*) AS n FROM wa_keys WHERE account_id = ? AND type = 'pre-key' AND pack_id IS NOT NULL`, 'acc-1')).toBe(812)
    expect(count(`SELECT count(*) AS n FROM wa_keys WHERE account_id = ? AND value IS NOT NULL`, 'acc-1')).toBe(0)
    expect(count('SELECT count(*) AS n FROM wa_key_packs WHERE account_id = ?', 'acc-1')).toBe(Math.ceil(812 / PACK_MAX))
    const nonces = db.$client.prepare('SELECT substr(value, 1, 12) AS nonce FROM wa_key_packs').all() as { nonce: Buffer }[]
    expect(new Set(nonces.map((r) => r.nonce.toString('hex'))).size).toBe(nonces.length)

    // As Baileys does right after writing them: read them all back (cold store: from disk), then one by one.
    const cold = open().state.keys
    const all = await cold.get('pre-key', Object.keys(prekeys))
    for (const [id, pair] of Object.entries(prekeys)) expect(all[id]?.private).toEqual(pair.private)
    const one = await open().state.keys.get('pre-key', ['700', '9999'])
    expect(Object.keys(one)).toEqual(['700'])
    expect(one['700']?.public).toEqual(prekeys['700']?.public)

    // A failing row at the end of a big batch rolls all of it back, packs included.
    db.$client.exec(`CREATE TRIGGER fail_last BEFORE INSERT ON wa_keys WHEN NEW.id = '2000'
      BEGIN SELECT RAISE(ABORT, 'last row refused'); END`)
    await expect(keys.set({ 'pre-key': preKeys(1001, 2000) })).rejects.toThrow(/last row refused/)
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ?', 'acc-1')).toBe(812)
    expect(count('SELECT count(*) AS n FROM wa_key_packs WHERE account_id = ?', 'acc-1')).toBe(Math.ceil(812 / PACK_MAX))
  })

  it('seals a top-up of fewer than PACK_MIN pre-keys row by row', async () => {
    await open().state.keys.set({ 'pre-key': preKeys(900, 900 + PACK_MIN - 2) })
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ? AND value IS NOT NULL', 'acc-1')).toBe(PACK_MIN - 1)
    expect(count('SELECT count(*) AS n FROM wa_key_packs')).toBe(0)
  })

  it('re-seals a pack without a pre-key that is deleted, and deletes the pack with its last key', async () => {
    const prekeys = preKeys(1, 20)
    const { keys } = open().state
    await keys.set({ 'pre-key': prekeys })
    const before = packRow('acc-1', 1)
    await keys.set({ 'pre-key': { '3': null } })
    expect(await keys.get('pre-key', ['3'])).toEqual({})
    expect(await open().state.keys.get('pre-key', ['3'])).toEqual({})
    const after = packRow('acc-1', 1)
    expect(after.value.subarray(0, 12)).not.toEqual(before.value.subarray(0, 12)) // sealed anew, fresh nonce
    const pack = openPackRow('acc-1', 1)
    expect(pack.size).toBe(19)
    expect(pack.get('pre-key', '3')).toBeUndefined()
    expect(pack.get('pre-key', '4')).toBeDefined()
    expect((await open().state.keys.get('pre-key', ['4']))['4']?.private).toEqual(prekeys['4']?.private)

    const rest: Record<string, null> = {}
    for (const id of Object.keys(prekeys)) if (id !== '3') rest[id] = null
    await keys.set({ 'pre-key': rest })
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ?', 'acc-1')).toBe(0)
    expect(count('SELECT count(*) AS n FROM wa_key_packs WHERE account_id = ?', 'acc-1')).toBe(0)
  })

  it('moves an overwritten pre-key out of its pack, by a single write or by a new batch', async () => {
    const { keys } = open().state
    await keys.set({ 'pre-key': preKeys(1, 20) })
    const replacement = Curve.generateKeyPair()
    await keys.set({ 'pre-key': { '5': replacement } })
    expect(openPackRow('acc-1', 1).size).toBe(19)
    expect(count(`SELECT count(*) AS n FROM wa_keys WHERE id = '5' AND pack_id IS NULL AND value IS NOT NULL`)).toBe(1)
    expect((await open().state.keys.get('pre-key', ['5']))['5']?.private).toEqual(replacement.private)

    // A new batch over ids 11–30: pack 1 keeps 1–10 (without 5), pack 2 holds 11–30.
    const batch = preKeys(11, 30)
    await keys.set({ 'pre-key': batch })
    expect(openPackRow('acc-1', 1).size).toBe(9)
    expect(openPackRow('acc-1', 2).size).toBe(20)
    const got = await open().state.keys.get('pre-key', ['1', '5', '11', '30'])
    expect(got['11']?.private).toEqual(batch['11']?.private)
    expect(got['5']?.private).toEqual(replacement.private)
    expect(Object.keys(got)).toHaveLength(4)
    // …and one over 1–10 and 5 again empties pack 1 and replaces the row-sealed 5.
    await keys.set({ 'pre-key': preKeys(1, 20) })
    expect(count('SELECT count(*) AS n FROM wa_key_packs WHERE account_id = ? AND pack_id = 1', 'acc-1')).toBe(0)
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ? AND value IS NOT NULL', 'acc-1')).toBe(0)
    expect(openPackRow('acc-1', 2).size).toBe(10)
    expect(openPackRow('acc-1', 3).size).toBe(20)
  })

  it('fails with auth_state_corrupt on a tampered pack, a row pointing at another pack, or a pack moved between accounts', async () => {
    await open().state.keys.set({ 'pre-key': { ...preKeys(1, 20) } })
    await open().state.keys.set({ 'pre-key': { ...preKeys(21, 40) } })
    const reported: AppError[] = []
    const keys = () => open('acc-1', undefined, (e) => reported.push(e)).state.keys

    db.$client.prepare(`UPDATE wa_keys SET pack_id = 2 WHERE account_id = 'acc-1' AND id = '1'`).run()
    const moved = await expectCorrupt(keys().get('pre-key', ['1']))
    expect(moved.details).toMatchObject({ accountId: 'acc-1', table: 'wa_key_packs', type: 'pre-key', id: '1', packId: '2' })

    const one = packRow('acc-1', 1)
    const two = packRow('acc-1', 2)
    db.$client.prepare(`UPDATE wa_key_packs SET value = ? WHERE account_id = 'acc-1' AND pack_id = 1`).run(two.value)
    const swapped = await expectCorrupt(keys().get('pre-key', ['2']))
    expect(swapped.details).toMatchObject({ reason: 'auth_failed', packId: '1' })
    // Deleting a key from a pack that cannot be opened fails the write and changes nothing.
    await expectCorrupt(keys().set({ 'pre-key': { '2': null } }))
    expect(count(`SELECT count(*) AS n FROM wa_keys WHERE id = '2'`)).toBe(1)

    const tampered = Buffer.from(one.value)
    tampered[40] = (tampered[40] ?? 0) ^ 1
    db.$client.prepare(`UPDATE wa_key_packs SET value = ? WHERE account_id = 'acc-1' AND pack_id = 1`).run(tampered)
    expect((await expectCorrupt(keys().get('pre-key', ['2']))).details).toMatchObject({ reason: 'auth_failed' })

    db.$client.prepare(`INSERT INTO wa_key_packs (account_id, pack_id, key_id, value) VALUES ('acc-2', 1, ?, ?)`).run(two.key_id, two.value)
    db.$client.prepare(`INSERT INTO wa_keys (account_id, type, id, pack_id) VALUES ('acc-2', 'pre-key', '21', 1)`).run()
    await expectCorrupt(open('acc-2').state.keys.get('pre-key', ['21']))
    expect(reported.length).toBe(4)
  })

  it('serves its own writes back immediately (write-through cache)', async () => {
    const { keys } = open().state
    for (let i = 0; i < 5; i++) {
      await keys.set({ session: { x: session(`v${i}`) } })
      expect(await keys.get('session', ['x'])).toEqual({ x: session(`v${i}`) })
    }
  })

  it('keeps values encrypted on disk (database and WAL bytes never contain the plaintext)', async () => {
    const marker = `marker-${crypto.randomBytes(8).toString('hex')}`
    const inFiles = () => [dbFile, `${dbFile}-wal`].filter(fs.existsSync).some((f) => fs.readFileSync(f).includes(marker))
    await open('acc-1').state.keys.set({ session: { s: session(marker) } })
    db.$client.pragma('wal_checkpoint(TRUNCATE)')
    expect(inFiles()).toBe(false)
    // Control: the same write without encryption is found by the same search.
    await open('acc-2', createPlaintextKeyringForBenchmark()).state.keys.set({ session: { s: session(marker) } })
    db.$client.pragma('wal_checkpoint(TRUNCATE)')
    expect(inFiles()).toBe(true)
  })

  it('fails keys.get with auth_state_corrupt on a tampered or swapped key row, and reports it', async () => {
    await open().state.keys.set({ session: { a: session('a'), b: session('b') } })
    const reported: AppError[] = []
    const keys = open('acc-1', undefined, (e) => reported.push(e)).state.keys
    db.$client.prepare(`UPDATE wa_keys SET value = (SELECT value FROM wa_keys WHERE id = 'b') WHERE id = 'a'`).run()
    const err = await expectCorrupt(keys.get('session', ['a']))
    expect(err.details).toMatchObject({ accountId: 'acc-1', type: 'session', id: 'a', reason: 'auth_failed' })
    expect(reported).toHaveLength(1)
    db.$client.prepare(`UPDATE wa_keys SET value = x'00' WHERE id = 'b'`).run()
    await expectCorrupt(keys.get('session', ['b']))
  })
})

describe('serializeAuthValue', () => {
  it('produces exactly what JSON.stringify with BufferJSON.replacer produces', () => {
    const values: unknown[] = [
      session('plain strings and numbers'),
      Curve.generateKeyPair(),
      { public: Buffer.from('pub'), private: Buffer.from('priv') }, // key order as given, not as usual
      { private: Buffer.from('a'), public: Buffer.from('b'), extra: 1 },
      { private: new Uint8Array(new ArrayBuffer(40), 8, 32).fill(7), public: Buffer.from('0123456789abcdef').subarray(4, 12) },
      { private: 'not binary', public: Buffer.from('b') },
      initAuthCreds(),
      { nested: [{ deep: new Uint8Array([1, 2, 3]) }, 'x'], n: null, u: undefined },
      proto.Message.AppStateSyncKeyData.fromObject({ keyData: crypto.randomBytes(8), timestamp: 5 }),
      { type: 'Buffer', data: 'aGk=' },
      { at: new Date(0) },
      ['a', 1, true, null, undefined, Buffer.from('top')],
      Buffer.from('a top-level buffer'),
      { slice: Buffer.from('0123456789').subarray(3, 7), list: [new Uint8Array(0)] },
      {
        when: new (class Stamp {
          at = 1
        })(),
      },
      Object.assign(Object.create(null) as object, { k: Buffer.from([9]) }),
    ]
    for (const v of values) expect(serializeAuthValue(v).toString('utf8')).toBe(JSON.stringify(v, BufferJSON.replacer))
  })
})

describe('clear()', () => {
  it('deletes this account’s creds and keys only, and ignores later writes', async () => {
    const one = open('acc-1')
    const two = open('acc-2')
    await one.state.keys.set({ session: { a: session('a') } })
    await two.state.keys.set({ session: { a: session('a') } })
    one.clear()
    expect(count('SELECT count(*) AS n FROM wa_creds WHERE account_id = ?', 'acc-1')).toBe(0)
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ?', 'acc-1')).toBe(0)
    expect(await one.state.keys.get('session', ['a'])).toEqual({})
    await one.state.keys.set({ session: { a: session('late') } })
    await one.saveCreds()
    expect(count('SELECT count(*) AS n FROM wa_creds WHERE account_id = ?', 'acc-1')).toBe(0)
    expect(count('SELECT count(*) AS n FROM wa_keys WHERE account_id = ?', 'acc-1')).toBe(0)
    expect(await open('acc-2').state.keys.get('session', ['a'])).toEqual({ a: session('a') })
    expect(count('SELECT count(*) AS n FROM wa_creds WHERE account_id = ?', 'acc-2')).toBe(1)
  })
})
