import { Writable } from 'node:stream'
import pino from 'pino'

/** A JSON logger whose lines are kept, parsed, in `lines`: for tests that assert what was logged. */
export function captureLogs(level = 'debug'): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>)
        done()
      },
    }),
  )
  return { logger, lines }
}
