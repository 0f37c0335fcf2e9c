/**
 * The one error type of the gateway. Domain code throws AppError with a code from the closed list
 * below; the route wrapper maps it to the HTTP envelope {"error": {code, message, details}}.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  insufficient_scope: 403,
  not_found: 404,
  no_qr: 404,
  conflict: 409,
  already_exists: 409,
  already_connected: 409,
  not_connected: 503,
  edit_window_expired: 422,
  delete_window_expired: 422,
  message_not_editable: 422,
  idempotency_mismatch: 422,
  not_cancellable: 409,
  setup_closed: 409,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_attempts: 429,
  quota_exceeded: 429,
  auth_state_corrupt: 500,
  internal: 500,
  unavailable: 503,
  media_url_forbidden: 422,
  media_unverifiable: 422,
  webhook_url_forbidden: 422,
  url_forbidden: 422,
  upstream_failed: 502,
  upstream_timeout: 504,
  media_type_mismatch: 422,
  media_expired: 422,
  media_gone: 410,
  cursor_expired: 410,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

/**
 * Next bundles its own copy of lib/, so an AppError thrown by an object server.ts built (the session
 * manager) is not `instanceof` the route handler's AppError class. A global brand identifies it
 * across module copies.
 */
const BRAND = Symbol.for('wa-gateway.AppError')

export class AppError extends Error {
  readonly [BRAND] = true
  readonly code: ErrorCode
  readonly status: number
  readonly details?: unknown
  /** seconds, for 429/503 answers that carry Retry-After */
  readonly retryAfter?: number
  /** extra response headers (e.g. Allow on a 405) */
  readonly headers?: Record<string, string>

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: unknown; retryAfter?: number; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause })
    this.name = 'AppError'
    this.code = code
    this.status = ERROR_STATUS[code]
    this.details = opts.details
    this.retryAfter = opts.retryAfter
    this.headers = opts.headers
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } }
  }
}

export const isAppError = (e: unknown): e is AppError => typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true
