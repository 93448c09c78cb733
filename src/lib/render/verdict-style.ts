// How a normalised verdict looks on a badge or an embedded card: a name in words and a background colour, each with
// a contrast of at least 4.5:1 against white text (WCAG AA), so the verdict stays readable; the colour is never the
// only sign of it, the label is always written out.
import type { normalizedVerdict } from '../../db/schema.ts'

export type NormalizedVerdictValue = (typeof normalizedVerdict.enumValues)[number]

export interface VerdictStyle { name: string, colour: string }

export const verdictStyles: Record<NormalizedVerdictValue, VerdictStyle> = {
  true: { name: 'True', colour: '#1a7f37' },
  'mostly-true': { name: 'Mostly true', colour: '#4d7a1a' },
  mixed: { name: 'Mixed', colour: '#8a6100' },
  'mostly-false': { name: 'Mostly false', colour: '#b34700' },
  false: { name: 'False', colour: '#c0271f' },
  misleading: { name: 'Misleading', colour: '#8250df' },
  unproven: { name: 'Unproven', colour: '#59636e' },
  'not-checkable': { name: 'Not checkable', colour: '#57606a' },
}

/** A claim whose verdict was retracted (and no other published): near black, so it reads as neither true nor false. */
export const retractedStyle: VerdictStyle = { name: 'Retracted', colour: '#24292f' }

/** A claim without a published verdict. */
export const noVerdictStyle: VerdictStyle = { name: 'No verdict', colour: '#6e7781' }
