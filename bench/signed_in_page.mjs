// What the browser benchmarks share: headless Chromium, signed in through the form as the first
// user (bench/run.sh starts servers with BENCH_ADMIN_PASSWORD as that user's password), on the
// API Keys page. Returns the browser (to close) and the page.
import { createRequire } from "node:module";
// Playwright is installed with the end-to-end tests.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

export async function signedInPage(base) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  const page = await browser.newPage();
  await page.goto(`${base}/login?next=/provisioning/api-keys`);
  await page.fill("input[name=username]", "admin");
  await page.fill("input[name=password]", process.env.BENCH_ADMIN_PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/provisioning\/api-keys/);
  return { browser, page };
}
