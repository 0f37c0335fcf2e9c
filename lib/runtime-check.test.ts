import { describe, expect, it } from 'vitest'
import { unsupportedNodeMessage } from './runtime-check'

describe('unsupportedNodeMessage', () => {
  it('refuses Node 20 and 22 with one line that says how to start the gateway', () => {
    for (const v of ['v20.20.2', 'v22.12.0', 'v18.0.0']) {
      const msg = unsupportedNodeMessage(v)
      expect(msg).toContain(`this is Node.js ${v}`)
      expect(msg).toContain('npm start')
      expect(msg).not.toContain('\n')
    }
  })

  it('accepts Node 24 and newer, including the one running this test', () => {
    expect(unsupportedNodeMessage('v24.21.0')).toBeNull()
    expect(unsupportedNodeMessage('v26.1.0')).toBeNull()
    expect(unsupportedNodeMessage(process.version)).toBeNull()
  })

  it('refuses a version string it cannot read rather than guessing', () => {
    expect(unsupportedNodeMessage('garbage')).not.toBeNull()
  })
})
