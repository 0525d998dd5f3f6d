import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { openHydrated, reloadHydrated, row, createKey, token } from "./support";

/** Verifies `key` `times` times, from `origin` if given. */
async function verify(request: APIRequestContext, key: string, times: number, origin?: string) {
  for (let i = 0; i < times; i++) {
    const answer = await request.post("/api/v1/keys/verify", {
      headers: { authorization: `Bearer ${token()}` },
      data: { key, permission: "chat", origin },
    });
    expect(answer.status()).toBe(200);
  }
}

/** The count in the details panel's "Usage by result" table for `result`, reloading until the
 * server has written the counts (every second in these tests). */
async function expectUsage(page: Page, result: string, count: string) {
  await expect(async () => {
    await reloadHydrated(page);
    const table = page.getByRole("table", { name: "Usage by result" });
    await expect(table.getByRole("row", { name: new RegExp(`^${result}`) })).toContainText(count, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
}

test("a key's verifications show in the table, its details, its Delete dialog and before switching it off", async ({ page, request }) => {
  await openHydrated(page);
  const secret = await createKey(page, "Usage e2e");
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();
  await verify(request, secret, 5, "https://shop.example.com");

  // The table's Last 7 days column counts them too.
  await expect(async () => {
    await page.reload();
    await expect(row(page, "Usage e2e").getByRole("img", { name: "Usage e2e: 5 verifications in the last 7 days" }))
      .toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });

  // The Usage filter: used in the last 7 days, or never used.
  await page.getByRole("combobox", { name: "Usage" }).selectOption({ label: "Used in the last 7 days" });
  await expect(page).toHaveURL(/usage=used_7d/);
  // The filter reads the key's last use, which is written every 2 s (the counts every second).
  await expect(async () => {
    await page.reload();
    await expect(row(page, "Usage e2e")).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("combobox", { name: "Usage" }).selectOption({ label: "Never used" });
  await expect(page).toHaveURL(/usage=never/);
  await expect(row(page, "Usage e2e")).toHaveCount(0);
  await page.getByRole("combobox", { name: "Usage" }).selectOption({ label: "Any" });
  await expect(row(page, "Usage e2e")).toHaveCount(1);

  await page.getByRole("link", { name: "Usage e2e", exact: true }).click();
  const details = page.getByRole("dialog", { name: "API Key Details" });
  await expect(details.getByRole("heading", { name: "Usage" })).toBeVisible();
  await expectUsage(page, "Valid", "5");
  const panel = page.getByRole("dialog", { name: "API Key Details" });
  await expect(panel.getByRole("img", { name: /Verifications in the last 7 days: 5 valid/ })).toBeVisible();
  await expect(panel.getByRole("table", { name: "Origins" })).toContainText("https://shop.example.com");
  await panel.getByRole("button", { name: "24 hours" }).click();
  await expect(page).toHaveURL(/range=24h/);
  await expect(panel.getByRole("button", { name: "24 hours" })).toHaveAttribute("aria-pressed", "true");
  await expect(panel.getByRole("table", { name: "Usage by result" }).getByRole("row", { name: /^Valid/ })).toContainText("5");
  const download = page.waitForEvent("download");
  await panel.getByRole("link", { name: "Download CSV" }).click();
  expect((await download).suggestedFilename()).toBe("usage-Usage-e2e-24h.csv");
  await page.screenshot({ path: "test-results/usage-details.png" });
  await page.keyboard.press("Escape");

  // Used in the last 24 hours: switching it off asks first, saying who uses it.
  await page.getByRole("switch", { name: "Enabled: Usage e2e" }).click();
  const question = page.getByRole("alertdialog", { name: "Disable Usage e2e?" });
  await expect(question).toContainText("Used 5 times in the last 7 days");
  await expect(question).toContainText("from shop.example.com");
  await question.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("switch", { name: "Enabled: Usage e2e" })).toBeChecked();
  await page.getByRole("switch", { name: "Enabled: Usage e2e" }).click();
  await page.getByRole("alertdialog", { name: "Disable Usage e2e?" }).getByRole("button", { name: "Disable" }).click();
  await expect(page.getByRole("switch", { name: "Enabled: Usage e2e" })).not.toBeChecked();
  await expect(page.getByRole("switch", { name: "Enabled: Usage e2e" })).toHaveAttribute("aria-busy", "false");

  // Refused while disabled: counted as Disabled.
  for (let i = 0; i < 2; i++) {
    const answer = await request.post("/api/v1/keys/verify", {
      headers: { authorization: `Bearer ${token()}` },
      data: { key: secret, permission: "chat" },
    });
    expect((await answer.json()).code).toBe("DISABLED");
  }
  await page.getByRole("link", { name: "Usage e2e", exact: true }).click();
  await expectUsage(page, "Disabled", "2");
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Delete Usage e2e" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Used 5 times in the last 7 days");
  await page.getByRole("alertdialog").getByRole("button", { name: "Cancel" }).click();
});

test("a key unused for a day switches off without a question", async ({ page }) => {
  await openHydrated(page);
  await createKey(page, "Quiet e2e");
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();
  const toggle = page.getByRole("switch", { name: "Enabled: Quiet e2e" });
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  await expect(toggle).not.toBeChecked();
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("switch", { name: "Enabled: Quiet e2e" })).not.toBeChecked();
  await expect(row(page, "Quiet e2e")).toHaveCount(1);
});
