import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Every repository path the README and docs/ name (in backticks or as a link) exists, so a reader
 * who follows one lands on a file. Globs, placeholders and paths outside the repository are skipped.
 */
const ROOT = path.resolve(import.meta.dirname, '..')
const DOCS = ['README.md', 'sim/README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
)
const TOP = /^(app|lib|components|tests|e2e|bench|sim|scripts|docs|packages|drizzle|\.ci)\//
const TOP_FILES = new Set([
  'server.ts',
  'package.json',
  'tsconfig.json',
  'next.config.ts',
  'proxy.ts',
  'playwright.config.ts',
  'vitest.config.ts',
])

function namedPaths(text: string): string[] {
  const found = new Set<string>()
  for (const m of text.matchAll(/`([^`\s]+)`|\]\(([^)\s]+)\)/g)) {
    let p = (m[1] ?? m[2] ?? '').replace(/^\.\//, '')
    p = p
      .replace(/#.*$/, '')
      .replace(/:\d+(-\d+)?$/, '')
      .replace(/[.,;:]$/, '')
    if (/[*{}<>…]|^https?:|^\.\.\//.test(p)) continue
    // a dependency's own file (Baileys' lib/Utils/crypto.js, Node's lib/internal/…): ours are TypeScript
    if (/^lib\/.*\.js$/.test(p)) continue
    if (TOP.test(p) || TOP_FILES.has(p)) found.add(p)
  }
  return [...found]
}

describe('paths named in the README and docs/', () => {
  for (const doc of DOCS) {
    it(`${doc}: every named path exists`, () => {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8')
      // a module may be named without its extension (`lib/env`)
      const exists = (p: string) => ['', '.ts', '.tsx', '.mjs'].some((ext) => fs.existsSync(path.join(ROOT, p + ext)))
      const missing = namedPaths(text).filter((p) => !exists(p))
      expect(missing).toEqual([])
    })
  }
})
