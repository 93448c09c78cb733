// Demo data: claims from the August 2025 talks on ending the war in Ukraine, so a new user sees real data at once.
// Appearances name the broadcasts and statements; no URL is given where we would have to invent one. It all belongs
// to the demo organisation; one claim has a published verdict, the rest are private to the organisation.
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import * as tables from '../db/schema.ts'
import type { Services } from '../container.ts'
import type { CreateAppearance } from '../schemas/appearances.ts'
import type { CreateClaimant } from '../schemas/claimants.ts'
import type { CreateClaim } from '../schemas/claims.ts'
import { systemContext } from '../services/history.ts'

interface DemoClaim {
  claimant: string
  claim: Omit<CreateClaim, 'claimantId' | 'language' | 'status'> & Partial<Pick<CreateClaim, 'status'>>
  appearances: CreateAppearance[]
}

const claimants: Array<Omit<CreateClaimant, 'kind'> & Partial<Pick<CreateClaimant, 'kind'>>> = [
  { slug: 'donald-trump', name: 'Donald Trump', jobTitle: 'President of the United States', affiliation: 'Republican Party', sameAs: ['https://www.wikidata.org/wiki/Q22686'] },
  { slug: 'steve-witkoff', name: 'Steve Witkoff', jobTitle: 'US Special Envoy to the Middle East', affiliation: 'US government' },
  { slug: 'mark-rutte', name: 'Mark Rutte', jobTitle: 'Secretary General of NATO', affiliation: 'NATO', sameAs: ['https://www.wikidata.org/wiki/Q57792'] },
  { slug: 'volodymyr-zelenskyy', name: 'Volodymyr Zelenskyy', jobTitle: 'President of Ukraine', affiliation: 'Government of Ukraine', sameAs: ['https://www.wikidata.org/wiki/Q3874799'] },
  { slug: 'sergei-lavrov', name: 'Sergei Lavrov', jobTitle: 'Minister of Foreign Affairs of Russia', affiliation: 'Government of Russia', sameAs: ['https://www.wikidata.org/wiki/Q184750'] },
  { slug: 'yuri-ushakov', name: 'Yuri Ushakov', jobTitle: 'Foreign policy aide to the President of Russia', affiliation: 'Kremlin' },
]

const claims: DemoClaim[] = [
  {
    claimant: 'donald-trump',
    claim: { text: 'He could end the war in Ukraine within 24 hours of taking office.', claimDate: '2023-05-10', topics: ['ukraine', 'russia', 'war', 'us-politics'], status: 'researching' },
    appearances: [
      { title: 'CNN town hall with Donald Trump', publisher: 'CNN', medium: 'broadcast', publishedAt: new Date('2023-05-10T23:00:00Z'), quote: 'I want them to stop dying. And I\'ll have that done in 24 hours.', isFirstAppearance: true },
      { title: 'Campaign rallies and interviews, 2024 presidential campaign', medium: 'speech', quote: 'Repeated on the campaign trail throughout 2024.' },
    ],
  },
  {
    claimant: 'steve-witkoff',
    claim: { text: 'At the Alaska summit, Putin agreed that the United States could offer Ukraine "Article 5-like protection".', claimDate: '2025-08-17', topics: ['ukraine', 'russia', 'security-guarantees', 'nato'] },
    appearances: [
      { title: 'State of the Union', publisher: 'CNN', medium: 'broadcast', publishedAt: new Date('2025-08-17T13:00:00Z'), quote: 'We were able to win the following concession: that the United States could offer Article 5-like protection.', isFirstAppearance: true },
    ],
  },
  {
    claimant: 'mark-rutte',
    claim: { text: 'A meeting between Vladimir Putin and Volodymyr Zelenskyy could happen within two weeks.', claimDate: '2025-08-19', topics: ['ukraine', 'russia', 'peace-talks', 'nato'] },
    appearances: [
      { title: 'Interview after the White House meeting of European leaders with Donald Trump and Volodymyr Zelenskyy', medium: 'broadcast', publishedAt: new Date('2025-08-19T00:00:00Z'), isFirstAppearance: true },
    ],
  },
  {
    claimant: 'volodymyr-zelenskyy',
    claim: { text: 'Ukraine plans to buy $90bn of American weapons, paid for through Europe, in exchange for security guarantees.', claimDate: '2025-08-19', topics: ['ukraine', 'security-guarantees', 'weapons', 'europe'] },
    appearances: [
      { title: 'Statement after talks at the White House', medium: 'speech', publishedAt: new Date('2025-08-19T00:00:00Z'), isFirstAppearance: true },
    ],
  },
  {
    claimant: 'sergei-lavrov',
    claim: { text: 'Security guarantees for Ukraine should involve all permanent members of the UN Security Council, Russia and China included.', claimDate: '2025-08-20', topics: ['ukraine', 'russia', 'china', 'security-guarantees', 'united-nations'] },
    appearances: [
      { title: 'Press conference in Moscow', medium: 'speech', publishedAt: new Date('2025-08-20T00:00:00Z'), isFirstAppearance: true },
    ],
  },
  {
    claimant: 'yuri-ushakov',
    claim: { text: 'Donald Trump and Vladimir Putin agreed that more senior negotiators would be appointed for direct talks between Russia and Ukraine.', claimDate: '2025-08-18', topics: ['ukraine', 'russia', 'peace-talks'] },
    appearances: [
      { title: 'Statement to reporters after the Trump-Putin telephone call', medium: 'speech', publishedAt: new Date('2025-08-18T00:00:00Z'), isFirstAppearance: true },
    ],
  },
  {
    claimant: 'donald-trump',
    claim: { text: 'It would be better for Putin and Zelenskyy to meet without him first.', claimDate: '2025-08-19', topics: ['ukraine', 'russia', 'peace-talks', 'us-politics'] },
    appearances: [
      { title: 'Interview with Mark Levin', publisher: 'WABC Radio', medium: 'broadcast', publishedAt: new Date('2025-08-19T00:00:00Z'), isFirstAppearance: true },
    ],
  },
]

/** The organisation the demo data belongs to: create a key for it to see its private claims (README, Quick start). */
export const DEMO_ORGANIZATION = { slug: 'demo', name: 'Claimtrack demo desk' }

/**
 * One verdict, so that the public side of the API (lookups, ClaimReview, the feed) has something to show. It rates
 * only what the record settles: Russia's war in Ukraine went on well past the first day of the second Trump term.
 */
const demoReview = {
  claimText: 'He could end the war in Ukraine within 24 hours of taking office.',
  review: {
    ratingScale: 'truth-o-meter',
    rating: 'false',
    ratingExplanation: 'He took office on 20 January 2025; the war went on, and in August 2025 talks on ending it were still under way.',
    headline: 'The war in Ukraine did not end within 24 hours of the inauguration',
    // A demo verdict has no real page: `.invalid` is reserved (RFC 6761) and can never resolve.
    url: 'https://demo.claimtrack.invalid/fact-checks/end-the-war-in-24-hours',
    author: { name: DEMO_ORGANIZATION.name },
    inLanguage: 'en',
  },
} as const

/** Writes the demo claimants, claims, appearances and one published verdict through the services, as a client would. */
export async function seedDemo (services: Services): Promise<void> {
  const { organization } = await services.organizations.ensure(DEMO_ORGANIZATION)
  const ctx = systemContext(organization.id)
  const ids = new Map<string, string>()
  for (const claimant of claimants) {
    const row = await services.claimants.create({ kind: 'person', ...claimant }, ctx)
    ids.set(row.slug, row.id)
  }
  for (const { claimant, claim, appearances } of claims) {
    const { claim: row } = await services.claims.create({ language: 'en', status: 'new', ...claim, claimantId: ids.get(claimant) ?? null }, ctx)
    for (const appearance of appearances) await services.appearances.create(row.id, appearance, ctx)
    if (claim.text === demoReview.claimText) {
      const { review } = await services.reviews.create(row.id, demoReview.review, ctx)
      await services.reviews.publish(row.id, review.id, '*', ctx)
    }
  }
}

/**
 * Seeds when SEED_DEMO says so, or by default on an embedded database; only into a database that has never held
 * a claim or claimant (deleted ones count), so that a newsroom that cleared the demo does not get it back.
 */
export async function seedDemoIfWanted (app: FastifyInstance, config: Pick<Config, 'seedDemo'>): Promise<boolean> {
  const wanted = config.seedDemo ?? app.database.kind === 'pglite'
  if (!wanted || !await neverHeldClaims(app.database.db)) return false
  await seedDemo(app.services)
  app.log.info('seeded the demo claims')
  return true
}

/** Whether the database has never held a claim or a claimant (deleted ones count): the only kind the demo goes into. */
export async function neverHeldClaims (db: Db): Promise<boolean> {
  return db.use(undefined, async (ex) => {
    const [claimRow] = await ex.select({ id: tables.claims.id }).from(tables.claims).limit(1)
    const [claimantRow] = await ex.select({ id: tables.claimants.id }).from(tables.claimants).limit(1)
    return !claimRow && !claimantRow
  })
}
