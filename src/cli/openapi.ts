// `npm run openapi` writes openapi/openapi.json from the routes; `--check` fails when the committed copy differs.
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../app.ts'
import { parseConfig } from '../config.ts'

export const openapiPath = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url))

/** The OpenAPI document as the routes describe it, serialised as it is committed. */
export async function generateOpenapi (): Promise<string> {
  const app = await buildApp(parseConfig({ PGLITE_DIR: 'memory://', SEED_DEMO: 'false', LOG_LEVEL: 'silent' }))
  try {
    await app.ready()
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const generated = await generateOpenapi()
  if (process.argv.includes('--check')) {
    const committed = await readFile(openapiPath, 'utf8').catch(() => '')
    if (committed !== generated) {
      console.error('openapi/openapi.json is out of date with the routes: run `npm run openapi` and commit the result.')
      process.exitCode = 1
    } else {
      console.log('openapi/openapi.json matches the routes')
    }
  } else {
    await writeFile(openapiPath, generated)
    console.log(`wrote ${openapiPath}`)
  }
}
