// `npm run keys -- create|list|revoke`: the operator's way to make organisations and API keys, including the first
// admin key (there are no default credentials). The new key goes alone to stdout, so a script can capture it;
// everything else goes to stderr. Exit codes: 0 done, 1 failed, 2 bad usage.
import { describeError } from './usage.ts'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { ConfigError } from '../config.ts'
import { DataDirInUseError } from '../db/data-dir-lock.ts'
import { roles } from '../domain/access.ts'
import { Slug } from '../schemas/claimants.ts'
import { HttpUrl, IdSchema } from '../schemas/common.ts'

const usage = `Usage:
  npm run keys -- create --org <slug> --role <${roles.join('|')}> [--name <name>] [--org-name <name>] [--org-url <url>]
      Creates the organisation if it does not exist, then a key for it, and prints the key (once) on stdout.
  npm run keys -- list --org <slug>
  npm run keys -- revoke --org <slug> --id <key id>
On the embedded database (no DATABASE_URL), stop the server first: one process at a time may open it, and the
command refuses while the server runs. While it runs, an admin makes keys with POST /v1/api-keys.`

class UsageError extends Error {}

const Options = z.object({
  org: Slug,
  role: z.enum(roles).optional(),
  name: z.string().trim().min(1).max(100).optional(),
  'org-name': z.string().trim().min(1).max(200).optional(),
  'org-url': HttpUrl.optional(),
  id: IdSchema.optional(),
})

type Command = { command: 'help' } | { command: 'create' | 'list' | 'revoke', options: z.output<typeof Options> }

function parse (argv: string[]): Command {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        org: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        'org-name': { type: 'string' },
        'org-url': { type: 'string' },
        id: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const [command, ...rest] = parsed.positionals
  if (parsed.values.help) return { command: 'help' as const }
  if (command !== 'create' && command !== 'list' && command !== 'revoke') throw new UsageError(command ? `unknown command "${command}"` : 'a command is needed')
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
  const options = Options.safeParse(parsed.values)
  if (!options.success) throw new UsageError(options.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '))
  if (command === 'create' && !options.data.role) throw new UsageError('create needs --role')
  if (command === 'revoke' && !options.data.id) throw new UsageError('revoke needs --id')
  return { command, options: options.data }
}

async function main (argv: string[]): Promise<number> {
  const args = parse(argv)
  if (args.command === 'help') {
    console.error(usage)
    return 0
  }
  const { command, options } = args
  const { database, services: { organizations } } = await (await import('./services.ts')).openServices(undefined, 'keys')
  try {
    if (command === 'create') {
      const { organization, created } = await organizations.ensure({ slug: options.org, name: options['org-name'], url: options['org-url'] })
      const role = options.role ?? 'reader'
      const { row, key } = await organizations.createKey(organization.id, { name: options.name ?? `${role} key`, role }, null)
      if (created) console.error(`created organization ${organization.slug}`)
      console.error(`created ${row.role} key ${row.prefix}… (id ${row.id}) for ${organization.slug}; it is shown only now:`)
      console.log(key)
      return 0
    }
    const organization = await organizations.get(options.org)
    if (command === 'list') {
      const keys = []
      let cursor: string | undefined
      do {
        const page = await organizations.listKeys(organization.id, { limit: 100, cursor })
        keys.push(...page.data)
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      for (const k of keys) {
        console.log([k.id, k.prefix, k.role, JSON.stringify(k.name), k.createdAt.toISOString(), k.lastUsedAt?.toISOString() ?? '-', k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'live'].join('\t'))
      }
      return 0
    }
    const revoked = await organizations.revokeKey(organization.id, options.id ?? '')
    console.error(`revoked key ${revoked.prefix}… (id ${revoked.id}) of ${organization.slug}`)
    return 0
  } finally {
    await database.close()
  }
}

/** Runs the command; resolves with its exit code (0 done, 1 failed, 2 bad usage), having said why on stderr. */
export async function runKeys (argv: string[]): Promise<number> {
  try {
    return await main(argv)
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`keys: ${error.message}\n\n${usage}`)
      return 2
    }
    if (error instanceof DataDirInUseError) {
      const api = error.holder.url ?? 'http://HOST:PORT'
      console.error(`keys: ${error.message}\nWhile the server runs, an admin makes keys over the API instead:\n  curl -s -X POST ${api}/v1/api-keys -H 'authorization: Bearer <admin key>' -H 'content-type: application/json' -d '{"name": "…", "role": "editor"}'`)
      return 1
    }
    console.error(`keys: ${error instanceof ConfigError ? error.message : describeError(error)}`)
    return 1
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await runKeys(process.argv.slice(2))
