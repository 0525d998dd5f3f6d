//! The sign-in page. A plain HTML form posted to the server (`POST /login`), so it works before
//! and without the wasm; the server answers with a redirect back to `next` or to this page.

use crate::auth::LOGIN_PATH;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let params = use_query_map();
    let next = move || params.with(|p| p.get("next")).unwrap_or_default();
    let problem = move || {
        params.with(|p| {
            // Only a number is shown: the link could have come from anyone.
            if let Some(wait) = p.get("wait") {
                Some(match wait.parse::<u32>() {
                    Ok(1) => "Too many failed sign-ins. Try again in a second.".to_owned(),
                    Ok(seconds) => format!("Too many failed sign-ins. Try again in {seconds} seconds."),
                    Err(_) => "Too many failed sign-ins. Try again shortly.".to_owned(),
                })
            } else {
                p.get("failed").map(|_| "The username or password is not right.".to_owned())
            }
        })
    };
    view! {
        <Title text="Sign in · Keydesk"/>
        <section class="login">
            <h1>"Sign in"</h1>
            <form method="post" action=LOGIN_PATH class="login-form">
                <input type="hidden" name="next" value=next/>
                {move || problem().map(|text| view! { <p class="error" role="alert">{text}</p> })}
                <label>
                    <span>"Username"</span>
                    <input type="text" name="username" autocomplete="username" required autofocus/>
                </label>
                <label>
                    <span>"Password"</span>
                    <input type="password" name="password" autocomplete="current-password" required/>
                </label>
                <button type="submit" class="primary">"Sign in"</button>
            </form>
        </section>
    }
}
