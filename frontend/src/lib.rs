//! The browser half: hydrates the page the server rendered. Everything real lives in `app`.
//!
//! The panels' and the Audit Log's code are in wasm files of their own (`#[lazy]`, `cargo leptos
//! build --split`); a page served with one of them showing loads its file before hydrating, so
//! hydration stays synchronous.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let location = leptos::prelude::window().location();
        let (path, search) = (location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
        app::pages::preload(&path, &search).await;
        leptos::mount::hydrate_body(app::App);
        // A marker for tests and tooling: from here on the page is interactive.
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
}
