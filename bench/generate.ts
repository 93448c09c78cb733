// `node bench/generate.ts --claims 100000`: fills a Postgres database with a deterministic, realistic data set
// (claimants, claims, appearances, evidence, published verdicts and their revisions) for load tests and query plans.
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import postgres, { type Sql, type TransactionSql } from 'postgres'
import { v7 as uuidv7 } from 'uuid'
import { createDatabase } from '../src/db/client.ts'
import { migrate } from '../src/container.ts'
import { parseConfig } from '../src/config.ts'
import { slugify } from '../src/lib/text/slug.ts'
import { canonicalizeUrl } from '../src/lib/url-canonical.ts'
import { urlHash } from '../src/lib/url-hash.ts'

/** The default DATABASE_*_TIMEOUT settings, for the databases opened here. */
const { databaseTimeouts } = parseConfig({})

const USAGE = `usage: node bench/generate.ts --claims <n> [--database-url postgres://...] [--seed 42] [--batch 2000] [--corpus <jsonl>]

Fills an empty Postgres database (created when missing) with <n> claims and everything around them.
--database-url defaults to DATABASE_URL. --corpus is a JSON-lines file of {"text": ...} claims whose words
the generated claims are made of (default: the PolitiFact set in /work/shared/datasets, else a built-in list).`

const TRUTH_O_METER = '00000000-0000-7000-8000-000000000001'
// A fixed "now", so that one seed always gives the same rows.
const END = Date.UTC(2025, 7, 31)
const START = END - 15 * 365.25 * 86_400_000
const DAY = 86_400_000
// Postgres takes at most 65535 parameters per statement.
const MAX_PARAMS = 60_000
// Batches written at once, each on its own connection.
const CONCURRENCY = 2

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness

/** sfc32, seeded through splitmix32: fast, and the same sequence for the same seed on every platform. */
function createRandom (seed: number) {
  let s = seed >>> 0
  const splitmix = () => {
    s = (s + 0x9e3779b9) | 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  const uint32 = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  const next = () => uint32() / 4_294_967_296
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return {
    next,
    int,
    pick,
    chance: (p: number) => next() < p,
    /** A key of `weights`, with probability proportional to its weight. */
    weighted<K extends string> (weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as Array<[K, number]>
      let r = next() * entries.reduce((sum, [, w]) => sum + w, 0)
      for (const [key, w] of entries) {
        r -= w
        if (r < 0) return key
      }
      return (entries[entries.length - 1] as [K, number])[0]
    },
    /** A UUIDv7 for this instant, with seeded rather than crypto random bits. */
    uuid (msecs: number): string {
      const random = new Uint8Array(16)
      for (let i = 0; i < 16; i += 4) new DataView(random.buffer).setUint32(i, uint32())
      return uuidv7({ msecs: Math.floor(msecs), random })
    },
  }
}
type Random = ReturnType<typeof createRandom>

/** Draws items by Zipf's law over their order: the first is the most frequent, the tail long. */
function zipf<T> (items: readonly T[], exponent: number, random: Random): () => T {
  const cumulative = new Float64Array(items.length)
  let total = 0
  items.forEach((_item, rank) => {
    total += 1 / (rank + 1) ** exponent
    cumulative[rank] = total
  })
  return () => {
    const r = random.next() * total
    let lo = 0
    let hi = items.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((cumulative[mid] as number) < r) lo = mid + 1
      else hi = mid
    }
    return items[lo] as T
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary

const TOPICS = [
  'economy', 'taxes', 'health-care', 'elections', 'immigration', 'education', 'crime', 'guns', 'jobs',
  'federal-budget', 'climate-change', 'energy', 'foreign-policy', 'coronavirus', 'abortion', 'military', 'vaccines',
  'environment', 'medicare', 'social-security', 'trade', 'housing', 'transportation', 'ukraine', 'russia', 'china',
  'israel', 'terrorism', 'civil-rights', 'criminal-justice', 'labor', 'technology', 'agriculture', 'water',
  'religion', 'voting-record', 'candidate-biography', 'media', 'science', 'drugs',
]

// Used only when no corpus file is found; drawn by Zipf's law in this order.
const ENGLISH_WORDS = ('the of to and in a is for that on percent says more than state million president tax people ' +
  'years have has not taxes billion jobs health care government bill would will was federal law vote voted ' +
  'budget new american workers school schools country since under plan increase cut cuts spending obama trump ' +
  'biden country america economy debt deficit wages unemployment rate crime police immigrants border wall ' +
  'illegal voters election ballots fraud vaccine vaccines covid deaths hospital insurance medicare medicaid ' +
  'social security seniors veterans military troops war russia ukraine china trade tariffs energy oil gas prices ' +
  'inflation climate emissions coal jobs manufacturing abortion guns gun violence shootings teachers students ' +
  'tuition college debt housing rent homeless senate house congress governor mayor county city record highest ' +
  'lowest ever history every single nobody anyone doubled tripled half quarter week month year decade since ' +
  'during administration democrats republicans party voted against for opponent supported opposed funding')
  .split(' ')

const FOREIGN_WORDS: Record<string, string[]> = {
  es: ('el la de que y en los del las por un para con una su al es más gobierno presidente millones impuestos ' +
    'economía educación salud empleo inflación elecciones votos frontera inmigración pensiones jubilación vacunas ' +
    'guerra España México ciudadanos aumentó récord nunca todos años mitad porcentaje ley congreso alcalde').split(' '),
  de: ('der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch Regierung Millionen ' +
    'Steuern Bürger Wirtschaft Bildung Gesundheit Arbeitslosigkeit Inflation Wahlen Stimmen Grenze Migration Rente ' +
    'Impfung Krieg Deutschland Prozent höchste niemals Jahre Hälfte Gesetz Bundestag Bürgermeister Schüler Löhne').split(' '),
  fr: ('le la de et les des en un une du est pour que dans qui pas plus par sur gouvernement président millions ' +
    'impôts économie éducation santé chômage inflation élections voix frontière immigration retraites vaccins guerre ' +
    'France citoyens record jamais années moitié pourcentage loi Assemblée maire élèves salaires dépenses').split(' '),
}

const FIRST_NAMES = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'María', 'José', 'Ana',
  'Luis', 'Sofía', 'Jürgen', 'Anke', 'Hélène', 'François', 'Amir', 'Priya', 'Chen', 'Aisha', 'Kwame', 'Olga', 'Dmitri']
const LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernández', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Müller', 'Schmidt', 'Dubois', 'Lefèvre', 'Nguyen', 'Kim', 'Patel', 'Okafor', 'Ivanova', 'Kowalski', 'O\'Brien']
const JOB_TITLES = ['U.S. Senator', 'U.S. Representative', 'Governor', 'State Senator', 'State Representative', 'Mayor',
  'President', 'Former President', 'Vice President', 'Secretary of State', 'Attorney General', 'County Commissioner',
  'Candidate for Congress', 'Columnist', 'Television host', 'Political commentator', 'Party chair', 'Spokesperson']
const ORGANIZATION_HINT = /\b(posts?|bloggers|image|email|video|tweets?|pac|party|committee|association|campaign|group|network|news|fund|council|coalition|institute|foundation|union|chamber|club|center|website|memes?|ads?)\b/i

const NEWS_OUTLETS: Array<[string, string]> = [
  ['nytimes.com', 'The New York Times'], ['washingtonpost.com', 'The Washington Post'], ['cnn.com', 'CNN'],
  ['foxnews.com', 'Fox News'], ['nbcnews.com', 'NBC News'], ['cbsnews.com', 'CBS News'], ['abcnews.go.com', 'ABC News'],
  ['politico.com', 'Politico'], ['thehill.com', 'The Hill'], ['apnews.com', 'Associated Press'], ['reuters.com', 'Reuters'],
  ['bbc.co.uk', 'BBC'], ['theguardian.com', 'The Guardian'], ['usatoday.com', 'USA Today'], ['wsj.com', 'The Wall Street Journal'],
  ['npr.org', 'NPR'], ['bloomberg.com', 'Bloomberg'], ['axios.com', 'Axios'], ['latimes.com', 'Los Angeles Times'],
  ['chicagotribune.com', 'Chicago Tribune'], ['breitbart.com', 'Breitbart'], ['huffpost.com', 'HuffPost'],
  ['newsweek.com', 'Newsweek'], ['msnbc.com', 'MSNBC'], ['c-span.org', 'C-SPAN'], ['elpais.com', 'El País'],
  ['elmundo.es', 'El Mundo'], ['spiegel.de', 'Der Spiegel'], ['zeit.de', 'Die Zeit'], ['faz.net', 'FAZ'],
  ['lemonde.fr', 'Le Monde'], ['lefigaro.fr', 'Le Figaro'], ['liberation.fr', 'Libération'], ['medium.com', 'Medium'],
  ['substack.com', 'Substack'], ['whitehouse.gov', 'The White House'], ['senate.gov', 'U.S. Senate'], ['house.gov', 'U.S. House'],
]
const SOCIAL: Array<[string, string]> = [['x.com', 'X'], ['facebook.com', 'Facebook'], ['instagram.com', 'Instagram'],
  ['youtube.com', 'YouTube'], ['tiktok.com', 'TikTok'], ['truthsocial.com', 'Truth Social']]
const PLACES = ['Springfield', 'Riverside', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Fairview', 'Salem', 'Madison',
  'Georgetown', 'Arlington', 'Ashland', 'Dover', 'Oxford', 'Jackson', 'Burlington', 'Manchester', 'Milton', 'Newport',
  'Auburn', 'Dayton', 'Lexington', 'Milford', 'Winchester', 'Hudson', 'Kingston', 'Marion', 'Clayton', 'Lancaster', 'Troy']
const MASTHEADS = ['Herald', 'Tribune', 'Gazette', 'Courier', 'Times', 'Post', 'Journal', 'Observer', 'Ledger', 'Sentinel',
  'Register', 'Chronicle', 'Daily', 'Independent', 'Examiner']
const SECTIONS = ['politics', 'news', 'us', 'world', 'local', 'opinion', 'business', 'health', 'elections', 'national']
const REFERENCES: Array<[string, string]> = [['bls.gov', 'Bureau of Labor Statistics'], ['census.gov', 'U.S. Census Bureau'],
  ['cbo.gov', 'Congressional Budget Office'], ['cdc.gov', 'CDC'], ['who.int', 'World Health Organization'],
  ['congress.gov', 'Congress.gov'], ['fec.gov', 'Federal Election Commission'], ['treasury.gov', 'U.S. Treasury'],
  ['fbi.gov', 'FBI'], ['eia.gov', 'Energy Information Administration'], ['oecd.org', 'OECD'], ['worldbank.org', 'World Bank'],
  ['pewresearch.org', 'Pew Research Center'], ['gao.gov', 'Government Accountability Office'], ['ec.europa.eu', 'Eurostat'],
  ['destatis.de', 'Destatis'], ['ine.es', 'INE'], ['insee.fr', 'Insee'], ['nasa.gov', 'NASA'], ['nih.gov', 'NIH']]
const FACT_CHECKERS: Record<string, Array<[string, string]>> = {
  en: [['PolitiFact', 'https://www.politifact.com'], ['FactCheck.org', 'https://www.factcheck.org'],
    ['The Washington Post Fact Checker', 'https://www.washingtonpost.com'], ['AP Fact Check', 'https://apnews.com'],
    ['Reuters Fact Check', 'https://www.reuters.com'], ['Full Fact', 'https://fullfact.org'], ['Snopes', 'https://www.snopes.com'],
    ['Lead Stories', 'https://leadstories.com'], ['Check Your Fact', 'https://checkyourfact.com']],
  es: [['Maldita', 'https://maldita.es'], ['Newtral', 'https://www.newtral.es'], ['Chequeado', 'https://chequeado.com']],
  de: [['CORRECTIV.Faktencheck', 'https://correctiv.org'], ['dpa-Faktencheck', 'https://dpa-factchecking.com']],
  fr: [['AFP Factuel', 'https://factuel.afp.com'], ['Les Décodeurs', 'https://www.lemonde.fr']],
}
// The Truth-O-Meter's values (migrations/0002) with their normalised verdicts, weighted as PolitiFact rules.
const RATINGS: Record<string, { verdict: string, label: string, weight: number }> = {
  true: { verdict: 'true', label: 'True', weight: 12 },
  'mostly-true': { verdict: 'mostly-true', label: 'Mostly True', weight: 14 },
  'half-true': { verdict: 'mixed', label: 'Half True', weight: 17 },
  'mostly-false': { verdict: 'mostly-false', label: 'Mostly False', weight: 17 },
  false: { verdict: 'false', label: 'False', weight: 30 },
  'pants-fire': { verdict: 'false', label: 'Pants on Fire', weight: 10 },
}
const RATING_WEIGHTS = Object.fromEntries(Object.entries(RATINGS).map(([key, r]) => [key, r.weight]))

// ---------------------------------------------------------------------------------------------------------------
// Text

interface Corpus { source: string, texts: string[], claimants: string[] }

function loadCorpus (path: string | undefined): Corpus {
  if (path === undefined || !existsSync(path)) return { source: 'built-in word list', texts: [], claimants: [] }
  const texts: string[] = []
  const counts = new Map<string, number>()
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    const record = JSON.parse(line) as { text?: unknown, claimant?: unknown }
    if (typeof record.text === 'string') texts.push(record.text)
    if (typeof record.claimant === 'string' && record.claimant.trim() !== '') counts.set(record.claimant.trim(), (counts.get(record.claimant.trim()) ?? 0) + 1)
  }
  // The most quoted first, so that Zipf's law gives them the most claims.
  const claimants = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name)
  return { source: path, texts, claimants }
}

/** Sentences from a word-bigram chain over real claims: the words, and how often they occur, stay realistic. */
function createTextMaker (corpus: Corpus, random: Random) {
  const END_TOKEN = ''
  const starts: string[] = []
  const successors = new Map<string, string[]>()
  for (const text of corpus.texts) {
    const tokens = text.replace(/["“”]/g, '').split(/\s+/).filter((t) => t !== '')
    if (tokens.length === 0) continue
    starts.push(tokens[0] as string)
    tokens.forEach((token, i) => {
      let list = successors.get(token)
      if (!list) successors.set(token, list = [])
      list.push(tokens[i + 1] ?? END_TOKEN)
    })
  }
  const englishWord = zipf(ENGLISH_WORDS, 1.05, random)
  const foreignWords = Object.fromEntries(
    Object.entries(FOREIGN_WORDS).map(([lang, words]) => [lang, zipf(words, 1.05, random)])
  )
  const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

  function fromList (word: () => string, min: number, max: number): string {
    const words = Array.from({ length: random.int(min, max) }, word)
    return `${capitalised(words.join(' '))}.`
  }

  function fromChain (minWords: number, maxWords: number): string {
    const words: string[] = []
    let token = random.pick(starts)
    while (words.length < maxWords) {
      words.push(token)
      const next = random.pick(successors.get(token) ?? [END_TOKEN])
      if (next !== END_TOKEN) token = next
      else if (words.length >= minWords) break
      else token = random.pick(starts)
    }
    return capitalised(words.join(' '))
  }

  return (language: string, minWords: number, maxWords: number): string => {
    const foreign = foreignWords[language]
    if (foreign) return fromList(foreign, minWords, maxWords)
    return starts.length > 0 ? fromChain(minWords, maxWords) : fromList(englishWord, minWords, maxWords)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rows, in the camelCase shape drizzle reads them in (revisions store them so), written in snake_case.

type Value = string | number | boolean | Date | null | readonly string[] | Row
interface Row { [column: string]: Value }

/** Everything generated belongs to one organisation, as one newsroom's archive would. */
export const BENCH_ORGANIZATION = { id: '00000000-0000-7000-8000-0000000000b1', slug: 'bench', name: 'Benchmark newsroom' }

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const toColumns = (row: Row): Row =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [snakeCase(key), value]))
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10)

interface Revision {
  entityType: string
  entityId: string
  claimId: string | null
  version: number
  action: string
  at: Date
  before: Row | null
  after: Row
}

const revisionRow = (r: Revision): Row => ({
  entity_type: r.entityType,
  entity_id: r.entityId,
  claim_id: r.claimId,
  version: r.version,
  action: r.action,
  actor: 'system',
  request_id: null,
  at: r.at,
  // Sent as JSON, so dates become ISO strings: the snapshot form of services/history.ts.
  before: r.before,
  after: r.after,
})

interface Batch {
  claims: Row[]
  appearances: Row[]
  evidence: Row[]
  reviews: Row[]
  /** claim id -> its current review, set once the reviews are in (the two tables reference each other). */
  currentReviews: Array<{ id: string, review_id: string | null }>
  revisions: Revision[]
}

function createGenerator (random: Random, corpus: Corpus, claimCount: number) {
  const text = createTextMaker(corpus, random)

  // Claimants: the corpus's, most quoted first, then made-up names; Zipf's law hands out their claims.
  const claimantCount = Math.max(10, Math.round(claimCount * 0.02))
  const names = corpus.claimants.slice(0, claimantCount)
  const seen = new Set(names)
  while (names.length < claimantCount) {
    const name = `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`
    const unique = seen.has(name) ? `${name} ${names.length}` : name
    seen.add(unique)
    names.push(unique)
  }
  const slugs = new Set<string>()
  const claimants = names.map((name, i) => {
    const base = slugify(name)
    let slug = base
    for (let n = 2; slugs.has(slug); n++) slug = `${base}-${n}`
    slugs.add(slug)
    const at = new Date(START - (claimantCount - i) * 60_000)
    const kind = ORGANIZATION_HINT.test(name) ? 'organization' : 'person'
    return {
      id: random.uuid(at.getTime()),
      organizationId: BENCH_ORGANIZATION.id,
      slug,
      name,
      kind,
      description: random.chance(0.3) ? text('en', 8, 20) : null,
      jobTitle: kind === 'person' && random.chance(0.7) ? random.pick(JOB_TITLES) : null,
      affiliation: kind === 'person' && random.chance(0.5) ? random.pick(['Democrat', 'Republican', 'Independent', 'Libertarian', 'Green']) : null,
      sameAs: random.chance(0.2) ? [`https://en.wikipedia.org/wiki/${encodeURIComponent(name.replace(/ /g, '_'))}`] : [],
      version: 1,
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
    }
  })
  const claimant = zipf(claimants, 1.1, random)
  const topic = zipf(TOPICS, 1.0, random)

  // ~500 sites where claims appear: social networks, and news outlets (the busiest first, then local papers).
  const sites: Array<[string, string]> = [...NEWS_OUTLETS]
  for (const place of PLACES) for (const masthead of MASTHEADS) sites.push([`${place}${masthead}.com`.toLowerCase(), `The ${place} ${masthead}`])
  const site = zipf(sites.slice(0, 500 - SOCIAL.length), 0.9, random)
  const reference = zipf(REFERENCES, 0.8, random)
  // Pages already cited, so that some pages carry several claims (a speech transcript, a long article).
  const recentUrls: string[] = []
  let pageNumber = 0

  function pageUrl (host: string, at: number, title: string): string {
    pageNumber++
    const [, social] = SOCIAL.find(([h]) => h === host) ?? []
    if (social !== undefined) {
      const handle = slugify(claimant().name).replace(/-/g, '_')
      return host === 'youtube.com' ? `https://www.youtube.com/watch?v=${pageNumber.toString(36)}x${random.int(0, 9999)}` : `https://${host}/${handle}/status/${at}${pageNumber}`
    }
    const d = new Date(at)
    const path = `/${random.pick(SECTIONS)}/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${slugify(title).slice(0, 60)}-${pageNumber.toString(36)}`
    // Links as people paste them: with or without www., over http, with tracking parameters, to the AMP page.
    const prefix = random.weighted({ 'https://www.': 5, 'https://': 3, 'http://www.': 1, 'https://m.': 1 })
    const suffix = random.weighted({ '': 14, '?utm_source=twitter&utm_medium=social': 3, '/amp': 1, '?fbclid=IwAR0x': 1, '#comments': 1 })
    return `${prefix}${host}${path}${suffix}`
  }

  function urlColumns (url: string | null) {
    const canonical = url === null ? null : canonicalizeUrl(url)
    return { url, urlCanonical: canonical, urlHash: canonical === null ? null : urlHash(canonical) }
  }

  function generateBatch (from: number, to: number): Batch {
    const batch: Batch = { claims: [], appearances: [], evidence: [], reviews: [], currentReviews: [], revisions: [] }
    const step = (END - START) / claimCount
    for (let i = from; i < to; i++) {
      // Claims are entered in time order over the 15 years, so that UUIDv7 ids and createdAt agree.
      const created = Math.floor(START + i * step + random.next() * step * 0.9)
      const id = random.uuid(created)
      const language = random.weighted({ en: 85, es: 7, de: 4, fr: 4 })
      const who = random.chance(0.97) ? claimant() : null
      const topicCount = random.weighted({ 0: 5, 1: 50, 2: 35, 3: 10 })
      const topics = [...new Set(Array.from({ length: Number(topicCount) }, topic))]
      const reviewed = random.chance(0.3)
      const status = reviewed ? 'reviewed' : random.weighted({ new: 45, researching: 35, archived: 20 })
      const claim = {
        id,
        organizationId: BENCH_ORGANIZATION.id,
        // Public once its review is published (below), as the reviews service does.
        isPublic: false,
        text: text(language, 6, 45).slice(0, 2000),
        claimantId: who?.id ?? null,
        claimDate: random.chance(0.1) ? null : isoDate(created - random.int(0, 20) * DAY),
        language,
        topics,
        // A reviewed claim is created `new`; publishing its review makes it `reviewed` (below).
        status: reviewed ? 'new' : status,
        currentReviewId: null as string | null,
        currentVerdict: null as string | null,
        version: 1,
        createdAt: new Date(created),
        updatedAt: new Date(created),
        deletedAt: null,
      }
      batch.revisions.push({ entityType: 'claim', entityId: id, claimId: id, version: 1, action: 'create', at: claim.createdAt, before: null, after: claim })
      let row: Row = claim

      const appearanceCount = random.weighted({ 1: 50, 2: 35, 3: 15 })
      const markFirst = random.chance(0.6)
      for (let n = 0; n < Number(appearanceCount); n++) {
        const at = created + (n + 1) * random.int(1_000, 600_000)
        const medium = random.weighted({ article: 50, social: 20, broadcast: 10, speech: 8, transcript: 7, other: 5 })
        const [host, publisher] = medium === 'social' ? random.pick(SOCIAL) : site()
        const title = text(language, 5, 14)
        const withUrl = random.chance(medium === 'broadcast' || medium === 'speech' ? 0.45 : 0.76)
        const shared = withUrl && recentUrls.length > 0 && random.chance(0.08)
        const url = !withUrl ? null : shared ? random.pick(recentUrls) : pageUrl(host, at, title)
        if (url !== null && !shared) recentUrls[recentUrls.length < 5000 ? recentUrls.length : pageNumber % 5000] = url
        const appearance = {
          id: random.uuid(at),
          claimId: id,
          ...urlColumns(url),
          title,
          publisher,
          medium,
          publishedAt: new Date(created - random.int(0, 3 * DAY)),
          quote: random.chance(0.6) ? claim.text.slice(0, random.int(40, 400)) : null,
          isFirstAppearance: markFirst && n === 0,
          version: 1,
          createdAt: new Date(at),
          updatedAt: new Date(at),
        }
        batch.appearances.push(appearance)
        batch.revisions.push({ entityType: 'appearance', entityId: appearance.id, claimId: id, version: 1, action: 'create', at: appearance.createdAt, before: null, after: appearance })
      }

      const evidenceCount = random.weighted({ 0: 35, 1: 40, 2: 25 })
      for (let n = 0; n < Number(evidenceCount); n++) {
        const at = created + random.int(DAY / 24, 10 * DAY)
        const [host, publisher] = random.chance(0.7) ? reference() : site()
        const title = text(language, 4, 12)
        const url = `https://www.${host}/${random.pick(['data', 'reports', 'news', 'research', 'publications'])}/${slugify(title).slice(0, 50)}-${random.int(1, 99999)}`
        const evidenceRow = {
          id: random.uuid(at),
          claimId: id,
          ...urlColumns(url),
          title,
          publisher,
          stance: random.weighted({ refutes: 45, supports: 25, context: 30 }),
          summary: random.chance(0.7) ? text(language, 10, 30) : null,
          archivedUrl: random.chance(0.3) ? `https://web.archive.org/web/${new Date(at).toISOString().replace(/\D/g, '').slice(0, 14)}/${url}` : null,
          version: 1,
          createdAt: new Date(at),
          updatedAt: new Date(at),
        }
        batch.evidence.push(evidenceRow)
        batch.revisions.push({ entityType: 'evidence', entityId: evidenceRow.id, claimId: id, version: 1, action: 'create', at: evidenceRow.createdAt, before: null, after: evidenceRow })
      }

      let currentReviewId: string | null = null
      if (reviewed || (status === 'researching' && random.chance(0.1))) {
        const drafted = created + random.int(DAY / 2, 14 * DAY)
        const [authorName, authorUrl] = random.pick(FACT_CHECKERS[language] ?? FACT_CHECKERS.en ?? [])
        const ratingKey = random.weighted(RATING_WEIGHTS)
        const headline = text(language, 6, 14)
        const d = new Date(drafted)
        const draft = {
          id: random.uuid(drafted),
          claimId: id,
          ratingScaleId: TRUTH_O_METER,
          ratingKey,
          ratingExplanation: text(language, 15, 40),
          headline,
          url: `${authorUrl}/factchecks/${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}/${who?.slug ?? 'unattributed'}/${slugify(headline).slice(0, 60)}/`,
          authorName,
          authorUrl,
          inLanguage: language,
          status: 'draft',
          datePublished: null as Date | null,
          retractedAt: null,
          retractionReason: null,
          version: 1,
          createdAt: d,
          updatedAt: d,
          deletedAt: null,
        }
        batch.revisions.push({ entityType: 'review', entityId: draft.id, claimId: id, version: 1, action: 'create', at: d, before: null, after: draft })
        if (!reviewed) {
          batch.reviews.push(draft)
        } else {
          // Published some hours later; the claim takes the verdict in the same transaction (services/reviews.ts).
          const published = new Date(drafted + random.int(3_600_000, 3 * DAY))
          const review = { ...draft, status: 'published', datePublished: published, version: 2, updatedAt: published }
          batch.reviews.push(review)
          batch.revisions.push({ entityType: 'review', entityId: review.id, claimId: id, version: 2, action: 'publish', at: published, before: draft, after: review })
          const after = { ...claim, isPublic: true, status: 'reviewed', currentReviewId: review.id, currentVerdict: RATINGS[ratingKey]?.verdict ?? null, version: 2, updatedAt: published }
          batch.revisions.push({ entityType: 'claim', entityId: id, claimId: id, version: 2, action: 'update', at: published, before: claim, after })
          currentReviewId = review.id
          // The row as it ends up; current_review_id is set once the review exists.
          row = { ...after, currentReviewId: null }
        }
      }
      batch.claims.push(row)
      batch.currentReviews.push({ id, review_id: currentReviewId })
    }
    // Revisions in the order their changes happened, as the service would have written them.
    batch.revisions.sort((a, b) => a.at.getTime() - b.at.getTime())
    return batch
  }

  return { claimants, generateBatch }
}

// ---------------------------------------------------------------------------------------------------------------
// Database

async function insertRows (sql: TransactionSql, table: string, rows: Row[]): Promise<void> {
  const first = rows[0]
  if (first === undefined) return
  const columns = Object.keys(first)
  const size = Math.max(1, Math.floor(MAX_PARAMS / columns.length))
  for (let i = 0; i < rows.length; i += size) {
    await sql`insert into ${sql(table)} ${sql(rows.slice(i, i + size), columns)}`
  }
}

/** Connects, creating the database first when the server does not have it. */
async function connect (url: string): Promise<Sql> {
  const options = {
    max: CONCURRENCY,
    onnotice: () => {},
    // Losing the last batches in a crash is fine here; waiting for each commit to reach the disk is not.
    connection: { application_name: 'claimtrack-bench-generate', synchronous_commit: 'off', maintenance_work_mem: '512MB' },
  }
  const sql = postgres(url, options)
  try {
    await sql`select 1`
    return sql
  } catch (error) {
    await sql.end()
    if ((error as { code?: string }).code !== '3D000') throw error
  }
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  const server = new URL(url)
  server.pathname = '/postgres'
  const admin = postgres(server.toString(), { max: 1, onnotice: () => {} })
  try {
    await admin`create database ${admin(name)}`
    console.error(`created database ${name}`)
  } finally {
    await admin.end()
  }
  return postgres(url, options)
}

const BIG_TABLES = ['claims', 'appearances', 'evidence', 'reviews', 'revisions']
// Read by claim_search_document() while the search documents are computed, so it must stay during the load.
const NEEDED_DURING_LOAD = new Set(['appearances_claim_id_idx'])

/** The secondary indexes of the big tables, so that they can be dropped for the load and built again after it. */
async function secondaryIndexes (sql: Sql): Promise<Array<{ name: string, definition: string }>> {
  const rows = await sql<Array<{ name: string, definition: string }>>`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    where t.relnamespace = 'public'::regnamespace and t.relname in ${sql(BIG_TABLES)}
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
    order by c.relname`
  return rows.filter((row) => !NEEDED_DURING_LOAD.has(row.name))
}

const SEARCH_TRIGGERS = [['claims', 'claims_search_vector'], ['appearances', 'appearances_search_vector']] as const

async function setSearchTriggers (sql: Sql, enabled: boolean): Promise<void> {
  for (const [table, trigger] of SEARCH_TRIGGERS) {
    await sql`alter table ${sql(table)} ${sql.unsafe(enabled ? 'enable' : 'disable')} trigger ${sql(trigger)}`
  }
}

async function insertBatch (sql: Sql, batch: Batch): Promise<void> {
  await sql.begin(async (tx) => {
    await insertRows(tx, 'claims', batch.claims.map(toColumns))
    await insertRows(tx, 'appearances', batch.appearances.map(toColumns))
    await insertRows(tx, 'evidence', batch.evidence.map(toColumns))
    await insertRows(tx, 'reviews', batch.reviews.map(toColumns))
    // What the search triggers would have done, once per claim rather than once per claim and appearance.
    await tx`
      update claims c
      set search_vector = claim_search_document(c.id, c.text, c.language, c.claimant_id, c.topics),
          current_review_id = v.review_id
      from jsonb_to_recordset(${tx.json(batch.currentReviews)}::jsonb) as v(id uuid, review_id uuid)
      where c.id = v.id`
    await insertRows(tx, 'revisions', batch.revisions.map(revisionRow))
  })
}

async function tableCounts (sql: Sql): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of ['claimants', ...BIG_TABLES]) {
    const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from ${sql(table)}`
    counts[table] = row?.n ?? 0
  }
  return counts
}

// ---------------------------------------------------------------------------------------------------------------

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      claims: { type: 'string' },
      'database-url': { type: 'string' },
      seed: { type: 'string', default: '42' },
      batch: { type: 'string', default: '2000' },
      corpus: { type: 'string', default: '/work/shared/datasets/politifact-claims.jsonl' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const claimCount = Number(values.claims)
  const seed = Number(values.seed)
  const batchSize = Number(values.batch)
  if (!Number.isInteger(claimCount) || claimCount < 1) throw new UsageError('--claims must be a positive integer')
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer')
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch must be a positive integer')
  const url = values['database-url'] ?? process.env.DATABASE_URL
  if (url === undefined || url.trim() === '') {
    throw new UsageError('a Postgres server is required: pass --database-url or set DATABASE_URL. The embedded PGlite database is not supported (it is single-process and far too slow for benchmark-sized data).')
  }
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('--database-url must be a postgres:// or postgresql:// URL (PGlite directories are not supported)')

  const started = performance.now()
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`
  const log = (message: string) => console.error(`[${elapsed().padStart(7)}] ${message}`)

  const sql = await connect(url)
  try {
    const database = await createDatabase({ databaseUrl: url, databasePoolSize: 1, pgliteDir: 'memory://', databaseTimeouts })
    try {
      await migrate(database)
    } finally {
      await database.close()
    }
    const [existing] = await sql<Array<{ n: number }>>`select (select count(*) from claims) + (select count(*) from claimants) as n`
    if (Number(existing?.n ?? 0) > 0) throw new UsageError('the database already holds claims or claimants; generate into an empty database (drop and create it first)')

    const random = createRandom(seed)
    const corpus = loadCorpus(values.corpus)
    log(`migrated; words from ${corpus.source} (${corpus.texts.length} texts), seed ${seed}`)
    const generator = createGenerator(random, corpus, claimCount)

    await sql.begin(async (tx) => {
      await insertRows(tx, 'organizations', [BENCH_ORGANIZATION])
      await insertRows(tx, 'claimants', generator.claimants.map(toColumns))
      await insertRows(tx, 'revisions', generator.claimants.map((c) => revisionRow({ entityType: 'claimant', entityId: c.id, claimId: null, version: 1, action: 'create', at: c.createdAt, before: null, after: c })))
    })
    log(`${generator.claimants.length} claimants`)

    const indexes = await secondaryIndexes(sql)
    const dropped: typeof indexes = []
    try {
      for (const index of indexes) {
        await sql`drop index ${sql(index.name)}`
        dropped.push(index)
      }
      await setSearchTriggers(sql, false)
      // Two batches in flight: one being written while the next is generated and sent.
      const pending: Array<{ to: number, done: Promise<void> }> = []
      let reported = 0
      const settle = async () => {
        const oldest = pending.shift()
        if (oldest === undefined) return
        await oldest.done
        if (oldest.to - reported >= claimCount / 20 || oldest.to === claimCount) {
          reported = oldest.to
          log(`claims ${oldest.to}/${claimCount} (${Math.round((100 * oldest.to) / claimCount)}%)`)
        }
      }
      for (let from = 0; from < claimCount; from += batchSize) {
        const to = Math.min(claimCount, from + batchSize)
        const done = insertBatch(sql, generator.generateBatch(from, to))
        // Handled when its turn comes; until then a failure must not count as unhandled.
        done.catch(() => {})
        pending.push({ to, done })
        if (pending.length >= CONCURRENCY) await settle()
      }
      while (pending.length > 0) await settle()
      // Every claim was written twice (inserted, then given its search document): compact it before indexing.
      await sql`vacuum full claims`
      log('claims compacted')
      // Each batch added its own delta rows to the term statistics; fold them, as the API does now and then.
      await sql`select claim_stats_compact()`
      log('matching statistics folded')
    } finally {
      await setSearchTriggers(sql, true)
      for (const index of dropped) await sql.unsafe(index.definition)
      log(`${dropped.length} indexes rebuilt`)
    }
    await sql`vacuum analyze`
    log('vacuumed and analyzed')

    const counts = await tableCounts(sql)
    console.log(
      JSON.stringify({
        seed,
        corpus: corpus.source,
        seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
        ...counts,
      })
    )
  } finally {
    await sql.end()
  }
}

class UsageError extends Error {}

try {
  await main()
} catch (error) {
  console.error(error instanceof UsageError ? `bench/generate: ${error.message}\n\n${USAGE}` : error)
  process.exitCode = 1
}
