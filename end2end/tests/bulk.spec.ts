import { test, expect, Page } from "@playwright/test";
import { openHydrated, createKey, PAGE } from "./support";

const KEYS = 52; // more than a page of 50
// By name: Bulk e2e 1 to 5 are all on the first page.
const VIEW = `${PAGE}?q=${encodeURIComponent("Bulk e2e ")}&sort=name&dir=asc`;

function bar(page: Page) {
  return page.getByRole("region", { name: "Selected keys" });
}

function enabled(page: Page, name: string) {
  return page.getByRole("switch", { name: `Enabled: ${name}`, exact: true });
}

test("bulk actions: pick by hand or every matching key, preview, apply exactly those, see the batch in the audit log", async ({ page }) => {
  test.setTimeout(60_000);
  await openHydrated(page);
  // The first key through the panel; its request's address makes the others quickly.
  const created = page.waitForRequest((request) => request.url().includes("/api/create_key"));
  await createKey(page, "Bulk e2e 1");
  const createUrl = (await created).url();
  for (let n = 2; n <= KEYS; n++) {
    const answer = await page.request.post(createUrl, {
      data: { new: { name: `Bulk e2e ${n}`, permission: "chat", enabled: true, expires_at: null, copied_from: null } },
    });
    expect(answer.status()).toBe(200);
  }

  // Three picked by hand: the preview lists them, and exactly those are disabled.
  await openHydrated(page, VIEW);
  await expect(page.getByText(`${KEYS} API keys`)).toBeVisible();
  for (const n of [2, 3, 4]) await page.getByRole("checkbox", { name: `Select Bulk e2e ${n}`, exact: true }).check();
  await expect(bar(page)).toContainText("3 selected");
  await bar(page).getByRole("button", { name: "Disable", exact: true }).click();
  let dialog = page.getByRole("alertdialog", { name: "Disable 3 keys?" });
  await expect(dialog.locator("tbody tr")).toHaveCount(3);
  for (const n of [2, 3, 4]) await expect(dialog).toContainText(`Bulk e2e ${n}`);
  await expect(dialog).toContainText("None of them answered a valid verification in the last 7 days.");
  await page.screenshot({ path: "test-results/bulk-preview.png" });
  await dialog.getByRole("button", { name: "Disable 3 keys" }).click();
  await expect(dialog).toBeHidden();
  for (const n of [2, 3, 4]) await expect(enabled(page, `Bulk e2e ${n}`)).not.toBeChecked();
  for (const n of [1, 5]) await expect(enabled(page, `Bulk e2e ${n}`)).toBeChecked();
  await expect(bar(page)).toHaveCount(0);

  // Every matching key, beyond the page: the preview says what it skips and why.
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await expect(bar(page)).toContainText("50 selected");
  await page.getByRole("link", { name: `Select all ${KEYS} matching keys` }).click();
  await expect(bar(page)).toContainText(`${KEYS} selected`);
  await bar(page).getByRole("button", { name: "Disable", exact: true }).click();
  dialog = page.getByRole("alertdialog", { name: `Disable ${KEYS - 3} keys?` });
  const skipped = dialog.locator("p.skipped");
  await expect(skipped).toContainText("3 keys skipped: already disabled (");
  for (const n of [2, 3, 4]) await expect(skipped).toContainText(`Bulk e2e ${n}`);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // Delete asks for the count, typed.
  await bar(page).getByRole("button", { name: "Delete" }).click();
  dialog = page.getByRole("alertdialog", { name: `Delete ${KEYS} keys?` });
  await expect(dialog.locator("tbody tr")).toHaveCount(KEYS);
  const confirm = dialog.getByRole("button", { name: `Delete ${KEYS} keys` });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${KEYS} to delete them`).fill(String(KEYS));
  await confirm.click();
  await expect(page.getByText("No API keys match these filters.")).toBeVisible();
  await openHydrated(page);
  await expect(enabled(page, "Designer 35-05")).toBeChecked();

  // Each key has its own event in the audit log, all with the action's batch.
  await openHydrated(page, "/provisioning/audit?action=key_deleted");
  const events = page.locator("table.events tbody tr");
  await expect(events.filter({ hasText: "Bulk e2e" })).toHaveCount(50);
  await events.first().getByRole("link", { name: /^batch / }).click();
  await expect(page).toHaveURL(/[?&]batch=[0-9a-f-]{36}/);
  await expect(page.getByText(`${KEYS} events`)).toBeVisible();
});
