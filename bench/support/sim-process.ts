import { BufferJSON } from '@whiskeysockets/baileys'
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** The simulator in its own process (`npm run sim`), so its CPU and memory are not the gateway's. */
export type SimProcess = {
  child: ChildProcess
  wsUrl: string
  admin: string
  call<T>(method: string, path: string, body?: unknown): Promise<T>
  stop(): Promise<void>
}

export async function startSimProcess(extraArgs: string[] = []): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'sim/cli.ts', '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  let wsUrl = ''
  let admin = ''
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)))
    lines.on('line', (line) => {
      wsUrl ||= /WebSocket:\s+(\S+)/.exec(line)?.[1] ?? ''
      admin ||= /Admin API:\s+(\S+)/.exec(line)?.[1] ?? ''
      if (wsUrl && admin) resolve()
    })
  })
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(admin + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
    return JSON.parse(text, BufferJSON.reviver) as T
  }
  return {
    child,
    wsUrl,
    admin,
    call,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve()
          return
        }
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
