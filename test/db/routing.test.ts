// Which statements a replica may serve, and WAL positions compared as numbers.
import t from 'tap'
import { parseConfig, ConfigError } from '../../src/config.ts'
import { isReadOnlyStatement, lsnValue } from '../../src/db/routing.ts'

t.test('only plain reads may go to a replica', async (t) => {
  for (const statement of [
    'select "id", "text" from "claims" where "id" = $1',
    '  SELECT 1',
    'with recent as (select id from claims order by id desc limit 5) select * from recent',
    '(select 1) union (select 2)',
    'select "updated_at" from "claims"',
  ]) t.ok(isReadOnlyStatement(statement), statement)
  for (const statement of [
    'insert into "claims" ("text") values ($1)',
    'update "claims" set "text" = $1',
    'delete from "claims"',
    'with moved as (delete from claims returning *) select * from moved',
    'select * from "claims" where "id" = $1 for update',
    'select * from "claims" for no key update',
    'select * from "claims" for share',
    'select pg_advisory_lock(1)',
    "select nextval('seq')",
    'begin',
    'refresh materialized view claim_term_stats',
  ]) t.notOk(isReadOnlyStatement(statement), statement)
})

t.test('WAL positions compare by value, not as text', async (t) => {
  t.ok(lsnValue('A/0') > lsnValue('9/FFFFFFFF'))
  t.ok(lsnValue('16/B374D848') > lsnValue('16/B374D847'))
  t.equal(lsnValue('0/0'), 0n)
})

t.test('DATABASE_READ_URL needs DATABASE_URL', async (t) => {
  t.throws(() => parseConfig({ DATABASE_READ_URL: 'postgres://replica/db' }), ConfigError)
  t.throws(() => parseConfig({ DATABASE_READ_URL: 'postgres://replica/db' }), /DATABASE_READ_URL: needs DATABASE_URL/)
  t.equal(parseConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URL: 'postgres://replica/db' }).databaseReadUrl, 'postgres://replica/db')
})
