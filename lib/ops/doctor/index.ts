import fs from 'node:fs'
import path from 'node:path'
import { ConfigError } from '@/lib/env'
import { dataPathsFromEnv } from '../data-paths'
import { checkDataDir, checkDatabase, checkDisk, checkEncryptionKey, checkMigrations } from './data'
import { checkBuild, checkConfig, checkNode, checkSettings } from './install'
import { type CheckResult, skip } from './types'
import { checkWhatsApp } from './whatsapp'

export { formatResult, summarize } from './types'

const DEFAULT_CACHE_MAX = 1024 ** 3

/**
 * `npm run doctor`: every check, in the order an operator would fix them. Nothing is written: no
 * secret is generated, no migration applied, the database is opened read-only.
 */
export async function runDoctor(source: Record<string, string | undefined> = process.env, root = process.cwd()): Promise<CheckResult[]> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } }
  const results: CheckResult[] = [checkNode(process.version, pkg.engines?.node), checkBuild(root), checkConfig(source)]
  let paths
  try {
    paths = dataPathsFromEnv(source)
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    results.push(skip('data-dir', 'the configuration does not parse'))
  }
  if (paths) {
    const dirResult = checkDataDir(paths)
    results.push(dirResult)
    if (fs.existsSync(paths.dataDir)) {
      results.push(checkDatabase(paths), checkMigrations(paths), await checkEncryptionKey(paths, source))
    } else {
      results.push(skip('database', 'no data directory to check'))
    }
    const cacheMax = source.MEDIA_CACHE_MAX_BYTES?.trim() ? Number(source.MEDIA_CACHE_MAX_BYTES.trim()) : DEFAULT_CACHE_MAX
    results.push(checkDisk(paths, Number.isFinite(cacheMax) ? cacheMax : DEFAULT_CACHE_MAX))
  }
  results.push(await checkWhatsApp(source.WA_WS_URL?.trim() ? source.WA_WS_URL.trim() : undefined))
  results.push(...checkSettings(source))
  return results
}
