import { test, expect, Browser, Page } from "@playwright/test";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ADMIN, PAGE, ROOT, SERVER, cli, databaseUrl, expectRowsWhole, openHydrated, row, rows, rowsWritten, signIn,
} from "./support";

// The instant table and its live stream: views answered in the browser, changes made elsewhere
// shown within a second. The command line changes keys in the server's database directly, as an
// operator would.

const LIVE = "/api/keys/live";

function table(page: Page) {
  return page.locator("table.keys");
}

/** Every list_keys request the page makes from now on. */
function countListRequests(page: Page) {
  const seen: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/list_keys")) seen.push(request.url());
  });
  return seen;
}

test("search, filters, sort and paging answer in the browser once it holds the list", async ({ page }) => {
  await openHydrated(page);
  await expect(table(page)).toHaveAttribute("data-source", "browser");
  const listRequests = countListRequests(page);

  const before = await page.locator("p.count").textContent();
  await page.getByRole("searchbox", { name: "Search" }).pressSequentially("secure", { delay: 30 });
  await expect(page).toHaveURL(/q=secure/);
  await expect(page.locator("p.count")).not.toHaveText(before!);
  await expect(rows(page).first()).toBeVisible();
  await expect(rows(page).filter({ hasNotText: /secure/i }), "every row's name or creator matches").toHaveCount(0);
  // The rows now show other keys, mostly in elements that showed the keys before: each is whole.
  await expectRowsWhole(page);
  await page.getByRole("button", { name: "Name", exact: true }).click();
  await expect(page).toHaveURL(/sort=name/);
  await rowsWritten(page);
  const names = await rows(page).locator("a.key-name").allTextContents();
  expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
  await page.getByRole("button", { name: "Unavailable", exact: true }).click();
  await expect(page).toHaveURL(/status=unavailable/);
  await page.goBack();
  await expect(page).not.toHaveURL(/status=unavailable/);
  await expect(rows(page).first()).toBeVisible();
  expect(listRequests, "no request for a view once the list is held").toEqual([]);
});

test("the rows in the window come first, and those below follow while the table body is busy", async ({ page }) => {
  // A window with room for a few rows: the sample keys reach below it.
  await page.setViewportSize({ width: 1280, height: 480 });
  await openHydrated(page, `${PAGE}?q=nexus_qa`);
  await expect(table(page)).toHaveAttribute("data-source", "browser");
  await expect(rows(page)).toHaveCount(1);
  await rowsWritten(page);
  await page.evaluate(() => {
    const tbody = document.querySelector("table.keys tbody")!;
    const seen: object[] = ((window as any).busy = []);
    new MutationObserver(() => seen.push({
      busy: tbody.getAttribute("aria-busy"),
      rows: tbody.rows.length,
      below: [...tbody.rows].filter((row) => row.getBoundingClientRect().top >= window.innerHeight).length,
    })).observe(tbody, { attributes: true, attributeFilter: ["aria-busy"] });
  });
  await page.getByRole("searchbox", { name: "Search" }).fill("");
  await rowsWritten(page);
  const count = Number((await page.locator("p.count").textContent())!.match(/\d+/)![0]);
  await expect(rows(page)).toHaveCount(Math.min(count, 50));
  const busy: { busy: string | null; rows: number; below: number }[] = await page.evaluate(() => (window as any).busy);
  expect(busy[0].busy, "busy while rows below the window were still to come").toBe("true");
  expect(busy[0].rows, "the first frame's rows").toBeLessThan(Math.min(count, 50));
  expect(busy[0].below, "the first frame's rows reach below the window").toBeGreaterThan(0);
  expect(busy.at(-1)!.busy).toBeNull();
  await expectRowsWhole(page);
});

test("a key made with the command line appears in an open page within a second", async ({ page }) => {
  const url = databaseUrl();
  await openHydrated(page);
  await expect(table(page)).toHaveAttribute("data-source", "browser");
  const name = `Live CLI ${Date.now()}`;
  cli(url, "key", "create", name, "--permission", "chat");
  await expect(row(page, name)).toBeVisible({ timeout: 1_000 });

  // The changed key's row is built anew; a keyboard user on its switch keeps the focus.
  const toggle = page.getByRole("switch", { name: `Enabled: ${name}` });
  await toggle.focus();
  await toggle.evaluate((element) => element.setAttribute("data-built-before", ""));
  cli(url, "key", "bulk", "disable", "--key", name);
  await expect(row(page, name).getByRole("img", { name: "Unavailable", exact: true })).toBeVisible({ timeout: 1_000 });
  await expect(toggle).not.toHaveAttribute("data-built-before");
  await expect(toggle).toBeFocused();
  await expect(toggle).not.toBeChecked();

  cli(url, "key", "bulk", "delete", "--key", name);
  await expect(row(page, name)).toHaveCount(0, { timeout: 1_000 });
});

test("a key disabled in another session shows Unavailable without a reload", async ({ page, browser }) => {
  const url = databaseUrl();
  const name = `Live toggle ${Date.now()}`;
  cli(url, "key", "create", name, "--permission", "chat");
  await openHydrated(page);
  await expect(row(page, name).getByRole("img", { name: "Available", exact: true })).toBeVisible();

  const other = await browser.newContext({ storageState: "playwright/.auth/admin.json" });
  const elsewhere = await other.newPage();
  await openHydrated(elsewhere, `${PAGE}?q=${encodeURIComponent(name)}`);
  const saved = elsewhere.waitForResponse((response) => response.url().includes("/api/set_key_enabled"));
  await elsewhere.getByRole("switch", { name: `Enabled: ${name}` }).click();
  expect((await saved).ok()).toBe(true);
  await other.close();

  await expect(row(page, name).getByRole("img", { name: "Unavailable", exact: true })).toBeVisible({ timeout: 2_000 });
  await expect(page.getByRole("switch", { name: `Enabled: ${name}` })).not.toBeChecked();
  cli(url, "key", "bulk", "delete", "--key", name);
});

test("a row that stops matching stays, marked, until the view changes", async ({ page }) => {
  const url = databaseUrl();
  const name = `Live leaving ${Date.now()}`;
  cli(url, "key", "create", name, "--permission", "chat");
  await openHydrated(page, `${PAGE}?status=available&q=${encodeURIComponent("Live leaving")}`);
  await expect(table(page)).toHaveAttribute("data-source", "browser");
  await expect(row(page, name)).toBeVisible();

  cli(url, "key", "bulk", "disable", "--key", name);
  // Marked (the style sheet writes "No longer matches" in its Name cell), not gone.
  await expect(row(page, name)).toHaveClass(/leaving/, { timeout: 1_000 });
  expect(await row(page, name).locator("td.name").evaluate((cell) => getComputedStyle(cell, "::after").content)).toBe('"No longer matches"');
  await expect(page.locator("p.count")).toHaveText("0 API keys");

  await page.getByRole("button", { name: "Unavailable", exact: true }).click();
  await page.getByRole("button", { name: "Unavailable", exact: true }).click();
  await expect(row(page, name)).toHaveCount(0);
  cli(url, "key", "bulk", "delete", "--key", name);
});

test("the live stream needs a session, and ends at sign-out", async ({ browser, baseURL }) => {
  const anonymous = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const refused = await anonymous.request.get(`${baseURL}${LIVE}`);
  expect(refused.status()).toBe(401);
  await anonymous.close();

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, ADMIN);
  const watcher = await context.newPage();
  await watcher.goto(`${baseURL}/healthz`);
  await watcher.evaluate((path) => {
    const source = new EventSource(path);
    (window as any).stream = source;
    (window as any).opened = new Promise((resolve) => source.addEventListener("open", resolve));
  }, LIVE);
  await watcher.evaluate(() => (window as any).opened);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  // The stream checks its session every 5 s; after it ends, the browser's retry gets a 401 and
  // gives up (readyState 2, CLOSED).
  await expect.poll(() => watcher.evaluate(() => (window as any).stream.readyState), { timeout: 15_000 }).toBe(2);
  await context.close();
});

/** A server of its own on `port`, over the SQLite database at `url`. */
function serve(url: string, port: number, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(SERVER, ["--database-url", url, "--addr", `127.0.0.1:${port}`, "serve"], {
    cwd: ROOT,
    env: { ...process.env, LEPTOS_SITE_ROOT: "target/site", ...env },
    stdio: "ignore",
  });
  return (async () => {
    for (let tries = 0; tries < 100; tries++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill();
    throw new Error(`the server on port ${port} did not start`);
  })();
}

function stop(child: ChildProcess) {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** A fresh database with the sample keys and the e2e admin. */
function freshDatabase() {
  const dir = mkdtempSync(join(tmpdir(), "keydesk-live-"));
  const url = `sqlite://${dir}/keydesk.db?mode=rwc`;
  cli(url, "demo-data");
  execFileSync(SERVER, ["--database-url", url, "user", "add", ADMIN.username, "--rights", "all", "--password-stdin"], {
    cwd: ROOT,
    input: `${ADMIN.password}\n`,
  });
  return { url, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function signedInPage(browser: Browser, port: number) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await signIn(page, ADMIN, `http://127.0.0.1:${port}${PAGE}`);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  return { context, page };
}

test("above the limit the table asks the server for each view", async ({ browser }) => {
  const port = Number(process.env.E2E_PORT ?? 3100) + 11;
  const db = freshDatabase();
  const server = await serve(db.url, port, { KEYDESK_BROWSER_TABLE_LIMIT: "3" });
  try {
    const { context, page } = await signedInPage(browser, port);
    await expect(table(page)).toHaveAttribute("data-source", "server");
    const listRequests = countListRequests(page);
    await page.getByRole("searchbox", { name: "Search" }).fill("secure");
    await expect(page).toHaveURL(/q=secure/);
    await expect.poll(() => listRequests.length).toBeGreaterThan(0);
    await expect(table(page)).toHaveAttribute("data-source", "server");
    await context.close();
  } finally {
    await stop(server);
    db.remove();
  }
});

test("after the server restarts, an open page reconnects and catches up", async ({ browser }) => {
  const port = Number(process.env.E2E_PORT ?? 3100) + 12;
  const db = freshDatabase();
  let server = await serve(db.url, port);
  try {
    const { context, page } = await signedInPage(browser, port);
    await expect(table(page)).toHaveAttribute("data-source", "browser");
    await stop(server);
    cli(db.url, "key", "create", "Made while the server was down", "--permission", "chat");
    server = await serve(db.url, port);
    // Reconnection backs off (1 s, 2 s, 4 s, ...): within a few seconds of the restart.
    await expect(row(page, "Made while the server was down")).toBeVisible({ timeout: 15_000 });
    await context.close();
  } finally {
    await stop(server);
    db.remove();
  }
});
