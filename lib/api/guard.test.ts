import { describe, expect, it } from 'vitest'
import { refuseBeforeNext } from './guard'

describe('refuseBeforeNext', () => {
  it('answers malformed API paths 400 and unknown methods 405 with Allow (404 on unknown paths)', () => {
    expect(refuseBeforeNext('GET', '/api/v1/accounts/%zz')?.toJSON().error.code).toBe('bad_request')
    expect(refuseBeforeNext('GET', '/api/v1/accounts/%E0%A4%A?x=1')?.status).toBe(400)
    const trace = refuseBeforeNext('TRACE', '/api/v1/accounts/shop')
    expect(trace?.status).toBe(405)
    expect(trace?.headers).toEqual({ allow: 'DELETE, GET, HEAD, OPTIONS, PATCH' })
    expect(refuseBeforeNext('FOO', '/api/v1/accounts/shop/connect')?.headers).toEqual({ allow: 'OPTIONS, POST' })
    expect(refuseBeforeNext('FOO', '/api/v1/nothing')?.status).toBe(404)
    expect(refuseBeforeNext('TRACE', '/api/v1/accounts/../connect')?.status).toBe(404)
    expect(refuseBeforeNext('TRACE', '/api/v1/accounts/x/../y/connect')?.status).toBe(405)
  })

  it('leaves everything else to Next', () => {
    expect(refuseBeforeNext('GET', '/api/v1/accounts/shop')).toBeNull()
    expect(refuseBeforeNext('PUT', '/api/v1/accounts')).toBeNull()
    expect(refuseBeforeNext('GET', '/accounts/%zz')).toBeNull()
    expect(refuseBeforeNext('TRACE', '/login')).toBeNull()
    expect(refuseBeforeNext('GET', '/api/v1/health?a=%zz')).toBeNull()
  })
})
