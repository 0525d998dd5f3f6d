//! The DOM work of [`super`] that is written in JavaScript (a wasm-bindgen snippet): from Rust,
//! every read of a node or attribute would cross the wasm boundary with its string copied.

use web_sys::Element;

/// Brings `old` (on the page) to what `new` (just parsed) shows, keeping every node the two
/// share in place: attributes and texts are set where they differ (and a checkbox's `checked`
/// property, which its attribute sets only until it is clicked), nodes of another kind are
/// replaced, and those left over removed. A row updated so keeps its controls (the focus, a
/// click in progress) when, say, the clock rewrites its dates.
///
/// Written in JavaScript: the walk reads every node and attribute of both rows, and from Rust
/// each read is a call across the wasm boundary with its string copied and decoded. Written in
/// Rust, a keystroke that brought a new page spent 54 ms in the page's script against 34 ms with
/// this walk (`bench/results/history.md`, session 14).
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function update(old, fresh) {
  for (const name of old.getAttributeNames()) if (!fresh.hasAttribute(name)) old.removeAttribute(name);
  for (const { name, value } of fresh.attributes) if (old.getAttribute(name) !== value) old.setAttribute(name, value);
  if (old instanceof HTMLInputElement) old.checked = fresh.hasAttribute("checked");
  let current = old.firstChild;
  let child = fresh.firstChild;
  while (child) {
    const nextChild = child.nextSibling;
    if (current && current.nodeName === child.nodeName) {
      const next = current.nextSibling;
      if (current.nodeType === Node.ELEMENT_NODE) update(current, child);
      else if (current.nodeValue !== child.nodeValue) current.nodeValue = child.nodeValue;
      current = next;
    } else if (current) {
      const next = current.nextSibling;
      old.replaceChild(child, current);
      current = next;
    } else {
      old.appendChild(child);
    }
    child = nextChild;
  }
  while (current) {
    const next = current.nextSibling;
    old.removeChild(current);
    current = next;
  }
}

export function set_link(row, href) {
  row.querySelector("a.key-name")?.setAttribute("href", href);
}

// What a writing needs of the layout, read when the layout is fresh (reading it then costs
// nothing): each table body's top in the document and its shortest row, and the window's
// scroll position and height (kept by their events; a resize forgets it all, rows may wrap).
let geometry = new WeakMap();
let view = null;
addEventListener("scroll", () => { if (view) view.scrollY = window.scrollY; }, { passive: true });
addEventListener("resize", () => { geometry = new WeakMap(); view = null; });

function measure(tbody) {
  view = { scrollY: window.scrollY, height: window.innerHeight };
  let shortest = Infinity;
  for (const row of tbody.rows) shortest = Math.min(shortest, row.getBoundingClientRect().height);
  const rows = { top: tbody.getBoundingClientRect().top + view.scrollY, shortest: shortest >= 16 ? shortest : 16 };
  geometry.set(tbody, rows);
  return rows;
}

export function rows_to_window(tbody) {
  const { top, shortest } = (view && geometry.get(tbody)) || measure(tbody);
  return Math.max(1, Math.ceil((view.scrollY + view.height - top) / shortest) + 2);
}

export function measure_after_frame(tbody) {
  requestAnimationFrame(() => setTimeout(() => { if (tbody.isConnected) measure(tbody); }, 0));
}

export function after_next_frame(callback) {
  requestAnimationFrame(() => {
    if (globalThis.scheduler?.postTask) scheduler.postTask(callback, { priority: "background" });
    else setTimeout(callback, 0);
  });
}
"#)]
extern "C" {
    pub(super) fn update(old: &Element, new: &Element);

    /// Points the name's link in `row` at `href` (a row kept as it was but for its link, as
    /// after a search typed): one call across the wasm boundary, not two.
    pub(super) fn set_link(row: &Element, href: &str);

    /// How many rows from the top of `tbody` reach the window's bottom edge, counted in its
    /// shortest row (new rows may be shorter), and two more (one partly shown, one in case the
    /// rows moved since they were measured). From the geometry [`measure_after_frame`] read
    /// last, so that a keystroke does not lay the page out before its rows change (and again
    /// after): at 10,000 keys that forced layout took some 2 ms of each keystroke. Measured
    /// now only the first time, or after the window was resized.
    pub(super) fn rows_to_window(tbody: &Element) -> usize;

    /// Reads the geometry of `tbody` and the window after the next frame.
    pub(super) fn measure_after_frame(tbody: &Element);

    /// Calls `callback` once the next frame is drawn, when the page has nothing more urgent to
    /// do (input comes first).
    pub(super) fn after_next_frame(callback: &wasm_bindgen::JsValue);
}
