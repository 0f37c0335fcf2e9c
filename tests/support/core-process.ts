import { type ChildProcess, spawn } from 'node:child_process'
import readline from 'node:readline'
import { until } from './gateway-harness'

export type Event = { event: string; [k: string]: unknown }

/** The gateway core as a real child process (tests/support/messages-process.ts) that can be SIGKILLed. */
export function spawnCore(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'tests/support/messages-process.ts'], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const events: Event[] = []
  const stderr: string[] = []
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()))
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Event)
    } catch {
      stderr.push(line)
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ? -1 : code)))
  return {
    child,
    events,
    exited,
    command: (c: Record<string, unknown>) => child.stdin?.write(`${JSON.stringify(c)}\n`),
    waitFor: (match: (e: Event) => boolean, what: string, timeoutMs = 30_000) =>
      until(
        () => {
          const err = events.find((e) => e.event === 'error')
          if (err) throw new Error(`core process: ${String(err.message)}`)
          return events.find(match)
        },
        timeoutMs,
        `${what} (stderr: ${stderr.join('').slice(-2000)})`,
      ),
  }
}
