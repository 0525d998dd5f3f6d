// What the browser's own work costs when the table's rows change, apart from the page's code:
// the 50 rows of the first page written anew (new elements, as parsing HTML makes them) against
// the same rows with their texts changed in place (what taking over leaving rows costs the
// browser, see app/src/pages/api_keys/rows_on_screen.rs). Each case: the change, then the
// style and layout it forces, median of 10; and with the next frame (paint included).
// Usage (a server as bench/run.sh starts one, BENCH_ADMIN_PASSWORD set):
//   node bench/row_rendering.mjs BASE_URL
import { signedInPage } from "./signed_in_page.mjs";
const { browser, page } = await signedInPage(process.argv[2]);
await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
const figures = await page.evaluate(async () => {
  const tbody = document.querySelector("table.keys tbody");
  const html = tbody.innerHTML;
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const median = (xs) => +[...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
  const cases = {
    "rows made anew": () => { tbody.innerHTML = html; },
    "texts changed in place": (i) => {
      for (const link of tbody.querySelectorAll("a.key-name")) link.textContent = `Key ${i} ${Math.random().toString(36).slice(2, 8)}`;
      for (const time of tbody.querySelectorAll("time")) time.textContent = `${i} minutes ago`;
    },
    "nothing changed": () => {},
  };
  const result = {};
  for (const [name, change] of Object.entries(cases)) {
    const forced = [], painted = [];
    for (let i = 0; i < 10; i++) {
      await frame();
      let start = performance.now();
      change(i);
      document.body.offsetHeight;
      forced.push(performance.now() - start);
      await frame();
      start = performance.now();
      change(i + 10);
      await frame();
      painted.push(performance.now() - start);
    }
    result[name] = { style_and_layout_ms: median(forced), to_next_frame_ms: median(painted) };
  }
  return result;
});
console.log(JSON.stringify(figures, null, 2));
await browser.close();
