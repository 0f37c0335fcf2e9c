import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/** The server refuses bad configuration before doing anything else, with one message naming the variable. */
describe('server start with invalid configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT'],
    [{ AUTH_SECRET: 'changeme' }, 'Invalid configuration: AUTH_SECRET'],
    [{ ENCRYPTION_KEY: 'too-short' }, 'Invalid configuration: ENCRYPTION_KEY'],
    [{ WA_WS_URL: 'https://example.test' }, 'Invalid configuration: WA_WS_URL'],
  ])('%o stops the server with exit code 1', (vars, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-cfg-'))
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
      env: { ...process.env, DATA_DIR: dir, NODE_ENV: 'production', ...vars },
      encoding: 'utf8',
      timeout: 30_000,
    })
    fs.rmSync(dir, { recursive: true, force: true })
    expect(res.status).toBe(1)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toContain(message)
  })
})
