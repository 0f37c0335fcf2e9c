'use client'

import { useEffect, useMemo } from 'react'
import { Button, Input } from '@/components/ui/primitives'
import { api, type CallInput, type Operations } from '@/lib/api/client'

export type MediaKind = 'image' | 'video' | 'audio' | 'document'
const MEDIA_KINDS: MediaKind[] = ['image', 'video', 'audio', 'document']

/** What a file is sent as unless the operator says otherwise: by its type; anything else is a document. */
export function kindOf(file: File): MediaKind {
  if (/^image\/(jpeg|png)$/.test(file.type)) return 'image'
  if (/^video\/(mp4|3gpp)$/.test(file.type)) return 'video'
  if (file.type.startsWith('audio/')) return 'audio'
  return 'document'
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** A send's body: the REST API's message object, typed by its schema. */
export type SendBody = NonNullable<CallInput<Operations['sendMessage']>['body']>

/**
 * Streams the file to the account's media store (`POST …/media`, the operator's session; only
 * admins hold the scope) and answers the upload's id, which the send then names.
 */
export async function uploadFile(accountId: string, file: File): Promise<{ id: string }> {
  const form = new FormData()
  form.append('file', file, file.name)
  return api.call('uploadMedia', { params: { accountId }, form })
}

/** The send body for an uploaded file, in the REST API's shape. */
export function mediaBody(opts: {
  to: string
  kind: MediaKind
  uploadId: string
  caption: string
  fileName: string
  voice: boolean
  replyTo: string | null
}): SendBody {
  const { to, uploadId: id } = opts
  const caption = opts.caption ? { caption: opts.caption } : {}
  const context = opts.replyTo ? { context: { messageId: opts.replyTo } } : {}
  switch (opts.kind) {
    case 'image':
      return { to, type: 'image', image: { id, ...caption }, ...context }
    case 'video':
      return { to, type: 'video', video: { id, ...caption }, ...context }
    case 'audio':
      return { to, type: 'audio', audio: { id, ...(opts.voice ? { voice: true } : {}) }, ...context }
    case 'document':
      return { to, type: 'document', document: { id, ...caption, fileName: opts.fileName }, ...context }
  }
}

/**
 * The composer's file part: pick a file, see it (an image as a thumbnail, anything else by name and
 * size), choose how it goes (the kind its type suggests; a voice note for audio) and add a caption.
 * The fields are named so the composer's form carries them: `mediaKind`, `voice`, `caption`.
 */
export function MediaPicker({
  file,
  onFile,
  kind,
  onKind,
  pending,
}: {
  file: File | null
  onFile: (f: File | null) => void
  kind: MediaKind
  onKind: (k: MediaKind) => void
  pending: boolean
}) {
  const preview = useMemo(() => (file?.type.startsWith('image/') ? URL.createObjectURL(file) : null), [file])
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview])
  return (
    <div className="space-y-2">
      <label className="block text-xs text-slate-600 dark:text-slate-300">
        <span className="mb-1 block">File</span>
        <input
          type="file"
          name="file"
          required
          aria-label="File to send"
          accept="image/*,video/*,audio/*,application/*,text/*"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0] ?? null
            onFile(f)
            if (f) onKind(kindOf(f))
          }}
          className="block w-full text-sm file:mr-2 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 dark:file:bg-slate-800"
        />
      </label>
      {file ? (
        <div className="flex items-center gap-3 rounded-md border border-slate-200 p-2 dark:border-slate-700" data-testid="media-preview">
          {preview && kind === 'image' ? (
            // eslint-disable-next-line @next/next/no-img-element -- a local object URL: nothing for next/image to optimise
            <img
              src={preview}
              alt={`Preview of ${file.name}`}
              className="h-16 w-16 rounded object-cover"
              data-testid="media-preview-image"
            />
          ) : (
            <span aria-hidden className="flex h-16 w-16 items-center justify-center rounded bg-slate-100 text-2xl dark:bg-slate-800">
              {kind === 'video' ? '🎬' : kind === 'audio' ? '🎵' : '📄'}
            </span>
          )}
          <span className="min-w-0 text-xs">
            <span className="block truncate font-medium" data-testid="media-preview-name">
              {file.name}
            </span>
            <span className="text-muted">
              {formatSize(file.size)} · {file.type || 'unknown type'}
            </span>
          </span>
        </div>
      ) : null}
      <div className="flex flex-wrap items-center gap-3 text-xs">
        <label className="flex items-center gap-1">
          Send as
          <select
            name="mediaKind"
            value={kind}
            onChange={(e) => onKind(e.currentTarget.value as MediaKind)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
          >
            {MEDIA_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {kind === 'audio' ? (
          <label className="flex items-center gap-1">
            <input type="checkbox" name="voice" /> voice note (Ogg/Opus)
          </label>
        ) : null}
      </div>
      <div className="flex gap-2">
        {kind !== 'audio' ? (
          <Input name="caption" maxLength={1024} aria-label="Caption" placeholder="Caption (optional)" className="flex-1" />
        ) : null}
        <Button type="submit" disabled={pending || !file} className={kind === 'audio' ? 'flex-1' : ''}>
          {pending ? 'Sending…' : 'Send file'}
        </Button>
      </div>
    </div>
  )
}
