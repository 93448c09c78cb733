// A module resolution hook that spares a process about a second of CPU at start on Node.js 24, for the short-lived
// processes where that second is most of their work: the `claimtrack` executable imports it before its commands, and
// the tests load it (`--import`, package.json's tap section and test/processes.ts). `npm start` runs the server without
// it (no loader flag, README), and pays the second once.
//
// Why: to tell whether a `.js` file is ESM, Node 24's resolver asks for the nearest package.json's `type` through
// getPackageScopeConfig (lib/internal/modules/package_json_reader.js), which copies the whole package.json out of its
// native cache and, spreading it, parses its `exports` map again: for every module, at resolve and again at load.
// drizzle-orm's package.json is 179 KB with 447 exports, and loading its 448 modules took 1.1-1.4 s of CPU on Node
// 24.22.3 against 0.12 s on Node 20 (measured in docs/development.md#test-timing). This hook answers that question
// itself for what dominates the count, a package's relative imports of its own `.js` files, from a cache of each
// directory's package type; everything else goes to Node's resolver as before. The answer is the one Node gives: the
// `type` of the nearest package.json above the file, and the file's real path.
import { readFileSync, realpathSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The `type` field of the nearest package.json at or above each directory asked about ('none' when absent). */
const typeOfDirectory = new Map<string, string>()

function packageType (directory: string): string {
  let type = typeOfDirectory.get(directory)
  if (type !== undefined) return type
  let text: string | undefined
  try {
    text = readFileSync(join(directory, 'package.json'), 'utf8')
  } catch {}
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as { type?: unknown }
      type = typeof parsed.type === 'string' ? parsed.type : 'none'
    } catch {
      // Node reports a package.json it cannot parse; its own resolver does, on the way below.
      type = 'invalid'
    }
  } else {
    const parent = dirname(directory)
    type = parent === directory ? 'none' : packageType(parent)
  }
  typeOfDirectory.set(directory, type)
  return type
}

registerHooks({
  resolve (specifier, context, nextResolve) {
    const parent = context.parentURL
    if (
      parent?.startsWith('file:') === true &&
      parent.includes('/node_modules/') &&
      (specifier.startsWith('./') || specifier.startsWith('../')) &&
      specifier.endsWith('.js')
    ) {
      let path: string | undefined
      try {
        path = realpathSync(fileURLToPath(new URL(specifier, parent)))
      } catch {}
      // A missing file, or a package that is not ESM: Node's resolver answers (and words the error) as usual.
      if (path !== undefined && packageType(dirname(path)) === 'module') {
        return { url: pathToFileURL(path).href, format: 'module', shortCircuit: true }
      }
    }
    return nextResolve(specifier, context)
  },
})
