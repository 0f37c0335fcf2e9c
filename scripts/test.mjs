// `npm test`: every check and test of the project — typecheck, lint and format check first, then the
// production build, unit and integration tests (vitest), and the browser tests (Playwright with
// Debian's Chromium). Ends with one line `tests: N passed, N failed`, the line CI reads; each of the
// three static checks counts as one test there.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'

process.env.NEXT_TELEMETRY_DISABLED = '1'
const started = Date.now()
const run = (cmd, args, extraEnv = {}) => {
  const t = Date.now()
  process.stdout.write(`\n::: ${cmd} ${args.join(' ')}\n`)
  const res = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...extraEnv } })
  process.stdout.write(`::: ${res.status === 0 ? 'ok' : 'FAILED'} in ${Math.round((Date.now() - t) / 1000)} s\n`)
  return res.status === 0
}
const readJson = (f) => {
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8'))
  } catch {
    return null
  }
}

function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (fs.existsSync(path)) return true
  const root = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
  if (root && hasApt) {
    process.stdout.write("Chromium not found: installing Debian's chromium package…\n")
    if (
      run('apt-get', ['update', '-q']) &&
      run('apt-get', ['install', '-y', '-q', 'chromium'], { DEBIAN_FRONTEND: 'noninteractive' }) &&
      fs.existsSync(path)
    )
      return true
  }
  process.stderr.write(
    `\nNo Chromium at ${path}. Install Debian's package as root (apt-get update && apt-get install -y chromium),\n` +
      'or point CHROMIUM_PATH at a Chromium/Chrome binary. (Playwright cannot download its own browser here.)\n',
  )
  return false
}

// npm puts node_modules/.bin first on PATH, so this script and every tool it starts run on the Node
// that package.json pins, whatever Node launched npm. Said once here so that a log shows it.
const childNode = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim()
process.stdout.write(`::: tests run on Node.js ${process.version} (tools started from PATH: ${childNode || 'unknown'})\n`)

fs.mkdirSync('reports', { recursive: true })
for (const f of ['reports/vitest.json', 'reports/e2e.json']) fs.rmSync(f, { force: true })

let checksPassed = 0
let checksFailed = 0
for (const [cmd, args] of [
  ['npx', ['tsc', '--noEmit']],
  ['npx', ['eslint', '--max-warnings=0', '.']],
  ['npx', ['prettier', '--check', '--log-level=warn', '.']],
]) {
  if (run(cmd, args)) checksPassed++
  else checksFailed++
}

// The production build comes first: the API integration tests and the browser tests run against it.
let ok = checksFailed === 0
const built = run('npx', ['next', 'build'], { NODE_ENV: 'production' })
ok = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json']) && built && ok
const browser = ensureChromium()
ok = browser && ok
if (built && browser) ok = run('npx', ['playwright', 'test']) && ok

let passed = checksPassed
let failed = checksFailed
const v = readJson('reports/vitest.json')
if (v) {
  passed += v.numPassedTests
  failed += v.numFailedTests
} else failed += 1
const e = readJson('reports/e2e.json')
if (e) {
  passed += e.stats.expected + e.stats.flaky
  failed += e.stats.unexpected
} else failed += 1
if (!ok && failed === 0) failed = 1 // a failed build or step counts, even when no test reported it
process.stdout.write(`\nall tests finished in ${Math.round((Date.now() - started) / 1000)} s\n`)
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`)
process.exit(failed === 0 && ok ? 0 : 1)
