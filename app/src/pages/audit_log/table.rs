//! The Audit Log's table: `When`, `Who`, `Action`, `Subject`, `Details`, `From`; the count and
//! the pager.

use crate::API_KEYS_PATH;
use crate::audit::AuditEntry;
use crate::audit::page::AuditPage;
use crate::audit::query::{AUDIT_PATH, AuditQuery};
use crate::widgets::{PageClock, Timestamp};
use leptos::prelude::*;

#[component]
pub(super) fn EventTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let read_at = Signal::stored(page.read_at);
    if page.entries.is_empty() {
        let message =
            if query.is_filtered() { "No events match these filters." } else { "Nothing has been recorded yet." };
        return view! {
            <div class="empty" role="status">
                <p>{message}</p>
                {query.is_filtered().then(|| view! { <a href=AUDIT_PATH>"Clear filters"</a> })}
            </div>
        }
        .into_any();
    }
    let pages = if page.more { format!("{}+", page.pages()) } else { page.pages().to_string() };
    let previous = (page.page > 0).then(|| query.on_page(page.page - 1).href());
    let next = page.has_next().then(|| query.on_page(page.page + 1).href());
    let paged = page.page > 0 || next.is_some();
    view! {
        <p class="count" role="status">{page.count_text()}</p>
        <div class="table-wrap">
            <table class="events">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Subject"</th>
                        <th scope="col">"Details"</th>
                        <th scope="col">"From"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.entries.into_iter().map(|entry| view! { <EventRow entry read_at/> }).collect_view()}
                </tbody>
            </table>
        </div>
        {paged.then(|| view! {
            <nav class="pager" aria-label="Pages">
                <PageLink label="Previous" href=previous/>
                <span>{format!("Page {} of {pages}", page.page + 1)}</span>
                <PageLink label="Next" href=next/>
            </nav>
        })}
    }
    .into_any()
}

/// A link to another page of the view, or the label alone where there is none.
#[component]
fn PageLink(label: &'static str, href: Option<String>) -> impl IntoView {
    match href {
        Some(href) => view! { <a class="button" href=href>{label}</a> }.into_any(),
        None => view! { <span class="button" aria-disabled="true">{label}</span> }.into_any(),
    }
}

#[component]
fn EventRow(entry: AuditEntry, read_at: Signal<chrono::DateTime<chrono::Utc>>) -> impl IntoView {
    let clock = PageClock::expect();
    let changes = entry.changes_text(|at| clock.format(at));
    let details: Vec<String> =
        [Some(changes).filter(|c| !c.is_empty()), entry.note.clone()].into_iter().flatten().collect();
    // A key's name leads to its details (the panel says so if the key has since been deleted).
    let subject = match entry.key_id.filter(|_| entry.action.is_key_event()) {
        Some(id) => {
            let href = format!("{API_KEYS_PATH}?panel=key:{id}");
            view! { <a href=href>{entry.subject.clone()}</a> }.into_any()
        }
        None => view! { <span>{entry.subject.clone()}</span> }.into_any(),
    };
    let batch = entry.batch_id.map(|batch| {
        let href = AuditQuery { batch: Some(batch), ..AuditQuery::default() }.href();
        let short = batch.simple().to_string()[..8].to_owned();
        view! { <a class="batch" href=href title=format!("Every event of bulk action {batch}")>{format!("batch {short}")}</a> }
    });
    view! {
        <tr>
            <td><Timestamp at=entry.at read_at/></td>
            <td class="who">{entry.actor}</td>
            <td>{entry.action.label()} " " {batch}</td>
            <td class="subject">{subject}</td>
            <td class="details">{details.join(" · ")}</td>
            <td class="from">{entry.address.unwrap_or_default()}</td>
        </tr>
    }
}
