//! The browser half: hydrates the page the server rendered. Everything real lives in `app`.
//!
//! The panels' code is in its own wasm file (`#[lazy]`, `cargo leptos build --split`); a page
//! served with a panel open loads that file before hydrating, so hydration stays synchronous.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let search = leptos::prelude::window().location().search().unwrap_or_default();
        app::pages::api_keys::load_open_panel(&search).await;
        leptos::mount::hydrate_body(app::App);
        // A marker for tests and tooling: from here on the page is interactive.
        if let Some(body) = leptos::prelude::document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
}
