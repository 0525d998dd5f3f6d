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
  categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "disabled-by-default-devtools.timeline.stack",
               "toplevel", "v8.execute", "blink.user_timing"],
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
const tasks = onMain.filter((e) => e.name === "RunTask");
const taskOf = (event) => tasks.find((t) => t.ts <= event.ts && t.ts + t.dur >= event.ts + event.dur);
const inside = (task, name) =>
  onMain.filter((e) => e.name === name && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur);
const sum = (events) => events.reduce((total, e) => total + e.dur, 0) / 1000;
const dispatched = (type) => onMain.filter((e) => e.name === "EventDispatch" && e.args?.data?.type === type);
const inputs = dispatched("input");
const changes = trace.filter((e) => e.name === "rows-changed").map((e) => e.ts).sort((a, b) => a - b);
const keydowns = dispatched("keydown");
const rows = [];
// Where the script forced style or layout, by the script's innermost frame: total milliseconds.
const forcedBy = new Map();
keydowns.forEach((keydown, n) => {
  const next = keydowns[n + 1]?.ts ?? Infinity;
  const input = inputs.find((e) => e.ts > keydown.ts && e.ts < next);
  const task = input && taskOf(input);
  if (!task) return;
  const end = task.ts + task.dur;
  const layouts = ["Layout", "UpdateLayoutTree"].flatMap((name) => inside(task, name));
  const forced = layouts.filter((e) => e.args?.beginData?.stackTrace?.length);
  for (const e of forced) {
    const frame = e.args.beginData.stackTrace[0];
    const at = `${e.name} from ${frame.functionName || "(anon)"} ${frame.url.split("/").pop()}:${frame.lineNumber}`;
    forcedBy.set(at, (forcedBy.get(at) ?? 0) + e.dur / 1000);
  }
  // The frame after the keystroke's task: the task that commits it.
  const commit = onMain.find((e) => e.name === "Commit" && e.ts >= end);
  const frame = commit && taskOf(commit);
  if (!frame) return;
  rows.push({
    changed: changes.some((ts) => ts > keydown.ts && ts < next),
    // From the keydown to the end of the task that handled its input (the browser's editing
    // and the page's script, with the style and layout they force).
    task: (end - keydown.ts) / 1000,
    // The page's input handlers, with any style and layout they force.
    input_handlers: sum(inside(task, "EventDispatch").filter((e) => e.args.data.type === "input")),
    layout_in_task: sum(layouts),
    // Of which forced by the page's script (a read of the layout, a focus) before its handlers
    // return, and what the browser does after them in the same task (its editing: the caret).
    layout_forced_by_script: sum(forced),
    layout_after_handlers: sum(layouts.filter((e) => !forced.includes(e))),
    wait: (frame.ts - end) / 1000,
    frame: frame.dur / 1000,
    // Nested Paint events repeat their parents' time: the outermost one is the frame's.
    paint: Math.max(0, ...inside(frame, "Paint").map((e) => e.dur)) / 1000,
    to_commit: (commit.ts + commit.dur - keydown.ts) / 1000,
  });
});
const pct = (list, key, p) => {
  const v = list.map((r) => r[key]).sort((a, b) => a - b);
  return v.length ? +v[Math.max(0, Math.ceil(v.length * p) - 1)].toFixed(1) : null;
};
const summary = (list) => Object.fromEntries(["task", "input_handlers", "layout_in_task", "layout_forced_by_script",
  "layout_after_handlers", "wait", "frame", "paint", "to_commit"]
  .map((key) => [key, { p50: pct(list, key, 0.5), p95: pct(list, key, 0.95) }]));
const changed = rows.filter((r) => r.changed);
console.log(JSON.stringify({
  keystrokes: rows.length,
  changed_the_rows: { keystrokes: changed.length, ...summary(changed) },
  all: summary(rows),
  forced_by: Object.fromEntries([...forcedBy.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +v.toFixed(1)])),
  slowest: [...rows].sort((a, b) => b.to_commit - a.to_commit).slice(0, 5)
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? +v.toFixed(1) : v]))),
}, null, 2));
