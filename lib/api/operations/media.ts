import { defineOperation } from '../operation'
import { AccountParams } from '../schemas/accounts'
import { MediaUpload, MediaUploadForm } from '../schemas/media'
import { MessageIdParams } from '../schemas/messages'

const tag = 'Media'

export const uploadMedia = defineOperation({
  id: 'uploadMedia',
  method: 'POST',
  path: '/accounts/{accountId}/media',
  tag,
  summary: 'Upload a file to send',
  description:
    'Streams one file (multipart/form-data, part `file`) to the gateway and answers its id, to be used as `id` in the media object of a send of the same account until `expiresAt`. The real type is read from the bytes; a declared part type the bytes contradict is refused (`media_type_mismatch`). Size caps per type (defaults: image 16 MiB, video 64 MiB, audio 16 MiB, document 100 MiB, sticker 512 KiB); past the cap the upload is cut and nothing is kept (413). The unexpired uploads of one account may hold at most MEDIA_ACCOUNT_QUOTA_BYTES (default 2 GiB); past it the upload is refused with 429 `quota_exceeded`, naming the limit.',
  auth: { scope: 'messages:send' },
  params: AccountParams,
  rawBody: { contentType: 'multipart/form-data', schema: MediaUploadForm, description: 'One file part named `file`.' },
  success: {
    status: 201,
    description: 'The stored upload',
    schema: MediaUpload,
    example: {
      id: 'med_5f2c0e6a9b1d4c7e8f3a2b10',
      mimeType: 'application/pdf',
      size: 48213,
      sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      fileName: 'invoice-4711.pdf',
      expiresAt: '2026-12-01T10:00:00.000Z',
    },
  },
  errors: ['media_type_mismatch', 'quota_exceeded'],
  audit: { action: 'media.upload', details: ({ result }) => (result ? { mediaId: result.id, size: result.size } : undefined) },
})

export const getMessageMedia = defineOperation({
  id: 'getMessageMedia',
  method: 'GET',
  path: '/accounts/{accountId}/messages/{messageId}/media',
  tag,
  summary: "Download a message's media",
  description:
    "The bytes of the media of a sent or received message, with its type and file name. Received media is fetched from WhatsApp on the first request (if WhatsApp no longer has it, the sender's phone is asked to upload it again, once) and kept in a size-capped cache. Received media is fetched only from WhatsApp's own media hosts (those its media_conn answer names, and its default host) and only when the message declares its media key and both SHA-256 hashes, which are checked with the MAC: otherwise 422 `media_url_forbidden` or `media_unverifiable`, and no connection is made. The bytes are served with the type their signature shows (`X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`); anything but images, audio and video comes as an attachment.",
  auth: { scope: 'messages:read' },
  params: MessageIdParams,
  success: { status: 200, description: 'The media bytes', binary: { contentType: 'application/octet-stream' } },
  errors: [
    'not_found',
    'media_gone',
    'not_connected',
    'media_url_forbidden',
    'media_unverifiable',
    'payload_too_large',
    'upstream_failed',
    'upstream_timeout',
  ],
})

export const mediaOperations = [uploadMedia, getMessageMedia]
