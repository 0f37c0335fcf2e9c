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

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
const anchorsOf = (file: string) =>
  new Set(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, ''))),
  )

/** Markdown links relative to the document (`benchmarks.md#media`, `../docs/x.md`): [target, anchor]. */
function relativeLinks(text: string): [string, string | undefined][] {
  const found: [string, string | undefined][] = []
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = m[1] ?? ''
    if (/^[a-z]+:/i.test(link)) continue
    const [target = '', anchor] = link.split('#')
    found.push([target, anchor])
  }
  return found
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

    it(`${doc}: every relative link reaches a file, and its #anchor a heading there`, () => {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf8')
      const broken: string[] = []
      for (const [target, anchor] of relativeLinks(text)) {
        const file = target ? path.resolve(ROOT, path.dirname(doc), target) : path.join(ROOT, doc)
        if (!fs.existsSync(file)) broken.push(`${target}: no such file`)
        else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor)) broken.push(`${target}#${anchor}: no such heading`)
      }
      expect(broken).toEqual([])
    })
  }
})
