import crypto from 'node:crypto'
import QRCode from 'qrcode'
import type { Keyring } from '@/lib/crypto/aead'
import { type Account, recordStatus } from '@/lib/db/accounts'
import type { DB } from '@/lib/db/client'
import type { SessionStatus } from '@/lib/db/schema'
import { AppError, isAppError } from '@/lib/errors'
import type { EventBus } from '@/lib/events/bus'
import type { AccountSummary, QrPayload } from '@/lib/events/types'
import type { Logger } from '@/lib/logger'
import { journalDecrypt, listJournal } from '@/lib/db/inbound-journal'
import { type SqliteAuthState, useSqliteAuthState } from '@/lib/whatsapp/auth-state'
import { phoneOfJid, userJid } from '@/lib/whatsapp/jid'
import { type ConnectionUpdate, createWaSocket, type WaSocket } from '@/lib/whatsapp/socket'
import { recordAccountNews, toAccountSummary } from './accounts'
import type { SessionConfig } from './config'
import { createMessageSink, type MessageSink } from './message-sink'
import { type IssuedPairingCode, PairingCodeRequest } from './pairing-code'
import { decideOnClose, describeClose, DISCONNECT } from './policy'

export type SessionDeps = {
  db: DB
  bus: EventBus
  logger: Logger
  keyring: Keyring
  config: SessionConfig
  /** runs fn under this account's lock (the manager's), for work started by timers and events */
  runLocked(fn: () => Promise<void>): Promise<void>
  /**
   * An automatic login (a backoff retry): waits for a login slot (see LoginGate), then runs `start`
   * under the account's lock; `start` says whether it opened a socket, whose login then holds the slot.
   */
  gatedLogin(start: () => Promise<boolean>): Promise<void>
}

type Mode = { kind: 'qr' } | { kind: 'pairing'; phone: string }

/**
 * One WhatsApp account's connection: an explicit state machine around at most one Baileys socket.
 * Commands (open, stop, logout, detach) are called under the account's lock; socket events and
 * timers re-enter through deps.runLocked. `setStatus` is the only place that changes status.
 */
export class Session {
  private account: Account
  private sock: WaSocket | undefined
  /** bumped for every socket; events of older sockets are ignored */
  private generation = 0
  private auth: SqliteAuthState | undefined
  private mode: Mode = { kind: 'qr' }
  private conflicts = 0
  private qrCount = 0
  private qr: QrPayload | undefined
  /** the pairing code of the current socket, when it was opened in pairing mode */
  private pairing: PairingCodeRequest | undefined
  private backoffTimer: NodeJS.Timeout | undefined
  private watchdogTimer: NodeJS.Timeout | undefined
  private credsSaving: Promise<void> = Promise.resolve()
  /** The socket generation whose creds save is queued and not started yet (it writes the creds as they are when it runs). */
  private credsSaveQueuedFor: number | undefined
  private readonly log: Logger
  private readonly messages: MessageSink

  constructor(
    account: Account,
    private readonly deps: SessionDeps,
  ) {
    this.account = account
    this.log = deps.logger.child({ accountId: account.id })
    this.messages = createMessageSink({
      db: deps.db,
      bus: deps.bus,
      accountId: account.id,
      log: this.log,
      isGroupAdmin: async (groupJid, memberJid) => {
        const sock = this.connectedSocket
        if (!sock) return false
        return (await sock.groupAdmins(groupJid)).includes(userJid(memberJid))
      },
    })
  }

  get id(): string {
    return this.account.id
  }
  get status(): SessionStatus {
    return this.account.status
  }
  get summary(): AccountSummary {
    return toAccountSummary(this.account)
  }
  get hasSocket(): boolean {
    return this.sock !== undefined
  }
  /** the socket, only while connected: what sending needs */
  get connectedSocket(): WaSocket | undefined {
    return this.status === 'connected' ? this.sock : undefined
  }
  get currentQr(): QrPayload | undefined {
    return this.qr
  }
  get isLinked(): boolean {
    return this.loadAuth()?.state.creds.me?.id !== undefined
  }

  refresh(account: Account): void {
    this.account = account
  }

  // ---- commands (under the account lock) -------------------------------------------------------

  /** Opens a socket (ending any previous one). `resetCounters` is set for operator-initiated connects. */
  async open(mode: Mode = this.mode, { resetCounters = false } = {}): Promise<void> {
    this.teardownSocket()
    this.mode = mode
    this.pairing = mode.kind === 'pairing' ? new PairingCodeRequest() : undefined
    if (resetCounters) {
      this.conflicts = 0
      this.account.reconnectAttempts = 0
    }
    const auth = this.loadAuth()
    if (!auth) return
    const generation = ++this.generation
    this.qrCount = 0
    const { config } = this.deps
    this.setStatus(
      'connecting',
      mode.kind === 'pairing' ? 'requesting a pairing code' : null,
      resetCounters ? { reconnectAttempts: 0 } : {},
    )
    this.sock = createWaSocket({
      auth: auth.state,
      wsUrl: config.wsUrl,
      logger: this.deps.logger.child({ accountId: this.id, component: 'baileys' }, { level: config.baileysLogLevel }),
      getMessage: async (key) => this.messages.getMessage(key),
      connectTimeoutMs: config.connectTimeoutMs,
      keepAliveIntervalMs: config.keepAliveIntervalMs,
      qrTimeoutMs: config.qrTimeoutMs,
      journal: {
        hold: (work, also) => auth.holdKeyWrites(work, also),
        record: (entry) => journalDecrypt(this.deps.db, this.id, entry),
        pending: () => listJournal(this.deps.db, this.id),
      },
      handlers: {
        onConnection: (u) => this.onConnection(generation, u),
        onCredsUpdate: () => {
          if (generation !== this.generation) return
          // Baileys updates the creds object in place before it emits, so a save that is queued
          // and not yet started already covers this update: updates in a burst (a login emits
          // several) cost one encrypt-and-write, not one each.
          if (this.credsSaveQueuedFor === generation) return
          this.credsSaveQueuedFor = generation
          this.credsSaving = this.credsSaving
            .then(() => {
              if (this.credsSaveQueuedFor === generation) this.credsSaveQueuedFor = undefined
              return auth.saveCreds()
            })
            .catch((err: unknown) => this.log.error({ err }, 'saving creds failed'))
        },
        onMessages: (msgs, _type, o) => generation === this.generation && this.messages.store(msgs, o),
        onMessageUpdates: (updates) => generation === this.generation && this.messages.updateStatuses(updates),
      },
    })
    this.watchdogTimer = setTimeout(() => void this.deps.runLocked(async () => this.onWatchdog(generation)), config.watchdogMs)
  }

  /** Ends the socket, keeping the link; the account stays stopped (also across restarts). */
  stop(reason: string): void {
    this.teardownSocket()
    this.setStatus('disconnected', reason)
  }

  /** Unlinks on WhatsApp when connected, then wipes the auth state. */
  async logout(reason: string): Promise<void> {
    const sock = this.sock
    if (sock && this.status === 'connected') {
      this.generation++ // Baileys closes with 401 after logout; that close is ours, not news.
      await Promise.race([
        sock.logout().catch((err: unknown) => this.log.warn({ err }, 'logout on WhatsApp failed')),
        new Promise((r) => setTimeout(r, 5000)),
      ])
    }
    this.teardownSocket()
    this.wipeAuth()
    this.setStatus('logged_out', reason, { reconnectAttempts: 0, lastError: null, jid: null, lid: null })
  }

  resetCounters(): void {
    this.conflicts = 0
    if (this.status === 'failed')
      this.setStatus('disconnected', 'reconnect counter reset by operator', { reconnectAttempts: 0, lastError: null })
    else this.setStatus(this.status, this.account.statusReason, { reconnectAttempts: 0 })
  }

  /** Shutdown: close the socket without logging out or changing the persisted status. */
  detach(): void {
    this.teardownSocket()
  }

  /** Waits for the pairing code of the socket opened in pairing mode. */
  waitForPairingCode(timeoutMs: number): Promise<IssuedPairingCode> {
    const p = this.pairing
    if (!p) return Promise.reject(new AppError('conflict', 'No pairing-code request is in progress.'))
    return p.wait(timeoutMs)
  }

  // ---- socket events --------------------------------------------------------------------------

  private onConnection(generation: number, u: ConnectionUpdate): void {
    if (generation !== this.generation) return
    if (u.qr) void this.onQr(generation, u.qr)
    if (u.connection === 'open') this.onOpen()
    if (u.connection === 'close') void this.deps.runLocked(async () => this.onClose(generation, u.statusCode, u.errorMessage))
  }

  private async onQr(generation: number, qr: string): Promise<void> {
    this.clearWatchdog()
    this.qrCount++
    // The moment Baileys handed over this QR, findable by a short digest (never the QR itself): what
    // bench/dashboard.bench.ts measures the QR's way to the browser from.
    if (this.log.isLevelEnabled('debug')) this.log.debug({ qrDigest: qrDigest(qr), qrCount: this.qrCount }, 'QR from WhatsApp')
    const { qrTimeoutMs } = this.deps.config
    // Baileys shows the first QR for 60 s and each later one for 20 s unless qrTimeout is set.
    const ttl = qrTimeoutMs ?? (this.qrCount === 1 ? 60_000 : 20_000)
    if (this.mode.kind === 'pairing') {
      if (this.pairing?.requested || !this.sock) return
      const pending = (this.pairing ??= new PairingCodeRequest())
      pending.markRequested()
      try {
        const code = await this.sock.requestPairingCode(this.mode.phone)
        if (generation !== this.generation) return
        // The code stays valid while this socket waits; Baileys gives up when its QR refs run out.
        const expiresAt = Date.now() + (qrTimeoutMs ? qrTimeoutMs * 6 : 160_000)
        pending.issue({ code, expiresAt })
        this.setStatus('pairing_code_ready', `enter the code on the phone ${this.mode.phone}`)
        this.deps.bus.emit('account.pairing_code', { accountId: this.id, code, phone: this.mode.phone, expiresAt })
      } catch (err) {
        this.log.warn({ err }, 'pairing code request failed')
        this.rejectPairing(
          new AppError('unavailable', 'WhatsApp refused the pairing-code request; check the phone number.', { cause: err }),
        )
      }
      return
    }
    const image = await QRCode.toDataURL(qr, { margin: 1, width: 288, errorCorrectionLevel: 'M' })
    if (generation !== this.generation) return
    this.qr = { accountId: this.id, qr, image, expiresAt: Date.now() + ttl }
    if (this.status !== 'qr_ready') this.setStatus('qr_ready', 'scan the QR code with WhatsApp on the phone')
    this.deps.bus.emit('account.qr', this.qr)
  }

  private onOpen(): void {
    this.clearWatchdog()
    this.clearQr()
    this.pairing = undefined
    this.mode = { kind: 'qr' }
    const user = this.sock?.user()
    this.setStatus('connected', null, {
      reconnectAttempts: 0,
      lastError: null,
      ...(user ? { jid: user.jid, lid: user.lid, phone: phoneOfJid(user.jid), pushName: user.name } : {}),
    })
  }

  private async onClose(generation: number, code: number | undefined, detail?: string): Promise<void> {
    if (generation !== this.generation) return
    this.teardownSocket()
    const linked = this.isLinked
    this.rejectPairing(new AppError('unavailable', `The connection closed before a pairing code was issued (${describeClose(code)}).`))
    if (!linked && code === DISCONNECT.timedOut && this.qrCount > 0) {
      this.setStatus(
        'disconnected',
        this.mode.kind === 'pairing' ? 'the pairing code expired before it was entered' : 'the QR code expired before it was scanned',
      )
      return
    }
    const decision = decideOnClose(code, { failures: this.account.reconnectAttempts, conflicts: this.conflicts }, this.deps.config.policy)
    this.log.info({ code, detail, decision }, 'socket closed')
    switch (decision.action) {
      case 'reconnect_now':
        // The link is complete (or WhatsApp asked for a fresh stream): log in with the saved creds.
        await this.credsSaving
        await this.open({ kind: 'qr' })
        return
      case 'logged_out':
        this.wipeAuth()
        this.setStatus('logged_out', decision.reason, { reconnectAttempts: 0, lastError: decision.reason, jid: null, lid: null })
        return
      case 'failed':
        this.setStatus('failed', decision.reason, { lastError: decision.reason })
        return
      case 'backoff': {
        const conflict = code === DISCONNECT.connectionReplaced
        if (conflict) this.conflicts = decision.attempt
        const attempts = conflict ? this.account.reconnectAttempts : decision.attempt
        const seconds = Math.round(decision.delayMs / 100) / 10
        this.setStatus('reconnecting', `${decision.reason}; retrying in ${seconds} s`, {
          reconnectAttempts: attempts,
          lastError: decision.reason,
        })
        this.backoffTimer = setTimeout(() => {
          this.backoffTimer = undefined
          void this.deps.gatedLogin(async () => {
            // Re-checked once a slot is free: the operator may have stopped or connected it meanwhile.
            if (this.status !== 'reconnecting' || this.sock) return false
            await this.open(this.mode)
            return true
          })
        }, decision.delayMs)
      }
    }
  }

  private async onWatchdog(generation: number): Promise<void> {
    if (generation !== this.generation || this.status !== 'connecting') return
    this.log.warn({ watchdogMs: this.deps.config.watchdogMs }, 'socket stuck connecting: ending it and retrying')
    await this.onClose(generation, undefined, 'watchdog')
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private setStatus(status: SessionStatus, reason: string | null, extra: Parameters<typeof recordStatus>[0]['extra'] = {}): void {
    const row = recordStatus({ db: this.deps.db, id: this.id, status, reason, extra, onNews: recordAccountNews })
    if (!row) return // the account was deleted meanwhile
    this.account = row
    this.log.info({ status, reason }, 'session status')
    this.deps.bus.emit('account.status', { accountId: this.id, status, reason, at: row.statusAt, account: toAccountSummary(row) })
  }

  /** The auth store, created on first use; a corrupt store puts the session in `failed`. */
  private loadAuth(): SqliteAuthState | undefined {
    if (this.auth) return this.auth
    try {
      this.auth = useSqliteAuthState({
        db: this.deps.db,
        accountId: this.id,
        keyring: this.deps.keyring,
        logger: this.log,
        onCorrupt: (err) => void this.deps.runLocked(async () => this.failCorrupt(err)),
      })
      return this.auth
    } catch (err) {
      if (isAppError(err) && err.code === 'auth_state_corrupt') {
        this.failCorrupt(err)
        return undefined
      }
      throw err
    }
  }

  private failCorrupt(err: AppError): void {
    const reason = `auth state corrupt: ${err.message}; check ENCRYPTION_KEY, or log out and link again`
    if (this.status === 'failed' && this.account.lastError === reason) return
    this.log.error({ err }, 'auth state corrupt')
    this.teardownSocket()
    this.auth = undefined
    this.setStatus('failed', reason, { lastError: reason })
  }

  private wipeAuth(): void {
    const auth = this.auth ?? this.loadAuthQuietly()
    auth?.clear()
    this.auth = undefined
  }

  private loadAuthQuietly(): SqliteAuthState | undefined {
    try {
      return useSqliteAuthState({ db: this.deps.db, accountId: this.id, keyring: this.deps.keyring, logger: this.log })
    } catch {
      return undefined
    }
  }

  private teardownSocket(): void {
    this.clearWatchdog()
    if (this.backoffTimer) clearTimeout(this.backoffTimer)
    this.backoffTimer = undefined
    this.generation++
    this.sock?.end()
    this.sock = undefined
    this.clearQr()
  }

  private clearWatchdog(): void {
    if (this.watchdogTimer) clearTimeout(this.watchdogTimer)
    this.watchdogTimer = undefined
  }

  private clearQr(): void {
    if (!this.qr) return
    this.qr = undefined
    this.deps.bus.emit('account.qr_cleared', { accountId: this.id })
  }

  private rejectPairing(err: Error): void {
    this.pairing?.fail(err)
  }
}

/** A short, non-reversible name for one QR string (logs and benchmarks match QRs by it). */
export const qrDigest = (qr: string) => crypto.createHash('sha256').update(qr).digest('hex').slice(0, 12)
