//! The notices above the table: what needs attention (`api_keys::attention`), each a link to the
//! view of its keys. The server reads them with its first screen; after hydration the page reads
//! them again after every change it sees, its own or the live stream's (`browser_table::live`),
//! and shows them with its next page. Nothing needs attention: the region is empty, and the style
//! sheet hides it. (No resource of their own: a resource of a new type costs the main wasm
//! several kilobytes; and the server writes their sentences and links.)

use crate::api_keys::KeyPage;
use crate::api_keys::attention::NoticeLink;
use leptos::prelude::*;

/// The notice region of the table's pages (`loaded`: the page on screen). A page that came
/// without notices keeps the last ones shown.
pub(super) fn notice_list(loaded: Memo<Option<KeyPage>>) -> impl IntoView {
    let last = StoredValue::new(Vec::<NoticeLink>::new());
    let notices = move || {
        let read = loaded.with(|page| page.as_ref().and_then(|page| page.notices.clone()));
        match read {
            Some(notices) => {
                last.set_value(notices.clone());
                notices
            }
            None => last.get_value(),
        }
    };
    view! {
        // A live region present from the start, so that a notice appearing later is announced.
        <ul class="notices" role="status" aria-label="Needs attention">
            {move || notices().into_iter().map(|notice| {
                view! { <li><a href=notice.href>{notice.text}</a></li> }
            }).collect_view()}
        </ul>
    }
}
