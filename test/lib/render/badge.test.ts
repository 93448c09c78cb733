// The SVG badge: text escaped for XML, cut to a length, stripped of what XML cannot hold; verdict colours readable.
import t from 'tap'
import { escapeXml, renderBadge } from '../../../src/lib/render/badge.ts'
import { noVerdictStyle, verdictStyles } from '../../../src/lib/render/verdict-style.ts'

/** WCAG 2 contrast ratio of two #rrggbb colours. */
function contrast (a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r = 0, g = 0, b = 0] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
  }
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (high + 0.05) / (low + 0.05)
}

t.test('every verdict colour carries white text at 4.5:1 or more (WCAG AA)', async (t) => {
  for (const [verdict, style] of [...Object.entries(verdictStyles), ['none', noVerdictStyle] as const]) {
    t.ok(contrast(style.colour, '#ffffff') >= 4.5, `${verdict} ${style.colour}: ${contrast(style.colour, '#ffffff').toFixed(2)}:1`)
  }
  t.ok(contrast('#555555', '#ffffff') >= 4.5, 'the grey label side too')
})

t.test('text is escaped for XML, in elements and attributes', async (t) => {
  t.equal(escapeXml('<a href="x">Tom & Jerry\'s</a>'), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;')
  const svg = renderBadge({ label: 'fact-check', message: '<Half & "True"> \'ish\'', colour: '#c0271f' })
  t.match(svg, '<title>fact-check: &lt;Half &amp; &quot;True&quot;&gt; &apos;ish&apos;</title>')
  t.match(svg, 'aria-label="fact-check: &lt;Half &amp; &quot;True&quot;&gt; &apos;ish&apos;"')
  t.notMatch(svg, '<Half', 'no raw markup from the text')
  t.equal((svg.match(/<text /g) ?? []).length, 2)
})

t.test('what XML cannot hold is dropped; long text is cut with an ellipsis; whitespace is one line', async (t) => {
  const svg = renderBadge({ label: 'fact-check', message: 'Mostly\u0007 false\uD800\n\tnow\uFFFE', colour: '#b34700' })
  t.match(svg, '<title>fact-check: Mostly false now</title>')
  const long = renderBadge({ label: 'fact-check', message: 'x'.repeat(100), colour: '#b34700' })
  t.match(long, `>${'x'.repeat(39)}…</text>`)
  t.match(renderBadge({ label: 'fact-check', message: '😀'.repeat(45), colour: '#b34700' }), `>${'😀'.repeat(39)}…</text>`, 'cut by characters, never inside a surrogate pair')
})

t.test('wider text makes a wider badge', async (t) => {
  const width = (message: string) => Number(/width="(\d+)"/.exec(renderBadge({ label: 'fact-check', message, colour: '#1a7f37' }))?.[1])
  t.ok(width('Pants on Fire') > width('False'))
  t.ok(width('False') > 0)
})
