import { test, expect, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { openHydrated, createKey, row, signIn, VIEWER } from "./support";

const AUDIT = "/provisioning/audit";
const NAME = "Audit e2e";

function events(page: Page) {
  return page.locator("table.events tbody tr");
}

/** The Who column of every row shown. */
async function actors(page: Page) {
  return events(page).locator("td.who").allTextContents();
}

test("the audit log filters by Who, the shared URL shows the same view, and a key's history links both ways", async ({ page }) => {
  await openHydrated(page);
  await createKey(page, NAME);
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();

  // From the menu: the page's code loads on demand.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit Log" }).click();
  await expect(page.getByRole("heading", { name: "Audit Log" })).toBeVisible();
  await expect(events(page)).not.toHaveCount(0);
  // All five rights: sign-ins are in the log too.
  await expect(events(page).filter({ hasText: "Signed in" }).first()).toBeVisible();

  await page.getByLabel("Who").selectOption("admin");
  await expect(page).toHaveURL(/[?&]who=admin(&|$)/);
  await expect(page.getByRole("status").filter({ hasText: /events?$/ })).toBeVisible();
  const shown = await actors(page);
  expect(shown.length).toBeGreaterThan(0);
  expect(new Set(shown)).toEqual(new Set(["admin"]));
  const created = events(page).filter({ hasText: "Created" }).filter({ hasText: NAME });
  await expect(created).toHaveCount(1);

  // The shared URL, opened fresh, is rendered by the server with the same view.
  const shared = page.url();
  await openHydrated(page, shared);
  await expect(page.getByLabel("Who")).toHaveValue("admin");
  expect(await actors(page)).toEqual(shown);

  // Actions: a multi-select; the key's name leads to its details, which lead back.
  await page.getByText("Action: All actions").click();
  await page.getByRole("checkbox", { name: "Created", exact: true }).check();
  await expect(page).toHaveURL(/action=key_created/);
  await page.screenshot({ path: "test-results/audit-log.png", fullPage: true });
  await expect(events(page).filter({ hasText: "Signed in" })).toHaveCount(0);
  await events(page).getByRole("link", { name: NAME, exact: true }).click();
  const details = page.getByRole("dialog", { name: "API Key Details" });
  await expect(details).toBeVisible();
  await details.getByRole("link", { name: "Show in audit log" }).click();
  await expect(page).toHaveURL(/\/provisioning\/audit\?key=[0-9a-f-]{36}$/);
  await expect(events(page)).toHaveCount(1);
  await expect(events(page).first()).toContainText(NAME);

  // Download CSV: the view's rows.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const file = readFileSync(await (await download).path(), "utf8").trim().split("\n");
  expect(file[0]).toBe("at,who,from,action,subject,details,note,key_id,other_key_id,batch_id");
  expect(file.length).toBe(2);
  expect(file[1]).toContain(`,key_created,${NAME},`);

  // The key's history outlives it (and the later tests see the sample keys alone).
  const byKey = page.url();
  await openHydrated(page);
  await page.getByRole("button", { name: `Delete ${NAME}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(row(page, NAME)).toHaveCount(0);
  await openHydrated(page, byKey);
  await expect(events(page)).toHaveCount(2);
  await expect(events(page).first()).toContainText("Deleted");
});

test("a filter the URL states wrongly says why, and nothing is shown as if unfiltered", async ({ page }) => {
  await openHydrated(page, `${AUDIT}?action=key_exploded`);
  await expect(page.getByRole("alert")).toContainText('"key_exploded" is not an action');
  await expect(events(page)).toHaveCount(0);
  await openHydrated(page, `${AUDIT}?from=2026-11-30&to=2026-11-01`);
  await expect(page.getByRole("alert")).toHaveText("From must be on or before To.");
});

test.describe("a user with canView and canRead only", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("sees key events, not sign-ins", async ({ page }) => {
    await signIn(page, VIEWER, AUDIT);
    await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
    await expect(page.getByRole("heading", { name: "Audit Log" })).toBeVisible();
    await expect(page.getByText("shown to users with all five rights")).toBeVisible();
    await expect(events(page)).not.toHaveCount(0);
    await expect(events(page).filter({ hasText: "Signed in" })).toHaveCount(0);
    // The Action filter offers the nine key actions only.
    await expect(page.locator('input[name="action"]')).toHaveCount(9);
    await expect(page.locator('input[name="action"][value="signed_in"]')).toHaveCount(0);
  });
});
