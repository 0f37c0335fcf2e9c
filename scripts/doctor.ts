/**
 * npm run doctor
 *
 * Checks an installation and prints one line per check, with what to do after `→` when it is not
 * ok: Node, the build, the configuration, DATA_DIR's permissions, the database (integrity_check,
 * migrations), the encryption key against the sealed rows, the WhatsApp endpoint, free disk space,
 * and risky production settings. Run it with the gateway's environment, as its user. Exits 0 when
 * nothing failed (warnings allowed), 1 otherwise. Writes nothing.
 */
import fs from 'node:fs'
import path from 'node:path'
import { checkNode } from '@/lib/ops/doctor/install'
import { formatResult, summarize } from '@/lib/ops/doctor/types'

const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { engines?: { node?: string } }
const node = checkNode(process.version, pkg.engines?.node)
if (node.status === 'fail') {
  // The other checks load better-sqlite3, which crashes an unsupported Node instead of failing.
  process.stdout.write(`${formatResult(node)}\n${summarize([node]).line} (the other checks need a supported Node.js)\n`)
  process.exit(1)
}
const { runDoctor } = await import('@/lib/ops/doctor')
const results = await runDoctor()
for (const r of results) process.stdout.write(`${formatResult(r)}\n`)
const { line, failed } = summarize(results)
process.stdout.write(`${line}\n`)
process.exit(failed ? 1 : 0)
