import pino, { type Logger } from 'pino'

export type SimLogger = Logger

/** Silent unless SIM_LOG_LEVEL (e.g. `info`, `debug`, `trace`) says otherwise. */
export const createSimLogger = (level: string = process.env.SIM_LOG_LEVEL ?? 'silent'): SimLogger => pino({ name: 'wa-sim', level })
