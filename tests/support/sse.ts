/**
 * A small Server-Sent Events reader for tests: splits a byte stream into blocks and their fields as
 * the SSE specification does (`id`, `event`, `data`, `retry`, comments), keeping id-only blocks and
 * comments visible so tests can assert on heartbeats too.
 */
export type SseBlock = { id?: string; event?: string; data?: string; retry?: number; comments: string[] }

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>
  private readonly decoder = new TextDecoder()
  private buffer = ''
  private done = false

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader()
  }

  /** The next block, or null when the stream ended; rejects after `timeoutMs` without one. */
  async next(timeoutMs = 5_000): Promise<SseBlock | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const end = this.buffer.indexOf('\n\n')
      if (end >= 0) {
        const text = this.buffer.slice(0, end)
        this.buffer = this.buffer.slice(end + 2)
        return parseBlock(text)
      }
      if (this.done) return null
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no SSE block within ${timeoutMs} ms`)
      let timer: NodeJS.Timeout | undefined
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), left)
        }),
      ]).finally(() => clearTimeout(timer))
      if (chunk === 'timeout') throw new Error(`no SSE block within ${timeoutMs} ms`)
      if (chunk.done) this.done = true
      else this.buffer += this.decoder.decode(chunk.value, { stream: true })
    }
  }

  /** The next block that carries an event (skipping comments and id-only blocks), within `timeoutMs` in all. */
  async nextEvent(timeoutMs = 5_000): Promise<SseBlock | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const block = await this.next(Math.max(1, deadline - Date.now()))
      if (!block || block.data !== undefined) return block
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel()
  }
}

function parseBlock(text: string): SseBlock {
  const block: SseBlock = { comments: [] }
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      block.comments.push(line.slice(1).trim())
      continue
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') block.id = value
    else if (field === 'event') block.event = value
    else if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`
    else if (field === 'retry') block.retry = Number(value)
  }
  return block
}
