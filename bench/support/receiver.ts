import { spawn } from 'node:child_process'
import path from 'node:path'
import { once } from 'node:events'

export type RemoteReceiver = {
  pid: number | undefined
  url(path: string): string
  counts(): Promise<Record<string, number>>
  /** every request: [path, webhook-id, time it ended (ms)] */
  dump(): Promise<[string, string, number][]>
  close(): Promise<void>
}

/** Starts bench/support/receiver-process.mjs and talks to it over loopback HTTP. */
export async function startReceiverProcess(): Promise<RemoteReceiver> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'receiver-process.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = (await once(child.stdout, 'data')) as [Buffer]
  const base = `http://127.0.0.1:${line.toString().trim()}`
  const get = async <T>(p: string): Promise<T> => (await (await fetch(base + p)).json()) as T
  return {
    pid: child.pid,
    url: (p) => base + p,
    counts: () => get('/_counts'),
    dump: () => get('/_dump'),
    async close() {
      child.kill('SIGTERM')
      if (child.exitCode === null) await once(child, 'exit')
    },
  }
}
