import crypto from 'node:crypto'
import type { Keyring } from '@/lib/crypto/aead'
import {
  deleteAccount,
  findAccount,
  insertAccount,
  listAccounts,
  listStatusHistory,
  type StatusChange,
  updateAccount,
} from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import { AppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import type { AccountSummary, QrPayload } from '@/lib/events/types'
import type { Logger } from '@/lib/logger'
import type { WaSocket } from '@/lib/whatsapp/socket'
import { recordAccountNews, toAccountSummary } from './accounts'
import type { SessionConfig } from './config'
import { ACCOUNT_ID_PATTERN } from './account-id'
import { KeyedLock } from './lock'
import { LoginGate } from './login-gate'
import { MemoryPairingThrottle, type PairingThrottle } from './pairing-throttle'
import { Session } from './session'

/** A status change as the account page's timeline shows it. */
export type { StatusChange }

/** How long one automatic login may hold its slot in the LoginGate before the next one starts anyway. */
const LOGIN_SLOT_TIMEOUT_MS = 20_000

/** Statuses in which an account had (or was getting) a live connection: restored on start. */
const RESTORE_STATUSES = new Set(['connected', 'reconnecting', 'connecting'])
/** Statuses that only make sense with a live socket; after a restart without one they read as stopped. */
const TRANSIENT_STATUSES = new Set(['connecting', 'qr_ready', 'pairing_code_ready', 'reconnecting'])

/**
 * Owns every account's Session. Start/stop/logout of one account are serialised by a per-account
 * lock, so concurrent calls can never open two sockets for one account.
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>()
  private readonly lock = new KeyedLock()
  private readonly gate: LoginGate
  private readonly log: Logger
  private closed = false

  private readonly pairingThrottle: PairingThrottle

  constructor(
    private readonly deps: {
      db: DB
      bus: EventBus
      logger: Logger
      keyring: Keyring
      config: SessionConfig
      pairingThrottle?: PairingThrottle
    },
  ) {
    this.log = deps.logger.child({ component: 'sessions' })
    this.pairingThrottle = deps.pairingThrottle ?? new MemoryPairingThrottle()
    this.gate = new LoginGate(deps.config.loginConcurrency)
  }

  list(): AccountSummary[] {
    return listAccounts({ db: this.deps.db }).map(toAccountSummary)
  }

  get(id: string): AccountSummary {
    const row = findAccount({ db: this.deps.db, id })
    if (!row) throw new AppError('not_found', `No account with id "${id}".`)
    return toAccountSummary(row)
  }

  /** The account's status changes with their reasons, newest first; `before` (an entry id) pages back. */
  history(id: string, { before, limit = 50 }: { before?: number; limit?: number } = {}): StatusChange[] {
    this.get(id)
    return listStatusHistory({ db: this.deps.db, id, before, limit: Math.min(Math.max(1, limit), 200) })
  }

  create({ id, name }: { id?: string; name: string }): AccountSummary {
    const accountId = id ?? `acc-${crypto.randomBytes(5).toString('hex')}`
    if (!ACCOUNT_ID_PATTERN.test(accountId)) throw new AppError('validation_failed', 'The id must match [a-z0-9][a-z0-9_-]{0,63}.')
    if (findAccount({ db: this.deps.db, id: accountId }))
      throw new AppError('already_exists', `An account with id "${accountId}" already exists.`)
    const row = insertAccount({ db: this.deps.db, id: accountId, name, onNews: recordAccountNews })
    const account = toAccountSummary(row)
    this.deps.bus.emit('account.created', { account })
    return account
  }

  rename({ id, name }: { id: string; name: string }): AccountSummary {
    this.get(id)
    const row = updateAccount({ db: this.deps.db, id, patch: { name } })
    if (!row) throw new AppError('not_found', `No account with id "${id}".`)
    this.sessions.get(id)?.refresh(row)
    const account = toAccountSummary(row)
    this.deps.bus.emit('account.updated', { account })
    return account
  }

  /** Starts linking or reconnecting. Idempotent: an account that already has a socket keeps it. */
  connect(id: string): Promise<AccountSummary> {
    return this.locked(id, async (s) => {
      if (s.hasSocket) return s.summary
      await s.open({ kind: 'qr' }, { resetCounters: true })
      return s.summary
    })
  }

  disconnect(id: string): Promise<AccountSummary> {
    return this.locked(id, async (s) => {
      s.stop('disconnected by operator')
      return s.summary
    })
  }

  logout(id: string): Promise<AccountSummary> {
    return this.locked(id, async (s) => {
      await s.logout('logged out by operator')
      return s.summary
    })
  }

  reset(id: string): Promise<AccountSummary> {
    return this.locked(id, async (s) => {
      s.resetCounters()
      return s.summary
    })
  }

  /** Logs the account out (unlinking it on WhatsApp when connected) and removes all its data. */
  remove(id: string): Promise<void> {
    return this.locked(id, async (s) => {
      if (s.isLinked) await s.logout('account deleted')
      s.detach()
      this.sessions.delete(id)
      deleteAccount({ db: this.deps.db, id, onNews: recordAccountNews })
      this.deps.bus.emit('account.deleted', { accountId: id })
    })
  }

  /**
   * Links by pairing code: opens a socket in pairing mode and returns the 8-character code. Throttled
   * per account (PAIRING_LIMITS): only requests that would ask WhatsApp for a code count.
   */
  async requestPairingCode(id: string, phone: string): Promise<{ code: string; expiresAt: number }> {
    const session = await this.locked(id, async (s) => {
      if (s.status === 'connected') throw new AppError('already_connected', 'The account is already connected.')
      if (s.isLinked) throw new AppError('conflict', 'The account is already linked: connect it, or log out first to link another phone.')
      await this.pairingThrottle.take(id)
      await s.open({ kind: 'pairing', phone }, { resetCounters: true })
      return s
    })
    return session.waitForPairingCode(this.deps.config.pairingTimeoutMs)
  }

  getQr(id: string): QrPayload {
    const account = this.get(id)
    if (account.status === 'connected') throw new AppError('already_connected', 'The account is connected; there is no QR code to scan.')
    const qr = this.sessions.get(id)?.currentQr
    if (!qr || qr.expiresAt <= Date.now()) throw new AppError('no_qr', 'No QR code right now: connect the account to get one.')
    return qr
  }

  /** The account's socket while it is connected (what the send queue uses); undefined otherwise. */
  connectedSocket(id: string): WaSocket | undefined {
    return this.closed ? undefined : this.sessions.get(id)?.connectedSocket
  }

  /** Sockets currently open (or opening) across all accounts. */
  liveSockets(): number {
    let n = 0
    for (const s of this.sessions.values()) if (s.hasSocket) n++
    return n
  }

  /** On start: reconnect what was connected before, and mark half-done links as stopped. */
  async restore(): Promise<number> {
    const rows = listAccounts({ db: this.deps.db })
    const toStart: string[] = []
    for (const row of rows) {
      const s = this.session(row.id)
      if (RESTORE_STATUSES.has(row.status) && s?.isLinked) toStart.push(row.id)
      else if (TRANSIENT_STATUSES.has(row.status) && s?.status === row.status) s.stop('gateway restarted before the link was completed')
    }
    // Through the login gate: opening every socket at once would starve them all past Baileys' timeouts.
    await Promise.all(
      toStart.map((id) =>
        this.gatedLogin(id, async (s) => {
          // Re-checked once a slot is free: the operator may have stopped or connected it meanwhile.
          if (!RESTORE_STATUSES.has(s.status) || s.hasSocket) return false
          await s.open({ kind: 'qr' })
          return true
        }),
      ),
    )
    this.log.info({ restored: toStart.length, accounts: rows.length }, 'sessions restored')
    return toStart.length
  }

  /** Closes every socket without logging out; persisted statuses stay, so the next start restores them. */
  async shutdown(): Promise<void> {
    this.closed = true
    await Promise.all([...this.sessions.values()].map((s) => this.lock.run(s.id, async () => s.detach())))
  }

  private session(id: string): Session | undefined {
    const existing = this.sessions.get(id)
    if (existing) return existing
    const row = findAccount({ db: this.deps.db, id })
    if (!row) return undefined
    const s: Session = new Session(row, {
      ...this.deps,
      runLocked: (fn) =>
        this.lock.run(id, async () => {
          if (!this.closed && this.sessions.get(id) === s) await fn()
        }),
      gatedLogin: (start) => this.gatedLogin(id, async (current) => (current === s ? start() : false)),
    })
    this.sessions.set(id, s)
    return s
  }

  /**
   * An automatic login: waits for a slot outside the account lock (so operator actions never queue
   * behind other accounts' logins), runs `start` under the lock, and — if it opened a socket — holds
   * the slot until that login settles (any status but `connecting`) or LOGIN_SLOT_TIMEOUT_MS passes.
   */
  private async gatedLogin(id: string, start: (s: Session) => Promise<boolean>): Promise<void> {
    const release = await this.gate.acquire()
    const stopWaiting = new AbortController()
    const settled = this.deps.bus
      .waitFor('account.status', (e) => e.accountId === id && e.status !== 'connecting', LOGIN_SLOT_TIMEOUT_MS, stopWaiting.signal)
      .catch(() => undefined) // timed out or not needed: the slot is released either way
    try {
      const opened = await this.lock.run(id, async () => {
        const s = this.closed ? undefined : this.sessions.get(id)
        return s ? start(s) : false
      })
      if (opened) await settled
    } catch (err) {
      this.log.error({ err, accountId: id }, 'automatic login failed to start')
    } finally {
      stopWaiting.abort()
      release()
    }
  }

  private locked<T>(id: string, fn: (s: Session) => Promise<T>): Promise<T> {
    return this.lock.run(id, async () => {
      if (this.closed) throw new AppError('unavailable', 'The gateway is shutting down.')
      const s = this.session(id)
      if (!s) throw new AppError('not_found', `No account with id "${id}".`)
      return fn(s)
    })
  }
}
