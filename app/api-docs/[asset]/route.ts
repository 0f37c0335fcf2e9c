import { docsAsset } from '@/lib/api/docs'

export const dynamic = 'force-dynamic'

export async function GET(_req: Request, { params }: { params: Promise<{ asset: string }> }): Promise<Response> {
  const asset = docsAsset((await params).asset)
  if (!asset) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } })
  return new Response(new Uint8Array(asset.body), { headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' } })
}
