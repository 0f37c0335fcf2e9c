import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'

/** The WCAG 2.0 and 2.1 rules at levels A and AA: what the dashboard promises to meet. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/** The widths the dashboard is checked at: a laptop and a phone held upright. */
const VIEWPORTS = [
  { name: 'desktop', size: { width: 1280, height: 800 } },
  { name: 'phone', size: { width: 390, height: 844 } },
] as const

/** The dashboard's two themes: it follows the system's (prefers-color-scheme), it has no switch of its own. */
const COLOR_SCHEMES = ['light', 'dark'] as const

/**
 * Runs axe-core on what the page shows now and fails (softly, so that one run lists every page's
 * problems) on each serious or critical violation, naming the rule, the element and what is wrong.
 */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    // Only violations are read: axe skips building the details of everything that passed.
    .options({ resultTypes: ['violations'] })
    .withTags(WCAG_TAGS)
    // Axe runs inside the page itself instead of merging per-frame results in a new blank tab (a tab
    // and a second copy of axe for each check, ~2-3x the time). What legacy mode cannot check is a
    // cross-origin iframe, and the dashboard has no iframes (expectAccessibleAtEachWidth asserts it).
    .setLegacyMode()
    .analyze()
  const found = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map(
        (n) => `${v.id} (${v.impact}) at ${n.target.join(' ')}: ${v.help}. ${(n.failureSummary ?? '').replace(/\s*\n\s*/g, ' ')}`,
      ),
    )
  expect.soft(found, `axe-core: serious or critical WCAG A/AA violations on ${where}`).toEqual([])
}

/** Waits until the page has drawn its new layout or colours and their transitions have ended (at most 1 s). */
async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve))
    await frame()
    await frame()
    // Colours fade over ~150 ms (transition-colors): measuring halfway would judge a colour never meant
    // to be read. Endless animations (a skeleton's pulse) are left alone, and the wait is bounded: once,
    // under heavy load, waiting on the transitions' `finished` after the switch to dark never returned.
    const deadline = performance.now() + 1000
    const moving = () =>
      document.getAnimations().some((a) => a.playState === 'running' && Number.isFinite(Number(a.effect?.getComputedTiming().endTime)))
    while (moving() && performance.now() < deadline) await frame()
  })
}

/** Checks the page as it is now at both widths, in the theme it has now. */
export async function expectAccessibleAtEachWidth(page: Page, where: string): Promise<void> {
  expect(page.frames(), `${where}: the page has an iframe, which legacy mode checks only when it is same-origin`).toHaveLength(1)
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport.size)
    await settle(page)
    await expectAccessible(page, `${where} (${viewport.name})`)
  }
}

/**
 * Checks the page as it is now in both themes at both widths. The theme changes on the loaded page
 * (its CSS follows prefers-color-scheme; no script reads it), so what was opened on it stays open.
 */
export async function expectAccessibleEverywhere(page: Page, where: string): Promise<void> {
  for (const colorScheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme })
    await expectAccessibleAtEachWidth(page, `${where} (${colorScheme})`)
  }
}
