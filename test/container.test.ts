// The composition root (src/container.ts) builds every repository and service once, for the app and for the commands
// alike; no route or plugin constructs one or starts a worker, and config defaults are never read by parsing `{}`.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import type { buildApp as BuildApp } from '../src/app.ts'
import type { openServices as OpenServices } from '../src/cli/services.ts'
import { parseConfig } from '../src/config.ts'
import { freshDatabase, onServer } from './helper.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const src = join(root, 'src')
const filesUnder = (dir: string): string[] => readdirSync(join(src, dir), { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.ts')).map((name) => join(dir, name))

/**
 * Every `create…` factory of src/repositories and src/services, wrapped to count its calls and to note whether
 * src/container.ts was on the stack; handed to `t.mockImport` in place of the real modules.
 */
async function countingFactories () {
  const calls = new Map<string, { count: number, outsideRoot: number }>()
  const mocks: Record<string, Record<string, unknown>> = {}
  for (const file of [...filesUnder('repositories'), ...filesUnder('services')]) {
    const real = await import(join(src, file)) as Record<string, unknown>
    mocks[`../src/${file}`] = Object.fromEntries(Object.entries(real).map(([name, value]) => {
      if (typeof value !== 'function' || !/^create[A-Z]/.test(name)) return [name, value]
      calls.set(name, { count: 0, outsideRoot: 0 })
      const counted = (...args: unknown[]) => {
        const seen = calls.get(name) ?? { count: 0, outsideRoot: 0 }
        seen.count++
        if (!/src\/container\.ts/.test(new Error().stack ?? '')) seen.outsideRoot++
        return (value as (...a: unknown[]) => unknown)(...args)
      }
      return [name, counted]
    }))
  }
  return { calls, mocks }
}

function builtOnceByTheRoot (t: Test, calls: Map<string, { count: number, outsideRoot: number }>) {
  t.ok(calls.size > 30, `${calls.size} factories counted`)
  for (const [name, { count, outsideRoot }] of calls) {
    t.equal(count, 1, `${name}: built once`)
    t.equal(outsideRoot, 0, `${name}: built by the composition root`)
  }
}

t.test('building the app builds each repository and service once, in the composition root', async (t) => {
  const { calls, mocks } = await countingFactories()
  const { buildApp } = await t.mockImport<{ buildApp: typeof BuildApp }>('../src/app.ts', mocks)
  const { database, env } = await freshDatabase(t)
  const app = await buildApp(parseConfig({ LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...env }), { database })
  t.teardown(() => app.close())
  builtOnceByTheRoot(t, calls)

  // What the root built serves requests: the imports route's service is the root's, and its worker runs the job.
  const res = await app.inject({ method: 'GET', url: '/v1/claims?limit=1' })
  t.equal(res.statusCode, 200, res.body)
  t.type(app.services.importJobs.run, 'function')
  t.equal(calls.get('createImportJobsService')?.count, 1, 'still once after a request')
})

t.test('the commands take their services from the same root', async (t) => {
  const { calls, mocks } = await countingFactories()
  const { openServices } = await t.mockImport<{ openServices: typeof OpenServices }>('../src/cli/services.ts', mocks)
  const env = onServer ? (await freshDatabase(t)).env : { PGLITE_DIR: 'memory://' }
  const { database, services } = await openServices(parseConfig({ LOG_LEVEL: 'silent', ...env }), 'test')
  t.teardown(() => database.close())
  builtOnceByTheRoot(t, calls)
  const organization = await services.organizations.ensure({ slug: 'cli-root', name: 'CLI root' })
  t.equal(organization.organization.slug, 'cli-root', 'the services work')
})

/** Source lines (with their file) that match `pattern`, outside comments. */
function grep (files: string[], pattern: RegExp) {
  const hits: string[] = []
  for (const file of files) {
    for (const [i, line] of readFileSync(join(src, file), 'utf8').split('\n').entries()) {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) continue
      if (pattern.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`)
    }
  }
  return hits
}

const constructs =
  /\bcreate\w*(Repository|Service|Services|Delivery|WebhookEvents|History|AddressPolicy)\(|\bcreateContainer\(|\.work[<(]/

t.test('no route module constructs a repository or service, or starts a worker', async (t) => {
  const routes = filesUnder('routes')
  t.ok(routes.length > 10, `${routes.length} route modules read`)
  t.same(grep(routes, constructs), [])
  const imports = grep(routes, /^import (?!type ).*from '(\.\.\/)+(repositories|jobs)\//)
  t.same(imports, [], 'nor imports a repository or the job engine')
})

t.test('plugins only decorate the app with what the root built', async (t) => {
  const plugins = filesUnder('plugins')
  const theRootCall = (hit: string) => hit.startsWith('plugins/services.ts') && /createContainer\(/.test(hit)
  t.same(grep(plugins, constructs).filter((hit) => !theRootCall(hit)), [])
  t.equal(grep(['plugins/services.ts'], /createContainer\(/).length, 1, 'the services plugin calls the root once')
})

t.test('nothing outside the root calls a repository or service factory', async (t) => {
  const everything = filesUnder('.').map((file) => relative(src, join(src, file)))
  const elsewhere = grep(everything.filter((file) => file !== 'container.ts'), /\bcreate\w*(Repository|Service)\(/)
    // A repository's own helpers aside.
    .filter((hit) => !/^repositories\//.test(hit))
  t.same(elsewhere, [])
})

t.test('no config default read by parsing an empty environment; db and jobs do not import each other', async (t) => {
  const everything = filesUnder('.').map((file) => relative(src, join(src, file)))
  t.same(grep(everything, /parseConfig\(\{\s*\}\)/), [])
  t.same(grep(filesUnder('db'), /from '\.\.\/jobs\//), [], 'src/db imports nothing of src/jobs')
  t.same(grep(everything, /\bretryLimit: \d/).map((hit) => hit.split(':')[0]), ['jobs/queues.ts'],
    'a queue\'s retries are declared in src/jobs/queues.ts only')
})
