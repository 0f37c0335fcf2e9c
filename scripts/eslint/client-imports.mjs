// ESLint rule `gateway/client-imports`: what code that may run in the browser can import. A module is
// client code when it starts with 'use client' or is listed in `clientModules` (a path, or a folder
// ending in '/'). Client code may import, as values, only other client modules, the packages listed
// in `packages`, and 'use server' modules (Next turns those into action references). Type-only
// imports are erased and stay free. Because listed modules are checked by the same rule, the client
// set is closed: nothing reaches the browser bundle that the list does not name.
//
// Why a lint rule and not the `server-only` package: server.ts, vitest and the benchmarks load lib/
// under plain Node, where `server-only` throws on import; the rule gives the same guarantee (no
// server module in a client bundle) without marking every server module, and fails in `npm test`.
import fs from 'node:fs'
import path from 'node:path'

const EXTENSIONS = ['', '.ts', '.tsx', '.js', '.mjs', '/index.ts', '/index.tsx']

const startsWithDirective = (body, directive) => {
  for (const stmt of body) {
    if (stmt.type !== 'ExpressionStatement' || typeof stmt.directive !== 'string') return false
    if (stmt.directive === directive) return true
  }
  return false
}

/** The first statement of a file is 'use server' (read as text: the file is not parsed here). */
const isServerActionFile = (file) => /^\s*(?:\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*['"]use server['"]/.test(fs.readFileSync(file, 'utf8'))

function resolveLocal(root, fromFile, spec) {
  const base = spec.startsWith('@/') ? path.join(root, spec.slice(2)) : path.resolve(path.dirname(fromFile), spec)
  for (const ext of EXTENSIONS) {
    const candidate = base + ext
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate
  }
  return undefined
}

export const clientImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Client code imports only client-safe modules (docs/architecture.md, layers).' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          clientModules: { type: 'array', items: { type: 'string' } },
          packages: { type: 'array', items: { type: 'string' } },
        },
        required: ['root', 'clientModules', 'packages'],
        additionalProperties: false,
      },
    ],
    messages: {
      module:
        "'{{spec}}' is not client-safe: client code ('use client', components/, or a module listed as client-safe in eslint.config.mjs) imports values only from client-safe modules, 'use server' actions, or listed packages. Pass server data as props, import a type with `import type`, or list the module once it imports nothing server-side.",
      package: "Package '{{spec}}' is not on the client-safe package list in eslint.config.mjs.",
      unresolved: "'{{spec}}' could not be resolved, so it cannot be checked as client-safe.",
    },
  },
  create(context) {
    const { root, clientModules, packages } = context.options[0]
    const listed = (file) => {
      const rel = path.relative(root, file).split(path.sep).join('/')
      return clientModules.some((m) => (m.endsWith('/') ? rel.startsWith(m) : rel === m))
    }
    const filename = context.physicalFilename
    let isClient = listed(filename)

    const check = (source, typeOnly) => {
      if (!isClient || typeOnly || !source || typeof source.value !== 'string') return
      const spec = source.value
      if (!spec.startsWith('.') && !spec.startsWith('@/')) {
        if (!packages.some((p) => spec === p || spec.startsWith(`${p}/`)))
          context.report({ node: source, messageId: 'package', data: { spec } })
        return
      }
      const file = resolveLocal(root, filename, spec)
      if (!file) context.report({ node: source, messageId: 'unresolved', data: { spec } })
      else if (!listed(file) && !isServerActionFile(file)) context.report({ node: source, messageId: 'module', data: { spec } })
    }
    const allTypes = (specifiers) => specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')

    return {
      Program(node) {
        if (!isClient) isClient = startsWithDirective(node.body, 'use client')
      },
      ImportDeclaration(node) {
        check(node.source, node.importKind === 'type' || allTypes(node.specifiers))
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node.source, node.exportKind === 'type' || allTypes(node.specifiers))
      },
      ExportAllDeclaration(node) {
        check(node.source, node.exportKind === 'type')
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, false)
      },
    }
  },
}

const plugin = { rules: { 'client-imports': clientImports } }
export default plugin
