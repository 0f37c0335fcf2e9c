import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OPERATIONS } from './operations'
import { ROUTES } from './routes.gen'
import { renderRoutes, ROUTES_FILE } from './routes-render'

describe('the browser client’s route table (lib/api/routes.gen.ts)', () => {
  it('is what the operation declarations render (after changing one, run `npm run api:routes`)', () => {
    expect(fs.readFileSync(ROUTES_FILE, 'utf8')).toBe(renderRoutes())
  })

  it('has every operation, by its operationId, with its declared method and path', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(OPERATIONS.map((op) => op.id).sort())
    for (const op of OPERATIONS)
      expect(ROUTES[op.id as keyof typeof ROUTES]).toEqual({
        method: op.method,
        path: op.path,
        form: op.rawBody !== undefined,
        json: op.success.schema !== undefined,
      })
  })
})
