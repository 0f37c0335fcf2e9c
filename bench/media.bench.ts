/**
 * Media benchmark (`npm run bench -- media`). The simulator runs in its own process; this process is
 * the gateway's core (SessionManager + MessageService + MediaService on a real SQLite file).
 *
 * (a) RSS while sending one 64 MiB video from an upload: the peak above the baseline (target ≤ 16 MB),
 *     and the peak of off-heap buffers (process.memoryUsage().arrayBuffers) above theirs: RSS alone can
 *     hide garbage buffers in memory the allocator already had, the buffer figure cannot.
 * (b) image sends per second over 10 accounts (50 KB JPEGs from one upload, pacing off).
 *
 * It trusts the simulator's media CA through NODE_EXTRA_CA_CERTS, which `npm run bench` (bench/run.ts) sets.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { seedLinkedAccount } from './support/gateway-seed'
import { startBenchCore } from './support/core'
import { sleep } from './support/util'

if (!process.env.NODE_EXTRA_CA_CERTS) {
  // Node reads NODE_EXTRA_CA_CERTS only at start; `npm run bench` (bench/run.ts) sets it for every benchmark.
  console.error('Run this through `npm run bench -- media`, or set NODE_EXTRA_CA_CERTS to the simulator CA (sim/media/tls.ts).')
  process.exit(1)
}

const ACCOUNTS = 10
const IMAGES_PER_ACCOUNT = 20
const VIDEO_BYTES = 64 * 1024 * 1024
const MB = (b: number) => (b / 1e6).toFixed(1)
const gc = () => (globalThis as { gc?: () => void }).gc?.()

async function main() {
  const core = await startBenchCore('media', {
    tune: {
      media: {
        limits: { image: 16 * 2 ** 20, video: VIDEO_BYTES, audio: 16 * 2 ** 20, document: 100 * 2 ** 20, sticker: 2 ** 19 },
        uploadTtlMs: 3_600_000,
        cacheMaxBytes: 2 ** 30,
        eagerDownload: false,
        link: { allowedCidrs: [], allowHttp: false, timeoutMs: 60_000, maxRedirects: 3 },
        downloadTimeoutMs: 300_000,
        accountQuotaBytes: 2 ** 40,
      },
    },
  })
  const { sim, dir } = core
  const { db, logger, bus, keyring, media, messages } = core.gw
  const done = new Set<string>()
  bus.on('message.updated', (e) => {
    if (['sent', 'delivered', 'read', 'failed'].includes(e.message.status)) done.add(e.message.id)
  })
  try {
    const contacts: string[] = []
    for (let i = 0; i < ACCOUNTS; i++) {
      const contact = String(15553000000 + i)
      contacts.push(contact)
      await sim.call('POST', '/users', { phone: contact, name: `Contact ${i}` })
      await sim.call('POST', `/users/${contact}/receipts`, { delivery: false, read: false })
      await seedLinkedAccount({ sim, db, keyring, logger, id: `media-${i}`, phone: String(4915300000000 + i), name: `Media ${i}` })
    }
    core.gw.start({ restoreSessions: false })
    await core.connectAll(ACCOUNTS, `media-${ACCOUNTS - 1}`)
    const waitSent = async (ids: string[], timeoutMs: number) => {
      const until = performance.now() + timeoutMs
      while (ids.some((id) => !done.has(id))) {
        if (performance.now() > until) throw new Error('sends did not finish in time')
        await sleep(20)
      }
    }
    // warm-up: one small image per account (Signal sessions, media_conn)
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]), crypto.randomBytes(50_000)])
    const img = await Promise.all(
      contacts.map((_, i) =>
        media.storeUpload(`media-${i}`, {
          stream: fs.createReadStream(writeTemp(dir, 'img.jpg', jpeg)),
          declaredType: 'image/jpeg',
          fileName: 'a.jpg',
        }),
      ),
    )
    const warm = await Promise.all(
      contacts.map((c, i) => messages.send(`media-${i}`, { to: `+${c}`, type: 'image', image: { id: img[i]?.id ?? '' } })),
    )
    await waitSent(
      warm.map((m) => m.id),
      60_000,
    )
    const warmFailed = warm.map((m, i) => messages.get(`media-${i}`, m.id)).filter((m) => m.status === 'failed')
    if (warmFailed.length) throw new Error(`warm-up images failed: ${warmFailed[0]?.statusReason ?? ''}`)

    // (a) one 64 MiB video: RSS sampled every 20 ms from the send call until WhatsApp has it
    const videoFile = path.join(dir, 'video.mp4')
    const fd = fs.openSync(videoFile, 'w')
    fs.writeSync(fd, Buffer.concat([Buffer.from('0000001866747970', 'hex'), Buffer.from('mp42'), Buffer.alloc(4), Buffer.from('mp42isom')]))
    const chunk = crypto.randomBytes(1 << 20)
    let written = 24
    while (written < VIDEO_BYTES) {
      const n = Math.min(chunk.length, VIDEO_BYTES - written)
      fs.writeSync(fd, chunk, 0, n)
      written += n
    }
    fs.closeSync(fd)
    const video = await media.storeUpload('media-0', {
      stream: fs.createReadStream(videoFile),
      declaredType: 'video/mp4',
      fileName: 'v.mp4',
    })
    gc()
    gc()
    await sleep(200)
    const { rss: baseline, arrayBuffers: baseBuffers } = process.memoryUsage()
    let peak = baseline
    let peakBuffers = baseBuffers
    const sampler = setInterval(() => {
      const m = process.memoryUsage()
      peak = Math.max(peak, m.rss)
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers)
    }, 20)
    const tv = performance.now()
    const sent = await messages.send('media-0', { to: `+${contacts[0]}`, type: 'video', video: { id: video.id, caption: 'big' } })
    await waitSent([sent.id], 300_000)
    clearInterval(sampler)
    const videoS = (performance.now() - tv) / 1000
    const outcome = messages.get('media-0', sent.id)
    if (outcome.status === 'failed') throw new Error(`the video send failed: ${outcome.statusReason ?? 'no reason'}`)
    let got: { id: string; media?: { size: number } } | undefined
    for (let i = 0; i < 300 && !got?.media; i++) {
      const inbox = await sim.call<{ messages: { id: string; media?: { size: number } }[] }>('GET', `/users/${contacts[0]}/inbox`)
      got = inbox.messages.find((m) => m.id === sent.waMessageId)
      if (!got?.media) await sleep(100)
    }
    console.log(
      `(a) 64 MiB video: sent in ${videoS.toFixed(1)} s; RSS baseline ${MB(baseline)} MB, peak ${MB(peak)} MB, growth ${MB(peak - baseline)} MB (target ≤ 16 MB); off-heap buffers peak ${MB(peakBuffers - baseBuffers)} MB above baseline; contact decrypted ${got?.media?.size ?? '?'} bytes`,
    )

    // (b) image sends per second over 10 accounts
    const ids: string[] = []
    const tb = performance.now()
    for (let k = 0; k < IMAGES_PER_ACCOUNT; k++) {
      for (let i = 0; i < ACCOUNTS; i++)
        ids.push((await messages.send(`media-${i}`, { to: `+${contacts[i]}`, type: 'image', image: { id: img[i]?.id ?? '' } })).id)
    }
    await waitSent(ids, 300_000)
    const s = (performance.now() - tb) / 1000
    console.log(
      `(b) ${ids.length} images (50 KB) over ${ACCOUNTS} accounts in ${s.toFixed(1)} s: ${(ids.length / s).toFixed(1)} images/s (load avg ${os.loadavg()[0]?.toFixed(2)})`,
    )
  } finally {
    await core.close()
  }
}

function writeTemp(dir: string, name: string, data: Buffer): string {
  const file = path.join(dir, `${crypto.randomUUID()}-${name}`)
  fs.writeFileSync(file, data)
  return file
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
