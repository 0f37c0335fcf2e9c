import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/**
 * A real nginx from Debian's packages in front of a gateway, on loopback, for the deployment guide's
 * test (e2e/deployment-proxy.spec.ts). The configuration is the guide's (docs/deployment.md) without
 * TLS, generated into a temp directory and run with `-p`/`-c`/`-e` as a foreground child: nothing in
 * /etc is read or changed.
 */

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx'

/** Installs Debian's nginx when it is missing and this runs as root (the CI image); throws otherwise. */
export function ensureNginx(): string {
  if (fs.existsSync(NGINX)) return NGINX
  if (process.getuid?.() === 0) {
    // RUNLEVEL=1: the package must not start a system nginx service on port 80 (invoke-rc.d)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' }
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env, timeout: 300_000 })
    spawnSync('apt-get', ['install', '-y', '-q', 'nginx'], { stdio: 'inherit', env, timeout: 300_000 })
  }
  if (!fs.existsSync(NGINX)) throw new Error(`no nginx at ${NGINX}: install Debian's package (apt-get install nginx) or set NGINX_PATH`)
  return NGINX
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
  })
}

export type Nginx = { url: string; port: number; accessLog: () => string[]; stop: () => Promise<void> }

/**
 * `bindFrom`: the loopback address nginx connects to the upstream from (proxy_bind), so the gateway's
 * socket address (bindFrom) differs from the client address nginx saw (127.0.0.1) and from anything a
 * client writes into X-Forwarded-For.
 */
export async function startNginx(upstreamPort: number, opts: { bindFrom: string }): Promise<Nginx> {
  const bin = ensureNginx()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-nginx-'))
  // Workers run as an unprivileged user when the master is root: they must be able to use the temp paths.
  fs.chmodSync(dir, 0o755)
  const port = await freePort()
  const conf = `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  log_format proxied '$remote_addr "$http_x_forwarded_for" "$request" $status';
  access_log ${dir}/access.log proxied;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  # --- as in docs/deployment.md ---
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 110m;
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      proxy_buffering off;
      proxy_bind ${opts.bindFrom};
    }
  }
}
`
  const confFile = path.join(dir, 'nginx.conf')
  fs.writeFileSync(confFile, conf)
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', confFile, '-e', path.join(dir, 'error.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}${readIf(path.join(dir, 'error.log'))}`)
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.end(() => resolve(true)))
      s.once('error', () => resolve(false))
    })
    if (up) break
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${output}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog: () => readIf(path.join(dir, 'access.log')).split('\n').filter(Boolean),
    async stop() {
      if (child.exitCode === null) child.kill('SIGQUIT')
      await exited
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

function readIf(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
