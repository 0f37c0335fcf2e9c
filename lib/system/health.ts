import { type DB, pingDb } from '@/lib/db/client'

/** true while the database answers; what /api/v1/health and the System page report. */
export function databaseOk(db: DB): boolean {
  return pingDb(db)
}
