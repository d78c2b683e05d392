// Headless Chromium for page tests: Debian's `chromium` (scripts/services.sh installs it) driven by
// playwright-core. Playwright gives each launch its own empty profile in a temp dir and removes it at close;
// the flags keep Chromium off the network (this machine has none) and working as root.
import { existsSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { chromium } from 'playwright-core'

/** Where Debian puts Chromium; `CHROMIUM` overrides it. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

/**
 * Launches headless Chromium with a fresh profile; fails with the install command when it is missing.
 *
 * @example
 * const browser = await launchBrowser()
 * after(() => browser.close())
 * const page = await browser.newPage()
 */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run \`bash scripts/services.sh\` as root (Debian package chromium)`)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs], timeout: 60_000 })
}
