// The layers of src/ and the one direction imports may point: down. Each zone lists the layers above it, which its
// files must not import (ESLint's own no-restricted-imports, matched on the import specifier). From the bottom:
//   domain  <-  db, lib, jobs, config  <-  repositories  <-  services  <-  container (the composition root)
//     <-  schemas, routes, plugins  <-  app, seed  <-  server, cli
// plus: schemas (the API contracts) depend on the domain, not on the database's rows, repositories or services;
// routes read domain types, never repositories. docs/development.md#layers says where each kind of change goes.

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
  // Services that take the API contracts' input types (CreateClaim, UpdateReview ...) or call their mappers
  // (toClaimReview, toReview, toRating, valueOf); the import checks records with the API's zod bodies. Next step:
  // the input types and those mappers move to src/domain/, the import's checks are handed to it by the root.
  services: [
    'src/services/changes.ts', 'src/services/claim-children.ts', 'src/services/claimants.ts', 'src/services/claims.ts',
    'src/services/export.ts', 'src/services/import.ts', 'src/services/import-batch.ts', 'src/services/import-records.ts',
    'src/services/published.ts', 'src/services/rating-scales.ts', 'src/services/review-lifecycle.ts',
    'src/services/reviews.ts', 'src/services/webhook-events.ts',
  ],
}

export const layerZones = [
  zone('domain', ['src/domain/**'], [
    ...layers.infra, ...layers.repositories, ...layers.services, ...layers.edge, ...layers.root, ...layers.app, ...layers.top,
  ]),
  zone('infra', ['src/db/**', 'src/lib/**', 'src/jobs/**', 'src/config.ts'], [
    ...layers.repositories, ...layers.services, ...layers.edge, ...layers.root, ...layers.app, ...layers.top,
  ], pending.infra),
  zone('repositories', ['src/repositories/**'], [
    ...layers.services, ...layers.edge, ...layers.root, ...layers.app, ...layers.top,
  ]),
  zone('services', ['src/services/**'], [...layers.edge, ...layers.root, ...layers.app, ...layers.top], pending.services),
  zone('schemas', ['src/schemas/**'], [
    '**/db/**', ...layers.repositories, ...layers.services, '**/routes/**', '**/plugins/**', ...layers.root,
    ...layers.app, ...layers.top,
  ]),
  zone('routes', ['src/routes/**'], [
    '**/db/**', ...layers.repositories, ...layers.root, ...layers.app, ...layers.top,
  ], pending.edge),
  zone('root', ['src/container.ts'], [...layers.edge, ...layers.app, ...layers.top]),
  zone('plugins', ['src/plugins/**'], [...layers.app, ...layers.top]),
  zone('app', ['src/app.ts', 'src/seed/**'], layers.top),
]
