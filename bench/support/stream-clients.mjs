// Event-stream clients for bench/events.bench.ts, in their own process (as real clients would be, so
// their CPU is not counted as the gateway's). Usage: node stream-clients.mjs <url> <streams>
// Opens <streams> connections to <url>, parses Server-Sent Events, and for each event notes the
// latency from its commit (the ULID's time) to its arrival. On stdin: "report" prints
// {"events", "perStream", "latencies"} for what arrived since the last report; "exit" ends.
import { createInterface } from 'node:readline'

const [url, n] = process.argv.slice(2)
const streams = Number(n)
const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const ulidTime = (id) => [...id.slice(0, 10)].reduce((t, c) => t * 32 + B32.indexOf(c), 0)

let latencies = []
let counts = new Array(streams).fill(0)
let opened = 0

async function open(i) {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`stream ${i}: HTTP ${res.status}`)
  const decoder = new TextDecoder()
  let buf = ''
  let first = true
  for await (const chunk of res.body) {
    buf += decoder.decode(chunk, { stream: true })
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const block = buf.slice(0, end)
      buf = buf.slice(end + 2)
      if (first) {
        first = false
        if (++opened === streams) process.stdout.write('ready\n')
      }
      const id = /^id: (\S+)$/m.exec(block)?.[1]
      if (id && block.includes('\ndata: ')) {
        counts[i]++
        latencies.push(Date.now() - ulidTime(id))
      }
    }
  }
}

for (let i = 0; i < streams; i++) open(i).catch((err) => process.stderr.write(`${err}\n`))
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'report') {
    process.stdout.write(`${JSON.stringify({ events: counts.reduce((a, b) => a + b, 0), perStream: counts, latencies })}\n`)
    latencies = []
    counts = new Array(streams).fill(0)
  } else if (line === 'exit') process.exit(0)
})
