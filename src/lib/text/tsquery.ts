// tsquery text as Postgres prints it, read into a tree: what full-text search's candidate index
// (src/lib/search-index.ts) needs to know of a parsed query.

/** A query as one configuration parsed it (tsquery text): a tree of lexemes, phrases, and, or, not. */
export type QueryNode =
  | { op: 'lexeme', lexeme: string }
  | { op: 'not', arg: QueryNode }
  | { op: 'and' | 'or' | 'phrase', left: QueryNode, right: QueryNode }

/**
 * Reads tsquery text as Postgres prints it (`'a' & !'b' | 'c' <-> 'd'`, parenthesised where needed); null for what
 * the index does not answer (weights, prefixes, an empty query).
 */
export function parseTsquery (text: string): QueryNode | null {
  let at = 0
  const space = () => { while (text[at] === ' ') at++ }
  function primary (): QueryNode | null {
    space()
    if (text[at] === '!') { at++; const arg = primary(); return arg && { op: 'not', arg } }
    if (text[at] === '(') {
      at++
      const inner = or()
      space()
      if (inner === null || text[at] !== ')') return null
      at++
      return inner
    }
    if (text[at] !== "'") return null
    let lexeme = ''
    for (at++; at < text.length; at++) {
      if (text[at] === "'" && text[at + 1] === "'") { lexeme += "'"; at++ } else if (text[at] === '\\') { lexeme += text[++at] ?? '' } else if (text[at] === "'") break
      else lexeme += text[at]
    }
    if (text[at] !== "'") return null
    at++
    if (text[at] === ':') return null
    return { op: 'lexeme', lexeme }
  }
  function phrase (): QueryNode | null {
    let left = primary()
    for (;;) {
      space()
      const m = /^<(-|\d+)>/.exec(text.slice(at))
      if (!m || left === null) return left
      at += m[0].length
      const right = primary()
      if (right === null) return null
      left = { op: 'phrase', left, right }
    }
  }
  function and (): QueryNode | null {
    let left = phrase()
    for (;;) {
      space()
      if (text[at] !== '&' || left === null) return left
      at++
      const right = phrase()
      if (right === null) return null
      left = { op: 'and', left, right }
    }
  }
  function or (): QueryNode | null {
    let left = and()
    for (;;) {
      space()
      if (text[at] !== '|' || left === null) return left
      at++
      const right = and()
      if (right === null) return null
      left = { op: 'or', left, right }
    }
  }
  const tree = or()
  space()
  return tree !== null && at === text.length ? tree : null
}

/**
 * The one lexeme of a query that is a single word (or the same word repeated, `'tax' & 'tax'`): each occurrence is
 * then a cover of its own and ts_rank_cd is the sum of their weights, exactly what the index holds. Null for any other
 * shape (several words, phrases, or, not), where the rank depends on positions the index does not hold.
 */
export function singleLexeme (tree: QueryNode): string | null {
  if (tree.op === 'lexeme') return tree.lexeme
  if (tree.op !== 'and') return null
  const left = singleLexeme(tree.left)
  return left !== null && left === singleLexeme(tree.right) ? left : null
}
