import { DOCS_HTML } from '@/lib/api/docs'

export const dynamic = 'force-dynamic'

/** Interactive API documentation (public, like the document it renders). */
export function GET(): Response {
  return new Response(DOCS_HTML, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } })
}
