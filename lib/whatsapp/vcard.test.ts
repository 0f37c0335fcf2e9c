import { describe, expect, it } from 'vitest'
import { buildVcard, parseVcard } from './vcard'

describe('vCard', () => {
  it('round-trips every field, escaping separators', () => {
    const card = {
      name: { formattedName: 'Dana Doe, PhD', firstName: 'Dana', lastName: 'Doe' },
      phones: [
        { phone: '+1 555 0100', type: 'cell', waId: '15550100' },
        { phone: '+44 20 7946 0000', type: 'work' },
      ],
      emails: [{ email: 'dana@example.com', type: 'work' }],
      org: { company: 'Acme; Inc', title: 'CTO' },
    }
    const vcard = buildVcard(card)
    expect(vcard).toContain('TEL;type=CELL;waid=15550100:+1 555 0100')
    expect(vcard).toContain('FN:Dana Doe\\, PhD')
    expect(parseVcard(vcard)).toEqual(card)
  })

  it('reads the item-prefixed lines phones write', () => {
    const parsed = parseVcard(
      'BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nitem1.TEL;waid=4915112345:+49 151 12345\nitem1.X-ABLabel:Mobile\nEND:VCARD',
    )
    expect(parsed).toEqual({ name: { formattedName: 'Eve' }, phones: [{ phone: '+49 151 12345', waId: '4915112345' }] })
  })
})
