// Standard Webhooks signatures: the specification's own example, two signatures while a secret rotates, and what a
// receiver's verification refuses.
import t from 'tap'
import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from '../../../src/lib/webhooks/signature.ts'

t.test('the signature of the Standard Webhooks example', async (t) => {
  // The example of the specification and of its reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  t.equal(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'), 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
})

t.test('signing with the current and the previous secret; verifying with either', async (t) => {
  const [current, previous] = [newWebhookSecret(), newWebhookSecret()]
  t.match(current, /^whsec_[A-Za-z0-9+/]{43}=$/)
  const now = 1_800_000_000
  const headers = webhookHeaders([current, previous], 'evt-1', now, '{"a":1}')
  t.equal(headers['webhook-id'], 'evt-1')
  t.equal(headers['webhook-timestamp'], String(now))
  t.equal(headers['webhook-signature']?.split(' ').length, 2, 'two signatures, space-separated')
  t.ok(verifyWebhook(current, headers, '{"a":1}', { now }))
  t.ok(verifyWebhook(previous, headers, '{"a":1}', { now }))
  t.notOk(verifyWebhook(newWebhookSecret(), headers, '{"a":1}', { now }), 'another secret')
  t.notOk(verifyWebhook(current, headers, '{"a":2}', { now }), 'another body')
  t.notOk(verifyWebhook(current, { ...headers, 'webhook-id': 'evt-2' }, '{"a":1}', { now }), 'another id')
  t.notOk(verifyWebhook(current, headers, '{"a":1}', { now: now + 301 }), 'too old: outside the 5-minute window')
  t.notOk(verifyWebhook(current, headers, '{"a":1}', { now: now - 301 }), 'too far ahead')
  t.notOk(verifyWebhook(current, { ...headers, 'webhook-timestamp': 'soon' }, '{"a":1}', { now }), 'not a timestamp')
})
