import fs from 'node:fs'
import path from 'node:path'

/**
 * The few parts of the POSIX ustar format a backup archive needs: regular files and directories, one
 * after the other, in 512-byte blocks, ended by two zero blocks. No tar library is among the
 * project's dependencies, and this much is small enough to keep here; the result lists and extracts
 * with any `tar` (`tar -tvf backup.tar`), so an operator can look inside without the gateway.
 * Everything is synchronous: the commands that use it do nothing else meanwhile.
 */

const BLOCK = 512
const CHUNK = 1024 * 1024
/** The octal size field holds 11 digits (< 8 GiB); larger sizes use GNU's base-256 form. */
const MAX_OCTAL_SIZE = 0o77777777777

export type TarEntry = { name: string; type: 'file' | 'dir'; mode: number; size: number; mtime: number }

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii')
}

/** ustar keeps names up to 100 bytes, or 255 split at a `/` into a 155-byte prefix and a 100-byte name. */
function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name }
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i)
    const rest = name.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100) return { prefix, name: rest }
  }
  throw new Error(`path too long for the archive: ${name}`)
}

function header(entry: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK)
  const { prefix, name } = splitName(entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name)
  h.write(name, 0, 100, 'utf8')
  writeOctal(h, 100, 8, entry.mode & 0o7777)
  writeOctal(h, 108, 8, 0)
  writeOctal(h, 116, 8, 0)
  if (entry.size <= MAX_OCTAL_SIZE) writeOctal(h, 124, 12, entry.size)
  else {
    h[124] = 0x80
    h.writeBigUInt64BE(BigInt(entry.size), 128)
  }
  writeOctal(h, 136, 12, Math.floor(entry.mtime / 1000))
  h.write(entry.type === 'dir' ? '5' : '0', 156, 1, 'ascii')
  h.write('ustar\0', 257, 6, 'ascii')
  h.write('00', 263, 2, 'ascii')
  h.write(prefix, 345, 155, 'utf8')
  // The checksum is the byte sum of the header with its own field taken as eight spaces.
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii')
  return h
}

/** Writes an archive to an open file descriptor, entry by entry. */
export class TarWriter {
  constructor(private readonly fd: number) {}

  addDir(name: string, mode = 0o700, mtime = Date.now()): void {
    fs.writeSync(this.fd, header({ name, type: 'dir', mode, size: 0, mtime }))
  }

  /** Copies `source` into the archive as `name`; returns the bytes written (the file as it was read). */
  addFile(name: string, source: string, mode = 0o600, onChunk?: (chunk: Buffer) => void): number {
    const src = fs.openSync(source, 'r')
    try {
      // The size goes into the header first, so it is taken from the open file; a file that changes
      // while it is copied is cut or padded to that size (backups stage the database first).
      const st = fs.fstatSync(src)
      fs.writeSync(this.fd, header({ name, type: 'file', mode, size: st.size, mtime: st.mtimeMs }))
      const buf = Buffer.alloc(CHUNK)
      let left = st.size
      while (left > 0) {
        const n = fs.readSync(src, buf, 0, Math.min(CHUNK, left), null)
        const chunk = n === 0 ? Buffer.alloc(Math.min(CHUNK, left)) : buf.subarray(0, n)
        onChunk?.(chunk)
        fs.writeSync(this.fd, chunk)
        left -= chunk.length
      }
      this.pad(st.size)
      return st.size
    } finally {
      fs.closeSync(src)
    }
  }

  addBytes(name: string, data: Buffer, mode = 0o600): void {
    fs.writeSync(this.fd, header({ name, type: 'file', mode, size: data.length, mtime: Date.now() }))
    fs.writeSync(this.fd, data)
    this.pad(data.length)
  }

  /** The two zero blocks that end an archive. */
  finish(): void {
    fs.writeSync(this.fd, Buffer.alloc(BLOCK * 2))
  }

  private pad(size: number): void {
    const rest = size % BLOCK
    if (rest) fs.writeSync(this.fd, Buffer.alloc(BLOCK - rest))
  }
}

const field = (h: Buffer, offset: number, length: number) => {
  const raw = h.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? length : end).toString('utf8')
}

function readNumber(h: Buffer, offset: number, length: number): number {
  if ((h[offset] ?? 0) & 0x80) return Number(h.readBigUInt64BE(offset + length - 8))
  const text = field(h, offset, length).trim()
  return text ? parseInt(text, 8) : 0
}

export class TarFormatError extends Error {}

/** A name that stays inside the directory it is extracted into: relative, no `..`, no empty parts. */
export function safeEntryName(name: string): string {
  const clean = name.replace(/\/+$/, '')
  const parts = clean.split('/')
  if (!clean || path.isAbsolute(clean) || parts.some((p) => p === '' || p === '.' || p === '..') || clean.includes('\0')) {
    throw new TarFormatError(`unsafe path in archive: ${JSON.stringify(name)}`)
  }
  return clean
}

/**
 * Extracts every entry of `archive` under `dir` (which must exist), files with mode 0600 and
 * directories 0700 whatever the archive says. Refuses anything but plain files and directories, a
 * path that would leave `dir`, a bad header checksum and a cut-off archive.
 */
export function extractTar(archive: string, dir: string, onFile?: (name: string, chunk: Buffer) => void): TarEntry[] {
  const fd = fs.openSync(archive, 'r')
  const entries: TarEntry[] = []
  try {
    const h = Buffer.alloc(BLOCK)
    let pos = 0
    const readBlock = () => {
      const n = fs.readSync(fd, h, 0, BLOCK, pos)
      if (n !== BLOCK) throw new TarFormatError('the archive is cut off (incomplete copy?)')
      pos += BLOCK
    }
    for (;;) {
      readBlock()
      if (h.every((b) => b === 0)) return entries
      const stored = readNumber(h, 148, 8)
      h.fill(0x20, 148, 156)
      let sum = 0
      for (const b of h) sum += b
      if (sum !== stored) throw new TarFormatError(`not a tar archive, or damaged (header checksum at byte ${pos - BLOCK})`)
      const prefix = field(h, 345, 155)
      const rawName = prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100)
      const type = String.fromCharCode(h[156] ?? 0)
      const size = readNumber(h, 124, 12)
      const mtime = readNumber(h, 136, 12) * 1000
      const name = safeEntryName(rawName)
      const target = path.join(dir, name)
      if (type === '5') {
        fs.mkdirSync(target, { recursive: true, mode: 0o700 })
        entries.push({ name, type: 'dir', mode: 0o700, size: 0, mtime })
        continue
      }
      if (type !== '0' && type !== '\0') throw new TarFormatError(`unsupported entry type ${JSON.stringify(type)} for ${name}`)
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 })
      const out = fs.openSync(target, 'wx', 0o600)
      try {
        const buf = Buffer.alloc(CHUNK)
        let left = size
        while (left > 0) {
          const n = fs.readSync(fd, buf, 0, Math.min(CHUNK, left), pos)
          if (n === 0) throw new TarFormatError(`the archive is cut off inside ${name}`)
          onFile?.(name, buf.subarray(0, n))
          fs.writeSync(out, buf, 0, n)
          pos += n
          left -= n
        }
      } finally {
        fs.closeSync(out)
      }
      pos += (BLOCK - (size % BLOCK)) % BLOCK
      entries.push({ name, type: 'file', mode: 0o600, size, mtime })
    }
  } finally {
    fs.closeSync(fd)
  }
}
