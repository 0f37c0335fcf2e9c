/**
 * Before any test worker starts: make sure the simulator's certificate authority exists and let the
 * workers trust it through NODE_EXTRA_CA_CERTS (Node reads that variable only when a process starts,
 * so it must be in the environment the forked workers inherit). This is the only way the gateway code
 * under test comes to trust the simulator's HTTPS media host.
 */
import { defaultCaDir, loadOrCreateCa } from '../../sim/media/tls'

export default function setup(): void {
  const ca = loadOrCreateCa(defaultCaDir())
  process.env.SIM_CA_DIR = defaultCaDir()
  process.env.NODE_EXTRA_CA_CERTS = ca.certPath
}
