// Hooks for the routes that need them, added as each route is declared (fastify's onRoute), instead of hooks that
// run on every request of the app to find out that they have nothing to do.
// @see https://fastify.dev/docs/latest/Reference/Hooks/#onroute
import type { RouteOptions } from 'fastify'

type HookName = 'onRequest' | 'preHandler' | 'onSend' | 'onResponse'

/** Adds `hook` to the route's own hooks of that kind (they run after the app's). */
export function addRouteHook<Name extends HookName> (
  route: RouteOptions,
  name: Name,
  hook: NonNullable<RouteOptions[Name]>
) {
  const current = route[name] as unknown
  const added = Array.isArray(hook) ? hook : [hook]
  const existing = current === undefined ? [] : Array.isArray(current) ? current : [current]
  ;(route as unknown as Record<string, unknown>)[name] = [...existing, ...added]
}

/** The methods a route answers. */
export const methodsOf = (route: RouteOptions): string[] => Array.isArray(route.method) ? route.method : [route.method]
