// What the browser benchmarks share: headless Chromium, signed in through the form as the first
// user (bench/run.sh starts servers with BENCH_ADMIN_PASSWORD as that user's password), on the
// API Keys page. Returns the browser (to close) and the page.
import { createRequire } from "node:module";
// Playwright is installed with the end-to-end tests.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

export async function signedInPage(base, { stopTimers = false } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const page = await browser.newPage();
  if (stopTimers) await stopPageTimers(page);
  await page.goto(`${base}/login?next=/provisioning/api-keys`);
  await page.fill("input[name=username]", "admin");
  await page.fill("input[name=password]", process.env.BENCH_ADMIN_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/provisioning\/api-keys/);
  return { browser, page };
}

// Stops the page's own periodic work, which a keystroke benchmark would otherwise sample as a
// keystroke's result: the page clock's tick (every 15 s it rewrites relative dates such as "a
// minute ago") and the figures' refresh (every 30 s it reads last used and uses again, and
// writes the rows' dates with them). Their intervals are never started; everything else runs
// as it does. Call before the page loads.
export async function stopPageTimers(page) {
  await page.addInitScript(() => {
    const setInterval = window.setInterval;
    window.setInterval = (handler, timeout, ...rest) =>
      (timeout === 15_000 || timeout === 30_000 ? 0 : setInterval(handler, timeout, ...rest));
  });
}
