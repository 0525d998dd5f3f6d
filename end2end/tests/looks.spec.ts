import { test, expect, Page } from "@playwright/test";
import { openHydrated, row, PAGE } from "./support";

// Screenshots of the table, each panel and a dialog, light and dark, wide and narrow, with only
// Debian's DejaVu and Liberation fonts (the browser runs with end2end/fonts.conf): they land in
// end2end/test-results/looks/ for review. The checks beside them: panels fit the viewport, and
// the product's own visible text uses only characters every font has.

/** ASCII, Latin-1, and typographic punctuation (dashes, quotes, bullets, ellipsis, primes...). */
const EVERY_FONT_HAS = /^[\t\n\r\u0020-\u007e\u00a0-\u00ff\u2010-\u2027\u2030-\u203a]*$/;
/** Text people typed (key names, creators, origins, user names) and secrets are theirs. */
const TYPED = "a.key-name, td.creator, td.origin, .user-menu strong, code, .prefix, input, textarea";

/** Every visible text of the product in `root` (outside typed text) that a font may lack. */
async function foreignText(page: Page, root: string): Promise<string[]> {
  return page.locator(root).first().evaluate((element, typed) => {
    const found: string[] = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest(typed) || parent.closest("[aria-hidden=true], title, script, style")) continue;
      const text = node.textContent ?? "";
      if (!/^[\t\n\r\u0020-\u007e\u00a0-\u00ff\u2010-\u2027\u2030-\u203a]*$/.test(text)) found.push(text);
    }
    // Names a screen reader reads or a tooltip shows are the product's text too.
    for (const labelled of element.querySelectorAll("[aria-label], [title]")) {
      if (labelled.closest(typed)) continue;
      for (const name of ["aria-label", "title"]) {
        const text = labelled.getAttribute(name) ?? "";
        if (!/^[\t\n\r\u0020-\u007e\u00a0-\u00ff\u2010-\u2027\u2030-\u203a]*$/.test(text)) found.push(text);
      }
    }
    return found;
  }, TYPED);
}

/** The panel or dialog lies within the viewport and nothing in it runs past its right edge. */
async function expectFits(page: Page, selector: string) {
  const box = await page.locator(selector).boundingBox();
  const width = page.viewportSize()!.width;
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width + 0.5);
  const overflow = await page.locator(selector).evaluate((element) => {
    const edge = element.getBoundingClientRect().right;
    return [...element.querySelectorAll("input, select, button, table, p, code")]
      .filter((child) => child.getBoundingClientRect().right > edge + 0.5 && (child as HTMLElement).offsetParent !== null)
      .map((child) => child.outerHTML.slice(0, 80));
  });
  expect(overflow, `nothing crosses the right edge of ${selector}`).toEqual([]);
}

for (const colorScheme of ["light", "dark"] as const) {
  for (const width of [1400, 390]) {
    test.describe(`${colorScheme}, ${width} px`, () => {
      test.use({ colorScheme, viewport: { width, height: 900 } });
      const shot = (page: Page, name: string) =>
        page.screenshot({ path: `test-results/looks/${name}-${colorScheme}-${width}.png`, fullPage: false });

      test(`table, panels and dialogs (${colorScheme}, ${width} px)`, async ({ page }) => {
        expect(EVERY_FONT_HAS.test("Soon Unavailable – “quoted” …")).toBe(true);
        await openHydrated(page);
        await shot(page, "table");
        expect(await foreignText(page, "main")).toEqual([]);
        // The three statuses differ in shape, not only in colour.
        const shapes = await page.locator("table.keys .status").evaluateAll((icons) =>
          [...new Set(icons.map((icon) => getComputedStyle(icon).getPropertyValue("--icon").slice(0, 400)))].length);
        expect(shapes).toBeGreaterThanOrEqual(2);

        await page.getByRole("button", { name: "Add API Key" }).click();
        await expect(page.getByRole("dialog", { name: "New API Key" })).toBeVisible();
        await shot(page, "panel-new");
        await expectFits(page, "aside.panel");
        expect(await foreignText(page, "aside.panel")).toEqual([]);

        await openHydrated(page);
        await row(page, "Designer 35-05").getByRole("link", { name: "Designer 35-05", exact: true }).click();
        const details = page.getByRole("dialog", { name: "API Key Details" });
        await expect(details.getByLabel("Name")).toHaveValue("Designer 35-05");
        await shot(page, "panel-details");
        await expectFits(page, "aside.panel");
        expect(await foreignText(page, "aside.panel")).toEqual([]);

        await page.goto(`${PAGE}?panel=rotate:${await row(page, "Designer 35-05").getAttribute("data-key-id")}`);
        await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
        await expect(page.getByRole("dialog", { name: "Rotate API Key" }).getByRole("radio", { name: "7 days" })).toBeChecked();
        await shot(page, "panel-rotate");
        await expectFits(page, "aside.panel");
        expect(await foreignText(page, "aside.panel")).toEqual([]);

        await openHydrated(page);
        await page.getByRole("button", { name: "Delete Designer 35-05" }).click();
        const question = page.getByRole("alertdialog", { name: "Delete API key?" });
        await expect(question).toBeVisible();
        await shot(page, "dialog-delete");
        await expectFits(page, ".dialog");
        expect(await foreignText(page, ".dialog")).toEqual([]);
        await question.getByRole("button", { name: "Cancel" }).click();
      });
    });
  }
}

test("the Enabled switch is drawn by the input itself, and Space toggles it", async ({ page }) => {
  await openHydrated(page);
  const toggle = page.getByRole("switch", { name: "Enabled: b87f50ce-96d4-4de8-b7df-8f24a7a8efba" });
  const look = await toggle.evaluate((element) => {
    const style = getComputedStyle(element);
    return { appearance: style.appearance, width: element.getBoundingClientRect().width, tag: element.tagName };
  });
  expect(look).toEqual({ appearance: "none", width: expect.any(Number), tag: "INPUT" });
  expect(look.width).toBeGreaterThan(30);
  await toggle.focus();
  const before = await toggle.isChecked();
  // The saved key has a new version, so its row is built anew: the new switch has the focus.
  await toggle.evaluate((element) => element.setAttribute("data-built-before", ""));
  await page.keyboard.press("Space");
  await expect(toggle).toBeChecked({ checked: !before });
  await expect(toggle).not.toHaveAttribute("data-built-before");
  await expect(toggle).toBeFocused();
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  await page.keyboard.press("Space");
  await expect(toggle).toBeChecked({ checked: before });
  await expect(toggle).toHaveAttribute("aria-busy", "false");
});
