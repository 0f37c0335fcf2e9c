import { AppError } from '@/lib/errors'

export type IssuedPairingCode = { code: string; expiresAt: number }
type Waiter = { resolve(v: IssuedPairingCode): void; reject(e: Error): void }

/**
 * The pairing code of one socket opened in pairing mode (lib/sessions/session.ts): whether it was
 * asked of WhatsApp yet, the code once WhatsApp handed it out, and the API calls waiting for it.
 */
export class PairingCodeRequest {
  private issuedCode: IssuedPairingCode | undefined
  private waiters: Waiter[] = []
  private asked = false

  /** the code was asked of WhatsApp (once per socket) */
  get requested(): boolean {
    return this.asked
  }

  /** Marks the request as sent; false when it already was. */
  markRequested(): boolean {
    if (this.asked) return false
    this.asked = true
    return true
  }

  /** Resolves with the code, at once when it is already issued; rejects after `timeoutMs`. */
  wait(timeoutMs: number): Promise<IssuedPairingCode> {
    if (this.issuedCode) return Promise.resolve({ ...this.issuedCode })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new AppError('unavailable', 'WhatsApp did not hand out a pairing code in time; try again.')),
        timeoutMs,
      )
      this.waiters.push({
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
    })
  }

  /** WhatsApp handed out the code: every waiter gets it, later ones at once. */
  issue(code: IssuedPairingCode): void {
    this.issuedCode = code
    for (const w of this.waiters.splice(0)) w.resolve({ ...code })
  }

  /** Rejects everyone waiting now (a refused request, a closed socket); later waiters still wait. */
  fail(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err)
  }
}
