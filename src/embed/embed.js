// The Claimtrack verdict widget, served as GET /embed.js. Every <div data-claimtrack-claim="ID"> or
// <div data-claimtrack-url="PAGE"> (empty: this page) on the page that loads it becomes a small verdict card drawn in
// a Shadow DOM, so the host page's CSS cannot reach it. It reads only public data (GET /v1/claims/{id},
// GET /v1/lookup), anonymously, from the server it was loaded from; data is only ever set as text, never as HTML.
// Plain ES2017 for any browser of the last years; nothing it does may throw on the host page.
;(function (styles) {
  'use strict'
  if (!styles || typeof window === 'undefined' || typeof document === 'undefined' || typeof window.fetch !== 'function') return
  if (window.claimtrackEmbed) {
    // Loaded twice: the first copy does the work.
    window.claimtrackEmbed.scan()
    return
  }

  /** The API base: where this script came from, e.g. `https://claims.example.org/`. */
  function apiBase () {
    const current = document.currentScript
    const src = current && current.src ? current.src : ''
    try {
      return new URL('.', src || document.querySelector('script[src*="/embed.js"]').src)
    } catch (error) {
      return null
    }
  }
  const base = apiBase()
  if (base === null) return

  const SELECTOR = '[data-claimtrack-claim], [data-claimtrack-url]'
  const TIMEOUT_MS = 10000
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
  const seen = new WeakSet()
  let cardCount = 0

  // Light and dark colours, each text colour at least 4.5:1 on its background.
  const LIGHT = '--bg:#fff;--fg:#1f2328;--muted:#59636e;--border:#d0d7de;--link:#0969da;'
  const DARK = '--bg:#161b22;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--link:#4493f8;'
  const verdictRules = Object.keys(styles.verdicts).map(function (key) {
    return '.v-' + key + '{background:' + styles.verdicts[key].colour + '}'
  }).join('')
  const CSS = [
    // The host element is the page's: its own `!important` rules lose to these (the cascade favours the shadow tree's).
    ':host{all:initial!important;display:block!important;visibility:visible!important;opacity:1!important;position:static!important;transform:none!important;contain:content}',
    '.box{' + LIGHT + 'font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);max-width:36rem;text-align:left}',
    '.box.dark{' + DARK + '}',
    '@media (prefers-color-scheme: dark){.box.auto{' + DARK + '}}',
    '.card,.state{display:block;background:var(--bg);border:1px solid var(--border);border-radius:8px;padding:12px 16px;margin:0 0 8px}',
    '.state{color:var(--muted);border-style:dashed}',
    '.title{font-size:13px;font-weight:600;letter-spacing:.03em;text-transform:uppercase;color:var(--muted);margin:0 0 8px}',
    '.claim{margin:0 0 4px;font-size:16px;font-weight:600;color:var(--fg)}',
    '.card p{margin:0 0 8px}',
    '.card>:last-child,.claim p{margin-bottom:0}',
    '.claimant,.explanation{color:var(--muted)}',
    '.label{display:inline-block;color:#fff;padding:1px 8px;border-radius:4px;font-weight:700}',
    '.scale{color:var(--muted)}',
    '.link{color:var(--link);text-decoration:underline}',
    '.link:focus-visible{outline:2px solid var(--link);outline-offset:2px}',
    '@media (prefers-reduced-motion: reduce){*{animation:none!important;transition:none!important}}',
    '.v-none{background:' + styles.none.colour + '}',
    '.v-retracted{background:' + styles.retracted.colour + '}',
    '.retraction{border-left:3px solid var(--border);padding-left:8px}',
    '.withdrawn{text-decoration:line-through}',
    verdictRules,
  ].join('\n')

  /** An element with attributes and children; strings become text nodes, so data is never parsed as HTML. */
  function h (tag, attributes, children) {
    const node = document.createElement(tag)
    Object.keys(attributes || {}).forEach(function (name) {
      const value = attributes[name]
      if (value !== null && value !== undefined) node.setAttribute(name, String(value))
    })
    ;(children || []).forEach(function (child) {
      if (child === null || child === undefined) return
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child)
    })
    return node
  }

  /** A link target only when it is an absolute http(s) URL; `javascript:` and the like are dropped. */
  function safeHref (value) {
    if (typeof value !== 'string') return null
    try {
      const url = new URL(value)
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null
    } catch (error) {
      return null
    }
  }

  function shorten (text, max) {
    const characters = Array.from(String(text))
    return characters.length > max ? characters.slice(0, max - 1).join('') + '…' : characters.join('')
  }

  function styleSheetOf (root) {
    try {
      // A constructed style sheet is not inline style: a host page's CSP without 'unsafe-inline' still allows it.
      const sheet = new window.CSSStyleSheet()
      sheet.replaceSync(CSS)
      root.adoptedStyleSheets = [sheet]
    } catch (error) {
      root.appendChild(h('style', {}, [CSS]))
    }
  }

  /** The shadow root's content box, or null when the element was already done or cannot hold a shadow root. */
  function mount (host) {
    if (seen.has(host) || host.shadowRoot) return null
    seen.add(host)
    const theme = host.getAttribute('data-claimtrack-theme')
    const root = host.attachShadow({ mode: 'open' })
    styleSheetOf(root)
    const box = h('div', { class: 'box ' + (theme === 'light' || theme === 'dark' ? theme : 'auto'), lang: 'en' })
    root.appendChild(box)
    return box
  }

  /** Shows nodes in the box and tells the host page the state, as `data-claimtrack-state` and an event. */
  function show (host, box, state, nodes) {
    box.textContent = ''
    nodes.forEach(function (node) { box.appendChild(node) })
    if (state === 'loading') box.setAttribute('aria-busy', 'true')
    else box.removeAttribute('aria-busy')
    host.setAttribute('data-claimtrack-state', state)
    if (state !== 'loading' && typeof window.CustomEvent === 'function') {
      host.dispatchEvent(new window.CustomEvent('claimtrack:render', { detail: { state } }))
    }
  }

  const stateText = {
    loading: 'Loading the fact-check…',
    'not-found': 'This claim was not found.',
    'no-fact-check': 'No fact-check of this page yet.',
    error: 'The fact-check could not be loaded.',
  }
  const stateBox = function (state) {
    return h('p', { class: 'state', role: state === 'loading' ? 'status' : null }, [stateText[state]])
  }

  /** The day of an ISO timestamp in words (UTC, so every reader sees the same day), e.g. `2 December 2026`. */
  function day (timestamp) {
    try {
      return new Date(timestamp).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    } catch (error) {
      return String(timestamp).slice(0, 10)
    }
  }

  /**
   * One verdict card. `claim`: { text, language?, claimant: { name } | null, currentVerdict: Verdict | null,
   * retraction: { retractedAt, reason, withdrawnVerdict: Verdict } | null } as the API answers it. A retracted
   * verdict is shown as such: the label `Retracted`, what was withdrawn, when and why.
   */
  function card (claim) {
    const retraction = !claim.currentVerdict && claim.retraction ? claim.retraction : null
    const verdict = retraction ? retraction.withdrawnVerdict : claim.currentVerdict
    const id = 'claimtrack-card-' + (++cardCount)
    const rating = verdict ? verdict.rating : null
    const style = !retraction && rating && styles.verdicts[rating.verdict] ? styles.verdicts[rating.verdict] : null
    const author = verdict && verdict.author ? verdict.author.name : null
    const href = verdict ? safeHref(verdict.url) : null
    const label = retraction ? styles.retracted.name : rating ? rating.label : 'No published verdict yet'
    const normalised = style && style.name.toLowerCase() !== String(label).toLowerCase() ? ' (' + style.name + ')' : null
    return h('article', { class: 'card', 'aria-labelledby': id }, [
      h('h2', { class: 'title', id }, ['Fact-check', author ? ' by ' + author : null]),
      h('blockquote', { class: 'claim', lang: claim.language || null }, [h('p', {}, [claim.text])]),
      claim.claimant ? h('p', { class: 'claimant' }, ['Claimed by ' + claim.claimant.name]) : null,
      h('p', { class: 'verdict' }, [
        'Verdict: ',
        h('strong', { class: 'label v-' + (retraction ? 'retracted' : style ? rating.verdict : 'none') }, [label]),
        normalised ? h('span', { class: 'scale' }, [normalised]) : null,
      ]),
      retraction
        ? h('p', { class: 'retraction', role: 'note' }, [
          'The verdict ',
          h('span', { class: 'withdrawn' }, [rating ? rating.label : '']),
          ' was retracted on ' + day(retraction.retractedAt) + ': ' + retraction.reason,
        ])
        : null,
      !retraction && verdict && verdict.ratingExplanation ? h('p', { class: 'explanation' }, [verdict.ratingExplanation]) : null,
      href
        // The name says which claim, for a list of links; it starts with the visible text (WCAG 2.5.3).
        ? h('p', {}, [h('a', { class: 'link', href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': 'Read the fact-check about “' + shorten(claim.text, 80) + '”' }, ['Read the fact-check'])])
        : null,
    ])
  }

  /** GET a public JSON resource anonymously: its body, `null` for a 400 or 404; throws on anything else. */
  async function getJson (path) {
    const controller = typeof window.AbortController === 'function' ? new window.AbortController() : null
    const timer = controller ? setTimeout(function () { controller.abort() }, TIMEOUT_MS) : null
    try {
      const res = await window.fetch(new URL(path, base).href, {
        mode: 'cors',
        credentials: 'omit',
        headers: { accept: 'application/json' },
        signal: controller ? controller.signal : undefined,
      })
      if (res.status === 404 || res.status === 400) return null
      if (!res.ok) throw new Error('Claimtrack: HTTP ' + res.status)
      return await res.json()
    } finally {
      if (timer !== null) clearTimeout(timer)
    }
  }

  async function render (host) {
    const box = mount(host)
    if (box === null) return
    try {
      show(host, box, 'loading', [stateBox('loading')])
      const claimId = host.getAttribute('data-claimtrack-claim')
      if (claimId !== null) {
        const claim = UUID.test(claimId.trim()) ? await getJson('v1/claims/' + claimId.trim()) : null
        if (claim === null) show(host, box, 'not-found', [stateBox('not-found')])
        else show(host, box, claim.currentVerdict ? 'ready' : claim.retraction ? 'retracted' : 'no-verdict', [card(claim)])
        return
      }
      const url = host.getAttribute('data-claimtrack-url') || window.location.href
      const page = await getJson('v1/lookup?url=' + encodeURIComponent(url))
      const checked =
        page === null
          ? []
          : page.claims.filter(function (claim) {
            return claim.currentVerdict || claim.retraction
          })
      if (checked.length === 0) show(host, box, 'no-fact-check', [stateBox('no-fact-check')])
      else show(host, box, 'ready', checked.map(card))
    } catch (error) {
      try {
        show(host, box, 'error', [stateBox('error')])
      } catch (ignored) {}
    }
  }

  /** Renders every widget element in `root` (the document by default) not rendered yet. */
  function scan (root) {
    try {
      const elements = (root || document).querySelectorAll(SELECTOR)
      for (let i = 0; i < elements.length; i++) render(elements[i])
    } catch (error) {}
  }

  window.claimtrackEmbed = { scan }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { scan() })
  else scan()
})(/* verdict styles */ null)
