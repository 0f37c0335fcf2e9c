import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { ENGAGED, notEngaged, type SeamState } from './seam-state'

/**
 * Baileys checks every XEdDSA signature (the Noise certificate chain on each connect, a contact's
 * signed pre-key, every group message) through libsignal, which calls `curve25519-js`'s pure
 * JavaScript verify. package.json replaces that package with packages/curve25519-native (a `file:`
 * dependency and an override), whose verify runs on OpenSSL: most of a restart's CPU otherwise
 * (docs/upstream.md). Nothing is patched at run time; this checks at start that the `curve25519-js`
 * libsignal resolves, from where Baileys loads libsignal, is that package.
 */
export function probeCurve25519Native(): SeamState {
  const require = createRequire(import.meta.url)
  const baileys = require.resolve('@whiskeysockets/baileys')
  const curve = require.resolve('libsignal/src/curve.js', { paths: [path.dirname(baileys)] })
  const curveJs = require.resolve('curve25519-js', { paths: [path.dirname(curve)] })
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(curveJs), 'package.json'), 'utf8')) as { name?: string; version?: string }
  if (pkg.name !== 'curve25519-native')
    return notEngaged(
      `libsignal loads ${pkg.name ?? 'an unnamed package'} ${pkg.version ?? ''} as curve25519-js, not packages/curve25519-native`,
    )
  return ENGAGED
}
