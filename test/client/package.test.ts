// The typed client as a project outside this repository gets it: `npm pack` builds dist/client (prepack), the package
// is unpacked into a temporary project's node_modules, plain Node imports `claimtrack/client` and talks to the app,
// and tsc type-checks a TypeScript consumer against the shipped .d.ts (with an expected error, so the types are real).
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { anonymous, build, createPublicClaim } from '../helper.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

/** The environment of a process outside the test run: nothing of tap's, no Node options. */
function cleanEnv (): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] =>
    entry[1] !== undefined && !/^(TAP|_TAPJS|NODE_OPTIONS$|npm_)/.test(entry[0])))
}

const consumerJs = `import { createClaimtrackClient } from 'claimtrack/client'
const client = createClaimtrackClient({ baseUrl: process.argv[2] })
const { data, response } = await client.GET('/v1/claims/{id}', { params: { path: { id: process.argv[3] } } })
console.log(JSON.stringify({ status: response.status, text: data?.text }))
`

const consumerTs = `import { createClaimtrackClient, type ClaimtrackClient, type Problem } from 'claimtrack/client'

const client: ClaimtrackClient = createClaimtrackClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'ct_example' })

export async function firstClaimText (): Promise<string | undefined> {
  const { data, error } = await client.GET('/v1/claims', { params: { query: { limit: 1 } } })
  const problem: Problem | undefined = error
  if (problem) throw new Error(problem.detail)
  return data?.data[0]?.text
}

export async function create (): Promise<string | undefined> {
  // @ts-expect-error a claim's text is a string: the shipped types know the request bodies
  const { data } = await client.POST('/v1/claims', { body: { text: 42 } })
  return data?.id
}
`

t.test('a project outside the repository imports the packed client with plain Node and type-checks it with tsc', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-consumer-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = cleanEnv()

  // npm pack runs prepack (npm run build:client), as installing from a git URL or a tarball would.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, env, timeout: 180_000 })
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
  if (!info) throw new Error('npm pack wrote nothing')
  const files = info.files.map((f) => f.path)
  for (const file of ['dist/client/index.js', 'dist/client/index.d.ts', 'dist/client/schema.d.ts', 'LICENSE']) {
    t.ok(files.includes(file), `the package holds ${file}`)
  }

  // What `npm install <tarball>` puts in place for the client: the package, and its one dependency, openapi-fetch.
  const project = join(dir, 'consumer')
  const installed = join(project, 'node_modules', 'claimtrack')
  await mkdir(installed, { recursive: true })
  await run('tar', ['-xzf', join(dir, info.filename), '--strip-components=1', '-C', installed])
  await symlink(join(root, 'node_modules', 'openapi-fetch'), join(project, 'node_modules', 'openapi-fetch'), 'dir')
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  await writeFile(join(project, 'consumer.mjs'), consumerJs)
  await writeFile(join(project, 'consumer.ts'), consumerTs)
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2023', lib: ['ES2023', 'DOM'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
    files: ['consumer.ts'],
  }))

  const app = await build(t)
  const claim = await createPublicClaim(app, { text: 'Packed clients read published claims.' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const baseUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : ''
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}`, headers: anonymous })).statusCode, 200)

  const js = await run(process.execPath, ['consumer.mjs', baseUrl, claim.id], { cwd: project, env, timeout: 60_000 })
  t.same(JSON.parse(js.stdout), { status: 200, text: 'Packed clients read published claims.' }, 'plain Node runs the built JavaScript')

  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, env, timeout: 120_000 })
    .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code?: number, stdout?: string, stderr?: string }) => ({ code: e.code, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }))
  t.same(checked, { code: 0, out: '' }, 'tsc accepts the TypeScript consumer, and its expected error is one')
})
