import { describe, expect, it } from 'vitest'
import { KeyedLock } from './lock'

describe('KeyedLock', () => {
  it('runs work for one key one at a time, in order, and survives a failure', async () => {
    const lock = new KeyedLock()
    const log: string[] = []
    const task = (name: string, ms: number, fail = false) =>
      lock.run('a', async () => {
        log.push(`start ${name}`)
        await new Promise((r) => setTimeout(r, ms))
        log.push(`end ${name}`)
        if (fail) throw new Error(name)
        return name
      })
    const results = await Promise.allSettled([task('1', 20), task('2', 5, true), task('3', 1)])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3'])
  })

  it('lets different keys run in parallel', async () => {
    const lock = new KeyedLock()
    const log: string[] = []
    await Promise.all([
      lock.run('a', async () => {
        log.push('a start')
        await new Promise((r) => setTimeout(r, 20))
        log.push('a end')
      }),
      lock.run('b', async () => {
        log.push('b start')
        log.push('b end')
      }),
    ])
    expect(log.indexOf('b end')).toBeLessThan(log.indexOf('a end'))
  })
})
