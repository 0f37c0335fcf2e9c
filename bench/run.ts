/**
 * `npm run bench`: every benchmark, one after the other (each prints its own figures and ratios).
 *   npm run bench                 all
 *   npm run bench -- sessions     only those whose name contains "sessions"
 * The sessions benchmark takes its sizes from BENCH_SESSIONS (default "200,1000,2000").
 */
import { spawnSync } from 'node:child_process'
import { defaultCaDir, loadOrCreateCa } from '../sim/media/tls'

const BENCHES = [
  { name: 'async-context', args: ['bench/async-context.bench.ts'] },
  { name: 'auth-state', args: ['bench/auth-state.bench.ts'] },
  { name: 'journal', args: ['bench/journal.bench.ts'] },
  { name: 'api-keys', args: ['bench/api-keys.bench.ts'] },
  { name: 'sim', args: ['bench/sim.bench.ts'] },
  { name: 'messages', args: ['bench/messages.bench.ts'] },
  { name: 'media', args: ['bench/media.bench.ts'] },
  { name: 'webhooks', args: ['bench/webhooks.bench.ts'] },
  { name: 'events', args: ['bench/events.bench.ts'] },
  { name: 'dashboard', args: ['bench/dashboard.bench.ts'] },
  { name: 'sessions', args: ['bench/sessions.bench.ts', ...(process.env.BENCH_SESSIONS ?? '200,1000,2000').split(',')] },
]

// The simulator's media host uses its own CA; benchmark processes trust it the way tests do, through
// NODE_EXTRA_CA_CERTS set before they start (Node reads it only then).
const ca = loadOrCreateCa(defaultCaDir())
const env = { ...process.env, SIM_CA_DIR: defaultCaDir(), NODE_EXTRA_CA_CERTS: ca.certPath }

const filter = process.argv[2]
let failed = 0
for (const b of BENCHES.filter((x) => !filter || x.name.includes(filter))) {
  process.stdout.write(`\n=== ${b.name} ===\n`)
  const started = Date.now()
  const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...b.args], { stdio: 'inherit', env })
  process.stdout.write(`=== ${b.name}: ${res.status === 0 ? 'done' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ===\n`)
  if (res.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
