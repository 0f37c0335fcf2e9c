/** Errors of the simulator's API, mapped to HTTP status by the admin API. */
export const SIM_ERROR_STATUS = {
  bad_request: 400,
  not_found: 404,
  unknown_message: 404,
  method_not_allowed: 405,
  conflict: 409,
  device_offline: 409,
  invalid_input: 422,
  invalid_qr: 422,
  unknown_ref: 404,
  no_pending_pairing: 404,
  pairing_failed: 422,
  payload_too_large: 413,
  internal: 500,
} as const

export type SimErrorCode = keyof typeof SIM_ERROR_STATUS

export class SimError extends Error {
  readonly status: number
  constructor(
    readonly code: SimErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'SimError'
    this.status = SIM_ERROR_STATUS[code]
  }
}

/** The message of anything thrown (an Error's message, else the value as a string), for logs. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err))
