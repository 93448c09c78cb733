// Response compression (br, else gzip) for what compresses: JSON and problem+json answers, the OpenAPI document, the
// /docs page and its script, the widget. Small answers (under 1 KiB) and images are sent as they are.
// @see https://github.com/fastify/fastify-compress
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import compress from '@fastify/compress'

async function compressionPlugin (app: FastifyInstance) {
  await app.register(compress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 })
}

export default fp(compressionPlugin, { name: 'compression' })
