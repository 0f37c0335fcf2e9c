/**
 * The set-up most simulator tests share: a simulator on a free port with its users, one of them linked
 * by QR through a real Baileys client. Call it at describe level: it registers the beforeAll that
 * builds everything and the afterAll that ends every tracked client and closes the simulator.
 */
import type { UserFacingSocketConfig } from '@whiskeysockets/baileys'
import { afterAll, beforeAll } from 'vitest'
import { type Simulator, startSimulator } from '../index'
import { type LinkedClient, linkWithQr } from './link'
import { ClientTracker } from './tracker'

export class LinkedSimulator {
  readonly clients = new ClientTracker()
  private started?: { sim: Simulator; linked: LinkedClient }

  constructor(private readonly opts: { users: Record<string, string>; link: string; config?: Partial<UserFacingSocketConfig> }) {}

  get sim(): Simulator {
    return this.state().sim
  }

  /** the linked companion (the account a gateway would hold) */
  get linked(): LinkedClient {
    return this.state().linked
  }

  async start(): Promise<void> {
    const sim = await startSimulator({ port: 0 })
    for (const [phone, name] of Object.entries(this.opts.users)) sim.createUser({ phone, name })
    const linked = await linkWithQr(sim, this.opts.link, this.opts.config)
    this.clients.track(linked.client)
    this.started = { sim, linked }
  }

  async stop(): Promise<void> {
    await this.clients.endAll()
    await this.started?.sim.close()
  }

  private state(): { sim: Simulator; linked: LinkedClient } {
    if (!this.started) throw new Error('LinkedSimulator used before its beforeAll ran')
    return this.started
  }
}

export function linkedSimulator(opts: ConstructorParameters<typeof LinkedSimulator>[0]): LinkedSimulator {
  const fx = new LinkedSimulator(opts)
  beforeAll(() => fx.start())
  afterAll(() => fx.stop())
  return fx
}
