import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, parseEnv } from '@/lib/env'
import { isOn, LOOPBACK_HOSTS, rawSchema } from '@/lib/env-schema'
import { type CheckResult, fail, ok, warn } from './types'

/** Checks of the installation itself: Node, the build, the configuration. */

export function checkNode(version = process.version, engines?: string): CheckResult {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  // package.json's engines (">=24.11"): what npm ci installs into node_modules/.bin and the code is tested on.
  const want = /(\d+)\.(\d+)/.exec(engines ?? '')
  const [wantMajor, wantMinor] = want ? [Number(want[1]), Number(want[2])] : [24, 0]
  if (major < wantMajor || (major === wantMajor && minor < wantMinor)) {
    return fail(
      'node',
      `Node.js ${version} is older than ${wantMajor}.${wantMinor} (package.json engines)`,
      'run the gateway and this command through npm (it uses node_modules/.bin/node, installed by npm ci)',
    )
  }
  return ok('node', `Node.js ${version}`)
}

/** Directories and files whose code goes into the Next build (server.ts and scripts/ run through tsx, unbuilt). */
const BUILT_SOURCES = ['app', 'components', 'lib', 'proxy.ts', 'next.config.ts', 'package-lock.json', 'postcss.config.mjs']

function newestSource(root: string): { file: string; mtimeMs: number } | null {
  let newest: { file: string; mtimeMs: number } | null = null
  const visit = (p: string) => {
    let st: fs.Stats
    try {
      st = fs.statSync(p)
    } catch {
      return
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name))
    } else if (!/\.test\.tsx?$/.test(p) && (!newest || st.mtimeMs > newest.mtimeMs)) {
      newest = { file: path.relative(root, p), mtimeMs: st.mtimeMs }
    }
  }
  for (const s of BUILT_SOURCES) visit(path.join(root, s))
  return newest
}

/**
 * The production build is current when .next/BUILD_ID is newer than every source file that goes into
 * it. File times, not a hash written at build time: `next build` stays the plain build command, and a
 * checkout, `git pull` or edit after the build gives the changed files a newer time, which is exactly
 * the case to catch (`npm start` only builds when there is no build at all).
 */
export function checkBuild(root = process.cwd()): CheckResult {
  const buildId = path.join(root, '.next', 'BUILD_ID')
  if (!fs.existsSync(buildId)) return fail('build', 'no production build (.next/BUILD_ID)', 'run `npm run build`, then start the gateway')
  const built = fs.statSync(buildId).mtimeMs
  const newest = newestSource(root)
  if (newest && newest.mtimeMs > built) {
    return fail(
      'build',
      `the build (${new Date(built).toISOString()}) is older than ${newest.file} (${new Date(newest.mtimeMs).toISOString()})`,
      'run `npm run build` and restart the gateway, or the server runs pages built from older code',
    )
  }
  return ok('build', `build ${fs.readFileSync(buildId, 'utf8').trim()} is newer than the sources`)
}

/**
 * The environment as the server would parse it, with everything parseEnv cross-checks. parseEnv
 * creates DATA_DIR and generates missing secrets, so it runs against a throwaway directory, with
 * stand-in secrets for those the environment does not set (the real files are checked elsewhere).
 */
export function checkConfig(source: Record<string, string | undefined>): CheckResult {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-doctor-'))
  try {
    parseEnv({
      ...source,
      DATA_DIR: scratch,
      AUTH_SECRET: source.AUTH_SECRET?.trim() ? source.AUTH_SECRET : crypto.randomBytes(32).toString('base64url'),
      ENCRYPTION_KEY: source.ENCRYPTION_KEY?.trim() ? source.ENCRYPTION_KEY : crypto.randomBytes(32).toString('base64'),
    })
    return ok('config', 'the environment parses as the server parses it')
  } catch (e) {
    if (e instanceof ConfigError)
      return fail('config', e.message, 'fix that variable (README, Configuration); the server refuses to start with it')
    throw e
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

const on = (v: string | undefined) => isOn(v ?? '')

/** Settings that are valid but risky in production: each one set is a warning of its own. */
export function checkSettings(source: Record<string, string | undefined>): CheckResult[] {
  const out: CheckResult[] = []
  const host = source.HOST?.trim() ? source.HOST.trim() : '127.0.0.1'
  const loopback = LOOPBACK_HOSTS.has(host.toLowerCase())
  if (source.NODE_ENV === 'development')
    out.push(warn('settings', 'NODE_ENV=development runs the development server', 'unset NODE_ENV (production is the default)'))
  if (on(source.WEBHOOK_ALLOW_HTTP))
    out.push(
      warn(
        'settings',
        'WEBHOOK_ALLOW_HTTP=1: webhook events and their signatures may travel unencrypted',
        'use https:// endpoints and unset it',
      ),
    )
  if (on(source.MEDIA_ALLOW_HTTP))
    out.push(warn('settings', 'MEDIA_ALLOW_HTTP=1: media links may be fetched over plain HTTP', 'use https:// links and unset it'))
  if (on(source.ALLOW_QUERY_API_KEY))
    out.push(
      warn(
        'settings',
        'ALLOW_QUERY_API_KEY=1: API keys in URLs end up in proxy and access logs',
        'send `Authorization: Bearer` and unset it',
      ),
    )
  if (source.WA_WS_URL?.trim())
    out.push(
      warn(
        'settings',
        `WA_WS_URL=${source.WA_WS_URL.trim()}: sessions connect there instead of WhatsApp`,
        'unset WA_WS_URL and ALLOW_CUSTOM_WA_URL outside tests',
      ),
    )
  for (const v of ['WEBHOOK_ALLOWED_CIDRS', 'MEDIA_ALLOWED_CIDRS', 'LINK_PREVIEW_ALLOWED_CIDRS']) {
    if (source[v]?.trim())
      out.push(
        warn(
          'settings',
          `${v}=${source[v].trim()} lets outbound requests reach those private addresses`,
          'keep the list as narrow as the targets need',
        ),
      )
  }
  // read as the server reads it: true (any peer), false, or the proxy's addresses (only those peers)
  const parsedTrust = rawSchema.shape.TRUST_PROXY.safeParse(source.TRUST_PROXY)
  const trust = parsedTrust.success ? parsedTrust.data : false
  if (!loopback && trust === false)
    out.push(
      warn(
        'settings',
        `HOST=${host} serves plain HTTP to the network (sign-in passwords and API keys unencrypted)`,
        'listen on 127.0.0.1 behind a TLS reverse proxy, with TRUST_PROXY set to its address (docs/deployment.md)',
      ),
    )
  if (!loopback && trust === true)
    out.push(
      warn(
        'settings',
        `TRUST_PROXY=1 with HOST=${host}: a client reaching the port directly can forge X-Forwarded-For (audit addresses, rate limits)`,
        'set TRUST_PROXY to the proxy’s addresses (e.g. TRUST_PROXY=10.0.0.2), or HOST=127.0.0.1 so only the proxy reaches the gateway',
      ),
    )
  if (out.length === 0) out.push(ok('settings', 'no risky production setting'))
  return out
}
