import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The README's lists of modules and benchmarks, bench/run.ts and docs/benchmarks.md follow the tree:
 * the expected names are read from the directories, so a new lib/ folder or benchmark that nobody
 * lists fails here.
 */
const ROOT = path.resolve(import.meta.dirname, '..')
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8')
const README = read('README.md')

const libFolders = fs
  .readdirSync(path.join(ROOT, 'lib'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
const benches = fs
  .readdirSync(path.join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))

/** The README's text under a `## heading`, up to the next one. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`README has no "## ${heading}" section`)
  const end = README.indexOf('\n## ', start + 1)
  return README.slice(start, end < 0 ? undefined : end)
}

describe('README and docs follow the tree', () => {
  it('the tree has what these checks read', () => {
    expect(libFolders.length).toBeGreaterThan(10)
    expect(benches.length).toBeGreaterThan(5)
  })

  it("the Architecture block's lib/ entry names every lib/ folder", () => {
    const block = /```\n([\s\S]*?)```/.exec(section('Architecture'))?.[1] ?? ''
    // the lib/ line and its indented continuation lines
    const entry = /^lib\/.*(?:\n {2,}.*)*/m.exec(block)?.[0] ?? ''
    expect(entry).not.toBe('')
    const named = new Set(entry.match(/[a-z][a-z-]*/g) ?? [])
    expect(libFolders.filter((f) => !named.has(f))).toEqual([])
  })

  it('"Tests and benchmarks" names every bench/*.bench.ts', () => {
    const text = section('Tests and benchmarks')
    expect(benches.filter((b) => !text.includes(`bench/${b}.bench.ts`))).toEqual([])
  })

  it('bench/run.ts runs every bench/*.bench.ts, and nothing else', () => {
    const listed = [...read('bench/run.ts').matchAll(/'bench\/([\w-]+)\.bench\.ts'/g)].map((m) => m[1])
    expect([...listed].sort()).toEqual([...benches].sort())
  })

  it('docs/benchmarks.md has a section for every benchmark, saying how to run it', () => {
    const doc = read('docs/benchmarks.md')
    const sections = new Map(
      doc
        .split(/\n(?=## )/)
        .filter((s) => s.startsWith('## '))
        .map((s) => [s.slice(3, s.indexOf('\n')).trim(), s]),
    )
    expect([...sections.keys()].sort()).toEqual([...benches].sort())
    for (const b of benches) expect(sections.get(b), b).toContain(`bench/${b}.bench.ts`)
  })

  it('the README names every document in docs/', () => {
    const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))
    expect(docs.filter((d) => !README.includes(`docs/${d}`))).toEqual([])
  })
})
