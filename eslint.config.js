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
  {
    // A LIMIT is written into the statement's text: Postgres keeps a prepared statement's plan (src/db/limit.ts)
    files: ['src/repositories/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name='limit']:not([arguments.0.callee.name='planLimit'])",
        message: 'Write the limit with planLimit (src/db/limit.ts): Postgres plans `limit $n` again on every execution.',
      }],
    },
  },
]
