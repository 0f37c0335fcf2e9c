import { monitorEventLoopDelay } from 'node:perf_hooks'

const RESOLUTION_MS = 10

export type LoopDelay = { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number; windowMs: number }

/**
 * Event-loop delay of this process over a rolling window: the histogram is read and restarted every
 * `windowMs`, so the System page shows the recent past, not the average since start.
 */
export class LoopDelayMonitor {
  private readonly histogram: ReturnType<typeof monitorEventLoopDelay>
  private last: LoopDelay | null = null
  private readonly timer: NodeJS.Timeout

  constructor(private readonly windowMs = 60_000) {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.histogram.enable()
    this.timer = setInterval(() => {
      this.last = this.snapshot()
      this.histogram.reset()
    }, windowMs)
    this.timer.unref()
  }

  /** The last complete window, or the current one when none has completed yet. */
  read(): LoopDelay {
    return this.last ?? this.snapshot()
  }

  stop(): void {
    clearInterval(this.timer)
    this.histogram.disable()
  }

  private snapshot(): LoopDelay {
    const h = this.histogram
    // The histogram records the whole interval between samples (an idle loop reads RESOLUTION_MS): the
    // delay is what exceeds it.
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100) : 0)
    return { meanMs: ms(h.mean), p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), windowMs: this.windowMs }
  }
}
