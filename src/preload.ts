// A module resolution hook that spares a process about a second of CPU at start on Node.js 24, for the short-lived
// processes where that second is most of their work: the `claimtrack` executable imports it before its commands, the
// tests load it (`--import`, package.json's tap section and test/processes.ts), and the server imports it first and the
// app after it (src/server.ts: no loader flag, README), so that its start is a second shorter too.
//
// Why: to tell whether a `.js` file is ESM, Node 24's resolver asks for the nearest package.json's `type` through
// getPackageScopeConfig (lib/internal/modules/package_json_reader.js), which copies the whole package.json out of its
// native cache and, spreading it, parses its `exports` map again: for every module, at resolve and again at load.
// drizzle-orm's package.json is 179 KB with 447 exports, and loading its 448 modules took 1.1-1.4 s of CPU on Node
// 24.22.3 against 0.12 s on Node 20 (measured in docs/development.md#test-timing). This hook answers that question
// itself for what dominates the count, a package's relative imports of its own `.js` files, from a cache of each
// directory's package type; everything else goes to Node's resolver as before. The answer is the one Node gives: the
// `type` of the nearest package.json above the file, and the file's real path.
import { readFileSync, realpathSync, statSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The `type` field of the nearest package.json at or above each directory asked about ('none' when absent). */
const typeOfDirectory = new Map<string, string>()

function packageType (directory: string): string {
  let type = typeOfDirectory.get(directory)
  if (type !== undefined) return type
  let text: string | undefined
  // As Node: the search stops at a node_modules folder (its package.json is not read) and at the root.
  const parent = dirname(directory)
  if (basename(directory) === 'node_modules' || parent === directory) {
    type = 'none'
  } else {
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
      type = packageType(parent)
    }
  }
  typeOfDirectory.set(directory, type)
  return type
}

/** The file a specifier names, when the hook can answer for it as Node would: else undefined, and Node answers. */
function ownModule (specifier: string, parent: string | undefined): string | undefined {
  if (
    parent?.startsWith('file:') !== true ||
    !parent.includes('/node_modules/') ||
    !(specifier.startsWith('./') || specifier.startsWith('../')) ||
    !specifier.endsWith('.js') ||
    // Escapes (Node refuses %2F and %5C), queries and fragments (part of a module's identity): Node's to handle.
    /[%?#]/.test(specifier)
  ) return undefined
  try {
    const path = realpathSync(fileURLToPath(new URL(specifier, parent)))
    // The real file must be a .js file too (a link may point at a .cjs), and a file (not a folder named x.js).
    return path.endsWith('.js') && statSync(path).isFile() && packageType(dirname(path)) === 'module' ? path : undefined
  } catch {
    // Missing: Node's resolver words the error.
    return undefined
  }
}

const nodeOptions = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`
// With --preserve-symlinks Node keeps the path as written; the hook answers with real paths, so it stands aside.
if (!/--preserve-symlinks\b/.test(nodeOptions)) {
  registerHooks({
    resolve (specifier, context, nextResolve) {
      const path = ownModule(specifier, context.parentURL)
      return path === undefined
        ? nextResolve(specifier, context)
        : { url: pathToFileURL(path).href, format: 'module', shortCircuit: true }
    },
  })
}
