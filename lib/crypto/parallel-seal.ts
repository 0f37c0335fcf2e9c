import crypto from 'node:crypto'
import { Worker } from 'node:worker_threads'

/**
 * AES-256-GCM sealing of large batches on a worker thread, while the caller produces the inputs and
 * consumes the outputs — synchronously, so it fits inside a better-sqlite3 transaction.
 *
 * Why: in Node every AES-GCM value costs ~3–5 µs of cipher set-up (createCipheriv → OpenSSL's
 * EVP fetch + key schedule + GHASH init) however short the value; a first login writes 812 pre-keys
 * in one keys.set, so sealing alone took about as long as serialising and inserting them all. The
 * per-value format (own random nonce, own tag, key id beside it) is what makes single rows readable
 * and re-encryptable, so the calls cannot be merged — but they can run on the second core while the
 * caller serialises and inserts.
 *
 * How: the caller publishes each input (plaintext + AAD) into a SharedArrayBuffer as soon as it has
 * produced it; the worker claims items in order and seals them in place; the caller hands sealed
 * items to `output` as they become ready. Once every input is published the caller has nothing left
 * to produce, so it claims items from the end and seals those itself (each item's state word is
 * claimed with a compare-and-swap, so an item is sealed exactly once) until the two meet, and only
 * then blocks with Atomics.wait for the worker's last item. Items that do not fit the buffer are
 * sealed by the caller at the end. The buffer is kept for the next batch once the worker has marked
 * it done: a fresh ~1 MB SharedArrayBuffer per first login cost page faults and zeroing.
 *
 * If the worker is not running yet (it starts on the first large batch), dies, or does not answer
 * within `timeoutMs`, the caller seals the rest itself and, after a failure, stops using the worker:
 * slower, never wrong. The result is always exactly what sealing each value on the caller's thread
 * would give.
 */

const NONCE_BYTES = 12
const TAG_BYTES = 16

// Int32 control words at the start of a job's buffer.
const PUBLISHED = 0 // items 0..PUBLISHED-1 have their input in the buffer
const LIMIT = 1 // items at or past LIMIT are the caller's (they did not fit); the worker stops there
const STOP = 2 // 1: the caller gave up on this job (its input or output threw, or it timed out)
const DONE = 3 // 1: the worker has left this job for good, so the buffer may be reused
const HEADER_WORDS = 4
// Per item, Int32 words: input offset, input length, AAD offset, AAD length, output offset, state.
const FIELDS = 6
const STATE = 5
const PENDING = 0 // published, nobody has claimed it
const SEALED = 1 // sealed by the worker, output in the buffer
const FAILED = 2 // the worker could not seal it
const WORKING = 3 // claimed by the worker
const TAKEN = 4 // claimed by the caller, which seals it itself
/** The worker is done with an item: sealed, or failed (the caller then seals it). */
const isFinished = (state: number) => state === SEALED || state === FAILED
/** Index of item i's state word. */
const stateWord = (i: number) => HEADER_WORDS + i * FIELDS + STATE
/** Inputs are handed over this many at a time: waking a waiting worker costs more than sealing one. */
const PUBLISH_GROUP = 16
/** How long the worker polls for the next group before it sleeps. */
const SPIN_MS = 0.5

/** Plain CommonJS so it runs the same under tsx, vitest or a bundle: no loader, no file to resolve. */
const WORKER_SOURCE = `
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const crypto = require('node:crypto')
const key = crypto.createSecretKey(Buffer.from(workerData.key))
workerData.key.fill(0)
const [PUBLISHED, LIMIT, STOP, DONE, HEADER_WORDS, FIELDS, STATE, PENDING, SEALED, FAILED, WORKING, SPIN_MS] = workerData.layout
parentPort.on('message', ({ sab, n }) => {
  const ctrl = new Int32Array(sab)
  try {
    seal(ctrl, Buffer.from(sab), n)
  } finally {
    Atomics.store(ctrl, DONE, 1)
  }
})
function seal(ctrl, bytes, n) {
  const nonces = crypto.randomBytes(12 * n)
  for (let i = 0; i < n; i++) {
    // Spin a little before sleeping: the next group is usually tens of µs away, and waking a
    // sleeping thread costs about as much (more in a VM).
    let spunUntil = 0
    for (;;) {
      if (Atomics.load(ctrl, STOP) !== 0 || i >= Atomics.load(ctrl, LIMIT)) return
      const published = Atomics.load(ctrl, PUBLISHED)
      if (published > i) break
      const now = performance.now()
      if (spunUntil === 0) spunUntil = now + SPIN_MS
      if (now < spunUntil) continue
      Atomics.wait(ctrl, PUBLISHED, published, 50)
    }
    const m = HEADER_WORDS + i * FIELDS
    // The caller claims items from the end once it has nothing else to do; where the two meet, the
    // rest is the caller's.
    if (Atomics.compareExchange(ctrl, m + STATE, PENDING, WORKING) !== PENDING) return
    const inOff = ctrl[m], inLen = ctrl[m + 1], aadOff = ctrl[m + 2], aadLen = ctrl[m + 3], outOff = ctrl[m + 4]
    let state = SEALED
    try {
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
}
`

export type SealInput = { plaintext: Buffer; aad?: Buffer }

export type ParallelSealerOptions = {
  /** Batches smaller than this are sealed on the caller's thread (a hand-off costs ~30–60 µs). */
  minBatch?: number
  /** How long the caller waits, in all, for the worker's last items before sealing them itself. */
  timeoutMs?: number
}

export type ParallelSealer = {
  /**
   * Seals n values: input(i) is called once for each i in order, output(i, blob) once for each i
   * (in order, except that items too large for the shared buffer come last), and the call returns
   * when every output has been made. `sealHere` seals one value on the caller's thread (the keyring's
   * own encrypt). An exception from input or output stops the batch and is rethrown.
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
}

/** Largest buffer kept between batches (812 pre-keys need ~0.8 MB). */
const MAX_SPARE_BYTES = 4 * 1024 * 1024

/** The spare buffer, cleared for a new job of `bytes`, if it is big enough and the worker is done with it. */
function reuse(sab: SharedArrayBuffer | null, bytes: number, metaBytes: number): SharedArrayBuffer | null {
  if (!sab || sab.byteLength < bytes) return null
  const ctrl = new Int32Array(sab)
  if (Atomics.load(ctrl, DONE) !== 1) return null
  // Only the header and the item words need clearing: every data byte is written before it is read.
  ctrl.fill(0, 0, metaBytes / 4)
  return sab
}

export function createParallelSealer(key: Buffer, opts: ParallelSealerOptions = {}): ParallelSealer {
  const minBatch = Math.max(2, opts.minBatch ?? 32)
  const timeoutMs = Math.max(1, opts.timeoutMs ?? 2000)
  let worker: Worker | null = null
  let online = false
  let broken = false
  /**
   * The last job's buffer, kept for the next one: a fresh ~1 MB SharedArrayBuffer per batch is zeroed
   * and, once a major GC has returned the previous one to the OS, page-faulted in again (~150 faults
   * per 812-key batch seen). Reused only once the worker has marked it DONE.
   */
  let spare: SharedArrayBuffer | null = null

  const retire = () => {
    broken = true
    online = false
    const w = worker
    worker = null
    void w?.terminate()
  }

  /** The worker once it runs; the batch that starts it is sealed here (it takes ~30 ms to boot). */
  const ready = (): Worker | null => {
    if (broken) return null
    if (worker) return online ? worker : null
    try {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          key: new Uint8Array(key),
          layout: [PUBLISHED, LIMIT, STOP, DONE, HEADER_WORDS, FIELDS, STATE, PENDING, SEALED, FAILED, WORKING, SPIN_MS],
        },
        // It only seals: keep its heap small and never let it hold the process open.
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      })
      w.unref()
      w.once('online', () => { if (worker === w) online = true })
      w.on('error', () => { if (worker === w) retire() })
      w.once('exit', () => { if (worker === w) retire() })
      worker = w
    } catch {
      broken = true
    }
    return null
  }

  return {
    sealEach(n, input, output, sealHere) {
      const w = n >= minBatch ? ready() : null
      if (!w) {
        for (let i = 0; i < n; i++) output(i, sealHere(input(i)))
        return 0
      }

      // Room for n typical auth values (pre-keys ~150 B, sessions ~1.5 KB) in, out and AAD; an item
      // that does not fit is sealed on this thread instead, so the estimate bounds memory, not correctness.
      const metaBytes = 4 * (HEADER_WORDS + FIELDS * n)
      const dataBytes = Math.min(64 * 1024 * 1024, Math.max(256 * 1024, n * 1024))
      const sab = reuse(spare, metaBytes + dataBytes, metaBytes) ?? new SharedArrayBuffer(metaBytes + dataBytes)
      spare = null
      const ctrl = new Int32Array(sab)
      const bytes = Buffer.from(sab)
      Atomics.store(ctrl, LIMIT, n)
      w.postMessage({ sab, n })

      const values: SealInput[] = new Array<SealInput>(n)
      let cursor = metaBytes
      let published = 0 // items in the buffer (the worker's share): 0..published-1
      let shared = 0 // of those, how many have been made visible to the worker
      let emitted = 0 // of those, how many have been handed to output (always a prefix)
      let byWorker = 0
      /** Items at the end that this thread claimed and sealed itself once it had nothing else to do. */
      const ownSeals = new Array<Buffer | undefined>(n)

      const publish = () => {
        if (shared === published) return
        shared = published
        Atomics.store(ctrl, PUBLISHED, shared) // a release: the items' words and bytes are visible first
        Atomics.notify(ctrl, PUBLISHED)
      }
      const emit = (i: number) => {
        const m = HEADER_WORDS + i * FIELDS
        if (Atomics.load(ctrl, m + STATE) === SEALED) {
          const out = ctrl[m + 4] ?? 0
          const len = (ctrl[m + 1] ?? 0) + NONCE_BYTES + TAG_BYTES
          byWorker++
          output(i, Buffer.from(bytes.subarray(out, out + len)))
        } else {
          // Claimed and sealed here, FAILED, or given up on: seal it here if not done yet.
          output(i, ownSeals[i] ?? sealHere(values[i] as SealInput))
        }
      }
      /** Hands over, without waiting, what the worker has finished at the head of the queue. */
      const drainReady = (end: number) => {
        while (emitted < end && isFinished(Atomics.load(ctrl, stateWord(emitted)))) emit(emitted++)
      }

      try {
        // 1. Produce every input, handing each to the worker; consume finished ones on the way.
        for (let i = 0; i < n; i++) {
          const v = input(i)
          values[i] = v
          if (published !== i) continue // the buffer is full: this one and the rest are ours
          const aadLen = v.aad?.length ?? 0
          if (cursor + v.plaintext.length * 2 + NONCE_BYTES + TAG_BYTES + aadLen > sab.byteLength) {
            Atomics.store(ctrl, LIMIT, i)
            publish()
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
          if (published % PUBLISH_GROUP === 0) {
            publish()
            drainReady(published)
          }
        }
        publish()

        // 2. Finish the buffer together: the worker seals from the front, this thread claims items
        //    from the end (handing over the worker's finished ones in between) until the two meet, then
        //    waits for the worker's last few. If the worker stalls, stop it and seal the rest here.
        let tail = published // items at or past tail were claimed by this thread
        const deadline = performance.now() + timeoutMs
        while (emitted < tail) {
          drainReady(tail)
          if (emitted === tail) break
          if (Atomics.compareExchange(ctrl, stateWord(tail - 1), PENDING, TAKEN) === PENDING) {
            tail--
            ownSeals[tail] = sealHere(values[tail] as SealInput)
            continue
          }
          // The worker claims in order, so everything from the head to tail is its: wait for the head.
          const state = Atomics.load(ctrl, stateWord(emitted))
          if (isFinished(state)) continue
          const left = deadline - performance.now()
          if (left > 0) Atomics.wait(ctrl, stateWord(emitted), state, left)
          else {
            Atomics.store(ctrl, STOP, 1)
            retire()
            while (emitted < tail) emit(emitted++)
          }
        }
        while (emitted < published) emit(emitted++)

        // 3. Items that did not fit the buffer.
        for (let i = published; i < n; i++) output(i, sealHere(values[i] as SealInput))
        return byWorker
      } catch (e) {
        Atomics.store(ctrl, STOP, 1)
        Atomics.notify(ctrl, PUBLISHED)
        throw e
      } finally {
        if (sab.byteLength <= MAX_SPARE_BYTES) spare = sab
      }
    },

    async close() {
      broken = true
      online = false
      const w = worker
      worker = null
      await w?.terminate()
    },
  }
}
