/**
 * Breaking things on demand. Per-device disconnect kinds act on the device's open, logged-in
 * connection(s); upgrade rejection is global because the device is only known after the Noise
 * handshake, i.e. after the upgrade it would reject.
 */
import type { SimConnection } from './transport/connection'

export const DISCONNECT_KINDS = [
  'stream_error_401',
  'stream_error_403',
  'stream_error_408',
  'stream_error_428',
  'stream_error_500',
  'stream_error_503',
  'stream_error_515',
  'conflict',
  'failure_401',
  'stream_end',
  'close',
  'reset',
  'silent',
] as const

export type DisconnectKind = (typeof DISCONNECT_KINDS)[number]

/** `lastDisconnect.error.output.statusCode` Baileys rc14 reports for each kind (verified by the tests). */
export const BAILEYS_STATUS_FOR: Record<DisconnectKind, number> = {
  stream_error_401: 401,
  stream_error_403: 403,
  stream_error_408: 408,
  stream_error_428: 428,
  stream_error_500: 500,
  stream_error_503: 503,
  stream_error_515: 515,
  conflict: 440,
  failure_401: 401,
  stream_end: 428,
  close: 428,
  reset: 428,
  silent: 408,
}

export const DISCONNECT_DESCRIPTIONS: Record<DisconnectKind, string> = {
  stream_error_401: '<stream:error code=401/> (logged out)',
  stream_error_403: '<stream:error code=403/> (forbidden)',
  stream_error_408: '<stream:error code=408/> (timed out)',
  stream_error_428: '<stream:error code=428/> (connection closed)',
  stream_error_500: '<stream:error code=500/> (bad session)',
  stream_error_503: '<stream:error code=503/> (service unavailable)',
  stream_error_515: '<stream:error code=515/> (restart required)',
  conflict: '<stream:error><conflict type=replaced/></stream:error> (another client took over)',
  failure_401: '<failure reason=401/> (login refused)',
  stream_end: '<xmlstreamend/> (server ends the stream)',
  close: 'WebSocket close frame',
  reset: 'abrupt TCP reset, no close frame',
  silent: 'the server stops answering and reading; Baileys notices at its keep-alive check',
}

export const applyDisconnect = (conn: SimConnection, kind: DisconnectKind): void => {
  const code = /^stream_error_(\d+)$/.exec(kind)?.[1]
  if (code) {
    conn.streamError(Number(code))
    return
  }
  switch (kind) {
    case 'conflict':
      conn.streamError(undefined, { tag: 'conflict', attrs: { type: 'replaced' } })
      return
    case 'failure_401':
      conn.send({ tag: 'failure', attrs: { reason: '401', location: 'sim' } })
      return
    case 'stream_end':
      conn.send({ tag: 'xmlstreamend', attrs: {} })
      return
    case 'close':
      conn.close()
      return
    case 'reset':
      conn.reset()
      return
    case 'silent':
      conn.silent = true
      return
  }
}

export type UpgradeFaultSettings = {
  /** reject the next N WebSocket upgrades, or all (true) until set to false/0 */
  rejectUpgrades: number | boolean
  /** HTTP status for rejected upgrades (default 403) */
  rejectStatus: number
}

export class UpgradeFaults {
  private remaining: number | 'all' = 0
  private status = 403
  rejected = 0

  set(settings: Partial<UpgradeFaultSettings>): void {
    if (settings.rejectUpgrades !== undefined) {
      const r = settings.rejectUpgrades
      this.remaining = r === true ? 'all' : r === false ? 0 : r
    }
    if (settings.rejectStatus !== undefined) this.status = settings.rejectStatus
  }

  get(): UpgradeFaultSettings & { rejected: number } {
    return { rejectUpgrades: this.remaining === 'all' ? true : this.remaining, rejectStatus: this.status, rejected: this.rejected }
  }

  /** Consumes one rejection if armed; returns the HTTP status to answer with. */
  take(): number | undefined {
    if (this.remaining === 0) return undefined
    if (this.remaining !== 'all') this.remaining--
    this.rejected++
    return this.status
  }
}
