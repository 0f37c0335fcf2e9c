/**
 * Imported first by server.ts, before anything that loads a native addon: better-sqlite3 13 crashes
 * the process on Node < 22, so an old Node must stop here with a line that says what to do.
 * npm scripts already run on the Node 24 that package.json pins (node_modules/.bin/node).
 */
export const MIN_NODE_MAJOR = 24

/** The line to stop with on this Node version, or null when the version is supported. */
export function unsupportedNodeMessage(version: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? NaN)
  if (major >= MIN_NODE_MAJOR) return null
  return (
    `wa-gateway needs Node.js ${MIN_NODE_MAJOR} or newer, but this is Node.js ${version}. ` +
    'Start it with `npm start` (it runs the Node 24 that `npm ci` installs into node_modules/.bin), ' +
    'or run `node_modules/.bin/node --import tsx server.ts`.'
  )
}

const refusal = unsupportedNodeMessage(process.version)
if (refusal) {
  process.stderr.write(`${refusal}\n`)
  process.exit(1)
}
