// Response compression (br, else gzip) for what compresses: JSON and problem+json answers, the OpenAPI document, the
// /docs page and its script, the widget. Small answers (under 1 KiB) and images are sent as they are.
// @see https://github.com/fastify/fastify-compress
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import compress from '@fastify/compress'

async function compressionPlugin (app: FastifyInstance) {
  // Responses only: request bodies are not decompressed (a Content-Encoding on a GET was answered 415 otherwise).
  await app.register(compress, { globalCompression: true, globalDecompression: false, encodings: ['br', 'gzip'], threshold: 1024 })
}

export default fp(compressionPlugin, { name: 'compression' })
