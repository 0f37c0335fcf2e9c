/**
 * Answers the iq queries Baileys sends at login and afterwards. Unknown queries get an empty result
 * (never silence: an unanswered iq stalls Baileys for defaultQueryTimeoutMs) and are counted.
 */
import {
  type BinaryNode,
  getAllBinaryNodeChildren,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  S_WHATSAPP_NET,
} from '@whiskeysockets/baileys'
import type { Directory } from './directory'
import { errorMessage } from './errors'
import type { SimLogger } from './logger'
import { requireChildBuffer } from './nodes'
import type { Pairing } from './pairing'
import type { CompanionDevice, Registry, SimUser } from './registry'
import type { Router } from './routing'
import type { SimConnection } from './transport/connection'

const PRIVACY_DEFAULTS: Record<string, string> = {
  readreceipts: 'all',
  last: 'contacts',
  online: 'all',
  profile: 'contacts',
  status: 'contacts',
  groupadd: 'contacts',
  calladd: 'all',
}

export type IqContext = {
  registry: Registry
  directory: Directory
  pairing: Pairing
  router: Router
  log: SimLogger
  /** the phone unlinks a companion (used for remove-companion-device) */
  unlink(user: SimUser, deviceId: number): void
  persist(): void
  /** push the history bootstrap on first login (default true) */
  initialHistory: boolean
  /** what media_conn announces: the media host (host:port) and the upload auth token */
  mediaConn(): { hostname: string; auth: string }
}

export class IqRouter {
  /** per "xmlns:type:child" counts, including `unhandled:` ones */
  readonly counts: Record<string, number> = {}

  constructor(private readonly ctx: IqContext) {}

  handle(conn: SimConnection, iq: BinaryNode): void {
    const child = getAllBinaryNodeChildren(iq)[0]
    const key = `${iq.attrs.xmlns ?? ''}:${iq.attrs.type ?? ''}:${child?.tag ?? ''}`
    this.counts[key] = (this.counts[key] ?? 0) + 1
    try {
      this.dispatch(conn, iq, child, key)
    } catch (err) {
      this.ctx.log.warn({ conn: conn.label, key, err: errorMessage(err) }, 'bad iq')
      conn.send({
        tag: 'iq',
        attrs: { from: S_WHATSAPP_NET, type: 'error', id: iq.attrs.id ?? '' },
        content: [{ tag: 'error', attrs: { code: '400', text: 'bad-request' } }],
      })
    }
  }

  private dispatch(conn: SimConnection, iq: BinaryNode, child: BinaryNode | undefined, key: string): void {
    if (key === 'md:set:link_code_companion_reg' && child) {
      this.ctx.pairing.onLinkCodeIq(conn, iq, child)
      return
    }
    const session = this.session(conn)
    switch (key) {
      case 'w:p:get:ping':
      case 'passive:set:active':
      case 'passive:set:passive':
      case 'urn:xmpp:ping:get:ping':
        conn.reply(iq)
        return
      case 'encrypt:get:count':
        conn.reply(iq, [{ tag: 'count', attrs: { value: String(session?.device.keys.preKeys.size ?? 0) } }])
        return
      case 'encrypt:set:registration':
        this.onPreKeyUpload(conn, iq, session?.device)
        return
      case 'encrypt:get:digest':
        conn.reply(iq, [{ tag: 'digest', attrs: {} }])
        if (session && !session.device.historySent && this.ctx.initialHistory) {
          session.device.historySent = true
          this.ctx.persist()
          this.ctx.router
            .pushInitialHistory(session.user, session.device)
            .catch((err: unknown) => this.ctx.log.warn({ err: errorMessage(err) }, 'history bootstrap failed'))
        }
        return
      case 'encrypt:set:rotate': {
        const skey = getBinaryNodeChild(child, 'skey')
        if (session && skey) {
          session.device.keys.signedPreKey = {
            keyId: requireChildBuffer(skey, 'id').readUIntBE(0, 3),
            publicKey: requireChildBuffer(skey, 'value'),
            signature: requireChildBuffer(skey, 'signature'),
          }
          this.ctx.persist()
        }
        conn.reply(iq)
        return
      }
      case 'encrypt:get:key':
        conn.reply(iq, [this.ctx.directory.keyBundles(child)])
        return
      case 'usync:get:usync':
        conn.reply(iq, child ? [this.ctx.directory.usync(child)] : undefined)
        return
      case 'w:sync:app:state:set:sync':
        // the server holds no app-state patches: every collection is empty at the requested version
        conn.reply(iq, [
          {
            tag: 'sync',
            attrs: {},
            content: getBinaryNodeChildren(child, 'collection').map((c) => ({
              tag: 'collection',
              attrs: { name: c.attrs.name ?? '', version: c.attrs.version ?? '0' },
            })),
          },
        ])
        return
      case 'w:m:set:media_conn': {
        const { hostname, auth } = this.ctx.mediaConn()
        conn.reply(iq, [
          {
            tag: 'media_conn',
            attrs: { auth, ttl: '3600', auth_ttl: '3600', max_buckets: '1' },
            content: [{ tag: 'host', attrs: { hostname, maxContentLengthBytes: String(2 ** 31) } }],
          },
        ])
        return
      }
      case 'abt:get:props':
        conn.reply(iq, [{ tag: 'props', attrs: { protocol: '1', hash: 'wa-sim' }, content: [] }])
        return
      case 'blocklist:get:':
        conn.reply(iq, [{ tag: 'list', attrs: {}, content: [] }])
        return
      case 'privacy:get:privacy':
        conn.reply(iq, [
          {
            tag: 'privacy',
            attrs: {},
            content: Object.entries(PRIVACY_DEFAULTS).map(([name, value]) => ({ tag: 'category', attrs: { name, value } })),
          },
        ])
        return
      case 'privacy:set:tokens':
        conn.reply(iq, [{ tag: 'tokens', attrs: {} }])
        return
      case 'md:set:remove-companion-device': {
        conn.reply(iq)
        const jid = getBinaryNodeChild(child, 'device')?.attrs.jid ?? (session ? session.user.pnJid(session.device.id) : '')
        const target = this.ctx.registry.resolveJid(jid)
        if (session && target?.user === session.user) this.ctx.unlink(session.user, target.deviceId)
        return
      }
      default:
        this.counts[`unhandled:${key}`] = (this.counts[`unhandled:${key}`] ?? 0) + 1
        this.ctx.log.debug({ conn: conn.label, key }, 'unhandled iq, empty result')
        conn.reply(iq)
        return
    }
  }

  private session(conn: SimConnection): { user: SimUser; device: CompanionDevice } | undefined {
    if (!conn.identity) return undefined
    const user = this.ctx.registry.findUser(conn.identity.phone)
    const device = user?.devices.get(conn.identity.deviceId)
    return user && device ? { user, device } : undefined
  }

  private onPreKeyUpload(conn: SimConnection, iq: BinaryNode, device: CompanionDevice | undefined): void {
    if (!device) {
      conn.reply(iq)
      return
    }
    const skey = getBinaryNodeChild(iq, 'skey')
    device.keys.registrationId = requireChildBuffer(iq, 'registration').readUInt32BE(0)
    device.keys.identity = requireChildBuffer(iq, 'identity')
    if (skey) {
      device.keys.signedPreKey = {
        keyId: requireChildBuffer(skey, 'id').readUIntBE(0, 3),
        publicKey: requireChildBuffer(skey, 'value'),
        signature: requireChildBuffer(skey, 'signature'),
      }
    }
    device.keys.preKeys.add(
      getBinaryNodeChildren(getBinaryNodeChild(iq, 'list'), 'key').map((k) => ({
        id: requireChildBuffer(k, 'id').readUIntBE(0, 3),
        publicKey: requireChildBuffer(k, 'value'),
      })),
    )
    this.ctx.persist()
    this.ctx.log.debug({ conn: conn.label, preKeys: device.keys.preKeys.size }, 'pre-keys uploaded')
    conn.reply(iq)
  }
}
