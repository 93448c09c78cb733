// Lint rules: neostandard with TypeScript support.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['node_modules', 'data', 'dist', 'extension/dist', '.tap', 'migrations', 'openapi'] }),
]
