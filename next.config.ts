import type { NextConfig } from 'next'

const nextConfig: NextConfig = {
  // Native and ESM-heavy server packages stay out of the Next bundles and load from node_modules.
  serverExternalPackages: ['@whiskeysockets/baileys', 'better-sqlite3', '@node-rs/argon2', 'pino', 'busboy', 'file-type'],
  poweredByHeader: false,
}

export default nextConfig
