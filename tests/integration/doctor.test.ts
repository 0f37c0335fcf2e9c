import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyring } from '@/lib/crypto/aead'
import { closeDb, openDb } from '@/lib/db/client'
import { writeNewPrivateFile } from '@/lib/fs/private-files'
import { createLogger } from '@/lib/logger'
import { useSqliteAuthState } from '@/lib/whatsapp/auth-state'
import { type Simulator, startSimulator } from '../../sim'
import { runScript } from '../support/run-script'

/**
 * `npm run doctor` as a child process against prepared installations: a project directory (its
 * package.json, .next/BUILD_ID, drizzle/) and a data directory with a real database whose account
 * credentials are sealed by the real auth-state store.
 */

const logger = createLogger({ level: 'silent' })
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-doctor-'))
let sim: Simulator

beforeAll(async () => {
  sim = await startSimulator({ port: 0 })
})
afterAll(async () => {
  await (sim as Simulator | undefined)?.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

/** An installation directory whose build is newer than its (absent) sources. */
function installation(): string {
  const root = fs.mkdtempSync(path.join(tmp, 'app-'))
  fs.copyFileSync('package.json', path.join(root, 'package.json'))
  fs.symlinkSync(path.resolve('drizzle'), path.join(root, 'drizzle'))
  fs.mkdirSync(path.join(root, '.next'))
  fs.writeFileSync(path.join(root, '.next', 'BUILD_ID'), 'test-build\n')
  return root
}

/** A data directory as a gateway leaves it: migrated database, one linked account, the generated key file. */
async function dataDir(key = crypto.randomBytes(32)): Promise<{ dir: string; key: Buffer }> {
  const dir = fs.mkdtempSync(path.join(tmp, 'data-'))
  const db = openDb(path.join(dir, 'gateway.db'))
  db.$client.prepare('INSERT INTO accounts (id, name) VALUES (?, ?)').run('shop', 'Shop')
  await useSqliteAuthState({ db, accountId: 'shop', keyring: createKeyring({ current: key }), logger }).saveCreds()
  closeDb(db)
  writeNewPrivateFile(path.join(dir, 'encryption-key'), key.toString('base64') + '\n')
  return { dir, key }
}

async function doctor(env: Record<string, string>, opts: { root?: string; node?: string } = {}) {
  const started = Date.now()
  const r = await runScript(
    'scripts/doctor.ts',
    [],
    { WA_WS_URL: sim.wsUrl, ALLOW_CUSTOM_WA_URL: '1', ...env },
    { cwd: opts.root ?? installation(), node: opts.node },
  )
  const line = (check: string) =>
    new RegExp(`^(ok  |WARN|FAIL|skip)  ${check} .*$`, 'm').exec(r.stdout)?.[0] ?? `(no ${check} line)\n${r.stdout}${r.stderr}`
  return { ...r, line, ms: Date.now() - started }
}

describe.concurrent('npm run doctor', () => {
  it('passes a healthy installation: one line per check, exit 0 with only the custom-URL warning', async () => {
    const { dir } = await dataDir()
    const r = await doctor({ DATA_DIR: dir })
    for (const check of ['node', 'build', 'config', 'data-dir', 'database', 'migrations', 'key', 'disk', 'whatsapp'])
      expect(r.line(check)).toMatch(/^ok {4}/)
    expect(r.line('key')).toContain('decrypts the 1 linked account')
    expect(r.line('whatsapp')).toContain('accepted a WebSocket upgrade')
    expect(r.line('settings')).toMatch(/^WARN {2}settings +WA_WS_URL=.* → unset WA_WS_URL/)
    expect(r.stdout).toMatch(/doctor: 9 ok, 1 warnings, 0 failed/)
    expect(r.code).toBe(0)
  })

  it.skipIf(!/^v2[0-3]\./.test(safeVersion('/usr/bin/node')))(
    'fails on a Node older than package.json engines (the system Node)',
    async () => {
      const r = await doctor({ DATA_DIR: tmp }, { node: '/usr/bin/node' })
      expect(r.line('node')).toMatch(/^FAIL {2}node +Node\.js v2\d.* is older than 24\.11 .*→ run the gateway and this command through npm/)
      expect(r.code).toBe(1)
    },
  )

  it('fails when the build is older than the code, or missing', async () => {
    const { dir } = await dataDir()
    const root = installation()
    fs.mkdirSync(path.join(root, 'lib'))
    fs.writeFileSync(path.join(root, 'lib', 'changed.ts'), 'export {}\n')
    const later = new Date(Date.now() + 60_000)
    fs.utimesSync(path.join(root, 'lib', 'changed.ts'), later, later)
    const stale = await doctor({ DATA_DIR: dir }, { root })
    expect(stale.line('build')).toMatch(/^FAIL {2}build +the build .* is older than lib\/changed\.ts .*→ run `npm run build`/)
    expect(stale.code).toBe(1)
    fs.rmSync(path.join(root, '.next'), { recursive: true })
    const none = await doctor({ DATA_DIR: dir }, { root })
    expect(none.line('build')).toMatch(/^FAIL {2}build +no production build/)
  })

  it('fails on a configuration the server refuses', async () => {
    const { dir } = await dataDir()
    const r = await doctor({ DATA_DIR: dir, ENCRYPTION_KEY_PREVIOUS: 'not-a-key' })
    expect(r.line('config')).toMatch(/^FAIL {2}config +Invalid configuration: ENCRYPTION_KEY_PREVIOUS entry 1 must be 32 bytes/)
    expect(r.code).toBe(1)
  })

  it('fails on a data directory or secret file others can read', async () => {
    const wide = await dataDir()
    fs.chmodSync(wide.dir, 0o755)
    const r1 = await doctor({ DATA_DIR: wide.dir })
    expect(r1.line('data-dir')).toMatch(/^FAIL {2}data-dir +.* has mode 0755, not 0700.* → chmod 700 /)
    expect(r1.code).toBe(1)
    const open = await dataDir()
    fs.chmodSync(path.join(open.dir, 'encryption-key'), 0o644)
    const r2 = await doctor({ DATA_DIR: open.dir })
    expect(r2.line('data-dir')).toMatch(/^FAIL {2}data-dir +readable by others: encryption-key \(0644\) → chmod 600 /)
    expect(r2.code).toBe(1)
  })

  it('fails on a missing data directory (a wrong DATA_DIR)', async () => {
    const r = await doctor({ DATA_DIR: path.join(tmp, 'nowhere') })
    expect(r.line('data-dir')).toMatch(/^FAIL {2}data-dir +.*nowhere does not exist/)
    expect(fs.existsSync(path.join(tmp, 'nowhere'))).toBe(false)
    expect(r.code).toBe(1)
  })

  it('fails on a damaged database', async () => {
    const { dir } = await dataDir()
    const file = path.join(dir, 'gateway.db')
    const fd = fs.openSync(file, 'r+')
    // garbage over a few pages in the middle: b-tree pages that no longer parse
    fs.writeSync(fd, crypto.randomBytes(4096 * 3), 0, 4096 * 3, 4096 * 4)
    fs.closeSync(fd)
    const r = await doctor({ DATA_DIR: dir })
    expect(r.line('database')).toMatch(/^FAIL {2}database +.* → restore the last good backup/)
    expect(r.code).toBe(1)
  })

  it('fails on a database migrated by a newer version; pending migrations are a warning', async () => {
    const newer = await dataDir()
    const db = openDb(path.join(newer.dir, 'gateway.db'), { migrate: false })
    db.$client.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('future', 9_999_999_999_999)
    closeDb(db)
    const r1 = await doctor({ DATA_DIR: newer.dir })
    expect(r1.line('migrations')).toMatch(/^FAIL {2}migrations +the database was migrated by a newer gateway version/)
    expect(r1.code).toBe(1)

    const older = await dataDir()
    const db2 = openDb(path.join(older.dir, 'gateway.db'), { migrate: false })
    db2.$client.prepare('DELETE FROM __drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)').run()
    closeDb(db2)
    const r2 = await doctor({ DATA_DIR: older.dir })
    expect(r2.line('migrations')).toMatch(/^WARN {2}migrations +1 not applied yet .* → the next start applies them/)
    expect(r2.code).toBe(0)
  })

  it('fails when the encryption key is lost, and writes no new one', async () => {
    const { dir } = await dataDir()
    fs.rmSync(path.join(dir, 'encryption-key'))
    const r = await doctor({ DATA_DIR: dir })
    expect(r.line('key')).toMatch(/^FAIL {2}key +no encryption key .* 1 linked account is sealed: starting now would generate a new key/)
    expect(fs.existsSync(path.join(dir, 'encryption-key'))).toBe(false)
    expect(r.code).toBe(1)
  })

  it('fails when ENCRYPTION_KEY is not the key the accounts were sealed with', async () => {
    const { dir, key } = await dataDir()
    const other = crypto.randomBytes(32)
    const r = await doctor({ DATA_DIR: dir, ENCRYPTION_KEY: other.toString('base64') })
    const sealedUnder = createKeyring({ current: key }).currentKeyId
    expect(r.line('key')).toMatch(
      new RegExp(
        `^FAIL {2}key +1 of 1 linked account \\(shop\\) is sealed under key ${sealedUnder}, which is not the key from ENCRYPTION_KEY`,
      ),
    )
    expect(r.code).toBe(1)
    // with the old key among the previous ones, the rows are readable again
    const ok = await doctor({ DATA_DIR: dir, ENCRYPTION_KEY: other.toString('base64'), ENCRYPTION_KEY_PREVIOUS: key.toString('base64') })
    expect(ok.line('key')).toMatch(/^ok {4}key/)
  })

  it('fails fast when the WhatsApp endpoint refuses or does not answer', async () => {
    const { dir } = await dataDir()
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo
        s.close(() => resolve(port))
      })
    })
    const refused = await doctor({ DATA_DIR: dir, WA_WS_URL: `ws://127.0.0.1:${closed}/ws/chat` })
    expect(refused.line('whatsapp')).toMatch(
      /^FAIL {2}whatsapp +ws:\/\/127\.0\.0\.1:\d+\/ws\/chat is not reachable: the connection was refused \(ECONNREFUSED\) → /,
    )
    expect(refused.code).toBe(1)

    // accepts TCP and never answers the upgrade: the probe gives up after its 5 s
    const silent = net.createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as net.AddressInfo
      const hung = await doctor({ DATA_DIR: dir, WA_WS_URL: `ws://127.0.0.1:${port}/ws/chat` })
      expect(hung.line('whatsapp')).toMatch(/^FAIL {2}whatsapp +.* did not answer within 5000 ms/)
      expect(hung.code).toBe(1)
    } finally {
      silent.close()
    }
  })

  it('warns when free disk space is below what the media cache may use', async () => {
    const { dir } = await dataDir()
    const r = await doctor({ DATA_DIR: dir, MEDIA_CACHE_MAX_BYTES: String(2 ** 52) })
    expect(r.line('disk')).toMatch(
      /^WARN {2}disk +\d+ MiB free on .*less than the media cache may use .* → free space, or lower MEDIA_CACHE_MAX_BYTES/,
    )
  })

  it('warns about each risky production setting, without failing', async () => {
    const { dir } = await dataDir()
    const r = await doctor({ DATA_DIR: dir, WEBHOOK_ALLOW_HTTP: '1', ALLOW_QUERY_API_KEY: '1', HOST: '0.0.0.0' })
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('WARN  settings'))
    expect(warnings.join('\n')).toMatch(/WEBHOOK_ALLOW_HTTP=1/)
    expect(warnings.join('\n')).toMatch(/ALLOW_QUERY_API_KEY=1/)
    expect(warnings.join('\n')).toMatch(
      /HOST=0\.0\.0\.0 serves plain HTTP .* → listen on 127\.0\.0\.1 behind a TLS reverse proxy, with TRUST_PROXY set to its address/,
    )
    expect(r.code).toBe(0)
    const proxied = await doctor({ DATA_DIR: dir, HOST: '0.0.0.0', TRUST_PROXY: '1' })
    expect(proxied.stdout).toMatch(
      /^WARN {2}settings +TRUST_PROXY=1 with HOST=0\.0\.0\.0: a client reaching the port directly can forge X-Forwarded-For/m,
    )
    // naming the proxy's address closes that: no forging warning, no plain-HTTP warning
    const named = await doctor({ DATA_DIR: dir, HOST: '0.0.0.0', TRUST_PROXY: '10.0.0.2' })
    expect(named.stdout).not.toMatch(/forge X-Forwarded-For|serves plain HTTP/)
  })
})

function safeVersion(node: string): string {
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return ''
  }
}
