import { uploadMedia } from '@/lib/api/operations/media'
import { endpoint, route } from '@/lib/api/route'
import { receiveUpload } from '@/lib/media/upload-form'

export const dynamic = 'force-dynamic'

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = endpoint(
  route(uploadMedia, async ({ req, params, ctx }) => {
    ctx.rt.sessions.get(params.accountId)
    return receiveUpload(req, params.accountId, ctx.rt.media)
  }),
)
