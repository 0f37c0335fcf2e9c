/**
 * vCard 3.0 the way WhatsApp writes contact cards: `FN`, `N`, `ORG`, `TITLE`, `EMAIL`, and one
 * `TEL;type=…;waid=<digits>:+<number>` per phone (the `waid` is what makes WhatsApp show "Message").
 * Small enough that a dependency would cost more than it saves; values are escaped per RFC 2426 §5.
 */
export type ContactCard = {
  name: { formattedName: string; firstName?: string; lastName?: string }
  phones: { phone: string; type?: string; waId?: string }[]
  emails?: { email: string; type?: string }[]
  org?: { company?: string; title?: string }
}

const escape = (v: string) =>
  v
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/([,;])/g, '\\$1')
const unescape = (v: string) => v.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1')

export function buildVcard(card: ContactCard): string {
  const { name, phones, emails = [], org } = card
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${escape(name.formattedName)}`]
  if (name.firstName || name.lastName) lines.push(`N:${escape(name.lastName ?? '')};${escape(name.firstName ?? '')};;;`)
  if (org?.company) lines.push(`ORG:${escape(org.company)}`)
  if (org?.title) lines.push(`TITLE:${escape(org.title)}`)
  for (const p of phones) {
    const type = (p.type ?? 'CELL').toUpperCase().replace(/[^A-Z]/g, '') || 'CELL'
    lines.push(`TEL;type=${type}${p.waId ? `;waid=${p.waId}` : ''}:${p.phone}`)
  }
  for (const e of emails) lines.push(`EMAIL;type=${(e.type ?? 'INTERNET').toUpperCase().replace(/[^A-Z]/g, '') || 'INTERNET'}:${e.email}`)
  lines.push('END:VCARD')
  return lines.join('\n')
}

/** Parses the fields buildVcard writes (and what phones send); unknown lines are ignored. */
export function parseVcard(vcard: string, displayName = ''): ContactCard {
  const card: ContactCard = { name: { formattedName: displayName }, phones: [] }
  for (const raw of vcard.split(/\r?\n/)) {
    const line = raw.trim().replace(/^item\d+\./i, '')
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const [prop = '', ...params] = line.slice(0, colon).split(';')
    const value = line.slice(colon + 1)
    const param = (key: string) =>
      params
        .find((p) => p.toLowerCase().startsWith(`${key}=`))
        ?.split('=')[1]
        ?.toLowerCase()
    switch (prop.toUpperCase()) {
      case 'FN':
        card.name.formattedName = unescape(value)
        break
      case 'N': {
        const [last, first] = value.split(/(?<!\\);/).map(unescape)
        if (first) card.name.firstName = first
        if (last) card.name.lastName = last
        break
      }
      case 'ORG':
        card.org = { ...card.org, company: unescape(value.split(/(?<!\\);/)[0] ?? '') }
        break
      case 'TITLE':
        card.org = { ...card.org, title: unescape(value) }
        break
      case 'TEL': {
        const waId = params.find((p) => p.toLowerCase().startsWith('waid='))?.split('=')[1]
        const type = param('type')
        card.phones.push({ phone: value.trim(), ...(type ? { type } : {}), ...(waId ? { waId } : {}) })
        break
      }
      case 'EMAIL': {
        const type = param('type')
        ;(card.emails ??= []).push({ email: value.trim(), ...(type ? { type } : {}) })
        break
      }
    }
  }
  return card
}
