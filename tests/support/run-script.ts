import { spawn } from 'node:child_process'
import path from 'node:path'

export type ScriptResult = { code: number | null; stdout: string; stderr: string }

const repo = process.cwd()

/**
 * Runs one of the operator commands in scripts/ as `npm run <name>` runs it (node --import tsx), with
 * `env` on top of this process's environment; resolves when it exits. `cwd` runs it from another
 * directory as if that were the installation (its package.json, .next and drizzle/ are used; tsx and
 * the code still come from this checkout); `node` runs it on another Node binary.
 */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
  opts: { cwd?: string; node?: string; timeoutMs?: number } = {},
): Promise<ScriptResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000
  return new Promise((resolve, reject) => {
    // tsx's main export, by path: from another cwd a bare `tsx` would not resolve
    const tsx = path.join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')
    const child = spawn(opts.node ?? process.execPath, ['--import', tsx, path.resolve(repo, script), ...args], {
      cwd: opts.cwd ?? repo,
      env: { ...process.env, LOG_LEVEL: 'silent', TSX_TSCONFIG_PATH: path.join(repo, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
