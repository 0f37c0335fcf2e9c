import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'

describe('npm run sim (cli.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wa-sim-cli-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints its URLs, serves the admin API, and stops cleanly on SIGTERM writing the state file', async () => {
    const statePath = join(dir, 'state.json')
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', '--port', '0', '--state', statePath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('exit', (code) => resolve(code))
      child.once('error', reject)
    })
    try {
      const urls: Record<string, string> = {}
      for await (const line of createInterface({ input: child.stdout })) {
        const m = /(WebSocket|Admin API):\s+(\S+)/.exec(line)
        if (m?.[1] && m[2]) urls[m[1]] = m[2]
        if (urls.WebSocket && urls['Admin API']) break
      }
      expect(urls.WebSocket).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/)
      const admin = urls['Admin API'] ?? ''
      expect(await (await fetch(`${admin}/health`)).json()).toMatchObject({ ok: true, wsUrl: urls.WebSocket })
      const created = await fetch(`${admin}/users`, { method: 'POST', body: JSON.stringify({ phone: '15550501', name: 'Cli' }) })
      expect(created.status).toBe(201)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(readFileSync(statePath, 'utf8')).toContain('15550501')
  })
})
