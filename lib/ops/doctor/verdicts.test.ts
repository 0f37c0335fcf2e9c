import { describe, expect, it } from 'vitest'
import { diskVerdict, MIN_FREE_BYTES } from './data'
import { checkNode } from './install'

describe('doctor verdicts', () => {
  it('disk: fails below the minimum the database needs, warns below the media cache size', () => {
    const GiB = 1024 ** 3
    expect(diskVerdict(MIN_FREE_BYTES - 1, GiB, '/srv')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^255 MiB free on \/srv: the database may fail to commit$/) as unknown,
      fix: 'free space or move DATA_DIR to a larger disk',
    })
    expect(diskVerdict(GiB - 1, GiB, '/srv').status).toBe('warn')
    expect(diskVerdict(2 * GiB, GiB, '/srv').status).toBe('ok')
  })

  it('node: compares with package.json engines', () => {
    expect(checkNode('v24.10.0', '>=24.11').status).toBe('fail')
    expect(checkNode('v20.20.2', '>=24.11').message).toBe('Node.js v20.20.2 is older than 24.11 (package.json engines)')
    expect(checkNode('v24.11.0', '>=24.11').status).toBe('ok')
    expect(checkNode('v25.0.0', '>=24.11').status).toBe('ok')
  })
})
