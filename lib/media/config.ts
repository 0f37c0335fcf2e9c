import path from 'node:path'
import type { Env } from '@/lib/env'
import type { MediaConfig } from './service'

export function mediaConfigFromEnv(env: Pick<Env, 'media' | 'dataDir'>): MediaConfig {
  const m = env.media
  return {
    dir: path.join(env.dataDir, 'media'),
    limits: m.maxBytes,
    uploadTtlMs: m.uploadTtlMs,
    cacheMaxBytes: m.cacheMaxBytes,
    eagerDownload: m.eagerDownload,
    link: { allowedCidrs: m.allowedCidrs, allowHttp: m.allowHttp, timeoutMs: m.linkTimeoutMs, maxRedirects: 5 },
    downloadTimeoutMs: 5 * 60_000,
    accountQuotaBytes: m.accountQuotaBytes,
  }
}
