import type { HourBucket } from '@/lib/system/overview'

const W = 720
const H = 180
const PAD = { left: 36, right: 8, top: 10, bottom: 24 }

/**
 * Messages in and out per hour as grouped bars: plain SVG rendered on the server (no chart library, no
 * client JavaScript). The table after it carries the same numbers for screen readers.
 */
export function HourlyChart({ buckets }: { buckets: HourBucket[] }) {
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.in, b.out)))
  const innerW = W - PAD.left - PAD.right
  const innerH = H - PAD.top - PAD.bottom
  const slot = innerW / Math.max(1, buckets.length)
  const bar = Math.max(1, slot / 2 - 1)
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH
  const total = buckets.reduce((s, b) => ({ in: s.in + b.in, out: s.out + b.out }), { in: 0, out: 0 })
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-labelledby="hourly-title" data-testid="hourly-chart">
        <title id="hourly-title">{`Messages per hour, last ${buckets.length} hours: ${total.in} in, ${total.out} out`}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="stroke-slate-200 dark:stroke-slate-700" />
            <text x={PAD.left - 4} y={y(max * f) + 4} textAnchor="end" className="fill-slate-500 text-[10px]">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const x = PAD.left + i * slot
          return (
            <g key={b.hour}>
              <rect x={x + 1} y={y(b.in)} width={bar} height={PAD.top + innerH - y(b.in)} className="fill-sky-500" />
              <rect x={x + 1 + bar} y={y(b.out)} width={bar} height={PAD.top + innerH - y(b.out)} className="fill-emerald-500" />
              {i % 3 === 0 ? (
                <text x={x + slot / 2} y={H - 8} textAnchor="middle" className="fill-slate-500 text-[10px]">
                  {new Date(b.hour).toISOString().slice(11, 13)}h
                </text>
              ) : null}
            </g>
          )
        })}
      </svg>
      <figcaption className="mt-2 flex gap-4 text-xs text-slate-600 dark:text-slate-400">
        <span>
          <span className="mr-1 inline-block h-2 w-2 bg-sky-500" aria-hidden />
          in: {total.in}
        </span>
        <span>
          <span className="mr-1 inline-block h-2 w-2 bg-emerald-500" aria-hidden />
          out: {total.out}
        </span>
        <span>hours in UTC</span>
      </figcaption>
    </figure>
  )
}
