import type { Keyring } from '@/lib/crypto/aead'
import type { EndpointRow } from '@/lib/db/webhook-endpoints'

/** What an endpoint keeps sealed: its signing secret, the previous one during a rotation, its custom headers. */
export type EndpointSecrets = { secret: string; previous: string | null; headers: Record<string, string> }

/** Binds sealed secrets to their endpoint (key rotation rebuilds it: lib/whatsapp/rotate-key.ts). */
export const webhookSecretsAad = (endpointId: string) => Buffer.from(`webhook_endpoint:${endpointId}`)
const aad = webhookSecretsAad

export function sealSecrets(keyring: Keyring, endpointId: string, s: EndpointSecrets): { secretsKeyId: string; secrets: Buffer } {
  const sealed = keyring.encrypt(Buffer.from(JSON.stringify(s)), aad(endpointId))
  return { secretsKeyId: sealed.keyId, secrets: sealed.value }
}

/** Throws DecryptionError when the row cannot be read (wrong key, tampered, moved to another id). */
export function openSecrets(keyring: Keyring, row: Pick<EndpointRow, 'id' | 'secretsKeyId' | 'secrets'>): EndpointSecrets {
  return JSON.parse(keyring.decrypt(row.secretsKeyId, row.secrets, aad(row.id)).toString()) as EndpointSecrets
}

/** The secrets that sign a delivery now: the current one, and the previous one until its overlap ends. */
export function signingSecrets(s: EndpointSecrets, row: Pick<EndpointRow, 'previousSecretUntil'>, now: number): string[] {
  return s.previous && row.previousSecretUntil !== null && row.previousSecretUntil > now ? [s.secret, s.previous] : [s.secret]
}
