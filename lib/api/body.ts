import { AppError } from '@/lib/errors'

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

/**
 * Reads a JSON request body without ever holding more than `maxBytes` of it: a declared
 * Content-Length over the cap is refused before reading, and the stream is cancelled as soon as it
 * passes the cap (a chunked body has no length to trust). An empty body reads as `{}`, so a schema
 * names the missing fields.
 */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new AppError('payload_too_large', `The body is larger than this route accepts (${maxBytes} bytes).`)
  const encoding = req.headers.get('content-encoding')?.trim().toLowerCase()
  if (encoding && encoding !== 'identity')
    throw new AppError('unsupported_media_type', `Content-Encoding "${encoding.slice(0, 40)}" is not accepted; send the body uncompressed.`)
  const declared = req.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge()

  const chunks: Uint8Array[] = []
  let size = 0
  if (req.body) {
    const reader = req.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined)
        throw tooLarge()
      }
      chunks.push(value)
    }
  }
  if (size === 0) return {}
  const type = req.headers.get('content-type') ?? ''
  if (!JSON_TYPE.test(type)) throw new AppError('unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    throw new AppError('bad_request', 'The body is not valid UTF-8.')
  }
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new AppError('bad_request', 'The body is not valid JSON.')
  }
}
