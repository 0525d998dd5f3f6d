import { test, expect } from "@playwright/test";

const PAGE = "/provisioning/api-keys";

test("the key table is rendered on the server, before any wasm runs", async ({ browser }) => {
  // Signed in as the other tests are (the sign-in project's saved session).
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: "playwright/.auth/admin.json" });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page).toHaveURL(new RegExp(`${PAGE}$`));
  await expect(page.getByRole("heading", { name: "API Keys" })).toBeVisible();
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(10);
  await expect(page.getByRole("row", { name: /Designer 35-05/ })).toContainText("4 years ago");
  await expect(page.getByRole("row", { name: /Designer 35-05/ })).toContainText("admin.team@example.com");
  await expect(page.getByRole("switch", { name: "Enabled: Designer 35-05" })).toBeChecked();
  await page.goto(`${PAGE}?q=secure`);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("secure");
  await expect(rows).toHaveCount(2);
  await context.close();
});

test("after hydration, typing in Search filters the table and the URL", async ({ page }) => {
  await page.goto(PAGE);
  await expect(page.locator("tbody tr")).toHaveCount(10);
  // The search box only reacts once the wasm has hydrated the page.
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("searchbox", { name: "Search" }).fill("secure");
  await expect(page.locator("tbody tr")).toHaveCount(2);
  await expect(page.locator("tbody tr").first()).toContainText("Securemail");
  await expect(page).toHaveURL(/q=secure/);
  await page.screenshot({ path: "test-results/search-filtered.png", fullPage: true });
});

test("a typed search reaches the URL after its table, in the entry it was typed over", async ({ page }) => {
  await page.goto(`${PAGE}?status=available`);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  // A keystroke and a status toggle in one task: the toggle's new history entry comes after the
  // typed search has replaced the entry it was typed over, so Back returns to the search.
  await page.evaluate(() => {
    const search = document.querySelector<HTMLInputElement>("input[type=search]")!;
    search.value = "secure";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    [...document.querySelectorAll<HTMLButtonElement>("button.toggle")].find((b) => b.textContent === "Unavailable")!.click();
  });
  await expect(page).toHaveURL(/\?q=secure&status=available(,|%2C)unavailable$/);
  await page.goBack();
  await expect(page).toHaveURL(/\?q=secure&status=available$/);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("secure");
  await expect(page.getByRole("button", { name: "Unavailable", exact: true })).toHaveAttribute("aria-pressed", "false");
  // Typing alone replaces the entry: Back leaves the page.
  await page.getByRole("searchbox", { name: "Search" }).fill("securemail");
  await expect(page).toHaveURL(/\?q=securemail&status=available$/);
  await page.goBack();
  await expect(page).not.toHaveURL(/api-keys/);
});

test("Back while a typed search waits for its URL shows the view Back brings at once", async ({ page }) => {
  await page.goto(`${PAGE}?status=available`);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Unavailable", exact: true }).click();
  await expect(page).toHaveURL(/\?status=available(,|%2C)unavailable$/);
  // Type, then Back before the typed search reaches the URL (it waits for a pause in typing):
  // read the view one frame after Back, well within that pause.
  const shown = await page.evaluate(async () => {
    const search = document.querySelector<HTMLInputElement>("input[type=search]")!;
    search.value = "secure";
    search.dispatchEvent(new Event("input", { bubbles: true }));
    const back = new Promise((done) => addEventListener("popstate", done, { once: true }));
    history.back();
    await back;
    await new Promise((done) => requestAnimationFrame(done));
    const unavailable = [...document.querySelectorAll<HTMLButtonElement>("button.toggle")].find((b) => b.textContent === "Unavailable")!;
    return { search: search.value, unavailable: unavailable.getAttribute("aria-pressed"), url: location.search };
  });
  expect(shown).toEqual({ search: "", unavailable: "false", url: "?status=available" });
});

test("a page served with a panel open hydrates it; the panels' code is fetched only then", async ({ page }) => {
  const split: string[] = [];
  page.on("request", (request) => {
    if (/\/pkg\/split_panel_view_.*\.wasm$/.test(request.url())) split.push(request.url());
  });
  await page.goto(PAGE);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  expect(split, "the table alone does not need the panels' code").toHaveLength(0);
  const id = await page.getByRole("row", { name: /Designer 35-05/ }).getAttribute("data-key-id");

  await page.goto(`${PAGE}?panel=key:${id}`);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  expect(split.length, "a served panel needs its code before hydration").toBeGreaterThan(0);
  const details = page.getByRole("dialog", { name: "API Key Details" });
  await expect(details.getByLabel("Name")).toHaveValue("Designer 35-05");
  await details.getByRole("button", { name: "Close" }).click();
  await expect(details).toHaveCount(0);
  await expect(page).not.toHaveURL(/panel=/);
});
