import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDb, closeDb } from '@/lib/db/client'
import { ConfigError, parseEnv } from './env'

const dirs: string[] = []
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'env-test-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const dir = tmp()
    const env = parseEnv({ DATA_DIR: dir })
    expect(env).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      logFormat: 'auto',
      dataDir: dir,
      dbFile: path.join(dir, 'gateway.db'),
      trustProxy: false,
      fastBufferKeys: true,
    })
    expect(parseEnv({ DATA_DIR: dir, CRYPTO_FAST_BUFFER_KEYS: 'false' }).fastBufferKeys).toBe(false)
  })

  it('reads the API rate limits, refusing values that are not positive integers', () => {
    const dir = tmp()
    expect(parseEnv({ DATA_DIR: dir }).apiLimits).toEqual({
      perKeyPerMinute: 600,
      perAddressPerMinute: 1200,
      authFailures: 20,
      authFailureWindowSeconds: 900,
      contactChecksPerMinute: 60,
    })
    expect(
      parseEnv({ DATA_DIR: dir, API_RATE_LIMIT: '60', API_ADDRESS_RATE_LIMIT: '100', API_AUTH_FAILURE_LIMIT: '5' }).apiLimits,
    ).toMatchObject({
      perKeyPerMinute: 60,
      perAddressPerMinute: 100,
      authFailures: 5,
    })
    expect(() => parseEnv({ DATA_DIR: dir, API_RATE_LIMIT: '0' })).toThrow(/API_RATE_LIMIT/)
    expect(() => parseEnv({ DATA_DIR: dir, API_AUTH_FAILURE_LIMIT: 'lots' })).toThrow(ConfigError)
  })

  it('reads TRUST_PROXY as on, off or the proxy addresses', () => {
    const dir = tmp()
    expect(parseEnv({ DATA_DIR: dir, TRUST_PROXY: '1' }).trustProxy).toBe(true)
    expect(parseEnv({ DATA_DIR: dir, TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(parseEnv({ DATA_DIR: dir, TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toEqual(['127.0.0.1/32', '10.0.0.0/8'])
    expect(() => parseEnv({ DATA_DIR: dir, TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY must be 1, 0, or the proxy addresses/)
  })

  it('generates AUTH_SECRET and ENCRYPTION_KEY once, stores them with mode 0600 and reuses them', () => {
    const dir = tmp()
    const first = parseEnv({ DATA_DIR: dir })
    expect(first.generated).toEqual(['AUTH_SECRET', 'ENCRYPTION_KEY'])
    expect(first.encryptionKey).toHaveLength(32)
    for (const f of ['auth-secret', 'encryption-key']) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600)
    const second = parseEnv({ DATA_DIR: dir })
    expect(second.generated).toEqual([])
    expect(second.authSecret).toBe(first.authSecret)
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true)
  })

  it('uses secrets given in the environment without writing files', () => {
    const dir = tmp()
    const key = Buffer.alloc(32, 7).toString('hex')
    const env = parseEnv({ DATA_DIR: dir, AUTH_SECRET: 'q'.repeat(20) + 'w'.repeat(20), ENCRYPTION_KEY: key })
    expect(env.generated).toEqual([])
    expect(env.encryptionKey.toString('hex')).toBe(key)
    expect(fs.existsSync(path.join(dir, 'auth-secret'))).toBe(false)
  })

  it.each([
    [{ PORT: 'abc' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ LOG_FORMAT: 'xml' }, /LOG_FORMAT/],
    [{ CRYPTO_FAST_BUFFER_KEYS: 'off' }, /CRYPTO_FAST_BUFFER_KEYS/],
    [{ AUTH_SECRET: 'changeme' }, /AUTH_SECRET/],
    [{ AUTH_SECRET: 'x'.repeat(40) }, /AUTH_SECRET is a known placeholder/],
    [{ ENCRYPTION_KEY: 'not-a-key' }, /ENCRYPTION_KEY must be 32 random bytes/],
    [{ ADMIN_EMAIL: 'nobody' }, /ADMIN_EMAIL/],
    [{ ADMIN_EMAIL: 'a@b.example' }, /ADMIN_EMAIL and ADMIN_PASSWORD must be set together/],
    [{ WA_WS_URL: 'http://127.0.0.1:9400' }, /WA_WS_URL must be a ws/],
    [{ GATEWAY_API_KEY: 'short' }, /GATEWAY_API_KEY/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 32 characters/],
  ])('refuses %o with a message naming the variable', (vars, message) => {
    const dir = tmp()
    expect(() => parseEnv({ DATA_DIR: dir, ...vars })).toThrow(ConfigError)
    expect(() => parseEnv({ DATA_DIR: dir, ...vars })).toThrow(message)
  })

  it('reads METRICS_TOKEN; unset means only admin API keys read /metrics', () => {
    const token = 'm'.repeat(16) + 'etrics-token-for-prometheus'
    expect(parseEnv({ DATA_DIR: tmp(), METRICS_TOKEN: token }).metricsToken).toBe(token)
    expect(parseEnv({ DATA_DIR: tmp() }).metricsToken).toBeUndefined()
  })

  it('runs production when NODE_ENV is unset; only NODE_ENV=development runs the dev server', () => {
    expect(parseEnv({ DATA_DIR: tmp() })).toMatchObject({ nodeEnv: 'production', dev: false })
    expect(parseEnv({ DATA_DIR: tmp(), NODE_ENV: '' })).toMatchObject({ nodeEnv: 'production', dev: false })
    expect(parseEnv({ DATA_DIR: tmp(), NODE_ENV: 'test' })).toMatchObject({ dev: false })
    expect(parseEnv({ DATA_DIR: tmp(), NODE_ENV: 'development' })).toMatchObject({ dev: true })
  })

  it('the development server refuses a non-loopback HOST', () => {
    for (const host of ['0.0.0.0', '192.168.1.10', '::', 'gateway.example']) {
      expect(() => parseEnv({ DATA_DIR: tmp(), NODE_ENV: 'development', HOST: host })).toThrow(/HOST .* is not a loopback address/)
    }
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(parseEnv({ DATA_DIR: tmp(), NODE_ENV: 'development', HOST: host }).host).toBe(host)
    expect(parseEnv({ DATA_DIR: tmp(), HOST: '0.0.0.0' }).host).toBe('0.0.0.0')
  })

  it('refuses a custom WA_WS_URL in production unless ALLOW_CUSTOM_WA_URL=1', () => {
    const url = 'ws://127.0.0.1:9400/ws/chat'
    expect(() => parseEnv({ DATA_DIR: tmp(), WA_WS_URL: url })).toThrow(/WA_WS_URL is refused in production unless ALLOW_CUSTOM_WA_URL=1/)
    expect(() => parseEnv({ DATA_DIR: tmp(), WA_WS_URL: url, ALLOW_CUSTOM_WA_URL: '0' })).toThrow(ConfigError)
    expect(() => parseEnv({ DATA_DIR: tmp(), WA_WS_URL: url, ALLOW_CUSTOM_WA_URL: 'yes' })).toThrow(/ALLOW_CUSTOM_WA_URL/)
    expect(parseEnv({ DATA_DIR: tmp(), WA_WS_URL: url, ALLOW_CUSTOM_WA_URL: '1' }).waWsUrl).toBe(url)
    expect(parseEnv({ DATA_DIR: tmp(), WA_WS_URL: url, NODE_ENV: 'development' }).waWsUrl).toBe(url)
  })

  it('secrets read back from DATA_DIR pass the same checks as the environment variables', () => {
    const weak = tmp()
    fs.writeFileSync(path.join(weak, 'auth-secret'), 'changeme\n')
    expect(() => parseEnv({ DATA_DIR: weak })).toThrow(/AUTH_SECRET in .*auth-secret must be at least 32 characters/)
    const placeholder = tmp()
    fs.writeFileSync(path.join(placeholder, 'auth-secret'), 'a'.repeat(40))
    expect(() => parseEnv({ DATA_DIR: placeholder })).toThrow(/AUTH_SECRET in .*auth-secret is a known placeholder/)
    const badKey = tmp()
    fs.writeFileSync(path.join(badKey, 'encryption-key'), 'not-a-key')
    expect(() => parseEnv({ DATA_DIR: badKey })).toThrow(/ENCRYPTION_KEY in .*encryption-key must be 32 random bytes/)
  })

  it('creates DATA_DIR 0700 and its files 0600 whatever the umask, and tightens an existing directory', () => {
    const previous = process.umask(0)
    try {
      const fresh = path.join(tmp(), 'data')
      const env = parseEnv({ DATA_DIR: fresh })
      const db = openDb(env.dbFile)
      db.$client.exec('create table t (x); insert into t values (1)')
      expect(fs.statSync(fresh).mode & 0o777).toBe(0o700)
      const files = fs.readdirSync(fresh)
      expect(files).toEqual(expect.arrayContaining(['auth-secret', 'encryption-key', 'gateway.db', 'gateway.db-wal', 'gateway.db-shm']))
      for (const f of files) expect([f, fs.statSync(path.join(fresh, f)).mode & 0o777]).toEqual([f, 0o600])
      closeDb(db)

      const open = tmp()
      fs.chmodSync(open, 0o755)
      parseEnv({ DATA_DIR: open })
      expect(fs.statSync(open).mode & 0o777).toBe(0o700)
    } finally {
      process.umask(previous)
    }
  })
})
