import jsQR from 'jsqr'
import { PNG } from 'pngjs'

/** The simulated phone, driven through the simulator's admin HTTP API. */
const ADMIN = `http://127.0.0.1:${process.env.E2E_SIM_PORT ?? 9411}/admin`

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(ADMIN + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  })
  const data: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new Error(`simulator ${method} ${path} → ${res.status}: ${JSON.stringify(data)}`)
  return data
}

export const phone = {
  create: (number: string, name: string) => call('POST', '/users', { phone: number, name }),
  scan: (number: string, qr: string) => call('POST', `/users/${number}/scan`, { qr }),
  enterPairingCode: (number: string, code: string) => call('POST', `/users/${number}/pairing-code`, { code }),
  devices: async (number: string) =>
    ((await call('GET', `/users/${number}`)) as { devices: { deviceId: number; online: boolean }[] }).devices,
  /** the contact's phone sends a text to `to` (a simulated user's number) */
  sendText: (from: string, to: string, text: string) => call('POST', `/users/${from}/messages`, { to, text }) as Promise<{ id: string }>,
  /** the contact's phone sends any non-media kind: reaction, edit, delete, location… (sim/README.md) */
  send: (from: string, body: Record<string, unknown>) => call('POST', `/users/${from}/messages`, body) as Promise<{ id: string }>,
  /** what the contact's phone received, oldest first (media: what it decrypted, with the bytes' SHA-256) */
  inbox: async (number: string) =>
    (
      (await call('GET', `/users/${number}/inbox`)) as {
        messages: {
          id: string
          type: string
          text?: string
          fromPhone?: string
          media?: { kind: string; mimeType: string; sha256: string; size: number; hashMatches: boolean; caption?: string }
        }[]
      }
    ).messages,
  /** the contact's phone sends a file (image, video, audio, document) */
  sendMedia: (from: string, body: { type: string; to: string; data: Buffer; mimeType: string; caption?: string; fileName?: string }) => {
    const { data, ...rest } = body
    return call('POST', `/users/${from}/messages`, { ...rest, base64: data.toString('base64') }) as Promise<{ id: string }>
  },
  /** whether (and how fast) the contact's phone sends delivery and read receipts */
  setReceipts: (number: string, receipts: { delivery?: boolean; read?: boolean; delayMs?: number }) =>
    call('POST', `/users/${number}/receipts`, receipts),
  /** WhatsApp refuses the next `count` messages of this user's linked devices with error `code` (463: restricted) */
  refuseSends: (number: string, code: number, count: number) => call('POST', `/users/${number}/ack-errors`, { code, count }),
  /** breaks the linked device's socket (see sim/README.md for the kinds) */
  breakConnection: (number: string, deviceId: number, kind: string) =>
    call('POST', `/users/${number}/devices/${deviceId}/disconnect`, { kind }),
}

/** A small PNG of one colour (a real image: the gateway checks the bytes' type). */
export function testPng(rgb: [number, number, number], size = 24): Buffer {
  const png = new PNG({ width: size, height: size })
  for (let i = 0; i < size * size; i++) png.data.set([...rgb, 255], i * 4)
  return PNG.sync.write(png)
}

/** Reads a QR code the way a phone camera would: from the pixels of the PNG the dashboard shows. */
export function decodeQrDataUrl(dataUrl: string): string {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'))
  const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
  if (!code) throw new Error('no QR code found in the image')
  return code.data
}
