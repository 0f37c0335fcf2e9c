/** Small helpers over Baileys' BinaryNode. */
import { type BinaryNode, getBinaryNodeChildBuffer } from '@whiskeysockets/baileys'

export const unixSeconds = (): string => Math.floor(Date.now() / 1000).toString()

export const bigEndian = (n: number, bytes: number): Buffer => {
  const b = Buffer.alloc(bytes)
  b.writeUIntBE(n, 0, bytes)
  return b
}

export const contentBuffer = (content: BinaryNode['content']): Buffer =>
  content instanceof Uint8Array ? Buffer.from(content) : typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.alloc(0)

/** A child's content as a Buffer, or undefined when the child is missing. */
export const childBuffer = (node: BinaryNode | undefined, tag: string): Buffer | undefined => {
  const b = getBinaryNodeChildBuffer(node, tag)
  return b ? Buffer.from(b) : undefined
}

/** Like childBuffer but throws (the stanza is malformed). */
export const requireChildBuffer = (node: BinaryNode | undefined, tag: string): Buffer => {
  const b = childBuffer(node, tag)
  if (!b) throw new Error(`<${node?.tag ?? '?'}> lacks <${tag}>`)
  return b
}

export const messageId = (): string =>
  '3EB0' +
  Buffer.from(crypto.getRandomValues(new Uint8Array(9)))
    .toString('hex')
    .toUpperCase()
