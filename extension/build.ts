// npm run extension:build: bundles the TypeScript sources (with the server's own src/lib/url-canonical.ts and its
// tldts dependency) into extension/dist/, copies the manifest and pages, and zips dist/ for a store.
import { execFileSync } from 'node:child_process'
import { cp, mkdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = dirname(fileURLToPath(import.meta.url))
const dist = join(root, 'dist')
const zip = join(root, 'claimtrack-extension.zip')

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
