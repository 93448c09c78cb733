#!/usr/bin/env node
// The `claimtrack` executable (package.json "bin"): Node.js 20 runs TypeScript through tsx, registered here.
import { register } from 'tsx/esm/api'

register()
await import('./claimtrack.ts')
