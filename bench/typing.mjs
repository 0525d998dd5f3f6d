// Browser side of the page benchmark: from a keystroke in Search to the painted frame that shows
// its result, in headless Chromium, optionally with network latency emulated (CDP
// Network.emulateNetworkConditions). For each keystroke: the time from the keydown to the first
// animation frame after the table changed. A keystroke whose result looks like the last one
// changes nothing on screen and has no such frame: it is counted as `unchanged`, not sampled.
// `painted` goes on to the end of that frame's style, layout and paint.
//
// Usage: node bench/typing.mjs BASE_URL ROUNDS LATENCY_MS
// Prints JSON: where the table's rows come from (`data-source`), p50/p95 in milliseconds, the
// p50 until the table first changed (the page's script), the figures until every row of the
// page was written (rows below the window come after the first frame), and,
// when the page holds the list, what loading it took (bytes over the wire and milliseconds from
// hydration until the table answers in the browser).
import { createRequire } from "node:module";
import { stopPageTimers } from "./signed_in_page.mjs";
// Playwright is installed with the end-to-end tests.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, rounds, latency] = [process.argv[2], Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 0)];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
// The page's periodic work (the clock's tick, the figures' refresh) rewrites rows' dates: not a
// keystroke's result, and landing within a second of a keystroke that changed nothing it would
// be sampled as one (the "stray" keystrokes of 240-940 ms in earlier runs). It is stopped.
await stopPageTimers(page);
if (latency > 0) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency, downloadThroughput: -1, uploadThroughput: -1,
  });
}
// Signs in through the form (bench/run.sh starts the server with this first user's password).
await page.goto(`${base}/login?next=/provisioning/api-keys`);
await page.fill("input[name=username]", "admin");
await page.fill("input[name=password]", process.env.BENCH_ADMIN_PASSWORD);
const listLoaded = page.waitForResponse((r) => r.url().includes("/api/load_key_list"), { timeout: 60_000 });
await page.click("button[type=submit]");
await page.waitForURL(/\/provisioning\/api-keys/);
await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
const hydratedAt = Date.now();
let load = null;
const table = page.locator("table.keys");
const response = await listLoaded;
const held = await page.waitForFunction(() => {
  const source = document.querySelector("table.keys")?.dataset.source;
  return source === "browser" ? source : null;
}, null, { timeout: 30_000 }).then(() => true, () => false);
if (held) {
  const sizes = await response.request().sizes();
  load = { bytes: sizes.responseBodySize + sizes.responseHeadersSize, ms: Date.now() - hydratedAt };
}
const source = await table.getAttribute("data-source");
await page.evaluate(() => {
  window.__samples = [];
  window.__painted = [];
  window.__changes = [];
  window.__unchanged = 0;
  window.__delivery = [];
  document.addEventListener("keydown", () => { window.__t0 = performance.now(); }, true);
  // From the keydown to the input event: the browser delivering the typed character, before any
  // of the page's own work.
  document.addEventListener("input", () => {
    if (window.__t0 != null) window.__delivery.push(performance.now() - window.__t0);
  }, true);
  window.__complete = [];
  const section = document.querySelector("section.api-keys");
  new MutationObserver((records) => {
    const t0 = window.__t0;
    // A change of the rows' content (not only of the body's aria-busy).
    if (t0 != null && records.some((record) => record.type !== "attributes")) {
      window.__t0 = null;
      window.__pending = t0;
      window.__changes.push(performance.now() - t0);
      requestAnimationFrame(() => {
        window.__samples.push(performance.now() - t0);
        // A task posted from the frame's callbacks runs once the frame's own work is done
        // (style, layout, paint): the frame painted, as far as the page's thread can tell.
        const channel = new MessageChannel();
        channel.port1.onmessage = () => window.__painted.push(performance.now() - t0);
        channel.port2.postMessage(null);
      });
    }
    // The rows below the window follow a few frames later, while the table body is busy.
    const pending = window.__pending;
    if (pending != null && !document.querySelector("table.keys tbody[aria-busy]")) {
      window.__pending = null;
      requestAnimationFrame(() => window.__complete.push(performance.now() - pending));
    }
  }).observe(section, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-busy"],
  });
});
// Every request the page makes while typing, by path (none is needed once it holds the list).
const requests = {};
page.on("request", (request) => {
  const path = new URL(request.url()).pathname;
  requests[path] = (requests[path] ?? 0) + 1;
});
const search = page.getByRole("searchbox", { name: "Search" });
const words = ["key 00", "channel key 01", "nexus", "zoë", "security"];
for (let round = 0; round < rounds; round++) {
  for (const word of words) {
    await search.fill("");
    await page.waitForTimeout(latency * 2 + 300);
    await page.evaluate(() => { window.__t0 = null; });
    for (const ch of word) {
      await page.keyboard.type(ch);
      // Wait for this keystroke's table before the next one, as a reader would see it.
      const changed = await page.waitForFunction(() => window.__t0 == null, null, { timeout: latency * 3 + 700 })
        .then(() => true, () => false);
      if (!changed) await page.evaluate(() => { window.__t0 = null; window.__unchanged++; });
      // And for the rows below the window, so that none of their changes counts as the next
      // keystroke's.
      await page.waitForFunction(() => !document.querySelector("table.keys tbody[aria-busy]"), null,
        { timeout: 5_000 });
      await page.waitForTimeout(20);
    }
  }
}
const [samples, painted, changes, complete, unchanged, delivery] = await page.evaluate(
  () => [window.__samples, window.__painted, window.__changes, window.__complete, window.__unchanged, window.__delivery]);
const pct = (p, values = samples) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.max(0, Math.ceil(sorted.length * p) - 1)].toFixed(1);
};
console.log(JSON.stringify({
  data_source: source, latency_ms: latency, keystrokes: samples.length, unchanged,
  p50_ms: pct(0.5), p95_ms: pct(0.95),
  // To the end of that frame's work on the page's thread (its style, layout and paint): the
  // painted frame. The compositor's part (a few milliseconds on another thread) is not in it.
  painted: { p50_ms: pct(0.5, painted), p95_ms: pct(0.95, painted) },
  // From the keystroke to the table's first change: the page's own script. The rest is the
  // style and layout that change causes (Chromium does them within the keystroke's task) and
  // waiting for the frame.
  to_first_change_p50_ms: pct(0.5, changes),
  // To the frame with every row of the page written (those below the window follow the first
  // frame), for the keystrokes whose rows were all written before the next keystroke.
  all_rows_written: { keystrokes: complete.length, p50_ms: pct(0.5, complete), p95_ms: pct(0.95, complete) },
  // From the keydown to the input event, for every keystroke: the browser's part. Chromium
  // driven over CDP now and then holds a typed character back for a few hundred milliseconds
  // while its page sits idle (seen in a trace, bench/keystroke_trace.mjs); those keystrokes
  // are the `held_back` ones (over 50 ms) and they count in p50/p95 above all the same.
  delivery: { p50_ms: pct(0.5, delivery), p95_ms: pct(0.95, delivery),
              held_back: delivery.filter((ms) => ms > 50).map((ms) => +ms.toFixed(0)) },
  list_load: load,
  requests_while_typing: requests,
}, null, 2));
await browser.close();
