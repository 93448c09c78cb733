// Lint rules: neostandard with TypeScript support.
import neostandard from 'neostandard'
import { layerZones } from './eslint.layers.js'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', 'data', 'dist', 'extension/dist', '.tap', 'migrations', 'openapi'] }),
  ...layerZones,
  {
    // Lines stay within 120 characters; strings, template literals, URLs and regular expressions may run longer.
    rules: {
      '@stylistic/max-len': ['error', {
        code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true,
      }],
    },
  },
]
