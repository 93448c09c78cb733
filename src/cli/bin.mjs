#!/usr/bin/env node
// The `claimtrack` executable (package.json "bin"): Node.js 24 runs the TypeScript source as it is (type stripping).
await import('./claimtrack.ts')
