// Every link in the README, docs/ and bench/README.md that points into the repository resolves: the file exists and,
// for a `#fragment`, the target file has a heading with that GitHub-style anchor.
import t from 'tap'
import { readFile, readdir, access } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf (heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
}

async function anchors (file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8')
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fenced = false
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line)
    if (!m || m[1] === undefined) continue
    const base = anchorOf(m[1].replace(/`/g, ''))
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

async function markdownFiles (): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))
  return ['README.md', 'bench/README.md', ...docs]
}

t.test('every relative link and anchor in the documentation resolves', async (t) => {
  const files = await markdownFiles()
  t.ok(files.length >= 2)
  for (const file of files) {
    const text = (await readFile(join(root, file), 'utf8')).replace(/```[\s\S]*?```/g, '')
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? ''
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // http:, https:, mailto:
      const [path = '', fragment] = target.split('#')
      const resolved = path === '' ? join(root, file) : resolve(root, dirname(file), decodeURIComponent(path))
      await t.resolves(access(resolved), `${file}: ${target} exists`)
      if (fragment !== undefined && fragment !== '' && resolved.endsWith('.md')) {
        t.ok((await anchors(resolved)).has(fragment), `${file}: ${target} names a heading`)
      }
    }
  }
})
