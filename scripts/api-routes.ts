/**
 * Writes lib/api/routes.gen.ts (the browser client's route table) from the operation declarations.
 *
 *   npm run api:routes
 */
import fs from 'node:fs'
import { renderRoutes, ROUTES_FILE } from '../lib/api/routes-render'

fs.writeFileSync(ROUTES_FILE, renderRoutes())
console.log(`wrote ${ROUTES_FILE}`)
