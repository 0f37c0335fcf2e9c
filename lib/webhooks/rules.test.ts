import { describe, expect, it } from 'vitest'
import { CreateWebhookBody, UpdateWebhookBody } from '@/lib/api/schemas/webhooks'
import { headerNameProblem, headerValueProblem, isReservedHeader, mergeHeaders } from './rules'

describe('custom header rules', () => {
  it('refuses the headers the gateway sends itself, in any case', () => {
    for (const name of ['webhook-id', 'Webhook-Signature', 'webhook-anything', 'Content-Type', 'HOST', 'user-agent', 'Transfer-Encoding'])
      expect(isReservedHeader(name), name).toBe(true)
    for (const name of ['Authorization', 'X-Webhook-Token', 'x-api-key']) expect(isReservedHeader(name), name).toBe(false)
    expect(headerNameProblem('Bad Name')).toMatch(/not a header name/)
    expect(headerNameProblem('Authorization')).toBeNull()
  })

  it('refuses hop-by-hop and identity headers in any case, naming why', () => {
    const names = [
      'Host',
      'Connection',
      'Content-Length',
      'Transfer-Encoding',
      'Cookie',
      'Forwarded',
      'X-Forwarded-For',
      'x-forwarded-host',
    ]
    const more = [
      'Keep-Alive',
      'UPGRADE',
      'te',
      'Trailer',
      'Proxy-Authorization',
      'proxy-connection',
      'webhook-timestamp',
      'Via',
      'X-Real-IP',
    ]
    for (const name of [...names, ...more]) expect(headerNameProblem(name), name).toMatch(/cannot be/)
    expect(headerNameProblem('Cookie')).toBe('names the target or the caller and cannot be set')
    expect(headerNameProblem('Keep-Alive')).toBe('is a hop-by-hop or framing header and cannot be set')
    for (const name of ['X-Forwarded', 'X-Proxy-Token', 'Cookies-Accepted', 'Authorization'])
      expect(headerNameProblem(name), name).toBeNull()
  })

  it('takes one line of Latin-1 text without control characters as a value', () => {
    expect(headerValueProblem('Bearer abc\tdef; café ÿ')).toBeNull()
    expect(headerValueProblem('a\rInjected: 1')).toMatch(/one line/)
    expect(headerValueProblem('a\nInjected: 1')).toMatch(/one line/)
    for (const c of ['\0', '\x07', '\x1b', '\x7f', '\x85']) expect(headerValueProblem(`a${c}b`), JSON.stringify(c)).toMatch(/control/)
    for (const v of ['€', 'ā', '日本', '😀']) expect(headerValueProblem(v), v).toMatch(/Latin-1/)
  })

  it('merges new values with kept ones, keeping the stored spelling and value', () => {
    const stored = { Authorization: 'Bearer old', 'X-Drop': 'gone' }
    const merged = mergeHeaders(stored, { 'X-New': 'n' }, ['authorization'])
    expect(merged).toEqual({ headers: { Authorization: 'Bearer old', 'X-New': 'n' } })
    expect('headers' in merged && Object.keys(merged.headers)).toEqual(['Authorization', 'X-New']) // stored first, new after
    expect(mergeHeaders(stored, { Authorization: 'Bearer new' }, [])).toEqual({ headers: { Authorization: 'Bearer new' } })
    expect(mergeHeaders(stored, {}, [])).toEqual({ headers: {} })
  })

  it('refuses keeping what is not stored, keeping and replacing one header, twins, reserved names, bad values', () => {
    const refusal = (r: ReturnType<typeof mergeHeaders>) => ('error' in r ? `${r.name ?? '-'}: ${r.error}` : 'accepted')
    expect(refusal(mergeHeaders({}, {}, ['X-Missing']))).toMatch(/^X-Missing: .*no stored value/)
    expect(refusal(mergeHeaders({ A: '1' }, { a: '2' }, ['A']))).toMatch(/both kept/)
    expect(refusal(mergeHeaders({}, { 'X-A': '1', 'x-a': '2' }, []))).toMatch(/twice/)
    expect(refusal(mergeHeaders({}, { 'webhook-id': 'x' }, []))).toMatch(/set by the gateway/)
    expect(refusal(mergeHeaders({}, { 'X-A': 'a\r\nInjected: 1' }, []))).toMatch(/one line/)
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, 'v']))
    expect(refusal(mergeHeaders({}, many, []))).toMatch(/at most 20/)
  })
})

describe('the API schemas apply the same rules', () => {
  const issues = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
    (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`)

  it('refuses reserved, malformed and repeated header names with the header in the path', () => {
    expect(issues(CreateWebhookBody.safeParse({ url: 'https://a.example/h', headers: { 'Content-Type': 'x' } }))).toEqual([
      'headers.Content-Type: is set by the gateway and cannot be replaced',
    ])
    expect(issues(CreateWebhookBody.safeParse({ url: 'https://a.example/h', headers: { 'Bad Name': 'x' } }))).toEqual([
      'headers.Bad Name: is not a header name',
    ])
    expect(issues(UpdateWebhookBody.safeParse({ headers: { 'X-A': '1', 'x-a': '2' } }))).toEqual(['headers.x-a: is given twice'])
    expect(
      issues(CreateWebhookBody.safeParse({ url: 'https://a.example/h', headers: { 'X-Forwarded-For': '1.2.3.4', 'X-A': 'ümlaut ✓' } })),
    ).toEqual([
      'headers.X-A: must be Latin-1 text (ISO-8859-1): other characters cannot be sent in a header',
      'headers.X-Forwarded-For: names the target or the caller and cannot be set',
    ])
  })

  it('takes keepHeaders, and refuses a header both kept and replaced', () => {
    expect(UpdateWebhookBody.safeParse({ headers: { 'X-New': 'v' }, keepHeaders: ['Authorization'] }).success).toBe(true)
    expect(issues(UpdateWebhookBody.safeParse({ headers: { authorization: 'v' }, keepHeaders: ['Authorization'] }))).toEqual([
      'keepHeaders.0: is both kept and given a new value',
    ])
    expect(issues(UpdateWebhookBody.safeParse({ keepHeaders: ['webhook-id'] }))).toEqual([
      'keepHeaders.0: is set by the gateway and cannot be replaced',
    ])
  })
})
