import { notFoundEndpoint } from '@/lib/api/route'

export const dynamic = 'force-dynamic'

/** Any path under /api/v1 that no route serves: 404 in the error envelope, never Next's HTML page. */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = notFoundEndpoint()
