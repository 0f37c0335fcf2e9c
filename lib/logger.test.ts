import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { REDACT_PATHS, resolveLogFormat } from './logger'

describe('resolveLogFormat', () => {
  it('auto gives readable lines at a terminal and JSON lines elsewhere', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty')
    expect(resolveLogFormat('auto', false)).toBe('json')
  })

  it('an explicit format wins over the terminal check', () => {
    expect(resolveLogFormat('json', true)).toBe('json')
    expect(resolveLogFormat('pretty', false)).toBe('pretty')
  })
})

describe('redaction', () => {
  it('never writes a password, token or authorization header, at any depth listed', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString())
        cb()
      },
    })
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink)
    log.info({ password: 'hunter2', body: { token: 'tok-123' }, req: { headers: { authorization: 'Bearer wag_secret' } } }, 'x')
    const out = lines.join('')
    expect(out).not.toMatch(/hunter2|tok-123|wag_secret/)
    expect(out).toContain('[redacted]')
  })
})
