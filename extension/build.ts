// npm run extension:build: bundles the TypeScript sources (with the server's own src/lib/url-canonical.ts and its
// tldts dependency) into extension/dist/ (or the directory given as argument), copies the manifest and pages, and zips
// the result for a store (extension/claimtrack-extension.zip, or <directory>.zip).
import { execFileSync } from 'node:child_process'
import { cp, mkdir, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = dirname(fileURLToPath(import.meta.url))
const out = process.argv[2]
const dist = out === undefined ? join(root, 'dist') : resolve(out)
const zip = out === undefined ? join(root, 'claimtrack-extension.zip') : `${dist}.zip`

await rm(dist, { recursive: true, force: true })
await rm(zip, { force: true })
await mkdir(dist, { recursive: true })
await build({
  entryPoints: ['background', 'popup', 'options'].map((name) => join(root, 'src', `${name}.ts`)),
  outdir: dist,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome116', 'firefox121'],
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
})
await cp(join(root, 'manifest.json'), join(dist, 'manifest.json'))
await cp(join(root, 'static'), dist, { recursive: true })
execFileSync('zip', ['-q', '-r', '-X', zip, '.'], { cwd: dist })
console.log(`built ${dist} and ${zip}`)
