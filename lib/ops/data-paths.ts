import path from 'node:path'
import { ConfigError } from '@/lib/env'
import { rawSchema } from '@/lib/env-schema'
import { SETUP_TOKEN_FILE } from '@/lib/operators/setup'

/**
 * Where a gateway keeps its data, read from the environment with the server's own schema
 * (lib/env-schema.ts) but without parseEnv's side effects: parseEnv creates DATA_DIR and generates
 * missing secrets, which a backup, a restore or a check must never do (a doctor run that generated a
 * new encryption key would hide the very loss it is meant to report).
 */
export type DataPaths = {
  dataDir: string
  /** as lib/env.ts sets Env.dbFile */
  dbFile: string
  /** as lib/media/config.ts sets the media directory */
  mediaDir: string
  /** the secret files the server generates when the variable is unset (lib/env.ts, lib/operators/setup.ts) */
  secretFiles: { authSecret: string; encryptionKey: string; setupToken: string }
  /** set when the environment names a PostgreSQL database (which this version does not use yet) */
  databaseUrl?: string
}

export const DB_FILE_NAME = 'gateway.db'
export const AUTH_SECRET_FILE = 'auth-secret'
export const ENCRYPTION_KEY_FILE = 'encryption-key'

export function dataPathsFor(dataDirSetting: string, databaseUrl?: string): DataPaths {
  const dataDir = path.resolve(dataDirSetting)
  return {
    dataDir,
    dbFile: path.join(dataDir, DB_FILE_NAME),
    mediaDir: path.join(dataDir, 'media'),
    secretFiles: {
      authSecret: path.join(dataDir, AUTH_SECRET_FILE),
      encryptionKey: path.join(dataDir, ENCRYPTION_KEY_FILE),
      setupToken: path.join(dataDir, SETUP_TOKEN_FILE),
    },
    databaseUrl: databaseUrl?.trim() ? databaseUrl.trim() : undefined,
  }
}

/** Throws ConfigError (naming the variable) when the environment would stop the server too. */
export function dataPathsFromEnv(source: Record<string, string | undefined> = process.env): DataPaths {
  const parsed = rawSchema.safeParse(source)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ConfigError(`Invalid configuration: ${issue?.path.join('.') ?? 'environment'} ${issue?.message ?? 'is invalid'}`)
  }
  return dataPathsFor(parsed.data.DATA_DIR, source.DATABASE_URL)
}

/** A PostgreSQL URL (postgres:// or postgresql://). */
export const isPostgresUrl = (url: string | undefined): boolean => !!url && /^postgres(ql)?:\/\//i.test(url)
