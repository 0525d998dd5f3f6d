import { test, expect, APIRequestContext, Page } from "@playwright/test";
import { cli, databaseUrl, openHydrated, row, token } from "./support";

// The notices above the table: what needs attention, each a link to the view of those keys.
// The keys are made with the command line and used through the verification API, as a channel
// would; the server under test writes last uses every second.

const SOON = "notice-e2e soon";
const RETIRING = "notice-e2e retiring";

/** Uses `key` once; a key the command line just made reaches the server within a second. */
async function use(request: APIRequestContext, key: string) {
  await expect(async () => {
    const answer = await request.post("/api/v1/keys/verify", {
      headers: { authorization: `Bearer ${token()}` },
      data: { key, permission: "chat", origin: "https://shop.example.com" },
    });
    expect((await answer.json()).valid).toBe(true);
  }).toPass({ timeout: 5_000 });
}

function notice(page: Page, name: RegExp) {
  return page.getByRole("status", { name: "Needs attention" }).getByRole("link", { name });
}

test.afterAll(() => {
  cli(databaseUrl(), "key", "bulk", "delete", "--query", "q=notice-e2e");
});

test("the notices say what needs attention and open the view of exactly those keys", async ({ page, request }) => {
  const url = databaseUrl();
  const inThreeDays = new Date(Date.now() + 3 * 86_400_000).toISOString();
  await use(request, cli(url, "key", "create", SOON, "--permission", "chat", "--expires-at", inThreeDays).trim());
  await use(request, cli(url, "key", "create", RETIRING, "--permission", "chat").trim());
  // In its grace the old key expires within 7 days too, but it is counted as replaced, not as
  // stopping.
  cli(url, "key", "rotate", RETIRING, "--grace", "3d");

  const stopping = notice(page, /^\d+ keys? in use stops? working within 7 days$/);
  const replaced = notice(page, /^\d+ replaced keys? (is|are) still in use$/);
  await openHydrated(page);
  // The uses reach the database within a second or two.
  await expect(async () => {
    await page.reload();
    await expect(stopping).toBeVisible({ timeout: 500 });
    await expect(replaced).toBeVisible({ timeout: 500 });
  }).toPass();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });

  const count = (text: string | null) => Number.parseInt(text ?? "", 10);
  const keys = (n: number) => (n === 1 ? "1 API key" : `${n} API keys`);
  const stoppingCount = count(await stopping.textContent());
  await stopping.click();
  await expect(page).toHaveURL(/status=available&usage=used_7d&expires_within=7&replaced=no/);
  await expect(page.locator("p.count")).toHaveText(keys(stoppingCount));
  await expect(row(page, SOON)).toHaveCount(1);
  await expect(row(page, RETIRING)).toHaveCount(0);
  // No control sets these filters: each shows as a chip that removes it.
  await page.getByRole("link", { name: "Remove filter: Expires within 7 days" }).click();
  await expect(page).not.toHaveURL(/expires_within/);
  await expect(page).toHaveURL(/replaced=no/);
  await page.getByRole("link", { name: "Remove filter: Not replaced" }).click();
  await expect(page).not.toHaveURL(/replaced=/);

  const replacedCount = count(await replaced.textContent());
  await replaced.click();
  await expect(page).toHaveURL(/replaced=in_use/);
  await expect(page.locator("p.count")).toHaveText(keys(replacedCount));
  await expect(row(page, RETIRING).filter({ hasText: "Replaced" })).toHaveCount(1);
  await expect(row(page, SOON)).toHaveCount(0);

  // Extended past the window, the key leaves the notice: the page reads it again after a change.
  const before = await stopping.textContent();
  cli(url, "key", "bulk", "set-expiry", "--key", SOON, "--expires-at", "never");
  if (stoppingCount === 1) {
    await expect(stopping).toHaveCount(0);
  } else {
    await expect(stopping).not.toHaveText(before!);
  }
});
