// Browser side of the page benchmark: from a keystroke in Search to the painted table.
// For each keystroke: the time from the keydown to the first animation frame after the
// table changed (or, when the new result looks the same, after its answer arrived), in
// headless Chromium. Prints p50/p95 in milliseconds as JSON, and where the time went:
// `to_request` (keydown to the list request leaving the page: event, URL and reactive
// work), `request` (until the page has read the answer: network and server) and `to_paint`
// (from the answer to the painted frame: decoding and rendering).
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
  // Marks of the keystroke being measured: __t0 (keydown), __sent and __read (its request).
  // Ends the keystroke's measurement now; its sample is taken at the next painted frame.
  window.__finish = () => {
    const [t0, sent, read] = [window.__t0, window.__sent ?? window.__t0, window.__read];
    window.__t0 = null;
    requestAnimationFrame(() => {
      const end = performance.now();
      window.__samples.push({ total: end - t0, to_request: sent - t0, request: read - sent, to_paint: end - read });
    });
  };
  const fetch = window.fetch;
  window.fetch = function (input, ...rest) {
    if (window.__t0 != null && String(input.url ?? input).includes("list_keys")) window.__sent = performance.now();
    return fetch.call(this, input, ...rest);
  };
  for (const method of ["text", "arrayBuffer", "json"]) {
    const original = Response.prototype[method];
    Response.prototype[method] = function (...args) {
      const t0 = window.__t0;
      const isList = this.url.includes("list_keys");
      return original.apply(this, args).then((body) => {
        if (isList && t0 != null) {
          window.__read = performance.now();
          // Rendering starts after the answer is read, so give it a task to run in first.
          setTimeout(() => { if (window.__t0 === t0) window.__finish(); }, 0);
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
  document.addEventListener("keydown", () => {
    window.__t0 = performance.now();
    window.__sent = window.__read = null;
  }, true);
  const section = document.querySelector("section.api-keys");
  new MutationObserver(() => {
    if (window.__t0 != null && window.__read != null) window.__finish();
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
const samples = await page.evaluate(() => window.__samples);
const pct = (field, p) => {
  const sorted = samples.map((s) => s[field]).sort((a, b) => a - b);
  return +sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)].toFixed(1);
};
const phases = Object.fromEntries(["to_request", "request", "to_paint"].map((field) =>
  [field, { p50_ms: pct(field, 0.5), p95_ms: pct(field, 0.95) }]));
console.log(JSON.stringify({ keystrokes: samples.length, p50_ms: pct("total", 0.5), p95_ms: pct("total", 0.95), phases }, null, 2));
await browser.close();
