import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
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
      dataDir: dir,
      dbFile: path.join(dir, 'gateway.db'),
      trustProxy: false,
    })
  })

  it('reads the API rate limits, refusing values that are not positive integers', () => {
    const dir = tmp()
    expect(parseEnv({ DATA_DIR: dir }).apiLimits).toEqual({
      perKeyPerMinute: 600,
      perAddressPerMinute: 1200,
      authFailures: 20,
      authFailureWindowSeconds: 900,
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
    [{ AUTH_SECRET: 'changeme' }, /AUTH_SECRET/],
    [{ AUTH_SECRET: 'x'.repeat(40) }, /AUTH_SECRET is a known placeholder/],
    [{ ENCRYPTION_KEY: 'not-a-key' }, /ENCRYPTION_KEY must be 32 random bytes/],
    [{ ADMIN_EMAIL: 'nobody' }, /ADMIN_EMAIL/],
    [{ ADMIN_EMAIL: 'a@b.example' }, /ADMIN_EMAIL and ADMIN_PASSWORD must be set together/],
    [{ WA_WS_URL: 'http://127.0.0.1:9400' }, /WA_WS_URL must be a ws/],
    [{ GATEWAY_API_KEY: 'short' }, /GATEWAY_API_KEY/],
  ])('refuses %o with a message naming the variable', (vars, message) => {
    const dir = tmp()
    expect(() => parseEnv({ DATA_DIR: dir, ...vars })).toThrow(ConfigError)
    expect(() => parseEnv({ DATA_DIR: dir, ...vars })).toThrow(message)
  })
})
