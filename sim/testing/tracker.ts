import type { TestClient } from './baileys-client'

/** Collects clients created by a test so afterEach can end them all. */
export class ClientTracker {
  private readonly clients: TestClient[] = []

  track<T extends TestClient>(client: T): T {
    this.clients.push(client)
    return client
  }

  async endAll(): Promise<void> {
    const clients = this.clients.splice(0)
    await Promise.all(clients.map((c) => c.end()))
  }
}
