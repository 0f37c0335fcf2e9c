import fs from 'node:fs'
import path from 'node:path'

/**
 * /api-docs: Swagger UI served from the gateway's own origin (swagger-ui-dist from node_modules, no
 * CDN). Everything is an external same-origin file — no inline script — so the page works under the
 * gateway's CSP as it is.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WA Gateway API</title>
<link rel="icon" type="image/png" href="/api-docs/favicon-32x32.png">
<link rel="stylesheet" href="/api-docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-testid="api-docs"></div>
<script src="/api-docs/swagger-ui-bundle.js"></script>
<script src="/api-docs/init.js"></script>
</body>
</html>
`

/** Try-it-out sends a pasted key as `Authorization: Bearer …` (Authorize button); nothing is stored. */
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
})
`

const ASSETS: Record<string, { file?: string; body?: string; type: string }> = {
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'favicon-32x32.png': { file: 'favicon-32x32.png', type: 'image/png' },
  'init.js': { body: INIT_JS, type: 'text/javascript; charset=utf-8' },
}

const cache = new Map<string, Buffer>()

/** One of the page's files, or null for any other name (only these are served). */
export function docsAsset(name: string): { body: Buffer; type: string } | null {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined
  if (!asset) return null
  let body = cache.get(name)
  if (!body) {
    body = asset.file
      ? fs.readFileSync(path.join(process.cwd(), 'node_modules', 'swagger-ui-dist', asset.file))
      : Buffer.from(asset.body ?? '')
    cache.set(name, body)
  }
  return { body, type: asset.type }
}
