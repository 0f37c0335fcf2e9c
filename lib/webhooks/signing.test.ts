import { Webhook, WebhookVerificationError } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { newSecret, signatureHeaders } from './signing'

/** The gateway's signatures, checked with the Standard Webhooks reference verifier (npm standardwebhooks). */
const body = JSON.stringify({ id: '01KB3ZQ7C2N8V5X0J9W4R6T1YE', type: 'message.received', data: { message: { text: 'hi' } } })
const id = '01KB3ZQ7C2N8V5X0J9W4R6T1YE'

describe('Standard Webhooks signatures', () => {
  it('verify with the reference verifier', () => {
    const secret = newSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    const headers = signatureHeaders({ id, body, secrets: [secret], now: Date.now() })
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })

  it('a changed body, a wrong secret and a timestamp outside 5 minutes are rejected', () => {
    const secret = newSecret()
    const headers = signatureHeaders({ id, body, secrets: [secret], now: Date.now() })
    expect(() => new Webhook(secret).verify(body.replace('hi', 'ho'), headers)).toThrow(WebhookVerificationError)
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(WebhookVerificationError)
    const old = signatureHeaders({ id, body, secrets: [secret], now: Date.now() - 6 * 60_000 })
    expect(() => new Webhook(secret).verify(body, old)).toThrow(/timestamp too old/i)
    const future = signatureHeaders({ id, body, secrets: [secret], now: Date.now() + 6 * 60_000 })
    expect(() => new Webhook(secret).verify(body, future)).toThrow(/timestamp too new/i)
  })

  it('during a rotation both secrets verify the same delivery', () => {
    const oldSecret = newSecret()
    const newOne = newSecret()
    const headers = signatureHeaders({ id, body, secrets: [newOne, oldSecret], now: Date.now() })
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2)
    expect(new Webhook(oldSecret).verify(body, headers)).toBeTruthy()
    expect(new Webhook(newOne).verify(body, headers)).toBeTruthy()
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(WebhookVerificationError)
  })
})
