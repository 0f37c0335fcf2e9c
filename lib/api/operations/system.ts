import { z } from 'zod'
import { defineOperation } from '../operation'
import { AuditPage, AuditQuery } from '../schemas/audit'
import { Health } from '../schemas/common'

export const getHealth = defineOperation({
  id: 'getHealth',
  method: 'GET',
  path: '/health',
  tag: 'System',
  summary: 'Health',
  description: 'Whether the gateway and its database answer. 503 (same body) when the database does not. No authentication.',
  auth: 'public',
  success: { status: 200, description: 'Healthy', schema: Health, example: { status: 'ok', version: '0.1.0', uptime: 3600, db: 'ok' } },
  alsoAnswers: [{ status: 503, description: 'The database does not answer (same body, `status: "unavailable"`)' }],
})

export const getOpenApi = defineOperation({
  id: 'getOpenApi',
  method: 'GET',
  path: '/openapi.json',
  tag: 'System',
  summary: 'This OpenAPI document',
  description: 'The OpenAPI 3.1 contract of the API. No authentication (it holds no secrets).',
  auth: 'public',
  success: {
    status: 200,
    description: 'The document',
    schema: z.record(z.string(), z.unknown()).meta({ id: 'OpenApiDocument' }),
    example: { openapi: '3.1.0', info: { title: 'WA Gateway API', version: '0.1.0' } },
  },
})

export const listAudit = defineOperation({
  id: 'listAudit',
  method: 'GET',
  path: '/audit',
  tag: 'System',
  summary: 'Read the audit log',
  description:
    'Every change made through the API, newest first, with its actor, address and request id. Filter by actor, action, target and time; page with `before`.',
  auth: { scope: 'admin' },
  query: AuditQuery,
  success: {
    status: 200,
    description: 'One page of entries',
    schema: AuditPage,
    example: {
      data: [
        {
          id: 42,
          at: '2026-01-01T10:00:00.000Z',
          actor: 'admin@example.com',
          actorId: 'operator:1',
          action: 'account.connect',
          target: 'support',
          ip: '203.0.113.7',
          requestId: '4b0e9d6c-1f55-4c3e-9a53-7d1c2c0a9e10',
          details: null,
        },
      ],
      nextBefore: 42,
    },
  },
})

export const systemOperations = [getHealth, getOpenApi, listAudit]
