// Lint rules: neostandard with TypeScript support.
import neostandard from 'neostandard'
import { layerZones } from './eslint.layers.js'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', 'data', 'dist', 'extension/dist', '.tap', 'migrations', 'openapi'] }),
  ...layerZones,
]
