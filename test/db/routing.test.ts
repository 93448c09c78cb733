// Which database serves a read (by the request's scope, not by its SQL), and WAL positions compared as numbers.
import t from 'tap'
import { PGlite } from '@electric-sql/pglite'
import { pgTable, text } from 'drizzle-orm/pg-core'
import { drizzle } from 'drizzle-orm/pglite'
import { parseConfig, ConfigError } from '../../src/config.ts'
import type { Drizzle } from '../../src/db/client.ts'
import { lsnValue, preparedRead, readerOf, readRouting, withReplica } from '../../src/db/routing.ts'

// Two in-memory databases stand for primary and replica: each says which it is, so the answer shows who served it.
async function instances () {
  const open = async (name: string) => {
    const client = new PGlite()
    await client.exec(`create table marks (name text); insert into marks values ('${name}')`)
    return { client, db: drizzle({ client }) as unknown as Drizzle }
  }
  const primary = await open('primary')
  const replica = await open('replica')
  return {
    primary,
    replica,
    db: withReplica(primary.db, replica.db),
    close: () => Promise.all([primary.client.close(), replica.client.close()]),
  }
}
const marks = pgTable('marks', { name: text() })
const nameIn = async (db: Drizzle) => (await db.select().from(marks)).map((row) => row.name).join()

t.test('reads go to the replica only in a replica scope; writes and transactions always to the primary', async (t) => {
  const { db, primary, close } = await instances()
  t.teardown(close)
  const inScope = <T> (replica: boolean, work: () => Promise<T>) => readRouting.run({ replica }, work)
  t.equal(await nameIn(db), 'primary', 'outside any request')
  t.equal(await inScope(false, () => nameIn(db)), 'primary', 'in a request that may not use the replica')
  t.equal(await inScope(true, () => nameIn(db)), 'replica', 'in one that may')
  t.equal(await inScope(true, () => nameIn(readerOf(db))), 'replica', 'readerOf names the replica in scope')
  t.equal(await nameIn(readerOf(db)), 'primary', 'and the primary out of it')
  await inScope(true, () => db.insert(marks).values({ name: 'written' }))
  t.equal((await primary.db.select().from(marks)).length, 2, 'a write in a replica scope went to the primary')
  t.equal(await inScope(true, () => db.transaction((tx) => nameIn(tx as unknown as Drizzle))), 'primary,written', 'so does a transaction')

  const byName = preparedRead({ drizzle: db }, (instance) => instance.select().from(marks).prepare('marks'))
  t.equal((await byName().execute()).map((row) => row.name).join(), 'primary,written', 'a prepared read outside a scope')
  t.equal((await inScope(true, () => byName().execute())).map((row) => row.name).join(), 'replica', 'and in one')
})

t.test('without a replica, every read goes to the one database', async (t) => {
  const { primary, close } = await instances()
  t.teardown(close)
  t.equal(await readRouting.run({ replica: true }, () => nameIn(readerOf(primary.db))), 'primary')
  t.equal(await readRouting.run({ replica: true }, () => preparedRead({ drizzle: primary.db }, (db) => db.select().from(marks).prepare('m'))().execute()).then((rows) => rows.length), 1)
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
