import { hash, verify } from '@node-rs/argon2'

/** argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane). */
const OPTIONS = {
  // 2 = Argon2id (the package's Algorithm enum is a const enum, unusable under isolatedModules)
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const

export const MIN_PASSWORD_LENGTH = 10

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS)
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

/** A hash of a random password, verified against when the email is unknown so timing does not reveal which emails exist. */
let dummyHash: Promise<string> | undefined
export function getDummyHash(): Promise<string> {
  return (dummyHash ??= hashPassword(`dummy-${Math.random()}-${Date.now()}`))
}
