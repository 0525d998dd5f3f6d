// Browser side of the page benchmark: from a keystroke in Search to the painted table.
// For each keystroke: the time from the keydown to the first animation frame after the
// table changed (or, when the new result looks the same, after its answer arrived), in
// headless Chromium. Prints p50/p95 in milliseconds as JSON.
import { createRequire } from "node:module";
// Playwright is installed with the end-to-end tests.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, rounds] = [process.argv[2], Number(process.argv[3] ?? 5)];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
// A keystroke whose result looks the same as the last one changes no node: it is done when the
// page has read the server's answer and the next frame is painted (the same one frame the
// MutationObserver path below waits for).
await page.addInitScript(() => {
  for (const method of ["text", "arrayBuffer", "json"]) {
    const original = Response.prototype[method];
    Response.prototype[method] = function (...args) {
      const t0 = window.__t0;
      const isList = this.url.includes("list_keys");
      return original.apply(this, args).then((body) => {
        if (isList && t0 != null) {
          setTimeout(() => requestAnimationFrame(() => {
            if (window.__t0 === t0) {
              window.__t0 = null;
              window.__samples.push(performance.now() - t0);
            }
          }), 0);
        }
        return body;
      });
    };
  }
});
// Signs in through the form (bench/run.sh starts the server with this first user's password).
await page.goto(`${base}/login?next=/provisioning/api-keys`);
await page.fill("input[name=username]", "admin");
await page.fill("input[name=password]", process.env.BENCH_ADMIN_PASSWORD);
await page.click("button[type=submit]");
await page.waitForURL(/\/provisioning\/api-keys/);
await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
await page.evaluate(() => {
  window.__samples = [];
  document.addEventListener("keydown", () => { window.__t0 = performance.now(); }, true);
  const section = document.querySelector("section.api-keys");
  new MutationObserver(() => {
    const t0 = window.__t0;
    if (t0 == null) return;
    window.__t0 = null;
    requestAnimationFrame(() => window.__samples.push(performance.now() - t0));
  }).observe(section, { subtree: true, childList: true, characterData: true });
});
const search = page.getByRole("searchbox", { name: "Search" });
const words = ["key 00", "channel key 01", "nexus", "zoë", "security"];
for (let round = 0; round < rounds; round++) {
  for (const word of words) {
    await search.fill("");
    await page.waitForTimeout(150);
    for (const ch of word) {
      await page.keyboard.type(ch);
      // Wait for this keystroke's table before the next one, as a reader would see it.
      await page.waitForFunction(() => window.__t0 == null, null, { timeout: 5000 });
      await page.waitForTimeout(20);
    }
  }
}
const samples = (await page.evaluate(() => window.__samples)).sort((a, b) => a - b);
const pct = (p) => samples[Math.max(0, Math.ceil(samples.length * p) - 1)];
console.log(JSON.stringify({ keystrokes: samples.length, p50_ms: +pct(0.5).toFixed(1), p95_ms: +pct(0.95).toFixed(1) }, null, 2));
await browser.close();
