/** Formatting shared by server and client components (no hooks here, so both can import it). */

/** "3 h 4 min", "12 s": a duration as an operator reads it. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${m % 60} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

/** A timestamp as UTC "YYYY-MM-DD HH:MM:SS" (the same text on the server and in every browser). */
export const formatTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

/** "1 failure", "3 failures": a count with its noun in the right number (`many` for irregular plurals). */
export const countOf = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
