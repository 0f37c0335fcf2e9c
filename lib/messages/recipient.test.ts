import { describe, expect, it } from 'vitest'
import { parsePhone, parseRecipient } from './recipient'

describe('recipients', () => {
  it('tolerates spaces, dashes, brackets, + and 00 in international numbers', () => {
    expect(parsePhone('+1 555 123 4567')).toBe('15551234567')
    expect(parsePhone('+49 (151) 2345-6789')).toBe('4915123456789')
    expect(parsePhone('0049 151 23456789')).toBe('4915123456789')
    expect(parsePhone('4915123456789')).toBe('4915123456789')
  })
  it('refuses what cannot be a number of its country', () => {
    expect(parsePhone('+1 555 0001')).toBeNull()
    expect(parsePhone('hello')).toBeNull()
    expect(parsePhone('+999 123456')).toBeNull()
  })
  it('accepts phone JIDs (device suffix dropped) and LIDs, refuses groups and junk', () => {
    expect(parseRecipient('15551234567:3@s.whatsapp.net')).toEqual({
      jid: '15551234567@s.whatsapp.net',
      pnJid: '15551234567@s.whatsapp.net',
      lid: null,
      phone: '15551234567',
    })
    expect(parseRecipient('100000000000001@lid')).toEqual({
      jid: '100000000000001@lid',
      pnJid: null,
      lid: '100000000000001@lid',
      phone: null,
    })
    expect(() => parseRecipient('1203630@g.us')).toThrow(expect.objectContaining({ code: 'validation_failed' }))
    expect(() => parseRecipient('+1 555')).toThrow(expect.objectContaining({ code: 'validation_failed' }))
  })
})
