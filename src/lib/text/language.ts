// The language of a short text among those claims are stemmed for (en, es, de, fr), from its commonest words.

// Frequent function words of each language that are rare in the others (shared ones such as "de", "la", "die" for
// Spanish/French/German and "a" are left out on purpose: they would not tell the languages apart).
const MARKERS: Record<string, readonly string[]> = {
  en: ['the', 'and', 'is', 'are', 'was', 'were', 'of', 'to', 'in', 'that', 'it', 'for', 'with', 'this', 'have', 'has', 'not', 'be', 'by', 'from', 'they', 'we', 'you', 'he', 'she', 'will', 'would', 'said', 'says'],
  es: ['el', 'los', 'las', 'del', 'y', 'que', 'en', 'por', 'con', 'una', 'un', 'es', 'se', 'al', 'lo', 'como', 'más', 'pero', 'sus', 'su', 'fue', 'son', 'está', 'este', 'esta', 'para', 'dijo', 'ha', 'han', 'muy'],
  de: ['der', 'die', 'das', 'und', 'ist', 'nicht', 'mit', 'den', 'dem', 'ein', 'eine', 'einen', 'auf', 'für', 'sich', 'von', 'zu', 'im', 'es', 'hat', 'haben', 'wird', 'wurde', 'sind', 'auch', 'dass', 'bei', 'nach', 'sagt', 'aus'],
  fr: ['le', 'les', 'et', 'est', 'des', 'du', 'une', 'un', 'que', 'qui', 'dans', 'pour', 'pas', 'sur', 'au', 'aux', 'avec', 'ce', 'cette', 'sont', 'été', 'il', 'elle', 'ont', 'plus', 'par', 'mais', 'nous', 'vous', 'dit'],
}

const WEIGHTS = new Map<string, Map<string, number>>()
for (const [language, words] of Object.entries(MARKERS)) {
  for (const word of words) {
    const byLanguage = WEIGHTS.get(word) ?? new Map<string, number>()
    byLanguage.set(language, 1)
    WEIGHTS.set(word, byLanguage)
  }
}

/**
 * `en`, `es`, `de` or `fr`: the language whose function words the text uses most, when it uses at least two more of
 * them than of any other; else `en` (too short or mixed to tell).
 */
export function detectLanguage (text: string): string {
  const counts = new Map<string, number>()
  for (const [word] of text.toLowerCase().matchAll(/\p{L}+/gu)) {
    for (const language of WEIGHTS.get(word)?.keys() ?? []) counts.set(language, (counts.get(language) ?? 0) + 1)
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1])
  const [first, second] = ranked
  if (!first || first[1] < 2 || first[1] - (second?.[1] ?? 0) < 2) return 'en'
  return first[0]
}
