import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { closeDb, openDb } from '@/lib/db/client'
import { writeNewPrivateFile } from '@/lib/fs/private-files'
import { createBackup } from './backup'
import { dataPathsFor } from './data-paths'
import { RestoreError, restoreBackup } from './restore'

let dir: string
let archive: string
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-test-'))
  const data = path.join(dir, 'data')
  const db = openDb(path.join(data, 'gateway.db'))
  db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run('shop', 'Shop')
  closeDb(db)
  writeNewPrivateFile(path.join(data, 'encryption-key'), 'k'.repeat(44) + '\n')
  fs.mkdirSync(path.join(data, 'media', 'in'), { recursive: true })
  fs.writeFileSync(path.join(data, 'media', 'in', 'photo.jpg'), 'jpeg bytes')
  archive = path.join(dir, 'backup.tar')
  await createBackup({ paths: dataPathsFor(data), out: archive, media: true, gatewayVersion: 'test', env: {} })
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('restoreBackup', () => {
  it('restores the database, the secret files and media into a new directory', () => {
    const target = path.join(dir, 'restored')
    const r = restoreBackup({ archive, dataDir: target })
    expect(r).toMatchObject({ containsEncryptionKey: true, media: true })
    expect(fs.readdirSync(target).sort()).toEqual(['encryption-key', 'gateway.db', 'media'])
    expect(fs.readFileSync(path.join(target, 'media', 'in', 'photo.jpg'), 'utf8')).toBe('jpeg bytes')
    const db = openDb(path.join(target, 'gateway.db'), { migrate: false })
    expect(db.$client.prepare('SELECT id FROM accounts').all()).toEqual([{ id: 'shop' }])
    closeDb(db)
  })

  it('refuses a damaged archive and leaves the empty target empty', () => {
    const bytes = fs.readFileSync(archive)
    // one byte inside the media file's content (its header checksum stays valid)
    const at = bytes.indexOf('jpeg bytes')
    bytes[at] = 'J'.charCodeAt(0)
    const damaged = path.join(dir, 'damaged.tar')
    fs.writeFileSync(damaged, bytes)
    const target = path.join(dir, 'empty')
    fs.mkdirSync(target, { mode: 0o700 })
    expect(() => restoreBackup({ archive: damaged, dataDir: target })).toThrow(/media\/in\/photo\.jpg does not match its checksum/)
    expect(fs.readdirSync(target)).toEqual([])
  })

  it('refuses a non-empty target and names what is in it', () => {
    const target = path.join(dir, 'data')
    expect(() => restoreBackup({ archive, dataDir: target })).toThrow(RestoreError)
    expect(() => restoreBackup({ archive, dataDir: target })).toThrow(/is not empty \(encryption-key, gateway\.db/)
  })
})
