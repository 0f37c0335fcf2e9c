import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileTypeFromBuffer } from 'file-type'
import { AppError, isAppError } from '@/lib/errors'

/** file-type reads at most this many bytes of a file's head. */
const HEAD_BYTES = 4100

export type WrittenFile = { size: number; sha256: string; sniffed: string | null }

/**
 * Streams `source` to `file` (never holding more than a chunk in memory), hashing as it goes. Once
 * the head is read the real type is sniffed and `capFor` names the byte cap for that type; past the
 * cap (or `timeoutMs`) the stream is cut and the partial file removed. Nothing is left behind on any
 * failure.
 */
export async function writeStreamToFile(
  source: Readable,
  file: string,
  opts: { capFor: (sniffed: string | null) => number; timeoutMs?: number; tooLarge?: (cap: number) => AppError },
): Promise<WrittenFile> {
  const hash = crypto.createHash('sha256')
  let size = 0
  let head: Buffer[] | null = []
  let headSize = 0
  let sniffed: string | null = null
  let cap = Number.POSITIVE_INFINITY
  const tooLarge = opts.tooLarge ?? ((c: number) => new AppError('payload_too_large', `The file is larger than ${c} bytes.`))
  const decide = async () => {
    const buf = Buffer.concat(head ?? [])
    head = null
    sniffed = (await fileTypeFromBuffer(buf))?.mime ?? null
    cap = opts.capFor(sniffed)
  }
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length
      hash.update(chunk)
      const go = () => (size > cap ? done(tooLarge(cap)) : done(null, chunk))
      if (head) {
        head.push(chunk)
        headSize += chunk.length
        if (headSize >= HEAD_BYTES) {
          decide().then(go, done)
          return
        }
        // hold the small head back until its type (and so its cap) is known
        done(null, chunk)
        return
      }
      go()
    },
    flush(done) {
      if (head) decide().then(() => (size > cap ? done(tooLarge(cap)) : done()), done)
      else done()
    },
  })
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const signal = opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined
  try {
    await pipeline(source, meter, fs.createWriteStream(file, { mode: 0o600 }), signal ? { signal } : {})
  } catch (err) {
    source.destroy()
    fs.rmSync(file, { force: true })
    if (signal?.aborted && !isAppError(err)) {
      throw new AppError('upstream_timeout', `The file did not arrive within ${opts.timeoutMs} ms.`)
    }
    throw err
  }
  return { size, sha256: hash.digest('hex'), sniffed }
}

/** The type of a file's bytes by their signature (file-type), null when none is known. */
export async function sniffFile(file: string): Promise<string | null> {
  const fh = await fs.promises.open(file, 'r')
  try {
    const head = Buffer.alloc(HEAD_BYTES)
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0)
    return (await fileTypeFromBuffer(head.subarray(0, bytesRead)))?.mime ?? null
  } finally {
    await fh.close()
  }
}

/** Hard-links a file (same disk, no copy); copies when links are not possible. */
export function linkOrCopy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true })
  try {
    fs.linkSync(from, to)
  } catch {
    fs.copyFileSync(from, to)
  }
}
