// Where a keystroke's time goes, from Chromium's own trace: for each keystroke in Search (the
// page holding the list), the task that handles it (its script, and the style and layout the
// script forces), then the frame that draws the result (style, layout, paint) until it is
// committed. Prints the p50 and p95 of each part, and the slowest keystrokes whole.
// Usage (a server as bench/run.sh starts one, BENCH_ADMIN_PASSWORD set):
//   node bench/keystroke_trace.mjs BASE_URL [ROUNDS] [LATENCY_MS]
// With TRACE_FILE set, the trace is saved there too (Perfetto or DevTools open it). Each change
// of the rows is marked in it (`performance.mark("rows-changed")`).
import { signedInPage } from "./signed_in_page.mjs";

const [rounds, latency] = [Number(process.argv[3] ?? 2), Number(process.argv[4] ?? 0)];
const { browser, page } = await signedInPage(process.argv[2], { stopTimers: true });
if (latency > 0) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency, downloadThroughput: -1, uploadThroughput: -1 });
}
await page.waitForFunction(() => document.querySelector("table.keys")?.dataset.source === "browser", null, { timeout: 30_000 });
await page.evaluate(() => {
  new MutationObserver((records) => {
    if (records.some((record) => record.type !== "attributes")) {
      performance.mark("rows-changed");
      window.__changed = true;
    }
  }).observe(document.querySelector("section.api-keys"), { subtree: true, childList: true, characterData: true });
});
const search = page.getByRole("searchbox", { name: "Search" });
await browser.startTracing(page, {
  categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "v8.execute", "blink.user_timing"],
});
for (let round = 0; round < rounds; round++) {
  for (const word of ["key 00", "channel key 01", "nexus", "zoë", "security"]) {
    await search.fill("");
    await page.waitForTimeout(300);
    for (const ch of word) {
      await page.evaluate(() => { window.__changed = false; });
      await page.keyboard.type(ch);
      // The rows this keystroke changes, if any, before the next one.
      await page.waitForFunction(() => window.__changed, null, { timeout: latency * 3 + 1_000 }).catch(() => {});
      await page.waitForFunction(() => !document.querySelector("table.keys tbody[aria-busy]"), null, { timeout: 5_000 });
      await page.waitForTimeout(150);
    }
  }
}
const raw = await browser.stopTracing();
if (process.env.TRACE_FILE) (await import("node:fs")).writeFileSync(process.env.TRACE_FILE, raw);
const trace = JSON.parse(raw.toString()).traceEvents;
await browser.close();

// The renderer's main thread.
const main = trace.find((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain");
const onMain = trace.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X").sort((a, b) => a.ts - b.ts);
const tasks = onMain.filter((e) => e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask");
const within = (task, name) =>
  onMain.filter((e) => e.name === name && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur).reduce((s, e) => s + e.dur, 0) / 1000;
const keydowns = onMain.filter((e) => e.name === "EventDispatch" && e.args?.data?.type === "keydown");
const rows = [];
for (const keydown of keydowns) {
  const task = tasks.find((t) => t.ts <= keydown.ts && t.ts + t.dur >= keydown.ts + keydown.dur);
  if (!task) continue;
  const end = task.ts + task.dur;
  // The input task can be one of several (keydown, keypress, input): take every task until the
  // first frame's paint after them.
  const paint = onMain.find((e) => e.name === "Paint" && e.ts >= end);
  const commit = onMain.find((e) => (e.name === "Commit" || e.name === "UpdateLayerTree") && paint && e.ts >= paint.ts);
  if (!paint) continue;
  const frameEnd = (commit ?? paint).ts + (commit ?? paint).dur;
  const between = tasks.filter((t) => t.ts >= keydown.ts - 1 && t.ts <= paint.ts);
  const sum = (name) => between.reduce((s, t) => s + within(t, name), 0);
  rows.push({
    total: (frameEnd - keydown.ts) / 1000,
    busy: between.reduce((s, t) => s + t.dur, 0) / 1000,
    style: sum("UpdateLayoutTree"),
    layout: sum("Layout"),
    paint: sum("Paint") + sum("PrePaint"),
    tasks: between.length,
  });
  const row = rows[rows.length - 1];
  // Script, and the rest of the tasks' own work.
  row.script = row.busy - row.style - row.layout - row.paint;
}
const pct = (key, p) => {
  const v = rows.map((r) => r[key]).sort((a, b) => a - b);
  return v.length ? +v[Math.max(0, Math.ceil(v.length * p) - 1)].toFixed(1) : null;
};
const report = { keystrokes: rows.length };
for (const key of ["total", "busy", "script", "style", "layout", "paint", "tasks"]) report[key] = { p50: pct(key, 0.5), p95: pct(key, 0.95) };
report.slowest = rows.sort((a, b) => b.total - a.total).slice(0, 5).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(1)])));
console.log(JSON.stringify(report, null, 2));
