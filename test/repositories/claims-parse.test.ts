// A search query's parse (websearch_to_tsquery in both configurations) is asked of the database once per distinct
// query and kept: a repeated search skips that round trip, and gets the same parse.
import t from 'tap'
import { build } from '../helper.ts'
import type { Db } from '../../src/db/client.ts'
import { createClaimsRepository } from '../../src/repositories/claims.ts'

t.test('a query is parsed by the database once, then answered from memory with the same parse', async (t) => {
  const app = await build(t)
  let statements = 0
  const db = app.database.db
  const counted: Db = { ...db, use: (tx, work, holds) => { statements++; return db.use(tx, work, holds) } }
  const claims = createClaimsRepository(counted)
  const first = await claims.parseSearch('"Article 5" protection -NATO')
  t.same(first, { english: "'articl' <-> '5' & 'protect' & !'nato'", simple: "'article' <-> '5' & 'protection' & !'nato'", size: 8, indexable: true },
    'the parse Postgres gives')
  t.equal(statements, 1, 'asked of the database')
  t.same(await claims.parseSearch('"Article 5" protection -NATO'), first, 'the same parse again')
  t.equal(statements, 1, 'without asking the database again')
  t.equal((await claims.parseSearch('zebras')).english, "'zebra'", 'another query is parsed')
  t.equal(statements, 2, 'by the database')
})
