// Where a keystroke's time goes: a CPU profile (CDP Profiler, 100 µs sampling) of typing in
// Search once the page holds the list, summed by function, top 40 by self time and by
// inclusive time (the function anywhere on the sample's stack).
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
// Inclusive: the time of every sample with the function anywhere on its stack (once per sample).
const inclusive = new Map();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const nameOf = (n) => {
  const f = n.callFrame;
  return `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}:${f.columnNumber}`;
};
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id);
  if (n.callFrame.functionName === "(idle)" || n.callFrame.functionName === "(program)") return;
  const t = (dt[i + 1] ?? 0) / 1000; total += t;
  self.set(nameOf(n), (self.get(nameOf(n)) ?? 0) + t);
  const seen = new Set();
  for (let at = id; at != null; at = parent.get(at)) seen.add(nameOf(byId.get(at)));
  for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + t);
});
const top = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)
  .forEach(([k, v]) => console.log(v.toFixed(1).padStart(8), k));
console.log(`busy ${total.toFixed(1)} ms; self time:`);
top(self);
console.log("inclusive time:");
top(inclusive);
await browser.close();
