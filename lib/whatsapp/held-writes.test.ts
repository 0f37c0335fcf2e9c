import { describe, expect, it } from 'vitest'
import { createHeldWrites } from './held-writes'

type E = { key: string; v: string }
const setup = () => {
  const commits: { entries: string[]; also: string[] }[] = []
  let also: string[] = []
  const held = createHeldWrites<E>((entries, fn) => {
    also = []
    fn?.()
    commits.push({ entries: entries.map((e) => `${e.key}=${e.v}`), also })
  })
  /** what a store's set does: hold, or commit now (as its own commit) */
  const set = async (...entries: E[]) => {
    const r = held.hold(entries.map((entry) => ({ key: entry.key, entry })))
    if (typeof r === 'boolean' ? r : await r) return
    commits.push({ entries: entries.map((e) => `${e.key}=${e.v}`), also: [] })
  }
  return { held, set, commits, addAlso: (s: string) => also.push(s) }
}
const tick = () => new Promise((r) => setImmediate(r))

describe('held key writes', () => {
  it('holds what is written inside run, shows it to readers, and commits it with `also` once the work resolves', async () => {
    const { held, set, commits, addAlso } = setup()
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    const running = held.run(
      async () => {
        await set({ key: 'session:a', v: '2' })
        await gate
        return 'plain'
      },
      (result) => addAlso(`journal:${result}`),
    )
    await tick()
    expect(commits).toEqual([])
    expect(held.read('session:a')?.value.v).toBe('2')
    release()
    expect(await running).toBe('plain')
    expect(commits).toEqual([{ entries: ['session:a=2'], also: ['journal:plain'] }])
    expect(held.read('session:a')).toBeUndefined()
  })

  it('on an error commits only what was written before it, without `also`, and rethrows', async () => {
    const { held, set, commits, addAlso } = setup()
    await expect(
      held.run(
        async () => {
          await set({ key: 'identity:a', v: '1' })
          throw new Error('Key used already')
        },
        () => addAlso('journal'),
      ),
    ).rejects.toThrow('Key used already')
    expect(commits).toEqual([{ entries: ['identity:a=1'], also: [] }])
    expect(held.read('identity:a')).toBeUndefined()
  })

  it('a write from outside to a held key waits for the hold to commit; other keys are written at once', async () => {
    const { held, set, commits } = setup()
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    const running = held.run(
      async () => {
        await set({ key: 'session:a', v: 'decrypted' })
        await gate
        return 'x'
      },
      () => undefined,
    )
    await tick()
    const other = set({ key: 'session:b', v: '1' })
    const same = set({ key: 'session:a', v: 'encrypted-after' })
    await other
    await tick()
    expect(commits.map((c) => c.entries)).toEqual([['session:b=1']])
    release()
    await running
    await same
    expect(commits.map((c) => c.entries)).toEqual([['session:b=1'], ['session:a=decrypted'], ['session:a=encrypted-after']])
  })

  it('two holds on the same key commit in order: the second waits for the first', async () => {
    const { held, set, commits } = setup()
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    const first = held.run(
      async () => {
        await set({ key: 'session:a', v: '1' })
        await gate
        return 1
      },
      () => undefined,
    )
    await tick()
    const second = held.run(
      async () => {
        await set({ key: 'session:a', v: '2' })
        return 2
      },
      () => undefined,
    )
    await tick()
    expect(commits).toEqual([])
    release()
    await Promise.all([first, second])
    expect(commits.map((c) => c.entries)).toEqual([['session:a=1'], ['session:a=2']])
  })

  it('a write that runs in a finished context (queued inside it, run later) is written directly', async () => {
    const { held, set, commits } = setup()
    let later: Promise<void> | undefined
    await held.run(
      async () => {
        later = new Promise<void>((r) => setTimeout(r, 5)).then(() => set({ key: 'lid:a', v: '1' }))
        return 0
      },
      () => undefined,
    )
    await later
    expect(commits.map((c) => c.entries)).toEqual([[], ['lid:a=1']])
  })

  it('a nested run is part of the outer one: one commit, both `also`s', async () => {
    const { held, set, commits, addAlso } = setup()
    await held.run(
      async () => {
        await set({ key: 'session:a', v: '1' })
        await held.run(
          async () => {
            await set({ key: 'session:a', v: '2' })
            return 'inner'
          },
          (r) => addAlso(r),
        )
        return 'outer'
      },
      (r) => addAlso(r),
    )
    expect(commits).toEqual([{ entries: ['session:a=2'], also: ['inner', 'outer'] }])
  })
})
