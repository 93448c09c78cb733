// `claimtrack import` and `claimtrack export`: claims in and out as JSON Lines, CSV or ClaimReview JSON-LD. Import
// shows a progress bar on a terminal (plain progress lines otherwise) on stderr, writes rejected records with the
// reason to a reject file and goes on, and ends with a summary on stdout. Export streams to stdout or a file.
import { once } from 'node:events'
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import cliProgress from 'cli-progress'
import { z } from 'zod'
import { Slug } from '../schemas/claimants.ts'
import { NormalizedVerdict } from '../schemas/rating-scales.ts'
import { ImportError, type ImportSummary } from '../services/import.ts'
import { importFormats, readRecords } from '../services/import-formats.ts'
import { UsageError } from './usage.ts'

/** The services, loaded once the arguments are known to be good: help and bad usage answer without loading the app. */
const loadServices = () => import('./services.ts')

export const importHelp = `Usage: claimtrack import FILE --format jsonl|csv|claimreview --org SLUG [options]

Imports claims, their claimants, first appearances and published verdicts into the organisation SLUG (which must
exist: claimtrack keys create --org SLUG ...). FILE may be - for standard input. Running the same import again
changes nothing: a record is found again by its id (JSON Lines, CSV) or its review URL.

Options:
  --format F          jsonl (one JSON object a line), csv (a header row), claimreview (JSON-LD: an object, an array
                      or a page's @graph)
  --org SLUG          the organisation the claims belong to
  --scale SLUG        the rating scale verdict labels are read on (default truth-o-meter); a label the scale lacks
                      (as a key, a label or an alias, e.g. barely-true for mostly-false) rejects the record
  --columns MAP       CSV header names (or JSON Lines field names) to fields, e.g.
                      Statement=text,Speaker=claimant,Rating=verdictLabel,Published=reviewDate
  --map OLD=NEW       read the verdict label OLD as NEW (repeat it for more labels; ignoring case), e.g.
                      --map barely-true=mostly-false --map "Half Flip=half-true"
  --map-file FILE     label mappings from a file: a JSON object {"OLD": "NEW", ...}, or OLD=NEW lines
  --scale-column NAME the record field (or CSV column, after --columns) naming each record's rating scale, e.g.
                      a column holding truth-o-meter or flip-o-meter; --scale when it is empty
  --rejects PATH      where rejected records go, one JSON object a line with the reason (default: the input's
                      name + .rejects.jsonl, in the working directory)
  --batch-size N      records written per transaction (default 1000)

Fields: id, text, claimant, claimDate (YYYY-MM-DD), context, verdictLabel, reviewUrl, reviewer, topics, language,
headline, ratingExplanation, reviewDate, reviewerUrl. A verdict is published on its reviewDate (ClaimReview:
datePublished); a record without one is stored without a date, never as published today, and the summary counts
them. Progress goes to stderr, the summary to stdout.
Exit codes: 0 done (rejected records included), 1 failed, 2 bad usage.`

export const exportHelp = `Usage: claimtrack export --format jsonl|csv|claimreview [filters] [--output FILE]

Writes live claims, oldest first, to standard output (or FILE), reading a page at a time so memory stays flat.
jsonl and csv write the records claimtrack import reads (with the claim's current verdict, if any); claimreview
writes a JSON array of ClaimReview, one per claim with a published verdict.

Filters:
  --org SLUG            only the claims of this organisation
  --claimant SLUG|ID    only the claims of this claimant
  --updated-since TIME  only claims changed since this ISO 8601 time (for incremental syncs)
  --published-only      only claims with a published verdict
  --verdict V           only claims whose verdict is V (true, mostly-true, mixed, mostly-false, false, ...)
  --topic T             only claims with this topic
Exit codes: 0 done, 1 failed, 2 bad usage.`

const Format = z.enum(importFormats, { error: `must be one of ${importFormats.join(', ')}` })

function options<T extends z.ZodRawShape> (argv: string[], spec: NonNullable<ParseArgsConfig['options']>, shape: T) {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: spec })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const checked = z.object(shape).safeParse(parsed.values)
  if (!checked.success) throw new UsageError(checked.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '))
  return { values: checked.data, positionals: parsed.positionals }
}

/** `Header=field,Other=field` as a map; the fields are checked by the import. */
function columnMap (value: string | undefined): Record<string, string> {
  if (value === undefined) return {}
  const entries = value.split(',').map((pair) => pair.split('='))
  if (entries.some((e) => e.length !== 2 || !e[0] || !e[1])) throw new UsageError('--columns: expected Header=field pairs separated by commas')
  return Object.fromEntries(entries)
}

/** `OLD=NEW` label mappings as a map; `OLD` may hold spaces (`Half Flip=half-true`). */
function labelMap (pairs: string[], option: string): Record<string, string> {
  const entries = pairs.map((pair) => {
    const at = pair.lastIndexOf('=')
    const from = pair.slice(0, at).trim()
    const to = pair.slice(at + 1).trim()
    if (at === -1 || !from || !to) throw new UsageError(`${option}: expected OLD=NEW, got "${pair}"`)
    return [from, to] as const
  })
  return Object.fromEntries(entries)
}

/** A --map-file: a JSON object of labels to labels, or `OLD=NEW` lines (blank lines and `#` comments skipped). */
async function mapFile (path: string): Promise<Record<string, string>> {
  const text = await readFile(path, 'utf8').catch((error: Error) => { throw new UsageError(`--map-file: ${error.message}`) })
  if (text.trim().startsWith('{')) {
    const parsed = z.record(z.string().min(1), z.string().min(1)).safeParse(JSON.parse(text))
    if (!parsed.success) throw new UsageError('--map-file: a JSON file must be an object of labels to labels')
    return parsed.data
  }
  return labelMap(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')), '--map-file')
}

async function write (out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

/** Progress on stderr: a bar with rate and ETA on a terminal, otherwise a line every 5 seconds. */
function progressReporter (totalBytes: number | null, input: { bytesRead?: number }) {
  const started = Date.now()
  let rows = 0
  if (process.stderr.isTTY && totalBytes !== null) {
    const bar = new cliProgress.SingleBar({
      format: 'import [{bar}] {percentage}% | {rows} records | {rate} records/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    }, cliProgress.Presets.shades_classic)
    bar.start(totalBytes, 0, { rows: 0, rate: 0 })
    return {
      tick () {
        rows++
        if (rows % 200 === 0) {
          bar.update(input.bytesRead ?? 0, { rows, rate: Math.round(rows / ((Date.now() - started) / 1000)) })
        }
      },
      stop () {
        bar.update(totalBytes, { rows, rate: Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001)) })
        bar.stop()
      },
    }
  }
  let last = started
  return {
    tick () {
      rows++
      const now = Date.now()
      if (now - last >= 5000) {
        last = now
        console.error(`import: ${rows} records, ${Math.round(rows / ((now - started) / 1000))} records/s`)
      }
    },
    stop () {},
  }
}

export async function runImport (argv: string[]): Promise<number> {
  const { values, positionals } = options(argv, {
    format: { type: 'string' },
    org: { type: 'string' },
    scale: { type: 'string' },
    columns: { type: 'string' },
    map: { type: 'string', multiple: true },
    'map-file': { type: 'string' },
    'scale-column': { type: 'string' },
    rejects: { type: 'string' },
    'batch-size': { type: 'string' },
  }, {
    format: Format,
    org: Slug,
    scale: z.string().min(1).default('truth-o-meter'),
    columns: z.string().optional(),
    map: z.array(z.string()).optional(),
    'map-file': z.string().min(1).optional(),
    'scale-column': z.string().min(1).max(100).optional(),
    rejects: z.string().min(1).optional(),
    'batch-size': z.coerce.number().int().min(1).max(5000).default(1000),
  })
  const [file, ...rest] = positionals
  if (file === undefined) throw new UsageError('import needs the FILE to read (or - for standard input)')
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`)
  const columns = columnMap(values.columns)
  if (values.columns !== undefined && values.format === 'claimreview') throw new UsageError('--columns applies to --format csv and jsonl only')

  const map = { ...(values['map-file'] === undefined ? {} : await mapFile(values['map-file'])), ...labelMap(values.map ?? [], '--map') }

  const input: Readable & { bytesRead?: number } = file === '-' ? process.stdin : createReadStream(file)
  const size = file === '-' ? null : (await stat(file)).size
  // In the working directory, not beside the input: a data set's folder may be read-only or shared.
  const rejectsPath = values.rejects ?? `${file === '-' ? 'import' : basename(file)}.rejects.jsonl`
  let rejects: WriteStream | undefined
  const { database, services } = await (await loadServices()).openServices(undefined, 'import')
  const progress = progressReporter(size, input)
  try {
    const organization = await services.organizations.get(values.org).catch(() => {
      throw new Error(`no organisation "${values.org}"; make it with: claimtrack keys create --org ${values.org} --role admin`)
    })
    const run = services.imports.importRecords(readRecords(input, values.format, { columns }), {
      organizationId: organization.id,
      scale: values.scale,
      map,
      ...(values['scale-column'] === undefined ? {} : { scaleColumn: values['scale-column'] }),
      batchSize: values['batch-size'],
      concurrency: database.kind === 'postgres' ? 2 : 1,
    })
    let summary: ImportSummary | undefined
    for (;;) {
      const next = await run.next()
      if (next.done) {
        summary = next.value
        break
      }
      progress.tick()
      const result = next.value
      if (result.outcome === 'rejected') {
        rejects ??= createWriteStream(rejectsPath)
        await write(rejects, `${JSON.stringify({ line: result.line, key: result.key, reason: result.reason, record: result.record })}\n`)
      }
    }
    progress.stop()
    const rejected = summary.rejected > 0 ? ` (rejected records and why: ${resolve(rejectsPath)})` : ''
    console.log(`created ${summary.created}, updated ${summary.updated}, unchanged ${summary.unchanged}, rejected ${summary.rejected}${rejected}`)
    if (summary.undated > 0) console.log(`undated ${summary.undated}: verdicts whose records give no review date, stored without one (give reviewDate, or map a column onto it with --columns)`)
    return 0
  } catch (error) {
    progress.stop()
    if (error instanceof ImportError) throw new Error(error.message)
    throw error
  } finally {
    if (rejects) {
      rejects.end()
      await once(rejects, 'close')
    }
    await database.close()
  }
}

export async function runExport (argv: string[]): Promise<number> {
  const { values, positionals } = options(argv, {
    format: { type: 'string' },
    org: { type: 'string' },
    claimant: { type: 'string' },
    'updated-since': { type: 'string' },
    'published-only': { type: 'boolean' },
    verdict: { type: 'string' },
    topic: { type: 'string' },
    output: { type: 'string', short: 'o' },
  }, {
    format: Format,
    org: Slug.optional(),
    claimant: z.string().min(1).max(100).optional(),
    'updated-since': z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
    'published-only': z.boolean().optional(),
    verdict: NormalizedVerdict.optional(),
    topic: z.string().min(1).max(50).optional(),
    output: z.string().min(1).optional(),
  })
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const { database, services } = await (await loadServices()).openServices(undefined, 'export')
  const out: Writable = values.output === undefined ? process.stdout : createWriteStream(values.output)
  try {
    const organization = values.org === undefined ? undefined : await services.organizations.get(values.org).catch(() => { throw new Error(`no organisation "${values.org}"`) })
    const chunks = services.exports.claims({
      organizationId: organization?.id,
      claimant: values.claimant,
      updatedSince: values['updated-since'],
      publishedOnly: values['published-only'],
      verdict: values.verdict,
      topic: values.topic,
    }, values.format)
    for await (const chunk of chunks) await write(out, chunk)
    return 0
  } finally {
    if (out !== process.stdout) {
      out.end()
      await once(out, 'close')
    }
    await database.close()
  }
}
