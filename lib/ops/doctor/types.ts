/** One line of `npm run doctor`: what was checked, how it went, and what to do when it did not go well. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip'
export type CheckResult = { check: string; status: CheckStatus; message: string; fix?: string }

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' }

export function formatResult(r: CheckResult): string {
  return `${LABEL[r.status]}  ${r.check.padEnd(12)} ${r.message}${r.fix && r.status !== 'ok' ? ` → ${r.fix}` : ''}`
}

export function summarize(results: CheckResult[]): { line: string; failed: number } {
  const n = (s: CheckStatus) => results.filter((r) => r.status === s).length
  const failed = n('fail')
  return {
    line: `doctor: ${n('ok')} ok, ${n('warn')} warnings, ${failed} failed${n('skip') ? `, ${n('skip')} skipped` : ''}`,
    failed,
  }
}

export const ok = (check: string, message: string): CheckResult => ({ check, status: 'ok', message })
export const warn = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'warn', message, fix })
export const fail = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'fail', message, fix })
export const skip = (check: string, message: string): CheckResult => ({ check, status: 'skip', message })
