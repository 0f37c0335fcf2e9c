import fs from 'node:fs'
import path from 'node:path'
import { validate } from '@readme/openapi-parser'
import { describe, expect, it } from 'vitest'
import { Contract } from '../../tests/support/contract'
import { errorCodesOf, openApiDocument } from './openapi'
import type { Operation } from './operation'
import { OPERATIONS } from './operations'
import { ROUTE_METHODS } from './route'

type Doc = Parameters<typeof validate>[0] & {
  paths: Record<
    string,
    Record<string, Record<string, unknown> & { responses: Record<string, { content?: Record<string, Record<string, unknown>> }> }>
  >
}
const doc = openApiDocument('0.0.0-test') as unknown as Doc

function routeFiles(dir = 'app/api/v1'): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? routeFiles(p) : e.name === 'route.ts' ? [p] : []
  })
}

/** app/api/v1/accounts/[accountId]/qr/route.ts → /accounts/{accountId}/qr */
const templateOf = (file: string) =>
  path
    .dirname(file)
    .slice('app/api/v1'.length)
    .replace(/\[([^\].]+)\]/g, '{$1}')

const CATCH_ALL = 'app/api/v1/[[...path]]/route.ts'

describe('route files and operations', () => {
  it('every route file serves operations of the document at its own path, and exports every method', async () => {
    const served = new Set<Operation>()
    for (const file of routeFiles()) {
      const mod = (await import(/* @vite-ignore */ path.resolve(file))) as Record<string, unknown>
      for (const m of ROUTE_METHODS) expect(typeof mod[m], `${file} exports ${m} (a 405 in the envelope when not served)`).toBe('function')
      if (file === CATCH_ALL) continue
      const ops = ROUTE_METHODS.map((m) => (mod[m] as { operation?: Operation }).operation).filter((o): o is Operation => o !== undefined)
      expect(ops.length, `${file} serves at least one operation`).toBeGreaterThan(0)
      for (const op of ops) {
        expect(op.path, `${file}: ${op.id}`).toBe(templateOf(file))
        expect(OPERATIONS, `${op.id} (${file}) is in the OpenAPI operations`).toContain(op)
        expect(doc.paths[op.path]?.[op.method.toLowerCase()]?.operationId).toBe(op.id)
        served.add(op)
      }
    }
    expect(
      [...OPERATIONS].filter((op) => !served.has(op)).map((op) => op.id),
      'operations with no route file',
    ).toEqual([])
  })
})

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for a third-party validator', async () => {
    const result = await validate(structuredClone(doc))
    expect(result.valid ? [] : result.errors).toEqual([])
    expect(result.specification).toBe('OpenAPI')
    expect((doc as { openapi: string }).openapi).toBe('3.1.0')
  })

  it('documents for every operation its scope, parameters, error codes, and an example of each answer', () => {
    const contract = new Contract(doc as never)
    for (const op of OPERATIONS) {
      const o = doc.paths[op.path]?.[op.method.toLowerCase()]
      expect(o, op.id).toBeDefined()
      if (!o) continue
      expect(o['x-required-scope']).toBe(op.auth === 'public' ? null : op.auth.scope)
      for (const name of op.path.match(/\{(\w+)\}/g) ?? [])
        expect(o.parameters, `${op.id} documents ${name}`).toEqual(
          expect.arrayContaining([expect.objectContaining({ in: 'path', name: name.slice(1, -1), required: true })]),
        )
      if (op.body)
        expect(
          (o.requestBody as { content: Record<string, { example?: unknown }> }).content['application/json']?.example,
          `${op.id} request example`,
        ).toBeDefined()
      const success = o.responses[String(op.success.status)]
      if (op.success.schema) {
        const example = success?.content?.['application/json']?.example
        expect(example, `${op.id} success example`).toBeDefined()
        expect(
          contract.check(op.method, `/api/v1${op.path.replace(/\{\w+\}/g, 'x')}`, op.success.status, example),
          `${op.id} example matches its schema`,
        ).toBeUndefined()
      }
      for (const code of errorCodesOf(op)) {
        const examples = Object.values(o.responses)
          .map((r) => r.content?.['application/json']?.examples as Record<string, { value: { error: { code: string } } }> | undefined)
          .flatMap((e) => (e ? Object.values(e) : []))
        expect(
          examples.map((e) => e.value.error.code),
          `${op.id} documents ${code}`,
        ).toContain(code)
      }
    }
    expect(contract.violations).toEqual([])
  })
})
