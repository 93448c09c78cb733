// URL-safe slugs made from names: `Volodymyr Zelenskyy` -> `volodymyr-zelenskyy`.

export function slugify (name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '')
  return slug || 'claimant'
}

/** The first of `base`, `base-2`, `base-3` ... that is not taken. */
export function freeSlug (base: string, taken: Iterable<string>): string {
  const used = new Set(taken)
  if (!used.has(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`
    if (!used.has(candidate)) return candidate
  }
}
