import { and, count, eq, ne, sql } from 'drizzle-orm'
import type { DB } from './client'
import { operators, type OperatorRole } from './schema'

export type Operator = typeof operators.$inferSelect
/** What may leave the server: never the hash. */
export type OperatorView = Omit<Operator, 'passwordHash'>

export const toOperatorView = ({ passwordHash: _omit, ...rest }: Operator): OperatorView => rest

export function countOperators({ db }: { db: DB }): number {
  return db.select({ n: count() }).from(operators).get()?.n ?? 0
}

export function findOperatorByEmail({ db, email }: { db: DB; email: string }): Operator | undefined {
  return db.select().from(operators).where(eq(operators.email, email.trim().toLowerCase())).get()
}

export function findOperatorById({ db, id }: { db: DB; id: number }): Operator | undefined {
  return db.select().from(operators).where(eq(operators.id, id)).get()
}

export function listOperators({ db }: { db: DB }): OperatorView[] {
  return db.select().from(operators).orderBy(operators.email).all().map(toOperatorView)
}

export function insertOperator({
  db,
  email,
  name,
  passwordHash,
  role,
}: {
  db: DB
  email: string
  name: string
  passwordHash: string
  role: OperatorRole
}): Operator {
  return db.insert(operators).values({ email: email.trim().toLowerCase(), name, passwordHash, role }).returning().get()
}

/**
 * Creates the first admin only while no operator exists. The check and the insert run in one
 * IMMEDIATE transaction so two concurrent setup submissions cannot both succeed.
 */
export function insertFirstAdmin({
  db,
  email,
  name,
  passwordHash,
}: {
  db: DB
  email: string
  name: string
  passwordHash: string
}): Operator | null {
  return db.$client
    .transaction(() => {
      if (countOperators({ db }) > 0) return null
      return insertOperator({ db, email, name, passwordHash, role: 'admin' })
    })
    .immediate()
}

export function updateOperator({
  db,
  id,
  patch,
}: {
  db: DB
  id: number
  patch: Partial<Pick<Operator, 'name' | 'role' | 'disabled' | 'passwordHash'>>
}): Operator | undefined {
  // Changing the password, the role or disabling ends the operator's existing sessions.
  const endsSessions = patch.passwordHash !== undefined || patch.disabled === true || patch.role !== undefined
  return db
    .update(operators)
    .set({ ...patch, updatedAt: Date.now(), ...(endsSessions ? { sessionVersion: sql`${operators.sessionVersion} + 1` } : {}) })
    .where(eq(operators.id, id))
    .returning()
    .get()
}

export function deleteOperator({ db, id }: { db: DB; id: number }): boolean {
  return db.delete(operators).where(eq(operators.id, id)).run().changes > 0
}

export function touchLastLogin({ db, id }: { db: DB; id: number }): void {
  db.update(operators).set({ lastLoginAt: Date.now() }).where(eq(operators.id, id)).run()
}

/** Active admins other than `exceptId`: an operation must never leave the gateway without one. */
export function countOtherActiveAdmins({ db, exceptId }: { db: DB; exceptId: number }): number {
  return (
    db
      .select({ n: count() })
      .from(operators)
      .where(and(eq(operators.role, 'admin'), eq(operators.disabled, false), ne(operators.id, exceptId)))
      .get()?.n ?? 0
  )
}
