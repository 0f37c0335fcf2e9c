import { metricsAccess } from '@/lib/metrics/access'
import { getRuntime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

/** Prometheus scrape endpoint: the bearer token METRICS_TOKEN, or a gateway-wide admin API key. */
export async function GET(req: Request): Promise<Response> {
  const { env, keys, metrics } = getRuntime()
  if (!metricsAccess(req.headers.get('authorization'), { token: env.metricsToken, keys })) {
    return Response.json(
      { error: { code: 'unauthorized', message: 'Send Authorization: Bearer with METRICS_TOKEN or a gateway-wide admin API key.' } },
      { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' } },
    )
  }
  return new Response(await metrics.render(), { headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' } })
}
