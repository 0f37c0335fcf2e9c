/**
 * The simulator's own certificate authority for its HTTPS media host. The CA lives in a directory
 * (created once, reused by every simulator that points at it) so that a gateway process can trust it
 * through NODE_EXTRA_CA_CERTS, which Node reads only when the process starts. Each simulator signs a
 * fresh leaf certificate for 127.0.0.1 / localhost with it. X.509 encoding is node-forge's; the key
 * pairs come from node:crypto.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import forge from 'node-forge'

export type CertificateAuthority = { certPem: string; keyPem: string; certPath: string }
export type ServerCertificate = { certPem: string; keyPem: string }

/** Where a simulator keeps its CA unless told otherwise (SIM_CA_DIR, or a folder in the OS temp dir). */
export const defaultCaDir = (): string => process.env.SIM_CA_DIR ?? path.join(os.tmpdir(), 'wa-sim-ca')

const rsaKeys = (): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; keyPem: string } => {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const priv = forge.pki.privateKeyFromPem(keyPem)
  return { privateKey: priv, publicKey: forge.pki.setRsaPublicKey(priv.n, priv.e), keyPem }
}

const serial = () => `01${crypto.randomBytes(8).toString('hex')}`

function createCa(): { certPem: string; keyPem: string } {
  const keys = rsaKeys()
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.publicKey
  cert.serialNumber = serial()
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000)
  const subject = [{ name: 'commonName', value: 'wa-sim test media CA' }]
  cert.setSubject(subject)
  cert.setIssuer(subject)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ])
  cert.sign(keys.privateKey, forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem }
}

/**
 * Loads the CA from `dir` (ca.pem + ca-key.pem), creating it on first use. Creation is atomic per
 * file pair: a concurrent creator that loses the race reads the winner's files.
 */
export function loadOrCreateCa(dir: string = defaultCaDir()): CertificateAuthority {
  const certPath = path.join(dir, 'ca.pem')
  const keyPath = path.join(dir, 'ca-key.pem')
  if (!fs.existsSync(certPath) || !fs.existsSync(keyPath)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const { certPem, keyPem } = createCa()
    const lock = path.join(dir, '.creating')
    let fd: number | undefined
    try {
      fd = fs.openSync(lock, 'wx')
    } catch {
      // someone else is writing it: wait for their files below
    }
    if (fd !== undefined) {
      fs.writeFileSync(`${keyPath}.tmp`, keyPem, { mode: 0o600 })
      fs.writeFileSync(`${certPath}.tmp`, certPem)
      fs.renameSync(`${keyPath}.tmp`, keyPath)
      fs.renameSync(`${certPath}.tmp`, certPath)
      fs.closeSync(fd)
      fs.rmSync(lock, { force: true })
    } else {
      const deadline = Date.now() + 10_000
      while ((!fs.existsSync(certPath) || fs.existsSync(lock)) && Date.now() < deadline)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
    }
  }
  return { certPem: fs.readFileSync(certPath, 'utf8'), keyPem: fs.readFileSync(keyPath, 'utf8'), certPath }
}

/** A server certificate for the loopback media host, signed by the CA (valid for 127.0.0.1, ::1 and localhost). */
export function issueServerCertificate(ca: CertificateAuthority): ServerCertificate {
  const keys = rsaKeys()
  const caCert = forge.pki.certificateFromPem(ca.certPem)
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem)
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.publicKey
  cert.serialNumber = serial()
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 30 * 86_400_000)
  cert.setSubject([{ name: 'commonName', value: 'localhost' }])
  cert.setIssuer(caCert.subject.attributes)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ])
  cert.sign(caKey, forge.md.sha256.create())
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem }
}
