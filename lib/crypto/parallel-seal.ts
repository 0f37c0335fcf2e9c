import crypto from 'node:crypto'
import { Worker } from 'node:worker_threads'

/**
 * AES-256-GCM sealing of large batches shared with one worker thread, synchronously.
 *
 * Why: in Node every AES-GCM value costs ~3–5 µs of cipher set-up (createCipheriv → OpenSSL's
 * EVP fetch + key schedule + GHASH init) however short the value; a first login writes 812 pre-keys
 * in one keys.set, so sealing alone took longer than serialising and inserting them all. The
 * per-value format (own random nonce, own tag, key id beside it) is what makes single rows readable
 * and re-encryptable, so the calls cannot be merged — but they can run on the second core while the
 * main thread serialises and inserts.
 *
 * How: the caller's thread publishes each input (plaintext + AAD) into a SharedArrayBuffer as soon as
 * it has produced it; the worker claims items with an atomic counter and seals them in place; the
 * caller hands sealed items to `output` as they become ready, claims what the worker has not reached,
 * and seals anything that did not fit the buffer itself. It blocks with Atomics.wait only for items the
 * worker is sealing at that moment, so the call stays synchronous (better-sqlite3 transactions are) and
 * its result is the same as sealing every value on the caller's thread.
 *
 * If the worker cannot start, dies, or does not answer within `timeoutMs`, the caller seals the rest
 * itself and later batches stay on the caller's thread: slower, never wrong.
 */

const NONCE_BYTES = 12
const TAG_BYTES = 16

// Int32 control words at the start of a job's buffer.
const PUBLISHED = 0 // items 0..PUBLISHED-1 have their input in the buffer
const CLAIMED = 1 // next item to claim (Atomics.add by both threads)
const LIMIT = 2 // items at or past LIMIT are the caller's (they did not fit); the worker stops there
const STOP = 3 // 1: the caller gave up on this job (its input or output threw, or it timed out)
const HEADER_WORDS = 4
// Per item, Int32 words: input offset, input length, AAD offset, AAD length, output offset, state.
const FIELDS = 6
const STATE = 5
const PENDING = 0
const SEALED = 1
const FAILED = 2

/** Plain CommonJS so it runs the same under tsx, vitest or a bundle: no loader, no file to resolve. */
const WORKER_SOURCE = `
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const crypto = require('node:crypto')
const key = crypto.createSecretKey(Buffer.from(workerData.key))
workerData.key.fill(0)
const [PUBLISHED, CLAIMED, LIMIT, STOP, HEADER_WORDS, FIELDS, STATE, SEALED, FAILED] = workerData.layout
parentPort.on('message', ({ sab, n }) => {
  const ctrl = new Int32Array(sab)
  const bytes = Buffer.from(sab)
  let nonces = null
  for (;;) {
    if (Atomics.load(ctrl, STOP) !== 0) return
    const i = Atomics.add(ctrl, CLAIMED, 1)
    if (i >= n) return
    for (;;) {
      if (Atomics.load(ctrl, STOP) !== 0 || i >= Atomics.load(ctrl, LIMIT)) return
      const published = Atomics.load(ctrl, PUBLISHED)
      if (published > i) break
      Atomics.wait(ctrl, PUBLISHED, published, 50)
    }
    const m = HEADER_WORDS + i * FIELDS
    const inOff = ctrl[m], inLen = ctrl[m + 1], aadOff = ctrl[m + 2], aadLen = ctrl[m + 3], outOff = ctrl[m + 4]
    let state = SEALED
    try {
      if (nonces === null) nonces = crypto.randomBytes(12 * n)
      nonces.copy(bytes, outOff, 12 * i, 12 * i + 12)
      const cipher = crypto.createCipheriv('aes-256-gcm', key, bytes.subarray(outOff, outOff + 12))
      if (aadLen > 0) cipher.setAAD(bytes.subarray(aadOff, aadOff + aadLen))
      cipher.update(bytes.subarray(inOff, inOff + inLen)).copy(bytes, outOff + 12)
      cipher.final()
      cipher.getAuthTag().copy(bytes, outOff + 12 + inLen)
    } catch {
      state = FAILED
    }
    Atomics.store(ctrl, m + STATE, state)
    Atomics.notify(ctrl, m + STATE)
  }
})
`

export type SealInput = { plaintext: Buffer; aad?: Buffer }

export type ParallelSealerOptions = {
  /** Batches smaller than this are sealed on the caller's thread (a hand-off costs ~30–60 µs). */
  minBatch?: number
  /** How long the caller waits for one item the worker has claimed before sealing it itself. */
  timeoutMs?: number
}

export type ParallelSealer = {
  /**
   * Seals n values: input(i) is called once for each i in order, output(i, blob) once for each i in
   * any order, and the call returns when every output has been made. `sealHere` seals one value on the
   * caller's thread (the keyring's own encrypt), used for small batches and whatever the worker does
   * not take. An exception from input or output stops the batch and is rethrown.
   * Returns how many of the values the worker sealed.
   */
  sealEach(
    n: number,
    input: (i: number) => SealInput,
    output: (i: number, blob: Buffer) => void,
    sealHere: (value: SealInput) => Buffer,
  ): number
  /** Ends the worker; later batches are sealed on the caller's thread. */
  close(): Promise<void>
  /** For tests: whether a worker is running and has not failed. */
  readonly active: boolean
}

export function createParallelSealer(key: Buffer, opts: ParallelSealerOptions = {}): ParallelSealer {
  const minBatch = Math.max(2, opts.minBatch ?? 32)
  const timeoutMs = Math.max(1, opts.timeoutMs ?? 2000)
  let worker: Worker | null = null
  let broken = false

  const retire = () => {
    broken = true
    const w = worker
    worker = null
    void w?.terminate()
  }

  const start = (): Worker | null => {
    if (worker || broken) return worker
    try {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          key: new Uint8Array(key),
          layout: [PUBLISHED, CLAIMED, LIMIT, STOP, HEADER_WORDS, FIELDS, STATE, SEALED, FAILED],
        },
        // The worker only seals: keep its heap small and let it never hold the process open.
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      })
      w.unref()
      w.on('error', retire)
      w.on('exit', () => { if (worker === w) retire() })
      worker = w
    } catch {
      broken = true
    }
    return worker
  }

  const sealInline = (
    from: number, n: number,
    input: (i: number) => SealInput, output: (i: number, blob: Buffer) => void, sealHere: (v: SealInput) => Buffer,
  ) => {
    for (let i = from; i < n; i++) output(i, sealHere(input(i)))
  }

  return {
    get active() { return worker !== null && !broken },

    sealEach(n, input, output, sealHere) {
      const w = n >= minBatch ? start() : null
      if (!w) {
        sealInline(0, n, input, output, sealHere)
        return 0
      }

      // Room for n typical auth values (pre-keys ~150 B, sessions ~1.5 KB) in, out and AAD; an item
      // that does not fit is sealed on this thread instead, so the estimate bounds memory, not correctness.
      const metaBytes = 4 * (HEADER_WORDS + FIELDS * n)
      const dataBytes = Math.min(64 * 1024 * 1024, Math.max(256 * 1024, n * 1024))
      const sab = new SharedArrayBuffer(metaBytes + dataBytes)
      const ctrl = new Int32Array(sab)
      const bytes = Buffer.from(sab)
      Atomics.store(ctrl, LIMIT, n)
      w.postMessage({ sab, n })

      const values: SealInput[] = new Array<SealInput>(n)
      const emitted = new Uint8Array(n)
      let cursor = metaBytes
      let published = 0
      let drained = 0
      let byWorker = 0

      const emitFromBuffer = (i: number) => {
        const m = HEADER_WORDS + i * FIELDS
        const len = (ctrl[m + 1] ?? 0) + NONCE_BYTES + TAG_BYTES
        const out = ctrl[m + 4] ?? 0
        emitted[i] = 1
        byWorker++
        output(i, Buffer.from(bytes.subarray(out, out + len)))
      }
      const emitHere = (i: number) => {
        emitted[i] = 1
        const v = values[i]
        if (!v) throw new Error(`parallel seal: input ${i} missing`)
        output(i, sealHere(v))
      }
      /** Hands over, without waiting, every item the worker has finished at the head of the queue. */
      const drainReady = () => {
        while (drained < published) {
          const state = Atomics.load(ctrl, HEADER_WORDS + drained * FIELDS + STATE)
          if (state === PENDING && !emitted[drained]) return
          if (!emitted[drained]) {
            if (state === SEALED) emitFromBuffer(drained)
            else emitHere(drained)
          }
          drained++
        }
      }

      try {
        // 1. Produce every input; publish those that fit so the worker can start at once.
        for (let i = 0; i < n; i++) {
          const v = input(i)
          values[i] = v
          if (published !== i) continue // the buffer is full: this one and the rest are ours
          const aadLen = v.aad?.length ?? 0
          const need = v.plaintext.length * 2 + NONCE_BYTES + TAG_BYTES + aadLen
          if (cursor + need > sab.byteLength) {
            Atomics.store(ctrl, LIMIT, i)
            Atomics.notify(ctrl, PUBLISHED)
            continue
          }
          const m = HEADER_WORDS + i * FIELDS
          const outOff = cursor
          const inOff = outOff + NONCE_BYTES + v.plaintext.length + TAG_BYTES
          const aadOff = inOff + v.plaintext.length
          v.plaintext.copy(bytes, inOff)
          v.aad?.copy(bytes, aadOff)
          ctrl[m] = inOff
          ctrl[m + 1] = v.plaintext.length
          ctrl[m + 2] = aadOff
          ctrl[m + 3] = aadLen
          ctrl[m + 4] = outOff
          cursor = aadOff + aadLen
          published = i + 1
          Atomics.store(ctrl, PUBLISHED, published) // a release: the item's words and bytes are visible first
          Atomics.notify(ctrl, PUBLISHED)
          if ((i & 31) === 31) drainReady()
        }

        // 2. Help: seal on this thread whatever published item the worker has not claimed yet.
        for (;;) {
          const i = Atomics.add(ctrl, CLAIMED, 1)
          if (i >= published) break
          emitHere(i)
          drainReady()
        }

        // 3. Collect the items the worker is sealing, in order; give up on it if it stalls.
        const deadline = performance.now() + timeoutMs
        for (let i = 0; i < published; i++) {
          if (emitted[i]) continue
          const m = HEADER_WORDS + i * FIELDS + STATE
          let state = Atomics.load(ctrl, m)
          if (state === PENDING) {
            const left = deadline - performance.now()
            if (left > 0) Atomics.wait(ctrl, m, PENDING, left)
            state = Atomics.load(ctrl, m)
          }
          if (state === SEALED) emitFromBuffer(i)
          else {
            if (state === PENDING) {
              // No answer in time: stop it, finish here, and stop using it.
              Atomics.store(ctrl, STOP, 1)
              retire()
            }
            emitHere(i)
          }
        }

        // 4. Items that did not fit the buffer.
        for (let i = published; i < n; i++) emitHere(i)
        return byWorker
      } catch (e) {
        Atomics.store(ctrl, STOP, 1)
        Atomics.notify(ctrl, PUBLISHED)
        throw e
      }
    },

    async close() {
      broken = true
      const w = worker
      worker = null
      await w?.terminate()
    },
  }
}
