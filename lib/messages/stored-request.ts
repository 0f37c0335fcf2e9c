import { z } from 'zod'
import type { OutgoingContent } from '@/lib/whatsapp/outgoing'

/**
 * What a queued message keeps until it is sent (the `request` column): its resolved content, the
 * row it quotes and whether to build a link preview. It outlives the process that wrote it — a
 * gateway upgraded while messages wait reads rows an older version wrote — so it carries a version
 * and is read back through a schema, never with a bare cast. A row this version cannot read is
 * failed with the reason (lib/messages/queue.ts) instead of being thrown at the send loop.
 *
 * Versions: 0 (no `v`, written before versioning) has the same fields as 1.
 */
export const STORED_REQUEST_VERSION = 1

const keyRef = z.object({ remoteJid: z.string().min(1), fromMe: z.boolean(), id: z.string().min(1), participant: z.string().optional() })

const content = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('text'),
    text: z.string(),
    mentions: z.array(z.string()),
    linkPreview: z.object({ url: z.string(), title: z.string().optional(), description: z.string().optional() }).nullable(),
  }),
  z.object({
    kind: z.literal('location'),
    latitude: z.number(),
    longitude: z.number(),
    name: z.string().optional(),
    address: z.string().optional(),
  }),
  z.object({
    kind: z.literal('contacts'),
    displayName: z.string(),
    cards: z.array(z.object({ displayName: z.string(), vcard: z.string() })),
  }),
  z.object({ kind: z.literal('reaction'), target: keyRef, emoji: z.string() }),
  z.object({ kind: z.literal('edit'), target: keyRef, text: z.string() }),
  z.object({ kind: z.literal('delete'), target: keyRef }),
  z.object({
    kind: z.literal('media'),
    media: z.enum(['image', 'video', 'audio', 'document', 'sticker']),
    path: z.string().min(1),
    mimeType: z.string().min(1),
    caption: z.string().optional(),
    fileName: z.string().optional(),
    voice: z.boolean().optional(),
  }),
]) satisfies z.ZodType<OutgoingContent>

const fields = z.object({ content, quotedRowId: z.number().int().positive().optional(), previewUrl: z.boolean().optional() })

export type StoredRequest = { content: OutgoingContent; quotedRowId?: number; previewUrl?: boolean }

/** The column's value for a request (current version). */
export function storeRequest(request: StoredRequest): Record<string, unknown> {
  return { v: STORED_REQUEST_VERSION, ...request }
}

/** A stored request read back, or why this version cannot send it. */
export function readStoredRequest(value: unknown): { ok: true; request: StoredRequest } | { ok: false; reason: string } {
  const v = typeof value === 'object' && value !== null && 'v' in value ? value.v : undefined
  if (v !== undefined && v !== STORED_REQUEST_VERSION) {
    return {
      ok: false,
      reason: `the queued request was stored in format ${JSON.stringify(v)}, which this version of the gateway does not read (it reads ${STORED_REQUEST_VERSION} and older)`,
    }
  }
  const parsed = fields.safeParse(value)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')
    return { ok: false, reason: `the queued request (format ${String(v ?? 0)}) cannot be read by this version of the gateway: ${detail}` }
  }
  const { content: c, quotedRowId, previewUrl } = parsed.data
  return { ok: true, request: { content: c, ...(quotedRowId ? { quotedRowId } : {}), ...(previewUrl ? { previewUrl } : {}) } }
}
