// `npm start`: builds the production bundle when there is none yet, then runs the gateway.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'

process.env.NEXT_TELEMETRY_DISABLED ??= '1'
if (!fs.existsSync('.next/BUILD_ID')) {
  process.stdout.write('No production build yet: running `next build` once (about a minute)…\n')
  const build = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
  if (build.status !== 0) process.exit(build.status ?? 1)
}
const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
