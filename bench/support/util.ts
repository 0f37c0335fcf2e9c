export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** The p-th percentile of an ascending list (the value at index ⌊p/100 · n⌋, capped at the last). */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

/** Runs a benchmark when its file is the one node started (not when another file imports it). */
export function runIfMain(moduleUrl: string, run: () => Promise<unknown>): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return
  run()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err)
      process.exit(1)
    })
}
