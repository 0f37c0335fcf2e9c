import { Readable } from 'node:stream'
import { getMessageMedia } from '@/lib/api/operations/media'
import { endpoint, route } from '@/lib/api/route'
import { servedMediaHeaders } from '@/lib/media/serve'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(getMessageMedia, async ({ params, ctx }) => {
    ctx.rt.sessions.get(params.accountId)
    const media = await ctx.rt.media.open(params.accountId, params.messageId)
    return new Response(Readable.toWeb(media.stream) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: servedMediaHeaders(media),
    })
  }),
)
