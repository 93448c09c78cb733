#!/usr/bin/env node
// The `claimtrack` executable (package.json "bin"): Node.js 24 runs the TypeScript source as it is (type stripping).
// Each command is a short process that loads hundreds of modules: Node keeps their stripped and compiled code (in
// NODE_COMPILE_CACHE, else the temp directory) for the next one, which then loads them in about two thirds the time.
import { enableCompileCache } from 'node:module'

enableCompileCache()
await import('./claimtrack.ts')
