import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from '@/lib/errors'

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[]

/** The one error envelope of the API. */
export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).meta({ description: 'stable, snake_case; branch on this' }),
      message: z.string().meta({ description: 'for people; may change' }),
      details: z.unknown().optional().meta({ description: 'more about the error, e.g. the invalid fields' }),
    }),
  })
  .meta({ id: 'Error' })

export const Health = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    version: z.string(),
    uptime: z.number().int().meta({ description: 'seconds since start' }),
    db: z.enum(['ok', 'unavailable']),
  })
  .meta({ id: 'Health' })
