import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { openHydrated, reloadHydrated, row, createKey, token } from "./support";

const NAME = "Restricted e2e";
const SHOP = "https://shop.example.com";
const EVIL = "https://evil.example";

/** The verification API's answer for `key` used from `origin`. */
async function verifyFrom(request: APIRequestContext, key: string, origin: string) {
  const answer = await request.post("/api/v1/keys/verify", {
    headers: { authorization: `Bearer ${token()}` },
    data: { key, permission: "chat", origin },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

async function save(page: Page) {
  const details = page.getByRole("dialog", { name: "API Key Details" });
  await details.getByRole("button", { name: "Save" }).click();
  await expect(details.getByText("Saved.")).toBeVisible();
}

test("a chat key restricted to one origin: suggestions from real traffic, report only counts what would be blocked, enforce refuses the rest", async ({ page, request }) => {
  await openHydrated(page);
  const secret = await createKey(page, NAME);
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();
  // Traffic before any restriction: both origins work.
  for (const origin of [SHOP, SHOP, EVIL]) {
    expect((await verifyFrom(request, secret, origin)).valid).toBe(true);
  }

  await row(page, NAME).getByRole("link", { name: NAME, exact: true }).click();
  const details = page.getByRole("dialog", { name: "API Key Details" });
  const restrictions = details.getByRole("group", { name: "Restrictions" });
  await expect(restrictions.getByRole("radio", { name: "Off" })).toBeChecked();
  await expect(restrictions).toContainText("they do not stop scripts that forge headers");

  // Enforce with an empty list is refused on Save, and nothing changes.
  // (Clicked, not checked: the radio changes only once the question is answered.)
  await restrictions.getByRole("radio", { name: "Enforce" }).click();
  const question = page.getByRole("alertdialog", { name: "Enforce restrictions?" });
  await expect(question).toContainText("has not been in Report only");
  // Escape answers the question only: the panel and its edits stay.
  await page.keyboard.press("Escape");
  await expect(question).toBeHidden();
  await expect(details).toBeVisible();
  await expect(restrictions.getByRole("radio", { name: "Off" })).toBeChecked();
  await restrictions.getByRole("radio", { name: "Enforce" }).click();
  await question.getByRole("button", { name: "Enforce" }).click();
  await details.getByRole("button", { name: "Save" }).click();
  await expect(restrictions.getByRole("alert")).toHaveText(/Enforce needs at least one allowed origin/);
  await restrictions.getByRole("radio", { name: "Off" }).check();

  // An entry with a path is refused when added, with the way to write it.
  const input = restrictions.getByLabel("New origin");
  await input.fill("https://Help.Example.com/chat");
  await restrictions.getByRole("button", { name: "Add origin" }).click();
  await expect(restrictions.getByRole("alert")).toHaveText("An origin has no path, query or fragment: use https://help.example.com.");
  await input.fill("https://Help.Example.com");
  await input.press("Enter");
  const list = restrictions.getByRole("list", { name: "Allowed origins" });
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).toContainText("https://help.example.com");
  await restrictions.getByRole("button", { name: "Remove https://help.example.com" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(0);

  // Suggestions: the origins really seen, unticked, with counts; ticking one lists it.
  const suggestions = restrictions.getByRole("group", { name: "Suggestions from traffic" });
  await expect(async () => {
    await restrictions.getByRole("button", { name: "Suggest from traffic" }).click();
    await expect(suggestions.getByRole("checkbox")).toHaveCount(2, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(suggestions.getByRole("listitem")).toHaveText([/https:\/\/shop\.example\.com\s*2 verifications/, /https:\/\/evil\.example\s*1 verification/]);
  await expect(suggestions).toContainText("evidence, not a verdict");
  for (const box of await suggestions.getByRole("checkbox").all()) await expect(box).not.toBeChecked();
  await suggestions.getByRole("checkbox", { name: SHOP }).check();
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).toContainText(SHOP);

  // Report only: still valid from anywhere, but marked and counted.
  await restrictions.getByRole("radio", { name: "Report only" }).check();
  await save(page);
  expect((await verifyFrom(request, secret, SHOP)).restriction).toBeUndefined();
  const marked = await verifyFrom(request, secret, EVIL);
  expect(marked.valid).toBe(true);
  expect(marked.restriction).toBe("would_block");
  await expect(async () => {
    await reloadHydrated(page);
    await expect(page.getByRole("group", { name: "Restrictions" }).getByRole("status")).toContainText(
      "would have blocked 1 verification from evil.example", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });

  // Enforce asks first, stating that count; then other origins are refused.
  const again = page.getByRole("dialog", { name: "API Key Details" }).getByRole("group", { name: "Restrictions" });
  await again.getByRole("radio", { name: "Enforce" }).click();
  await expect(question).toContainText("enforcing would have blocked 1 verification");
  await question.getByRole("button", { name: "Enforce" }).click();
  await expect(again.getByRole("radio", { name: "Enforce" })).toBeChecked();
  await save(page);
  await expect(row(page, NAME).getByText("Restricted", { exact: true })).toBeVisible();
  expect((await verifyFrom(request, secret, SHOP)).valid).toBe(true);
  const refused = await verifyFrom(request, secret, EVIL);
  expect([refused.valid, refused.code]).toEqual([false, "ORIGIN_NOT_ALLOWED"]);
  const ping = await request.get("/api/v1/channels/chat/ping", { headers: { "x-api-key": secret, origin: EVIL } });
  expect(ping.status()).toBe(403);
  expect((await request.get("/api/v1/channels/chat/ping", { headers: { "x-api-key": secret, origin: SHOP } })).status()).toBe(200);

  // The history says what changed.
  await expect(page.getByRole("dialog", { name: "API Key Details" }).getByRole("region", { name: "History" }))
    .toContainText("Restrictions: from Report only: https://shop.example.com to Enforce: https://shop.example.com");
});
