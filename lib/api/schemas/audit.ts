import { z } from 'zod'

const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' })

export const AuditQuery = z.strictObject({
  actorId: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'operator:<id>, api_key:<id> or api_key:env', examples: ['operator:1'] }),
  action: z
    .string()
    .max(100)
    .optional()
    .meta({ examples: ['account.connect'] }),
  target: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'an account id, key id…', examples: ['support'] }),
  since: Instant.optional().meta({ description: 'at or after this instant' }),
  until: Instant.optional().meta({ description: 'at or before this instant' }),
  before: z.coerce.number().int().positive().optional().meta({ description: 'the `nextBefore` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actor: z.string().meta({ description: 'readable: an email, or a key name and prefix' }),
    actorId: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.unknown(),
  })
  .meta({ id: 'AuditEntry' })

export const AuditPage = z
  .object({
    data: z.array(AuditEntry),
    nextBefore: z.number().int().nullable().meta({ description: 'pass as `before` for the next page; null on the last page' }),
  })
  .meta({ id: 'AuditPage' })
