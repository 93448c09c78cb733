// A flat badge in SVG, in the manner of shields.io: a grey label on the left, a coloured message on the right, its
// text also in <title> and aria-label for screen readers. Text is XML-escaped; no script and no style element, so
// the badge obeys the API's `Content-Security-Policy: default-src 'none'` even when opened on its own.
// @see https://github.com/badges/shields/blob/master/badge-maker/lib/badge-renderers.js

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text safe inside an XML element or a double- or single-quoted attribute. */
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c)

/**
 * Whether XML 1.0 can hold a character at all, even escaped: not C0 controls but tab, LF and CR, lone surrogates,
 * U+FFFE/F.
 */
function isXmlChar (c: string): boolean {
  const cp = c.codePointAt(0) ?? 0
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    cp >= 0x10000
  )
}

const MAX_CHARACTERS = 40

/** The text as shown: without characters XML refuses, on one line, cut to 40 characters (or `max`) with an ellipsis. */
function shown (text: string, max = MAX_CHARACTERS): string {
  const characters = [...[...text].filter(isXmlChar).join('').replace(/\s+/g, ' ').trim()]
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : characters.join('')
}

/**
 * The width of a text in 11px Verdana, near enough: each text is also drawn with `textLength`, so the font a viewer
 * has only stretches or squeezes it a little into the box.
 */
function textWidth (text: string): number {
  let width = 0
  for (const c of text) {
    if (/[iljtfrI.,:;'|!()[\] ]/.test(c)) width += 4
    else if (/[mwMW@%]/.test(c)) width += 10
    else if (/[A-Z0-9#&]/.test(c)) width += 7.5
    else width += 6.5
  }
  return Math.ceil(width)
}

/** `detail`: more than the badge can show (a retraction's reason), added to its <title> and aria-label. */
export interface Badge { label: string, message: string, colour: string, detail?: string }

const MAX_DETAIL_CHARACTERS = 300

export function renderBadge (badge: Badge): string {
  const label = shown(badge.label)
  const message = shown(badge.message)
  const padding = 10
  const labelWidth = textWidth(label) + 2 * padding
  const messageWidth = textWidth(message) + 2 * padding
  const width = labelWidth + messageWidth
  const detail = badge.detail === undefined ? '' : shown(badge.detail, MAX_DETAIL_CHARACTERS)
  const title = escapeXml(`${label}: ${message}${detail ? ` (${detail})` : ''}`)
  const text = (x: number, value: string) =>
    `<text x="${x}" y="14" textLength="${textWidth(value)}" lengthAdjust="spacingAndGlyphs">${escapeXml(value)}</text>`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    '<g clip-path="url(#r)">',
    `<rect width="${labelWidth}" height="20" fill="#555"/>`,
    `<rect x="${labelWidth}" width="${messageWidth}" height="20" fill="${escapeXml(badge.colour)}"/>`,
    '</g>',
    '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">',
    text(labelWidth / 2, label),
    text(labelWidth + messageWidth / 2, message),
    '</g>',
    '</svg>',
    '',
  ].join('\n')
}
