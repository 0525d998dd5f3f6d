// Browser side of the transfer benchmark: what the API Keys page costs over a slow network, by
// Chromium's own accounting (CDP `Network.loadingFinished`: bytes on the wire, headers
// included). The network is emulated at 100 ms latency and 10 Mbit/s both ways; the cache is
// the browser's own. Three loads: a first visit (empty cache), a repeat visit (the same page
// again), and opening a key's details (the panels' code). Prints JSON: bytes per load, in all
// and for /pkg, and each load's time until the page hydrated.
import { createRequire } from "node:module";
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext();
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send("Network.enable");
await cdp.send("Network.emulateNetworkConditions", {
  offline: false,
  latency: 100,
  downloadThroughput: (10 * 1000 * 1000) / 8,
  uploadThroughput: (10 * 1000 * 1000) / 8,
});
const urls = new Map();
let loads = [];
cdp.on("Network.requestWillBeSent", (event) => urls.set(event.requestId, event.request.url));
cdp.on("Network.responseReceived", (event) => urls.set(event.requestId, event.response.url));
cdp.on("Network.loadingFinished", (event) => {
  loads.push({ url: urls.get(event.requestId) ?? "", bytes: event.encodedDataLength });
});

async function measure(name, action) {
  loads = [];
  const started = Date.now();
  await action();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const hydrated_ms = Date.now() - started;
  await page.waitForTimeout(1500); // lazily loaded parts and late answers
  const total = loads.reduce((sum, load) => sum + load.bytes, 0);
  const pkg = loads.filter((load) => new URL(load.url, base).pathname.startsWith("/pkg/"));
  const files = Object.fromEntries(loads.map((load) => [new URL(load.url, base).pathname, load.bytes]));
  return { name, bytes: total, pkg_bytes: pkg.reduce((sum, load) => sum + load.bytes, 0), hydrated_ms, files };
}

// Signs in through the form (bench/transfer.sh starts the server with this first user's password).
await page.goto(`${base}/login?next=/provisioning/api-keys`);
await page.fill("input[name=username]", "admin");
await page.fill("input[name=password]", process.env.BENCH_ADMIN_PASSWORD);
await page.click("button[type=submit]");
await page.waitForURL(/\/provisioning\/api-keys/);
// The sign-in page loaded the wasm already: start the first visit from an empty cache.
await cdp.send("Network.clearBrowserCache");
const first = await measure("first visit", () => page.goto(`${base}/provisioning/api-keys`));
const repeat = await measure("repeat visit", () => page.goto(`${base}/provisioning/api-keys`));
const details = await measure("details panel", async () => {
  await page.locator("table.keys tbody tr a.key-name").first().click();
  await page.getByRole("dialog", { name: "API Key Details" }).waitFor();
});
console.log(JSON.stringify({ latency_ms: 100, mbit_s: 10, loads: [first, repeat, details] }, null, 2));
await browser.close();
