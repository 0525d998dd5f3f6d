// Browser side of bench/live.sh: a page on one instance, changes made with the command line,
// and the time from starting the command to the painted frame that shows the change. The
// command's own run (connecting, the transaction) is inside the figure; it is reported alone too.
//
// Usage: node bench/live.mjs BASE_URL SERVER_BINARY DATABASE_URL CHANGES
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, server, url, changes] = [process.argv[2], process.argv[3], process.argv[4], Number(process.argv[5] ?? 50)];
const NAME = "Live bench key";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(`${base}/login?next=${encodeURIComponent(`/provisioning/api-keys?q=${NAME}`)}`);
await page.fill("input[name=username]", "admin");
await page.fill("input[name=password]", process.env.BENCH_ADMIN_PASSWORD);
await page.click("button[type=submit]");
await page.waitForURL(/\/provisioning\/api-keys/);
await page.waitForFunction(() => document.querySelector("table.keys")?.dataset.source === "browser", null, { timeout: 60_000 });
await page.evaluate(() => {
  // Arms a watch for the key's status icon to read `label`; __at is then the wall-clock time
  // of the frame that paints it.
  window.__arm = (label) => {
    window.__at = null;
    const check = () => {
      const icon = document.querySelector("table.keys tbody tr .status");
      if (icon?.getAttribute("aria-label") === label) {
        observer.disconnect();
        requestAnimationFrame(() => { window.__at = performance.timeOrigin + performance.now(); });
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.querySelector("section.api-keys"), { subtree: true, childList: true, attributes: true });
    check();
  };
});
const total = [], command = [];
for (let i = 0; i < changes; i++) {
  const [action, label] = i % 2 === 0 ? ["disable", "Unavailable"] : ["enable", "Available"];
  await page.evaluate((label) => window.__arm(label), label);
  const started = performance.timeOrigin + performance.now();
  execFileSync(server, ["--database-url", url, "key", "bulk", action, "--key", NAME], { stdio: "ignore" });
  const finished = performance.timeOrigin + performance.now();
  const at = await (await page.waitForFunction(() => window.__at, null, { timeout: 10_000 })).jsonValue();
  total.push(at - started);
  command.push(finished - started);
  await page.waitForTimeout(100);
}
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)].toFixed(1);
};
console.log(JSON.stringify({
  changes,
  from_command_start: { p50_ms: pct(total, 0.5), p95_ms: pct(total, 0.95), max_ms: pct(total, 1) },
  command_alone: { p50_ms: pct(command, 0.5), p95_ms: pct(command, 0.95) },
  bar_ms: 1000,
}, null, 2));
await browser.close();
