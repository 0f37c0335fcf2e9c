import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * The dashboard's API client runs in the browser: it must not reach server code (no Node built-ins,
 * no database, no Baileys, no runtime), and it reads the operation declarations as types only, so
 * that not even zod is loaded. The declarations' schemas are kept browser-safe too (zod and
 * import-free modules only), so that a form may validate with them. This walks the imports that stay
 * in the bundle (type-only ones are erased) and lists each package it meets.
 */
const ROOT = path.resolve(__dirname, '../..')
/** the packages a declaration may use in the browser */
const BROWSER_PACKAGES = new Set(['zod', 'ulid'])

/** The specifiers of the imports and re-exports that survive compilation. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest)
  const out: string[] = []
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      if (clause?.phaseModifier === ts.SyntaxKind.TypeKeyword) continue
      const named = clause?.namedBindings
      const onlyTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly)
      if (!onlyTypes) out.push((node.moduleSpecifier as ts.StringLiteral).text)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      out.push((node.moduleSpecifier as ts.StringLiteral).text)
    }
  }
  return out
}

function resolveLocal(from: string, spec: string): string | null {
  const base = spec.startsWith('@/') ? path.join(ROOT, spec.slice(2)) : spec.startsWith('.') ? path.resolve(path.dirname(from), spec) : null
  if (base === null) return null
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate
  }
  throw new Error(`cannot resolve ${spec} from ${path.relative(ROOT, from)}`)
}

/** Every package reached from `entries`, with the chain of files that reached it. */
function packagesReached(entries: string[]): Map<string, string[]> {
  const found = new Map<string, string[]>()
  const seen = new Set<string>()
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return
    seen.add(file)
    const here = [...chain, path.relative(ROOT, file)]
    for (const spec of valueImports(file)) {
      const local = resolveLocal(file, spec)
      if (local) walk(local, here)
      else if (!found.has(spec)) found.set(spec, here)
    }
  }
  for (const e of entries) walk(e, [])
  return found
}

describe('the browser API client', () => {
  const operations = fs
    .readdirSync(path.join(ROOT, 'lib/api/operations'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join(ROOT, 'lib/api/operations', f))
  it('loads no package at all: the route table and the client only', () => {
    expect([...packagesReached([path.join(ROOT, 'lib/api/client.ts')])]).toEqual([])
  })

  it('keeps the operation declarations browser-safe: zod, ulid and import-free modules', () => {
    const reached = packagesReached(operations)
    const server = [...reached].filter(([pkg]) => !BROWSER_PACKAGES.has(pkg)).map(([pkg, chain]) => `${pkg} via ${chain.join(' → ')}`)
    expect(server).toEqual([])
    expect([...reached.keys()]).toContain('zod')
  })

  it('would notice a server import (the walk follows aliases, relative paths and re-exports)', () => {
    const reached = packagesReached([path.join(ROOT, 'lib/sessions/manager.ts'), path.join(ROOT, 'lib/db/schema.ts')])
    expect([...reached.keys()]).toEqual(expect.arrayContaining(['node:crypto', 'drizzle-orm', '@whiskeysockets/baileys']))
  })
})
