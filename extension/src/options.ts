// The options page: the server URL and the optional partner key. A server other than the built-in loopback hosts
// needs a host permission, asked for here on the user's click.
import { DEFAULT_SETTINGS, loadSettings } from './settings.ts'

const form = document.getElementById('options') as HTMLFormElement
const server = document.getElementById('server') as HTMLInputElement
const key = document.getElementById('key') as HTMLInputElement
const status = document.getElementById('status') as HTMLElement

loadSettings().then((s) => { server.value = s.server; key.value = s.partnerKey }).catch(() => {})

form.addEventListener('submit', (event) => {
  event.preventDefault()
  let origin: string
  try {
    const url = new URL(server.value.trim() || DEFAULT_SETTINGS.server)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http')
    origin = url.origin
  } catch {
    status.textContent = 'The server must be an http:// or https:// address.'
    return
  }
  // permissions.request must run in the click's own task: no await before it.
  chrome.permissions.request({ origins: [`${origin}/*`] }).then(async (granted) => {
    if (!granted) {
      status.textContent = `Not saved: the extension needs your permission to contact ${origin}.`
      return
    }
    await chrome.storage.sync.set({ server: origin + new URL(server.value.trim() || DEFAULT_SETTINGS.server).pathname.replace(/\/+$/, ''), partnerKey: key.value.trim() })
    status.textContent = 'Saved.'
  }).catch((err) => { status.textContent = `Not saved: ${String(err)}` })
})
