/**
 * A gateway core in its own process for tests that must really kill it (SIGKILL): the gateway as
 * lib/gateway.ts builds it for server.ts — database, sessions, send queue, webhooks — without Next.
 * Commands arrive as JSON lines on stdin, events leave as JSON lines on stdout.
 *
 *   node --import tsx tests/support/messages-process.ts
 *   env: the gateway's own (DATA_DIR, ENCRYPTION_KEY, WA_WS_URL, SEND_MIN_GAP_MS, WEBHOOK_ALLOWED_CIDRS, …);
 *        test timings: WEBHOOK_LEASE_MS; logs (JSON lines on stdout, read as events): TEST_LOG_LEVEL, CORE_BAILEYS_LOG_LEVEL
 *   in:  {"cmd":"create","id"} {"cmd":"connect","id"} {"cmd":"send","id","to","count","prefix"} {"cmd":"webhook","url"}
 *   out: {"event":"ready"} {"event":"qr","qr"} {"event":"status","accountId","status"} {"event":"accepted","ids"}
 *        {"event":"webhook","id","secret"}
 */
import readline from 'node:readline'
import { parseEnv } from '@/lib/env'
import { createGateway } from '@/lib/gateway'
import { createLogger } from '@/lib/logger'

const out = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`)

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })
const gateway = await createGateway({
  env: parseEnv({ ...process.env, NODE_ENV: 'test', ALLOW_CUSTOM_WA_URL: '1' }),
  logger,
  tune: {
    sessions: { baileysLogLevel: process.env.CORE_BAILEYS_LOG_LEVEL ?? 'silent', watchdogMs: 5000 },
    messages: { restriction: { pauseAfter: 3, pauseMs: 3_600_000 } },
    // short retries, and a short lease so a killed worker's deliveries come back soon
    webhooks: {
      timeoutMs: 2000,
      retry: { scheduleMs: [0, 200, 500, 1000, 2000, 2000, 2000, 2000], jitter: 0.2, disableAfterMs: 3_600_000, maxRetryAfterMs: 5000 },
      leaseMs: Number(process.env.WEBHOOK_LEASE_MS ?? 3000),
    },
    linkPreview: false,
  },
  version: 'test',
})
const { bus, sessions, messages, webhooks } = gateway
bus.on('account.qr', (e) => out({ event: 'qr', accountId: e.accountId, qr: e.qr }))
bus.on('account.status', (e) => out({ event: 'status', accountId: e.accountId, status: e.status }))
gateway.start()

type Command = { cmd: string; id: string; to?: string; count?: number; prefix?: string; url?: string }
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command
  void (async () => {
    if (c.cmd === 'create') sessions.create({ id: c.id, name: c.id })
    if (c.cmd === 'webhook') {
      const { webhook, secret } = webhooks.create(null, { url: c.url ?? '', events: ['message.received'] })
      out({ event: 'webhook', id: webhook.id, secret })
    }
    if (c.cmd === 'connect') await sessions.connect(c.id)
    if (c.cmd === 'send') {
      const ids: string[] = []
      for (let i = 0; i < (c.count ?? 1); i++) {
        const m = await messages.send(c.id, {
          to: c.to ?? '',
          type: 'text',
          text: { body: `${c.prefix ?? 'm'}${String(i).padStart(3, '0')}` },
        })
        ids.push(m.id)
      }
      out({ event: 'accepted', ids })
    }
  })().catch((err: unknown) => out({ event: 'error', message: err instanceof Error ? err.message : String(err) }))
})

process.once('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0))
})
out({ event: 'ready' })
