// Answers kept for the last `limit` arguments (src/lib/bounded-memo.ts): computed once each, bounded, and for the
// asynchronous memo never a failure.
import t from 'tap'
import { boundedAsyncMemo, boundedMemo } from '../../src/lib/bounded-memo.ts'

t.test('boundedMemo computes an argument once until `limit` others have come', async (t) => {
  const computed: string[] = []
  const upper = boundedMemo(2, (key) => { computed.push(key); return key.toUpperCase() })
  t.equal(upper('a'), 'A')
  t.equal(upper('a'), 'A')
  t.same(computed, ['a'], 'once')
  upper('b')
  upper('c')
  upper('a')
  t.same(computed, ['a', 'b', 'c', 'a'], 'computed again once the memory was full')
})

t.test('boundedAsyncMemo keeps answers, not failures', async (t) => {
  let calls = 0
  let fail = true
  const parse = boundedAsyncMemo(10, async (key) => {
    calls++
    if (fail) throw new Error('the database is away')
    return `${key}!`
  })
  await t.rejects(parse('q'), /away/)
  fail = false
  t.equal(await parse('q'), 'q!', 'a failure is not kept: asked again')
  t.equal(await parse('q'), 'q!')
  t.equal(calls, 2, 'the answer is kept')
})
