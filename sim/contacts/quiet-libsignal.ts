/**
 * libsignal (inside Baileys) narrates session changes on the console ("Closing session: …" with a
 * whole session dump). The CLI, the tests and the benchmark filter those lines; everything else
 * passes through. The in-process simulator (startSimulator) never patches the console.
 */
const NOISE =
  /^(Closing session|Opening session|Closing open session|Removing old closed session|Session already (closed|open)|Decrypted message with closed session|Migrating session)/

let installed = false

export const quietLibsignalConsole = (): void => {
  if (installed) return
  installed = true
  for (const level of ['info', 'warn', 'log'] as const) {
    const original = console[level].bind(console)
    console[level] = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && NOISE.test(args[0])) return
      original(...args)
    }
  }
}
