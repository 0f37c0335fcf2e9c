/**
 * What the server knows about users: usync answers (device lists, LIDs, contact check, status) and
 * pre-key bundles for every device, simulated phones and linked companions alike.
 */
import { type BinaryNode, getAllBinaryNodeChildren, getBinaryNodeChild, getBinaryNodeChildren } from '@whiskeysockets/baileys'
import type { PreKeyBundle } from './contacts/virtual-device'
import { bigEndian, contentBuffer, unixSeconds } from './nodes'
import type { Registry, SimUser } from './registry'

export class Directory {
  constructor(private readonly registry: Registry) {}

  /** Answer to `<iq xmlns=usync><usync>…</usync></iq>`. */
  usync(usync: BinaryNode): BinaryNode {
    const query = getBinaryNodeChild(usync, 'query')
    const protocols = query ? getAllBinaryNodeChildren(query).map((n) => n.tag) : []
    const users = getBinaryNodeChildren(getBinaryNodeChild(usync, 'list'), 'user')
    const out: BinaryNode[] = []
    for (const requested of users) {
      let jid = requested.attrs.jid
      const contact = getBinaryNodeChild(requested, 'contact')
      if (!jid && contact?.content) jid = `${contentBuffer(contact.content).toString().replace(/\D/g, '')}@s.whatsapp.net`
      if (!jid) continue
      const user = this.registry.resolveJid(jid)?.user
      const content: BinaryNode[] = []
      for (const protocol of protocols) {
        const answer = this.answer(protocol, user)
        if (answer) content.push(answer)
      }
      out.push({ tag: 'user', attrs: { jid }, content })
    }
    return {
      tag: 'usync',
      attrs: { sid: usync.attrs.sid ?? '', index: '0', last: 'true' },
      content: [
        { tag: 'result', attrs: {}, content: protocols.map((p) => ({ tag: p, attrs: {} })) },
        { tag: 'list', attrs: {}, content: out },
      ],
    }
  }

  private answer(protocol: string, user: SimUser | undefined): BinaryNode | undefined {
    switch (protocol) {
      case 'devices': {
        const devices: BinaryNode[] = user
          ? [
              { tag: 'device', attrs: { id: '0' } },
              ...[...user.devices.values()].map((d) => ({ tag: 'device', attrs: { id: String(d.id), 'key-index': String(d.keyIndex) } })),
            ]
          : []
        return {
          tag: 'devices',
          attrs: {},
          content: [
            { tag: 'device-list', attrs: {}, content: devices },
            { tag: 'key-index-list', attrs: { ts: unixSeconds() } },
          ],
        }
      }
      case 'lid':
        return user ? { tag: 'lid', attrs: { val: user.lidJid() } } : undefined
      case 'contact':
        return { tag: 'contact', attrs: { type: user ? 'in' : 'out' } }
      case 'status':
        return user ? { tag: 'status', attrs: { t: unixSeconds() }, content: Buffer.from('Hey there! I am using WhatsApp.') } : undefined
      case 'disappearing_mode':
        return { tag: 'disappearing_mode', attrs: { duration: '0', t: '0' } }
      default:
        return undefined
    }
  }

  /** Pre-key bundle for one device jid, consuming one one-time pre-key like the real server. */
  bundleFor(jid: string): PreKeyBundle | undefined {
    const resolved = this.registry.resolveJid(jid)
    if (!resolved) return undefined
    if (resolved.deviceId === 0) return resolved.user.phoneSignal.issueBundle()
    const device = resolved.user.devices.get(resolved.deviceId)
    if (!device) return undefined
    return {
      registrationId: device.keys.registrationId,
      identity: device.keys.identity,
      signedPreKey: device.keys.signedPreKey,
      preKey: device.keys.preKeys.take(),
    }
  }

  /** Answer to `<iq xmlns=encrypt type=get><key><user jid/>…</key></iq>`. */
  keyBundles(keyNode: BinaryNode | undefined): BinaryNode {
    const users = getBinaryNodeChildren(keyNode, 'user').map((u) => u.attrs.jid ?? '')
    return {
      tag: 'list',
      attrs: {},
      content: users.map((jid) => {
        const bundle = this.bundleFor(jid)
        if (!bundle) return { tag: 'user', attrs: { jid }, content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }] }
        const content: BinaryNode[] = [
          { tag: 'registration', attrs: {}, content: bigEndian(bundle.registrationId, 4) },
          { tag: 'type', attrs: {}, content: Buffer.from([5]) },
          { tag: 'identity', attrs: {}, content: bundle.identity },
          {
            tag: 'skey',
            attrs: {},
            content: [
              { tag: 'id', attrs: {}, content: bigEndian(bundle.signedPreKey.keyId, 3) },
              { tag: 'value', attrs: {}, content: bundle.signedPreKey.publicKey },
              { tag: 'signature', attrs: {}, content: bundle.signedPreKey.signature },
            ],
          },
        ]
        if (bundle.preKey) {
          content.push({
            tag: 'key',
            attrs: {},
            content: [
              { tag: 'id', attrs: {}, content: bigEndian(bundle.preKey.keyId, 3) },
              { tag: 'value', attrs: {}, content: bundle.preKey.publicKey },
            ],
          })
        }
        return { tag: 'user', attrs: { jid }, content }
      }),
    }
  }
}
