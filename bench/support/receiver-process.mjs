// A webhook receiver in its own process, for benchmarks: the receiving end of a webhook is never
// the gateway's process, so it must not share (and be billed to) the gateway's event loop and CPU.
// Answers 200 "ok" to every POST and records, per request: path, webhook-id, the time it ended.
// GET /_counts → {path: n}; GET /_dump → [[path, webhookId, at], …]. Prints its port on stdout.
import { createServer } from 'node:http'

const records = []
const counts = {}
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(req.url === '/_dump' ? records : counts))
    return
  }
  req.resume()
  req.on('end', () => {
    const path = req.url ?? '/'
    records.push([path, String(req.headers['webhook-id'] ?? ''), Date.now()])
    counts[path] = (counts[path] ?? 0) + 1
    res.end('ok')
  })
})
server.keepAliveTimeout = 30_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('SIGTERM', () => process.exit(0))
