import { z } from 'zod'

/** What an upload answers: its id for `image.id`, `document.id`, … in a send. */
export const MediaUpload = z
  .object({
    id: z
      .string()
      .meta({ description: "Use it as the media object's `id` in a send of this account", examples: ['med_5f2c0e6a9b1d4c7e8f3a2b10'] }),
    mimeType: z.string().meta({ description: 'The type the bytes really are', examples: ['application/pdf'] }),
    size: z
      .number()
      .int()
      .meta({ description: 'Bytes', examples: [48213] }),
    sha256: z
      .string()
      .meta({ description: 'Hex SHA-256 of the bytes', examples: ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'] }),
    fileName: z
      .string()
      .nullable()
      .meta({ description: 'The file name of the upload, used for documents', examples: ['invoice-4711.pdf'] }),
    expiresAt: z.iso
      .datetime()
      .meta({ description: 'After this the id is refused (media_expired)', examples: ['2026-12-01T10:00:00.000Z'] }),
  })
  .meta({ id: 'MediaUpload' })

export const MediaUploadForm = z
  .object({
    file: z
      .string()
      .meta({ format: 'binary', description: 'The file (one part named "file"); its part Content-Type is checked against the bytes' }),
  })
  .meta({ description: 'multipart/form-data with one file part' })
