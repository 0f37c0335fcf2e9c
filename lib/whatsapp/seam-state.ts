/**
 * What a seam says about itself: a place where the gateway works around Baileys, libsignal or Node
 * by reaching into them (docs/upstream.md lists every one). `engaged` false carries the reason; a
 * seam switched off by configuration says so with `off`, and is not a sign that a dependency changed.
 */
export type SeamState = { engaged: true } | { engaged: false; reason: string; off?: true }

export const ENGAGED: SeamState = Object.freeze({ engaged: true })
export const notEngaged = (reason: string, opts: { off?: true } = {}): SeamState => ({ engaged: false, reason, ...opts })

/** Runs a probe; one that throws reports the error as its reason instead (a probe never stops a start). */
export async function probe(check: () => SeamState | Promise<SeamState>): Promise<SeamState> {
  try {
    return await check()
  } catch (err) {
    return notEngaged(`the probe failed: ${err instanceof Error ? err.message : String(err)}`)
  }
}
