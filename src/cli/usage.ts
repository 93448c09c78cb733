// The error a command throws for bad usage (`claimtrack` prints it with the usage and exits 2), and how a command
// describes any other failure to the operator.

export class UsageError extends Error {}

/**
 * A failure in one line, cause first: a database error's own message and SQLSTATE, then what was running. drizzle's
 * wrapper ("Failed query: <SQL> params: <every value>") is never printed whole: the values can be thousands of
 * names, or private data, and bury the cause.
 */
export function describeError (error: unknown): string {
  const chain: Error[] = []
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e)
  const root = chain.at(-1)
  if (root === undefined) return String(error)
  const code = (root as { code?: unknown }).code
  const cause = `${root.message}${typeof code === 'string' && code !== '' ? ` (${code})` : ''}`
  const query = chain.find((e) => e.message.startsWith('Failed query:'))
  const statement = query?.message.slice('Failed query:'.length).split('\nparams:')[0]?.trim().replace(/\s+/g, ' ')
  const context = chain.slice(0, -1).filter((e) => e !== query).map((e) => e.message)
  const running = statement ? ` (while running: ${statement.length > 100 ? `${statement.slice(0, 100)}…` : statement})` : ''
  return `${cause}${context.length > 0 ? ` (${context.join(': ')})` : ''}${running}`
}
