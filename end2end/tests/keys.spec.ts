import { test, expect } from "@playwright/test";
import { PAGE, openHydrated, rows, row, createKey } from "./support";

test("create shows the secret once, then only its prefix", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openHydrated(page);
  const secret = await createKey(page, "Widget e2e");
  const panel = page.getByRole("dialog", { name: "New API Key" });
  await panel.getByRole("button", { name: "Copy to clipboard" }).click();
  await expect(panel.getByText("Copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await expect(panel).toContainText("will not be shown again");
  await page.screenshot({ path: "test-results/secret-once.png" });
  await panel.getByRole("button", { name: "Close" }).click();
  await expect(row(page, "Widget e2e")).toHaveCount(1);
  await expect(row(page, "Widget e2e")).toContainText(secret.slice(0, 12));
  await page.reload();
  await expect(page.locator("body")).not.toContainText(secret);
});

test("create refuses bad input with clear messages", async ({ page }) => {
  await openHydrated(page);
  await page.getByRole("button", { name: "Add API Key" }).click();
  const panel = page.getByRole("dialog", { name: "New API Key" });
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel.getByText("Name is required.")).toBeVisible();
  await panel.getByLabel("Name").fill("Dated");
  await panel.getByLabel("Will never expire").uncheck();
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel.getByText("Choose an Expiration Date")).toBeVisible();
  await panel.getByLabel("Expiration Date").fill("2020-01-01T10:00");
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel.getByText("Expiration Date must be now or later")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(row(page, "Dated")).toHaveCount(0);
});

// A sample key without usage: it switches off at once, without a question (usage.spec.ts has
// the question for a key in use).
const UNUSED = "b87f50ce-96d4-4de8-b7df-8f24a7a8efba";

test("the Enabled toggle saves at once and survives a reload", async ({ page }) => {
  await openHydrated(page);
  const toggle = page.getByRole("switch", { name: `Enabled: ${UNUSED}` });
  await expect(toggle).toBeChecked();
  await toggle.click();
  await expect(toggle).not.toBeChecked();
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  await expect(row(page, UNUSED).getByRole("img", { name: "Unavailable" })).toBeVisible();
  await expect(toggle).toHaveAttribute("aria-busy", "false");
  await page.reload();
  await expect(page.getByRole("switch", { name: `Enabled: ${UNUSED}` })).not.toBeChecked();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("switch", { name: `Enabled: ${UNUSED}` }).click();
  await expect(page.getByRole("switch", { name: `Enabled: ${UNUSED}` })).toBeChecked();
});

test("a failed toggle flips back and says why", async ({ page }) => {
  await openHydrated(page);
  await page.route("**/api/set_key_enabled*", (route) => route.abort());
  const toggle = page.getByRole("switch", { name: `Enabled: ${UNUSED}` });
  await toggle.click();
  await expect(toggle).toBeChecked();
  await expect(row(page, UNUSED).getByRole("alert")).toBeVisible();
});

test("copy twice gives _1 and _2", async ({ page }) => {
  await openHydrated(page);
  for (const expected of ["Default 35-05_1", "Default 35-05_2"]) {
    await page.getByRole("button", { name: "Copy Default 35-05", exact: true }).click();
    const panel = page.getByRole("dialog", { name: "New API Key" });
    await expect(panel.getByLabel("Name")).toHaveValue(expected);
    await panel.getByRole("button", { name: "Create" }).click();
    await expect(panel.getByTestId("secret")).toBeVisible();
    await panel.getByRole("button", { name: "Close" }).click();
    await expect(row(page, expected)).toHaveCount(1);
  }
});

test("delete asks first; Cancel keeps the key, Delete removes it", async ({ page }) => {
  await openHydrated(page);
  await createKey(page, "Doomed");
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();
  await page.getByRole("button", { name: "Delete Doomed" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Doomed");
  await expect(confirm).toContainText("disable it instead");
  await page.screenshot({ path: "test-results/delete-confirmation.png" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(row(page, "Doomed")).toHaveCount(1);
  await page.getByRole("button", { name: "Delete Doomed" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(row(page, "Doomed")).toHaveCount(0);
});

test("details: expire now, see when it expired, extend again", async ({ page }) => {
  await openHydrated(page);
  await createKey(page, "Short lived");
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();
  await page.getByRole("link", { name: "Short lived", exact: true }).click();
  const details = page.getByRole("dialog", { name: "API Key Details" });
  await expect(details.getByText("Permissions of existing API key cannot be changed")).toBeVisible();
  await details.getByRole("button", { name: "Expire now" }).click();
  await expect(details.getByText(/This API key expired on \d\d-\d\d-\d{4} \d\d:\d\d/)).toBeVisible();
  await expect(row(page, "Short lived").getByRole("img", { name: "Unavailable" })).toBeVisible();
  await page.screenshot({ path: "test-results/details-expired.png" });
  // Saving other fields keeps the exact expiry it was shown, even though the control shows minutes.
  await details.getByLabel("Name").fill("Short lived (ended)");
  await details.getByRole("button", { name: "Save" }).click();
  await expect(details.getByText("Saved.")).toBeVisible();
  await expect(details.getByText(/This API key expired on/)).toBeVisible();
  await details.getByLabel("Expiration Date").fill("2099-12-31T23:59");
  await details.getByRole("button", { name: "Save" }).click();
  await expect(details.getByText("Saved.")).toBeVisible();
  await expect(row(page, "Short lived (ended)").getByRole("img", { name: "Available" })).toBeVisible();
  // The key's history: who did what, newest first, with old and new values.
  const history = details.getByRole("region", { name: "History" }).getByRole("listitem");
  await expect(history).toHaveCount(4);
  await expect(history.first()).toContainText("admin · Changed (Expiration Date:");
  await expect(history.nth(1)).toContainText("Name: from Short lived to Short lived (ended)");
  await expect(history.nth(2)).toContainText(/Expiration Date: from never to \d\d-\d\d-\d{4} \d\d:\d\d/);
  await expect(history.last()).toContainText("admin · Created");
});

test("search by creator, status toggles and the permission filter", async ({ page }) => {
  await openHydrated(page);
  const everything = await rows(page).count();
  await page.getByRole("combobox", { name: "Permissions" }).selectOption({ label: "Secure Mail" });
  await expect(page).toHaveURL(/permission=secure_mail/);
  await expect(rows(page)).toHaveCount(2);
  await page.getByRole("combobox", { name: "Permissions" }).selectOption({ label: "All permissions" });
  await page.getByRole("searchbox", { name: "Search" }).fill("admin.team");
  await expect(rows(page)).toHaveCount(2);
  const unavailable = page.getByRole("button", { name: "Unavailable", exact: true });
  await unavailable.click();
  await expect(unavailable).toHaveAttribute("aria-pressed", "true");
  await expect(page).toHaveURL(/status=unavailable/);
  await expect(page.getByText("No API keys match these filters.")).toBeVisible();
  await page.screenshot({ path: "test-results/no-match.png" });
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(rows(page)).toHaveCount(everything);
});

test("each status toggle shows only keys of that status, and several may be on", async ({ page }) => {
  await openHydrated(page);
  // A key ending in three days (Soon Unavailable) and a disabled one (Unavailable).
  await page.getByRole("button", { name: "Add API Key" }).click();
  const panel = page.getByRole("dialog", { name: "New API Key" });
  await panel.getByLabel("Name").fill("Ending soon");
  await panel.getByLabel("Will never expire").uncheck();
  const inThreeDays = await page.evaluate(() => {
    const at = new Date(Date.now() + 3 * 86_400_000);
    const two = (n: number) => String(n).padStart(2, "0");
    return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
  });
  await panel.getByLabel("Expiration Date").fill(inThreeDays);
  await panel.getByRole("button", { name: "Create" }).click();
  await expect(panel.getByTestId("secret")).toBeVisible();
  await panel.getByRole("button", { name: "Close" }).click();
  const disabledName = UNUSED;
  await page.getByRole("switch", { name: `Enabled: ${disabledName}` }).click();
  await expect(row(page, disabledName).getByRole("img", { name: "Unavailable", exact: true })).toBeVisible();
  // Switching off reads the key's usage first: wait until the change is saved.
  await expect(page.getByRole("switch", { name: `Enabled: ${disabledName}` })).toHaveAttribute("aria-busy", "false");

  // As the guide defines them, Available keys are those neither revoked nor expired, so the
  // Available filter keeps keys that will soon end; their icon says Soon Unavailable.
  const statuses = [
    { label: "Available", param: "available", icons: ["Available", "Soon Unavailable"], example: "Securemail" },
    { label: "Soon Unavailable", param: "soon_unavailable", icons: ["Soon Unavailable"], example: "Ending soon" },
    { label: "Unavailable", param: "unavailable", icons: ["Unavailable"], example: disabledName },
  ];
  const showsOnly = async (icons: string[]) => {
    for (const other of ["Available", "Soon Unavailable", "Unavailable"].filter((icon) => !icons.includes(icon))) {
      await expect(rows(page).getByRole("img", { name: other, exact: true })).toHaveCount(0);
    }
  };
  for (const status of statuses) {
    const toggle = page.getByRole("button", { name: status.label, exact: true });
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "true");
    await expect(page).toHaveURL(new RegExp(`status=${status.param}(&|$)`));
    await expect(row(page, status.example).first()).toBeVisible();
    await showsOnly(status.icons);
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-pressed", "false");
  }
  // Two at once: the keys of either status, none of the third.
  await page.getByRole("button", { name: "Soon Unavailable", exact: true }).click();
  await page.getByRole("button", { name: "Unavailable", exact: true }).click();
  await showsOnly(["Soon Unavailable", "Unavailable"]);
  await expect(row(page, "Ending soon")).toHaveCount(1);
  await expect(row(page, disabledName)).toHaveCount(1);
  await page.screenshot({ path: "test-results/two-status-toggles.png" });
});

test("a filtered URL opens the same view in a new page, and Back/Forward step through views", async ({ page, context }) => {
  await openHydrated(page);
  await page.getByRole("button", { name: "Available", exact: true }).click();
  await page.getByRole("combobox", { name: "Permissions" }).selectOption({ label: "Secure Mail" });
  await expect(rows(page)).toHaveCount(2);
  const url = page.url();
  const other = await context.newPage();
  await other.goto(url);
  await expect(other.locator("table.keys tbody tr")).toHaveCount(2);
  await expect(other.getByRole("button", { name: "Available", exact: true })).toHaveAttribute("aria-pressed", "true");
  await other.setViewportSize({ width: 390, height: 844 });
  await other.screenshot({ path: "test-results/filtered-390-wide.png", fullPage: true });
  await page.goBack();
  await expect(page).not.toHaveURL(/permission=/);
  await expect(page).toHaveURL(/status=available/);
  await page.goForward();
  await expect(page).toHaveURL(/permission=secure_mail/);
});

test("keyboard only: add a key, close with Escape, toggle with Space", async ({ page }) => {
  await openHydrated(page);
  await page.getByRole("button", { name: "Add API Key" }).focus();
  await page.keyboard.press("Enter");
  const panel = page.getByRole("dialog", { name: "New API Key" });
  await expect(panel.getByLabel("Name")).toBeFocused();
  await page.keyboard.type("Keyboard key");
  await page.keyboard.press("Enter");
  await expect(panel.getByRole("button", { name: "Copy to clipboard" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  const toggle = page.getByRole("switch", { name: "Enabled: Keyboard key" });
  await toggle.focus();
  await page.keyboard.press("Space");
  await expect(toggle).not.toBeChecked();
  await expect(row(page, "Keyboard key").getByRole("img", { name: "Unavailable" })).toBeVisible();
  await expect(toggle).toHaveAttribute("aria-busy", "false");
});

test("saving over another admin's change says so and shows the current values", async ({ page, context }) => {
  await openHydrated(page);
  await createKey(page, "Shared");
  await page.getByRole("dialog", { name: "New API Key" }).getByRole("button", { name: "Close" }).click();
  await page.getByRole("link", { name: "Shared", exact: true }).click();
  const mine = page.getByRole("dialog", { name: "API Key Details" });
  await expect(mine.getByLabel("Name")).toHaveValue("Shared");

  const other = await context.newPage();
  await openHydrated(other, page.url());
  const theirs = other.getByRole("dialog", { name: "API Key Details" });
  await theirs.getByLabel("Name").fill("Shared (renamed elsewhere)");
  await theirs.getByRole("button", { name: "Save" }).click();
  await expect(theirs.getByText("Saved.")).toBeVisible();

  await mine.getByLabel("Name").fill("Shared (my edit)");
  await mine.getByRole("button", { name: "Save" }).click();
  await expect(mine.getByText("Someone else changed this API key")).toBeVisible();
  await expect(mine.getByLabel("Name")).toHaveValue("Shared (renamed elsewhere)");
});

test("Download CSV exports the filtered view, every page of it, without secrets", async ({ page }) => {
  await openHydrated(page);
  await page.getByRole("combobox", { name: "Permissions" }).selectOption({ label: "Secure Mail" });
  await expect(page).toHaveURL(/permission=secure_mail/);
  const link = page.getByRole("link", { name: "Download CSV" });
  await expect(link).toHaveAttribute("href", /^\/api\/keys\.csv\?.*permission=secure_mail/);
  const answer = await page.request.get((await link.getAttribute("href"))!);
  expect(answer.status()).toBe(200);
  expect(answer.headers()["content-disposition"]).toMatch(/attachment; filename="api-keys-.*\.csv"/);
  const lines = (await answer.text()).trim().split("\n");
  expect(lines[0]).toBe("id,name,permission,enabled,status,created_at,created_by,expires_at,last_used_at,verifications_7d,restriction_mode");
  await expect(rows(page)).toHaveCount(lines.length - 1);
  expect(lines.slice(1).every((line) => line.includes(",secure_mail,"))).toBe(true);
  expect(lines.some((line) => /kd_(chat|mail)_/.test(line))).toBe(false);
});
