import { test, expect } from "@playwright/test";
import { PAGE, VIEWER, ADMIN, signIn, rows } from "./support";

// These tests sign in and out themselves, never with the shared admin session.
test.use({ storageState: { cookies: [], origins: [] } });

test("a deep link survives sign-in, and signing out ends the session", async ({ page, context }) => {
  const deepLink = `${PAGE}?q=secure&permission=secure_mail`;
  await page.goto(deepLink);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The username or password is not right.");
  await page.screenshot({ path: "test-results/sign-in-failed.png" });
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(deepLink);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("secure");
  await expect(rows(page)).toHaveCount(2);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "keydesk_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  // The old cookie is useless now, even if someone kept a copy.
  await context.addCookies([session!]);
  await page.goto(PAGE);
  await expect(page).toHaveURL(/\/login/);
});

test("a view-only user sees the table but cannot add, copy, delete or toggle", async ({ page }) => {
  await signIn(page, VIEWER);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await expect(rows(page)).not.toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add API Key" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Copy / })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /^Delete / })).toHaveCount(0);
  const toggle = page.getByRole("switch", { name: "Enabled: Designer 35-05" });
  await expect(toggle).toBeDisabled();
  await expect(toggle).toHaveAttribute("aria-disabled", "true");
  await expect(toggle).toHaveAccessibleDescription("You need the canUpdate right to change API keys.");
  await page.screenshot({ path: "test-results/view-only.png", fullPage: true });
  await page.getByRole("link", { name: "Designer 35-05", exact: true }).click();
  const details = page.getByRole("dialog", { name: "API Key Details" });
  await expect(details.getByLabel("Name")).toBeDisabled();
  await expect(details.getByRole("button", { name: "Save" })).toBeDisabled();
});
