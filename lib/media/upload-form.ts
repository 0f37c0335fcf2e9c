import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import busboy from 'busboy'
import { AppError, isAppError } from '@/lib/errors'
import type { MediaService, UploadView } from './service'

/**
 * Reads a multipart/form-data upload as a stream (busboy) and hands its one `file` part to the media
 * service, which writes it to disk with the cap of its type. The request is never held in memory; a
 * Content-Length over the largest cap is refused before reading.
 */
export async function receiveUpload(req: Request, accountId: string, media: MediaService): Promise<UploadView> {
  const type = req.headers.get('content-type') ?? ''
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new AppError('unsupported_media_type', 'Send the file as multipart/form-data with one part named "file".')
  }
  const max = media.maxUploadBytes
  const declared = Number(req.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > max + 64 * 1024) {
    throw new AppError('payload_too_large', `The upload is larger than the largest file this gateway accepts (${max} bytes).`)
  }
  if (!req.body) throw new AppError('validation_failed', 'No file: send one part named "file".')
  let parser: busboy.Busboy
  try {
    parser = busboy({ headers: { 'content-type': type }, limits: { files: 1, fields: 20, fieldSize: 4096, parts: 40, fileSize: max + 1 } })
  } catch {
    throw new AppError('bad_request', 'The multipart body has no valid boundary.')
  }
  const source = Readable.fromWeb(req.body as WebReadableStream<Uint8Array>)
  return new Promise<UploadView>((resolve, reject) => {
    let stored: Promise<UploadView> | undefined
    let failed = false
    const fail = (err: unknown) => {
      if (failed) return
      failed = true
      source.unpipe(parser)
      source.destroy()
      reject(isAppError(err) ? err : new AppError('bad_request', 'The multipart body is malformed.'))
    }
    parser.on('file', (name, file, info) => {
      if (name !== 'file' || stored) {
        file.resume()
        return
      }
      stored = media.storeUpload(accountId, { stream: file, declaredType: info.mimeType, fileName: info.filename ?? null })
      stored.catch(fail)
    })
    parser.on('error', fail)
    parser.on('close', () => {
      if (failed) return
      if (!stored) {
        fail(
          new AppError('validation_failed', 'No file: send one part named "file".', { details: [{ path: 'file', message: 'required' }] }),
        )
        return
      }
      stored.then(resolve, fail)
    })
    source.on('error', fail)
    source.pipe(parser)
  })
}
