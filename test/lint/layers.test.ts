// The layer rule (eslint.layers.js) in `npm run lint`: an import that points up a layer is an error; one that points
// down is not. Checked with ESLint's Node API on fixture code placed as if in src/.
import { ESLint } from 'eslint'
import t from 'tap'

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname })

async function layerErrors (filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

const upward: Array<[file: string, code: string]> = [
  ['src/services/fixture.ts', "import { toClaim } from '../schemas/claims.ts'\n\nexport const x = toClaim\n"],
  ['src/services/fixture.ts', "import { problem } from '../errors.ts'\n\nexport const x = problem\n"],
  [
    'src/services/fixture.ts',
    "import type { FastifyPluginAsync } from '../plugins/auth.ts'\n\nexport type X = FastifyPluginAsync\n",
  ],
  [
    'src/repositories/fixture.ts',
    "import type { ClaimsService } from '../services/claims.ts'\n\nexport type X = ClaimsService\n",
  ],
  ['src/domain/fixture.ts', "import type { ClaimRow } from '../db/schema.ts'\n\nexport type X = ClaimRow\n"],
  ['src/schemas/fixture.ts', "import type { ClaimRow } from '../db/schema.ts'\n\nexport type X = ClaimRow\n"],
  [
    'src/routes/v1/fixture.ts',
    "import type { PageClaim } from '../../repositories/lookup.ts'\n\nexport type X = PageClaim\n",
  ],
  ['src/lib/fixture.ts', "import { buildApp } from '../app.ts'\n\nexport const x = buildApp\n"],
  // No service is exempt any more (eslint.layers.js pending.services is empty): the import reads its checks from the
  // root.
  [
    'src/services/import-records.ts',
    "import { CreateClaimBody } from '../schemas/claims.ts'\n\nexport const x = CreateClaimBody\n",
  ],
  [
    'src/services/reviews.ts',
    "import type { CreateReview } from '../schemas/reviews.ts'\n\nexport type X = CreateReview\n",
  ],
  ['src/container.ts', "import { claimRoutes } from './routes/v1/claims.ts'\n\nexport const x = claimRoutes\n"],
  [
    'src/services/fixture.ts',
    "import { callerOfAddress } from '../lib/http/client-address.ts'\n\nexport const x = callerOfAddress\n",
  ],
  ['src/domain/fixture.ts', "import { problem } from '../errors.ts'\n\nexport const x = problem\n"],
]

const downward: Array<[file: string, code: string]> = [
  ['src/services/fixture.ts', "import { NotFoundError } from '../domain/errors.ts'\nimport type { ClaimsRepository } from '../repositories/claims.ts'\n\nexport type X = ClaimsRepository | NotFoundError\n"],
  ['src/schemas/fixture.ts', "import type { ClaimRecord } from '../domain/types.ts'\n\nexport type X = ClaimRecord\n"],
  ['src/routes/v1/fixture.ts', "import type { PageClaim } from '../../domain/types.ts'\nimport { toClaim } from '../../schemas/claims.ts'\n\nexport const x = toClaim\nexport type X = PageClaim\n"],
  ['src/lib/fixture.ts', "import { InvalidCursorError } from '../domain/errors.ts'\n\nexport const x = InvalidCursorError\n"],
  ['src/services/fixture.ts', "import type { CreateReview } from '../domain/inputs.ts'\nimport { toRating } from '../domain/ratings.ts'\n\nexport const x = toRating\nexport type X = CreateReview\n"],
  ['src/container.ts', "import { importRecordChecks } from './schemas/import-records.ts'\n\nexport const x = importRecordChecks\n"],
  ['src/domain/fixture.ts', "import { ForbiddenError } from './errors.ts'\n\nexport const x = ForbiddenError\n"],
  ['src/services/fixture.ts', "import { canSee } from '../domain/access.ts'\nimport { versionEtag } from '../lib/tokens/etag.ts'\n\nexport const x = [canSee, versionEtag]\n"],
]

t.test('an upward import is a lint error', async (t) => {
  for (const [file, code] of upward) {
    const errors = await layerErrors(file, code)
    t.equal(errors.length, 1, `${file}: ${code.split('\n')[0]}`)
    t.match(errors[0], /must not import from a layer above it/)
  }
})

t.test('a downward import is not', async (t) => {
  for (const [file, code] of downward) t.same(await layerErrors(file, code), [], `${file}: ${code.split('\n')[0]}`)
})
