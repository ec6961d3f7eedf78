// The API key of a gateway that requires one (API_KEYS=required): asked for when the API answers
// 401, kept for the browser tab only (sessionStorage), sent by @takashi/client.
import { el } from './dom.ts'

const STORAGE_KEY = 'takashi.apiKey'

export function storedApiKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined
}

/** Shows why a key is needed and a field for one; a submitted key reloads the page with it. */
export function askForApiKey(container: HTMLElement, reason: string): void {
  const input = el('input')
  input.id = 'api-key'
  input.type = 'password'
  input.autocomplete = 'off'
  input.placeholder = 'tk_…'
  const form = el('form')
  form.append(el('span', `${reason}. API key: `), input, el('button', 'use key'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (input.value.trim() === '') return
    sessionStorage.setItem(STORAGE_KEY, input.value.trim())
    location.reload()
  })
  container.replaceChildren(form)
  container.hidden = false
}
