/**
 * Standalone simulator: `npm run sim -- [--port 9400] [--host 127.0.0.1] [--state FILE]`.
 * Prints its WebSocket and admin URLs; stops cleanly on SIGINT/SIGTERM (state file written).
 */
import { parseArgs } from 'node:util'
import { quietLibsignalConsole } from './contacts/quiet-libsignal'
import { errorMessage } from './errors'
import { startSimulator } from './index'

const usage = 'usage: npm run sim -- [--port 9400] [--host 127.0.0.1] [--state FILE] [--qr-refs 6]'

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9400' },
      host: { type: 'string', default: '127.0.0.1' },
      state: { type: 'string' },
      'qr-refs': { type: 'string', default: '6' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const port = Number(values.port)
  const qrRefs = Number(values['qr-refs'])
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port "${values.port}"`)
  if (!Number.isInteger(qrRefs) || qrRefs < 1) throw new Error(`invalid --qr-refs "${values['qr-refs']}"`)
  quietLibsignalConsole()
  const sim = await startSimulator({ port, host: values.host, statePath: values.state, qrRefs })
  console.log(`wa-sim listening`)
  console.log(`  WebSocket: ${sim.wsUrl}`)
  console.log(`  Admin API: ${sim.adminUrl}`)
  console.log(`  Media:     ${sim.mediaUrl}`)
  console.log(`  CA cert:   ${sim.caPath}  (start the gateway with NODE_EXTRA_CA_CERTS=${sim.caPath})`)
  if (values.state) console.log(`  State:     ${values.state}`)
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    sim.log.info({ signal }, 'stopping')
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('wa-sim: error while stopping:', errorMessage(err))
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((err: unknown) => {
  console.error(`wa-sim: ${errorMessage(err)}\n${usage}`)
  process.exit(1)
})
