import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { openHydrated, reloadHydrated, rows, createKey, token } from "./support";

const NAME = "Rotate e2e";
const ORIGIN = "https://shop.example.com";

async function verify(request: APIRequestContext, key: string) {
  const answer = await request.post("/api/v1/keys/verify", {
    headers: { authorization: `Bearer ${token()}` },
    data: { key, permission: "chat", origin: ORIGIN },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

/** The details panel of the key whose row matches `replaced` (the old key, or the new one). */
async function openDetails(page: Page, replaced: boolean) {
  const named = rows(page).filter({ has: page.getByRole("link", { name: NAME, exact: true }) });
  const which = replaced ? named.filter({ hasText: "Replaced" }) : named.filter({ hasNotText: "Replaced" });
  await expect(which).toHaveCount(1);
  await which.getByRole("link", { name: NAME, exact: true }).click();
  return page.getByRole("dialog", { name: "API Key Details" });
}

test("a key rotates without an outage: both secrets work, the keys link, the meter counts, Finish now stops the old one", async ({ page, request }) => {
  await openHydrated(page);
  const oldSecret = await createKey(page, NAME);
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();

  await page.getByRole("button", { name: `Rotate ${NAME}` }).click();
  const panel = page.getByRole("dialog", { name: "Rotate API Key" });
  await expect(panel.getByRole("radio", { name: "7 days" })).toBeChecked();
  await panel.getByRole("radio", { name: "24 hours" }).check();
  await panel.getByRole("button", { name: "Rotate", exact: true }).click();
  const newSecret = (await panel.getByTestId("secret").textContent())!;
  expect(newSecret).toMatch(/^kd_chat_[0-9A-Za-z]{36}$/);
  expect(newSecret).not.toBe(oldSecret);
  await expect(panel).toContainText("The old key keeps working until");

  // Both secrets verify; the old one's answers name its successor.
  const old = await verify(request, oldSecret);
  expect(old.valid).toBe(true);
  expect(old.replaced_by).toBeTruthy();
  const fresh = await verify(request, newSecret);
  expect(fresh.valid).toBe(true);
  expect(fresh.key_id).toBe(old.replaced_by);
  expect(fresh.replaced_by).toBeUndefined();
  for (let i = 0; i < 3; i++) await verify(request, newSecret);

  // The old key's row says Replaced; its details show the meter, counting the new key's uses.
  await panel.getByRole("button", { name: "Close" }).click();
  let details = await openDetails(page, true);
  await expect(async () => {
    await reloadHydrated(page);
    // The section loads after hydration, with the panel's code: on a busy machine that alone
    // can take more than the figures' own wait.
    const table = page.getByRole("table", { name: "Migration by origin" });
    await expect(table).toBeVisible({ timeout: 5000 });
    const origin = table.getByRole("row", { name: new RegExp(`^${ORIGIN}`) });
    // Origin, old key's uses, new key's uses, the old key's last use there.
    await expect(origin.getByRole("cell").nth(2)).toHaveText("4", { timeout: 1000 });
    await expect(origin.getByRole("cell").nth(1)).toHaveText("1", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByText("4 of 5 verifications since the rotation used the new key.")).toBeVisible();

  // Replaced by / Replaces lead from one key to the other.
  details = page.getByRole("dialog", { name: "API Key Details" });
  await details.getByRole("link", { name: `Replaced by ${NAME}` }).click();
  await expect(details.getByRole("link", { name: `Replaces ${NAME}` })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`panel=key(:|%3A)${old.replaced_by}`));
  await details.getByRole("link", { name: `Replaces ${NAME}` }).click();
  await expect(details.getByRole("link", { name: `Replaced by ${NAME}` })).toBeVisible();

  // Finish now asks first, stating the old key's recent use; then the old key fails at once.
  await details.getByRole("button", { name: "Finish now" }).click();
  const question = page.getByRole("alertdialog", { name: "Finish rotation?" });
  await expect(question).toContainText("Used once in the last 7 days");
  const clicked = Date.now();
  await question.getByRole("button", { name: "Finish now" }).click();
  await expect(async () => {
    expect((await verify(request, oldSecret)).code).toBe("EXPIRED");
  }).toPass({ timeout: 1000, intervals: [50] });
  expect(Date.now() - clicked).toBeLessThan(1000);
  expect((await verify(request, newSecret)).valid).toBe(true);
  await expect(question).toHaveCount(0);
  await expect(details).toContainText("The old key stopped working on");
});
