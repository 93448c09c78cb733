// src/preload.ts resolves a package's relative imports itself: every module must resolve to the same file, with the
// same format, as Node's own resolver gives; and the hook must answer most of them (else Node 24 spends a second of
// CPU per process on drizzle-orm's package.json again). And what else the test processes load: with coverage off, not
// tap's coverage hooks (scripts/patches/@tapjs+*.patch), another second or more of CPU in each of them.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const preload = join(root, 'src/preload.ts')

type Resolution = {
  parent: string, specifier: string, url: string | null, format: string | null, byHook: boolean, error: string | null
}

/**
 * Imports `entries` in a Node process that records every resolution, with or without the preload's hook. Hooks run
 * last registered first: an outer one (registered after the preload) sees every answer; an inner one (registered
 * before it) sees what the preload's hook left to Node, so the rest is what the hook answered itself.
 */
async function resolutions (cwd: string, entries: string[], withPreload: boolean): Promise<Resolution[]> {
  const script = `
    import { registerHooks } from 'node:module'
    const seen = []
    const forwarded = new Set()
    registerHooks({
      resolve (specifier, context, next) {
        forwarded.add((context.parentURL ?? '') + ' ' + specifier)
        return next(specifier, context)
      },
    })
    if (${JSON.stringify(withPreload)}) await import(${JSON.stringify(pathToFileURL(preload).href)})
    registerHooks({
      resolve (specifier, context, next) {
        const parent = context.parentURL ?? ''
        try {
          const r = next(specifier, context)
          seen.push({ parent, specifier, url: r.url, format: r.format ?? null, error: null })
          return r
        } catch (error) {
          seen.push({ parent, specifier, url: null, format: null, error: error.code ?? String(error) })
          throw error
        }
      },
    })
    for (const entry of ${JSON.stringify(entries)}) await import(entry).catch(() => {})
    process.stdout.write(JSON.stringify(seen.map((r) => ({ ...r, byHook: !forwarded.has(r.parent + ' ' + r.specifier) }))))
  `
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd, timeout: 120_000, maxBuffer: 64 << 20 })
  return JSON.parse(stdout) as Resolution[]
}

const key = (r: Resolution) => `${r.parent} ${r.specifier}`
/** What each import resolved to, by importer and specifier. */
const answers = (list: Resolution[]) =>
  new Map(list.map((r) => [key(r), { url: r.url, format: r.format, error: r.error }]))

t.test('the app resolves to the same modules, with the same formats, and the hook answers most of them', async (t) => {
  // The app, the embedded database's thread (its imports resolve before it finds it is not in a worker), the demo,
  // and what `claimtrack openapi` loads beside them.
  const entries = [
    ...['src/app.ts', 'src/db/pglite-worker.ts', 'src/seed/demo.ts'].map((file) => pathToFileURL(join(root, file)).href),
    'openapi-typescript',
  ]
  const [plain, hooked] = await Promise.all([resolutions(root, entries, false), resolutions(root, entries, true)])
  t.ok(plain.length > 500, `the app resolves ${plain.length} modules`)
  t.same(answers(hooked), answers(plain), 'every resolution is the one Node gives')
  t.notOk(plain.some((r) => r.byHook), 'without the preload, Node answers every one')
  const byHook = hooked.filter((r) => r.byHook)
  t.ok(byHook.length >= 400, `the hook answered ${byHook.length} of ${hooked.length}`)
  t.ok(byHook.some((r) => r.url?.includes('/node_modules/drizzle-orm/')), 'drizzle-orm\'s own imports among them')
  t.notOk(byHook.some((r) => !r.parent.includes('/node_modules/')), 'never an import of the project\'s own files')
})

t.test('nested package.json files, CommonJS, missing files, folders, links, queries: as Node answers them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-preload-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const cases = { folder: './folder.js', linked: './linked.js', query: './a.js?v=2.js', crossing: '../loose/f.js' }
  const files: Record<string, string> = {
    'node_modules/esm/package.json': JSON.stringify({ name: 'esm', type: 'module', exports: './index.js' }),
    'package.json': JSON.stringify({ type: 'module' }),
    'node_modules/esm/index.js': "import './a.js'\nimport './cjs/b.js'\nimport './untyped/c.js'\nexport * from './lib/d.js'\n",
    'node_modules/esm/a.js': 'export const a = 1\n',
    // A folder with a package.json of its own: its .js files are what it says (CommonJS), not the package's type.
    'node_modules/esm/cjs/package.json': JSON.stringify({ type: 'commonjs' }),
    'node_modules/esm/cjs/b.js': 'module.exports = 2\n',
    // One with no type: Node detects the syntax; the hook leaves it to Node.
    'node_modules/esm/untyped/package.json': JSON.stringify({}),
    'node_modules/esm/untyped/c.js': 'export const c = 3\n',
    'node_modules/esm/lib/d.js': 'export const d = 4\n',
    'node_modules/broken/package.json': JSON.stringify({ name: 'broken', type: 'module', exports: './index.js' }),
    'node_modules/broken/index.js': "import './missing.js'\n",
    'node_modules/dirimport/package.json': JSON.stringify({ name: 'dirimport', type: 'module', exports: './index.js' }),
    'node_modules/dirimport/index.js': "import './lib'\n",
    'node_modules/dirimport/lib/index.js': 'export {}\n',
    'node_modules/cjs/package.json': JSON.stringify({ name: 'cjs', exports: './index.mjs' }),
    'node_modules/cjs/index.mjs': "import './e.js'\n",
    'node_modules/cjs/e.js': 'module.exports = 5\n',
    // A folder named like a file; a link to a CommonJS file; a query; a module of a folder with no package.json (Node
    // does not look above node_modules, so not at the project's "type": "module" either). A package each: the first
    // import that fails ends the resolution of the others.
    ...Object.fromEntries(Object.entries(cases).flatMap(([name, specifier]) => [
      [`node_modules/${name}/package.json`, JSON.stringify({ name, type: 'module', exports: './index.js' })],
      [`node_modules/${name}/index.js`, `import '${specifier}'\n`],
    ])),
    'node_modules/folder/folder.js/index.js': 'export {}\n',
    'node_modules/linked/real.cjs': 'module.exports = 6\n',
    'node_modules/query/a.js': 'export const a = 1\n',
    'node_modules/loose/f.js': 'export const f = 7\n',
  }
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true })
    await writeFile(join(dir, name), text)
  }
  await symlink(join(dir, 'node_modules/linked/real.cjs'), join(dir, 'node_modules/linked/linked.js'))
  const entries = ['esm', 'broken', 'dirimport', 'cjs', ...Object.keys(cases)]
  const [plain, hooked] = await Promise.all([resolutions(dir, entries, false), resolutions(dir, entries, true)])
  t.same(answers(hooked), answers(plain), 'every resolution is the one Node gives')
  const format = (list: Resolution[], file: string) => list.find((r) => r.url?.endsWith(file))?.format
  t.equal(format(hooked, '/esm/a.js'), 'module')
  t.equal(format(hooked, '/esm/cjs/b.js'), 'commonjs')
  t.equal(format(hooked, '/cjs/e.js'), null, 'a .js file of a package with no type: Node decides when it loads it')
  t.equal(hooked.find((r) => r.specifier === './missing.js')?.error, 'ERR_MODULE_NOT_FOUND')
  t.equal(hooked.find((r) => r.specifier === './lib')?.error, 'ERR_UNSUPPORTED_DIR_IMPORT')
  t.equal(hooked.find((r) => r.specifier === './folder.js')?.error, 'ERR_UNSUPPORTED_DIR_IMPORT')
  t.equal(format(hooked, '/linked/real.cjs'), 'commonjs', 'a link resolves to its target, with the target\'s format')
  t.match(hooked.find((r) => r.specifier === './a.js?v=2.js')?.url, /\/query\/a\.js\?v=2\.js$/, 'the query kept')
  t.not(format(hooked, '/loose/f.js'), 'module', 'no type above node_modules: Node detects it when it loads it')
  const byHook = hooked.filter((r) => r.byHook).map((r) => r.specifier).sort()
  t.same(byHook, ['./a.js', './lib/d.js'], 'the hook answers only what it is sure of')
})

t.test('with coverage off, the test processes and what they start load neither @tapjs/processinfo nor source maps', async (t) => {
  // What tap adds for coverage and --changed (a module load hook that reads every module again, and source maps): the
  // project turns coverage off (package.json), and the patches leave them out of the test processes.
  t.equal(process.env.TAP_DISABLE_COVERAGE, '1', 'coverage is off')
  const loaded = [...process.execArgv, process.env.NODE_OPTIONS ?? '']
  t.notOk(loaded.some((arg) => arg.includes('@tapjs/processinfo')), `no @tapjs/processinfo: ${loaded.join(' ')}`)
  t.notOk(loaded.some((arg) => arg.includes('--enable-source-maps')), 'no --enable-source-maps')
  t.notOk(process.sourceMapsEnabled, 'source maps are off')
  // A process a test starts inherits the environment, and so would load what NODE_OPTIONS names.
  const { stdout } = await run(process.execPath, ['-p', 'JSON.stringify([process.env.NODE_OPTIONS ?? null, process.sourceMapsEnabled])'])
  t.same(JSON.parse(stdout), [null, false], 'a child process loads nothing through NODE_OPTIONS')
})
