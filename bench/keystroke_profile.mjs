// Where a keystroke's time goes: a CPU profile (CDP Profiler, 100 µs sampling) of typing in
// Search once the page holds the list, summed by function (self time), top 40.
// Usage (a server as bench/run.sh starts one, BENCH_ADMIN_PASSWORD set):
//   node bench/keystroke_profile.mjs BASE_URL
// Wasm functions show by index unless the build keeps their names: for that, put first on PATH
// a `wasm-opt` script that runs end2end/node_modules/.bin/wasm-opt with `-g` added, and run
// `cargo leptos build --release --split --frontend-only` (wasm-opt then merges identical
// functions under one name, so names are a guide). A JS glue function shows by its column in
// keydesk.js (the history call, for one, is the glue around `replaceState`).
import { signedInPage } from "./signed_in_page.mjs";
const { browser, page } = await signedInPage(process.argv[2]);
await page.waitForFunction(() => document.querySelector("table.keys")?.dataset.source === "browser", null, { timeout: 30_000 });
const cdp = await page.context().newCDPSession(page);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
const search = page.getByRole("searchbox", { name: "Search" });
await cdp.send("Profiler.start");
for (const word of ["key 00", "channel key 01", "nexus", "zoë", "security", "key 00", "channel key 01"]) {
  await search.fill("");
  await page.waitForTimeout(200);
  for (const ch of word) { await page.keyboard.type(ch); await page.waitForTimeout(60); }
}
const { profile } = await cdp.send("Profiler.stop");
const self = new Map();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id); const f = n.callFrame;
  const name = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}:${f.columnNumber}`;
  if (f.functionName === "(idle)" || f.functionName === "(program)") return;
  const t = (dt[i + 1] ?? 0) / 1000; total += t;
  self.set(name, (self.get(name) ?? 0) + t);
});
console.log(`busy ${total.toFixed(1)} ms`);
[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, v]) => console.log(v.toFixed(1).padStart(8), k));
await browser.close();
