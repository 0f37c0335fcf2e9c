import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { extractTar, TarFormatError, TarWriter } from './tar'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-test-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function write(archive: string, build: (t: TarWriter) => void): void {
  const fd = fs.openSync(archive, 'w')
  try {
    const t = new TarWriter(fd)
    build(t)
    t.finish()
  } finally {
    fs.closeSync(fd)
  }
}

describe('the backup archive format (ustar)', () => {
  it('round-trips files and directories, long names included, and GNU tar reads it', () => {
    const src = path.join(dir, 'src.bin')
    fs.writeFileSync(src, Buffer.alloc(70_000, 7))
    const long = `media/${'a'.repeat(90)}/${'b'.repeat(90)}.jpg`
    const archive = path.join(dir, 'a.tar')
    write(archive, (t) => {
      t.addFile('gateway.db', src)
      t.addDir('media')
      t.addBytes(long, Buffer.from('x'))
    })
    const out = path.join(dir, 'out')
    fs.mkdirSync(out)
    expect(extractTar(archive, out).map((e) => e.name)).toEqual(['gateway.db', 'media', long])
    expect(fs.readFileSync(path.join(out, 'gateway.db'))).toEqual(fs.readFileSync(src))
    expect(fs.statSync(path.join(out, 'gateway.db')).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(path.join(out, long), 'utf8')).toBe('x')
    const listed = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n')
    expect(listed).toEqual(['gateway.db', 'media/', long])
  })

  it('refuses a name that would leave the target directory, and a damaged header', () => {
    const archive = path.join(dir, 'evil.tar')
    write(archive, (t) => t.addBytes('../escape', Buffer.from('x')))
    const out = path.join(dir, 'out')
    fs.mkdirSync(out)
    expect(() => extractTar(archive, out)).toThrow(TarFormatError)
    expect(fs.existsSync(path.join(dir, 'escape'))).toBe(false)

    const damaged = path.join(dir, 'damaged.tar')
    write(damaged, (t) => t.addBytes('gateway.db', Buffer.from('x')))
    const fd = fs.openSync(damaged, 'r+')
    fs.writeSync(fd, Buffer.from('Z'), 0, 1, 3)
    fs.closeSync(fd)
    expect(() => extractTar(damaged, out)).toThrow(/header checksum/)
    const good = path.join(dir, 'good.tar')
    write(good, (t) => t.addBytes('gateway.db', Buffer.alloc(2000, 1)))
    const cut = path.join(dir, 'cut.tar')
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 1200))
    expect(() => extractTar(cut, fs.mkdtempSync(path.join(dir, 'o-')))).toThrow(/cut off/)
  })
})
