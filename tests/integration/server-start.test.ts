import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { describe, expect, it } from 'vitest'

/** The server refuses bad configuration before doing anything else, with one message naming the variable. */
describe('server start with invalid configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT'],
    [{ AUTH_SECRET: 'changeme' }, 'Invalid configuration: AUTH_SECRET'],
    [{ ENCRYPTION_KEY: 'too-short' }, 'Invalid configuration: ENCRYPTION_KEY'],
    [{ WA_WS_URL: 'https://example.test' }, 'Invalid configuration: WA_WS_URL'],
    [{ WA_WS_URL: 'ws://127.0.0.1:9400/ws/chat' }, 'WA_WS_URL is refused in production unless ALLOW_CUSTOM_WA_URL=1'],
    [{ NODE_ENV: 'development', HOST: '0.0.0.0' }, 'Invalid configuration: HOST 0.0.0.0 is not a loopback address'],
  ])('%o stops the server with exit code 1', (vars, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-cfg-'))
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
      env: { ...process.env, DATA_DIR: dir, NODE_ENV: 'production', ALLOW_CUSTOM_WA_URL: '', ...vars } as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 30_000,
    })
    fs.rmSync(dir, { recursive: true, force: true })
    expect(res.status).toBe(1)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toContain(message)
  })
})

describe('server start without NODE_ENV', () => {
  it('runs the production server, never the development one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-noenv-'))
    const { NODE_ENV: _unset, ...parentEnv } = process.env
    // Next's types declare NODE_ENV as always present; leaving it out is the point of this test.
    const env = { ...parentEnv, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_FORMAT: 'json', NEXT_TELEMETRY_DISABLED: '1' }
    const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
      env: env as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no "gateway ready" line within 60 s')), 60_000)
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)))
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          const rec = (() => {
            try {
              return JSON.parse(line) as Record<string, unknown>
            } catch {
              return null
            }
          })()
          if (rec?.msg === 'gateway ready') {
            clearTimeout(timer)
            resolve(rec)
          }
        })
      })
      expect(ready.dev).toBe(false)
      const res = await fetch(`http://127.0.0.1:${String(ready.port)}/login`)
      // Next's development server would send its dev overlay scripts and an eval-friendly CSP.
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-eval')
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
