import { expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const PAGE = "/provisioning/api-keys";

export const ROOT = join(__dirname, "..", "..");
export const SERVER = process.env.SERVER || join(ROOT, "target", "release", "server");

/** The database of the server under test (serve-fresh.sh writes it). */
export function databaseUrl() {
  return readFileSync(join(__dirname, "..", "playwright", ".auth", "database-url"), "utf8").trim();
}

/** Runs the server's command line on `url` and returns what it printed. */
export function cli(url: string, ...args: string[]) {
  return execFileSync(SERVER, ["--database-url", url, ...args], { cwd: ROOT, encoding: "utf8" });
}

/** The verification API's service token serve-fresh.sh made. */
export function token(): string {
  return readFileSync(join(__dirname, "..", "playwright", ".auth", "token"), "utf8").trim();
}

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

/** Reloads the page and waits until the wasm has hydrated it again: a click before that is lost. */
export async function reloadHydrated(page: Page) {
  await page.reload();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
}

export function rows(page: Page) {
  return page.locator("table.keys tbody tr");
}

/** Waits until every row of the page is written: those below the window come a few frames later. */
export async function rowsWritten(page: Page) {
  await expect(page.locator("table.keys tbody")).not.toHaveAttribute("aria-busy", /.*/);
}

/** Checks that each row shows one key throughout: its id, link and labels agree. */
export async function expectRowsWhole(page: Page) {
  await rowsWritten(page);
  for (const row of await rows(page).all()) {
    const id = await row.getAttribute("data-key-id");
    const name = (await row.locator("a.key-name").textContent())!;
    await expect(row.locator("a.key-name")).toHaveAttribute("href", new RegExp(`panel=key(:|%3A)${id}$`));
    await expect(row.getByRole("switch")).toHaveAttribute("aria-label", `Enabled: ${name}`);
    await expect(row.getByRole("button", { name: `Delete ${name}`, exact: true })).toHaveCount(1);
  }
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
