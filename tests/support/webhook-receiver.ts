import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Received = { at: number; path: string; headers: IncomingHttpHeaders; body: string }
/** How the receiver answers one request (by default 200 "ok"). */
export type Answer = (req: Received, res: ServerResponse, n: number) => void | Promise<void>

/**
 * A local webhook receiver for tests and benchmarks: a real HTTP server on 127.0.0.1 that records
 * every request and answers as the test says (per path, with the number of earlier requests to it).
 */
export async function startReceiver() {
  const received: Received[] = []
  const answers = new Map<string, Answer>()
  const counts = new Map<string, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      const r: Received = { at: Date.now(), path, headers: req.headers, body: Buffer.concat(chunks).toString() }
      received.push(r)
      const n = counts.get(path) ?? 0
      counts.set(path, n + 1)
      const answer = answers.get(path)
      if (!answer) {
        res.end('ok')
        return
      }
      void Promise.resolve(answer(r, res, n)).catch(() => res.destroy())
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    received,
    on(path: string, answer: Answer) {
      answers.set(path, answer)
    },
    at: (path: string) => received.filter((r) => r.path === path),
    /** the JSON bodies received at a path */
    events: <T = { id: string; type: string; accountId: string | null; data: Record<string, unknown> }>(path: string) =>
      received.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as T),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>
