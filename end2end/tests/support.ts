import { expect, Page } from "@playwright/test";

export const PAGE = "/provisioning/api-keys";

/** The users serve-fresh.sh creates. */
export const ADMIN = { username: "admin", password: "admin e2e password" };
export const VIEWER = { username: "viewer", password: "viewer e2e password" };

/** Signs in through the form at `url` (a page that redirects there, or /login itself). */
export async function signIn(page: Page, user: { username: string; password: string }, url: string = PAGE) {
  await page.goto(url);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${user.username}`)).toBeVisible();
}

/** Opens a URL of the page and waits until the wasm has hydrated it. */
export async function openHydrated(page: Page, url: string = PAGE) {
  await page.goto(url);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

export function rows(page: Page) {
  return page.locator("table.keys tbody tr");
}

export function row(page: Page, name: string) {
  return rows(page).filter({ has: page.getByRole("link", { name, exact: true }) });
}

/** Creates a key through the New API Key panel and returns its secret. */
export async function createKey(page: Page, name: string, options: { secureMail?: boolean } = {}) {
  await page.getByRole("button", { name: "Add API Key" }).click();
  const panel = page.getByRole("dialog", { name: "New API Key" });
  await panel.getByLabel("Name").fill(name);
  if (options.secureMail) await panel.getByLabel("Permissions").selectOption({ label: "Secure Mail" });
  await panel.getByRole("button", { name: "Create" }).click();
  const secret = await panel.getByTestId("secret").textContent();
  expect(secret).toMatch(/^kd_(chat|mail)_[0-9A-Za-z]{36}$/);
  return secret!;
}
