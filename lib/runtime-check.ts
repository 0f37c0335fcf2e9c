/**
 * Imported first by server.ts, before anything that loads a native addon: better-sqlite3 13 crashes
 * the process on Node < 22, so an old Node must stop here with a line that says what to do.
 * npm scripts already run on the Node 24 that package.json pins (node_modules/.bin/node).
 */
export const MIN_NODE_MAJOR = 24

const major = Number(process.versions.node.split('.')[0])
if (major < MIN_NODE_MAJOR) {
  process.stderr.write(
    `wa-gateway needs Node.js ${MIN_NODE_MAJOR} or newer, but this is Node.js ${process.version}. ` +
      'Start it with `npm start` (it runs the Node 24 that `npm ci` installs into node_modules/.bin), ' +
      'or run `node_modules/.bin/node --import tsx server.ts`.\n',
  )
  process.exit(1)
}
