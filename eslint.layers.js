// The layers of src/ and the one direction imports may point: down. Each zone lists the layers above it, which its
// files must not import (ESLint's own no-restricted-imports, matched on the import specifier). From the bottom:
//   domain  <-  db, lib, jobs, config  <-  repositories  <-  services  <-  container (the composition root)
//     <-  schemas, routes, plugins  <-  app, seed  <-  server, cli
// plus: schemas (the API contracts) depend on the domain, not on the database's rows, repositories or services;
// routes read domain types, never repositories; repositories and services never import src/lib/http/ (the helpers
// that speak fastify and HTTP to a client); the root may read the contracts (not routes or plugins), to hand the
// services what they take from them: the import's record checks, the review that webhook events carry.
// docs/development.md#layers says where each kind of change goes.

/** Helpers for the HTTP edge only (app, plugins, routes): the serializer, client addresses, log redaction. */
const httpEdge = ['**/lib/http/**']

const layers = {
  infra: ['**/db/**', '**/lib/**', '**/jobs/**', '**/config.ts'],
  repositories: ['**/repositories/**'],
  services: ['**/services/**'],
  edge: ['**/schemas/**', '**/routes/**', '**/plugins/**', '**/errors.ts', '!**/domain/errors.ts', '!**/db/errors.ts'],
  // The composition root: builds repositories and services; the plugins decorate the app with what it built.
  root: ['**/container.ts'],
  app: ['**/app.ts', '**/seed/**'],
  top: ['**/server.ts', '**/cli/**'],
}

const zone = (name, files, forbidden, ignores = []) => ({
  name: `layers/${name}`,
  files,
  ignores,
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ group: forbidden, message: `${name} must not import from a layer above it (eslint.layers.js).` }],
    }],
  },
})

/**
 * Files that still import upward, each with why; the rule holds for every other file, and for new imports. Remove a
 * line when its file is fixed.
 */
export const pending = {
  infra: [],
  edge: [],
  services: [],
}

export const layerZones = [
  zone('domain', ['src/domain/**'], [
    // './errors.ts' in the domain is its own errors (src/domain/errors.ts), not the HTTP edge's problem table.
    ...layers.infra, ...layers.repositories, ...layers.services, ...layers.edge, '!./errors.ts', ...layers.root, ...layers.app,
    ...layers.top,
  ]),
  zone('infra', ['src/db/**', 'src/lib/**', 'src/jobs/**', 'src/config.ts'], [
    ...layers.repositories, ...layers.services, ...layers.edge, ...layers.root, ...layers.app, ...layers.top,
  ], pending.infra),
  zone('repositories', ['src/repositories/**'], [
    ...httpEdge, ...layers.services, ...layers.edge, ...layers.root, ...layers.app, ...layers.top,
  ]),
  zone('services', ['src/services/**'], [
    ...httpEdge, ...layers.edge, ...layers.root, ...layers.app, ...layers.top,
  ], pending.services),
  zone('schemas', ['src/schemas/**'], [
    '**/db/**', ...layers.repositories, ...layers.services, '**/routes/**', '**/plugins/**', ...layers.root,
    ...layers.app, ...layers.top,
  ]),
  zone('routes', ['src/routes/**'], [
    '**/db/**', ...layers.repositories, ...layers.root, ...layers.app, ...layers.top,
  ], pending.edge),
  zone('root', ['src/container.ts'], [
    ...layers.edge.filter((pattern) => pattern !== '**/schemas/**'), ...layers.app, ...layers.top,
  ]),
  zone('plugins', ['src/plugins/**'], [...layers.app, ...layers.top]),
  zone('app', ['src/app.ts', 'src/seed/**'], layers.top),
]
