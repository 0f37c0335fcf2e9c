import type { z } from 'zod'
import type { ErrorCode } from '@/lib/errors'
import type { Scope } from '@/lib/keys/scopes'

/**
 * One HTTP operation of the API, declared once: the route wrapper enforces it (authentication, the
 * scope, the account, validation, body cap, audit) and the OpenAPI document is generated from it.
 * `auth` is required: an operation without a declared scope does not type-check.
 */
export type OperationAuth = 'public' | { scope: Scope }

export type ReadMethod = 'GET'
export type WriteMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export type HttpMethod = ReadMethod | WriteMethod

type Schema = z.ZodType
export type Out<S> = S extends z.ZodType ? z.output<S> : undefined
export type In<S> = S extends z.ZodType ? z.input<S> : undefined

export type SuccessSpec<R> = {
  status: 200 | 201 | 202 | 204
  description: string
  /** the JSON body (none for 204) */
  schema?: R
  example?: In<R>
  /** a body that is not JSON (e.g. a file's bytes): its media type in the document; the handler returns a Response */
  binary?: { contentType: string }
}

/**
 * What the audit log records about a successful write (action name, and optionally its target and
 * details), or why it records nothing (`{ skip }`, for a write that changes nothing worth recording).
 * A read may declare one too, when reading is itself worth knowing about (a QR code links a phone).
 */
export type AuditSpec<P, B, R> = AuditRecord<P, B, R> | { skip: string }

export type AuditRecord<P, B, R> = {
  action: string
  /** default: the accountId or id in the path */
  target?: (a: { params: Out<P>; body: Out<B>; result: In<R> | undefined }) => string | null | undefined
  /** never secrets: this is stored */
  details?: (a: { params: Out<P>; body: Out<B>; result: In<R> | undefined }) => Record<string, unknown> | undefined
}

type OperationBase<A extends OperationAuth, P, Q, B, R> = {
  /** the OpenAPI operationId */
  id: string
  /** relative to /api/v1, with {param} templates: '/accounts/{accountId}' */
  path: string
  summary: string
  description?: string
  tag: string
  auth: A
  params?: P
  query?: Q
  body?: B
  bodyExample?: In<B>
  /** request headers the operation reads (lower-case names): documented, and validated before the handler runs */
  headers?: z.ZodObject
  /** a custom security note for the document (e.g. a query-string key) */
  authNote?: string
  /** a GET with an effect (it sends): HEAD answers 405 instead of running it */
  noHead?: true
  /** body cap for this route (default 64 KiB) */
  maxBodyBytes?: number
  /**
   * a body the handler reads itself (a multipart upload): documented with this schema and media
   * type; the wrapper does not read it
   */
  rawBody?: { contentType: string; schema: z.ZodType; description: string }
  success: SuccessSpec<R>
  /** other statuses answered with the success schema (not the error envelope), e.g. health's 503 */
  alsoAnswers?: readonly { status: number; description: string }[]
  /** the domain errors this operation can answer with, beyond those every operation of its kind can */
  errors?: readonly ErrorCode[]
}

export type Operation<
  A extends OperationAuth = OperationAuth,
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema | undefined = Schema | undefined,
> = OperationBase<A, P, Q, B, R> & ({ method: ReadMethod; audit?: AuditSpec<P, B, R> } | { method: WriteMethod; audit: AuditSpec<P, B, R> })

/** Declares an operation (an identity function that keeps the schemas' types). */
export function defineOperation<
  A extends OperationAuth,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema | undefined = undefined,
>(op: Operation<A, P, Q, B, R>): Operation<A, P, Q, B, R> {
  return op
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024
