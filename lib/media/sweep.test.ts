import fs from 'node:fs'
import path from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { insertAccount } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import { allMediaFilePaths, insertUpload, upsertMediaFile } from '@/lib/db/media'
import { logMessages } from '@/lib/db/messages'
import { acceptOutgoing } from '@/lib/db/send-queue'
import { evictMediaCache, sweepMediaDir } from './sweep'
import { logInput } from '../../tests/support/log-input'
import { tempDb } from '../../tests/support/temp-db'
import { recordAccountNews } from '@/lib/sessions/accounts'
import { recordMessageNews } from '@/lib/messages/outbox'

const log = pino({ level: 'silent' })
const HOUR = 60 * 60_000
const jid = '15550100@s.whatsapp.net'
let db: DB
let dir: string
let close: () => void

beforeEach(() => {
  let root: string
  ;({ db, dir: root, close } = tempDb())
  dir = path.join(root, 'media')
  insertAccount({ db, id: 'shop', name: 'Shop', onNews: recordAccountNews })
})
afterEach(() => close())

/** writes DATA_DIR/media/<rel> with `bytes` bytes, last modified `ageMs` ago */
function file(rel: string, bytes = 10, ageMs = 0): void {
  const abs = path.join(dir, rel)
  fs.mkdirSync(path.dirname(abs), { recursive: true })
  fs.writeFileSync(abs, Buffer.alloc(bytes))
  const t = new Date(Date.now() - ageMs)
  fs.utimesSync(abs, t, t)
}
const exists = (rel: string) => fs.existsSync(path.join(dir, rel))

/** a received image message with its cached file of `size` bytes, last used at `usedAt` */
function cached(waId: string, size: number, usedAt: number): number {
  const [id] = logMessages({
    db,
    accountId: 'shop',
    items: [logInput({ waMessageId: waId, pushName: null, type: 'image', text: null, proto: Buffer.from('p'), timestamp: usedAt })],
    onNews: recordMessageNews,
  }).created
  if (id === undefined) throw new Error('not stored')
  const rel = `cache/shop/${waId}`
  file(rel, size)
  upsertMediaFile({
    db,
    row: {
      messageId: id,
      accountId: 'shop',
      path: rel,
      mimeType: 'image/jpeg',
      size,
      sha256: 'x',
      fileName: null,
      lastUsedAt: usedAt,
      createdAt: usedAt,
    },
  })
  return id
}

describe('sweepMediaDir', () => {
  it('removes expired uploads and files no row knows once they are an hour old; keeps the rest', () => {
    const now = Date.now()
    const up = (id: string, expiresAt: number) =>
      insertUpload({
        db,
        row: { id, accountId: 'shop', mimeType: 'image/jpeg', size: 10, sha256: 'x', fileName: null, createdAt: now - HOUR, expiresAt },
      })
    up('med_expired', now - 1)
    up('med_live', now + HOUR)
    file('uploads/med_expired')
    file('uploads/med_live')
    file('uploads/med_orphan') // no row: a crash between writing and recording
    cached('K1', 10, now)
    file('out/shop/stray-old', 10, 2 * HOUR)
    file('out/shop/stray-young', 10, 60_000) // may be a send being accepted right now
    file('cache/shop/stray-old', 10, 2 * HOUR)
    file('tmp/partial-old', 10, 2 * HOUR)

    sweepMediaDir({ db, dir, now, log })

    expect(exists('uploads/med_expired')).toBe(false)
    expect(exists('uploads/med_orphan')).toBe(false)
    expect(exists('uploads/med_live')).toBe(true)
    expect(exists('cache/shop/K1')).toBe(true)
    expect(exists('out/shop/stray-old')).toBe(false)
    expect(exists('cache/shop/stray-old')).toBe(false)
    expect(exists('tmp/partial-old')).toBe(false)
    expect(exists('out/shop/stray-young')).toBe(true)
    expect(db.$client.prepare('select id from media_uploads').all()).toEqual([{ id: 'med_live' }])
  })

  it('never throws: a media folder that is not there is nothing to sweep', () => {
    expect(() => sweepMediaDir({ db, dir: path.join(dir, 'missing'), now: Date.now(), log })).not.toThrow()
  })
})

describe('evictMediaCache', () => {
  it('drops least recently used files until the total fits, never the one to keep nor media still to be sent', () => {
    const t = Date.now() - HOUR
    cached('A', 400, t)
    const kept = cached('B', 400, t + 1) // just fetched: evict(keep)
    cached('C', 400, t + 3)
    // a queued send's file: older than all, but the message still needs it
    const queued = acceptOutgoing({
      db,
      input: {
        accountId: 'shop',
        chat: { jid, pnJid: jid, lid: null },
        waMessageId: 'Q1',
        type: 'image',
        text: null,
        content: {},
        quotedWaId: null,
        request: { content: { kind: 'media' } },
      },
    }).row
    file('out/shop/Q1', 400)
    upsertMediaFile({
      db,
      row: {
        messageId: queued.id,
        accountId: 'shop',
        path: 'out/shop/Q1',
        mimeType: 'image/jpeg',
        size: 400,
        sha256: 'x',
        fileName: null,
        lastUsedAt: t - HOUR,
        createdAt: t - HOUR,
      },
    })

    evictMediaCache({ db, dir, maxBytes: 900, keep: kept, log })

    // 1,600 bytes: A goes (oldest evictable), B is kept, C goes next; 800 left
    expect([...allMediaFilePaths({ db })].sort()).toEqual(['cache/shop/B', 'out/shop/Q1'])
    expect(exists('cache/shop/A')).toBe(false)
    expect(exists('cache/shop/C')).toBe(false)
    expect(exists('cache/shop/B')).toBe(true)
    expect(exists('out/shop/Q1')).toBe(true)
  })

  it('does nothing while the total fits', () => {
    cached('A', 400, Date.now())
    evictMediaCache({ db, dir, maxBytes: 400, log })
    expect(exists('cache/shop/A')).toBe(true)
  })
})
