//! One row of the key table, written as HTML.
//!
//! The server writes the first screen's rows with it, and the browser writes every later row
//! with the same function (in a lazily loaded part, see [`super::rows_on_screen`]), so both show
//! a key alike. A row is one string: a search that replaces the rows costs one HTML parse,
//! not a DOM call per cell, attribute and listener, and the main wasm carries no row code. The
//! row's controls are handled by the table body ([`super::row_actions`]); they say what they do
//! in `data-act`.
//!
//! Pure: the instant the row is shown at is an argument, like everything else it shows.

use super::flips::Flip;
use super::reason_id;
use super::view_state::{Panel, ViewState};
use crate::api_keys::restrictions::RestrictionMode;
use crate::api_keys::{ApiKey, Status, rotation};
use crate::auth::{Action, Rights};
use crate::date_format::shown_datetime;
use crate::relative_time::relative_time;
use crate::usage::summary::thousands;
use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::fmt::Write;
use std::ops::Range;

/// What all the rows of a table are shown with.
pub struct RowContext<'a> {
    /// The instant dates and statuses are shown against.
    pub now: DateTime<Utc>,
    /// Dates in the browser's time zone (`true`, after hydration) or in UTC (the server's HTML).
    pub local_dates: bool,
    /// The signed-in user's rights: which controls a row offers.
    pub rights: Rights,
    /// The page's view, for each name's link to the key's details over the same view.
    pub view: &'a ViewState,
}

/// One key's row.
pub struct Row<'a> {
    pub key: &'a ApiKey,
    /// Valid verifications per UTC day, the last 7 days, oldest first.
    pub week: [u64; 7],
    /// Changed elsewhere and no longer in the view: marked, and gone at the next change of view.
    pub leaving: bool,
    /// Picked for a bulk action.
    pub picked: bool,
    /// A flip of the Enabled switch not yet shown by the key itself, if any.
    pub flip: Option<&'a Flip>,
}

/// A row's HTML, and where in it the name's link is (it changes with every search typed, while
/// the rest of the row does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowHtml {
    pub html: String,
    /// Where the name's link is in `html` (attribute-escaped).
    link: Range<usize>,
    /// The name's link.
    pub href: String,
}

impl RowHtml {
    /// Whether `other` is the same row but for its name's link.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn same_but_link(&self, other: &RowHtml) -> bool {
        self.html[..self.link.start] == other.html[..other.link.start]
            && self.html[self.link.end..] == other.html[other.link.end..]
    }
}

/// The `<tr>` of one key.
pub fn row_html(context: &RowContext, row: &Row) -> RowHtml {
    let Row { key, week, leaving, picked, flip } = *row;
    let flip = flip.filter(|flip| flip.version == key.version);
    let enabled = flip.map_or(key.enabled, |flip| flip.on);
    let name = text(&key.name);
    let name_attr = attr(&key.name);
    let may = |action: Action| action.allowed(context.rights);
    let mut html = String::with_capacity(2048);
    let out = &mut html;

    // A leaving row is marked by the style sheet: "No longer matches" in its Name cell.
    let _ = write!(out, "<tr data-key-id=\"{}\"{}>", key.id, if leaving { " class=\"leaving\"" } else { "" });
    if may(Action::UpdateKey) || may(Action::DeleteKey) {
        let checked = if picked { " checked" } else { "" };
        let _ = write!(
            out,
            "<td class=\"pick\"><input type=\"checkbox\" data-act=\"pick\" aria-label=\"Select {name_attr}\"{checked}></td>"
        );
    }

    // The switch is not disabled while saving (that would drop the keyboard focus): a click then
    // is refused, and aria-busy says why.
    let saving = flip.is_some_and(|flip| flip.saving);
    let _ = write!(
        out,
        "<td><input type=\"checkbox\" role=\"switch\" data-act=\"switch\" aria-label=\"Enabled: {name_attr}\" aria-busy=\"{saving}\"{}",
        if enabled { " checked" } else { "" }
    );
    if !may(Action::UpdateKey) {
        let _ = write!(
            out,
            " disabled aria-disabled=\"true\" aria-describedby=\"{}\" title=\"{}\"",
            reason_id(Action::UpdateKey),
            attr(Action::UpdateKey.refusal())
        );
    }
    out.push('>');
    if let Some(error) = flip.and_then(|flip| flip.error.as_deref()) {
        let _ = write!(out, "<span class=\"row-error\" role=\"alert\">{}</span>", text(error));
    }
    out.push_str("</td>");

    // A shape as well as a colour for each status: circle, triangle, octagon.
    let status = crate::api_keys::status::status(enabled, key.expires_at, context.now);
    let class = match status {
        Status::Available => "status available i i-available",
        Status::SoonUnavailable => "status soon i i-soon",
        Status::Unavailable => "status unavailable i i-unavailable",
    };
    let label = status.label();
    let title = match (status, key.expires_at) {
        (Status::SoonUnavailable, Some(at)) => {
            format!("Soon Unavailable: expires {}", shown_datetime(at, context.local_dates))
        }
        _ => label.to_owned(),
    };
    let _ =
        write!(out, "<td><span class=\"{class}\" role=\"img\" aria-label=\"{label}\" title=\"{title}\"></span></td>");

    out.push_str("<td class=\"name\"><a href=\"");
    let link_start = out.len();
    let href = context.view.with_panel(Some(Panel::Details(key.id))).href();
    out.push_str(&attr(&href));
    let link = link_start..out.len();
    let _ = write!(out, "\" class=\"key-name\" data-act=\"details\">{name}</a>");
    if key.replaced_by.is_some() {
        out.push_str(
            "<span class=\"badge replaced\" title=\"A rotation replaced this key; it works until its expiry\">Replaced</span>",
        );
    }
    if key.restrictions.mode == RestrictionMode::Enforce {
        out.push_str(
            "<span class=\"badge restricted\" title=\"Works only from its allowed origins or networks\">Restricted</span>",
        );
    }
    let _ = write!(
        out,
        "<span class=\"prefix\" title=\"The start of this key's secret\">{}…</span></td>",
        text(&key.display_prefix)
    );

    let _ = write!(out, "<td class=\"wide-only\">{}</td><td>", key.permission.label());
    timestamp(out, Some(key.created_at), context);
    let _ = write!(out, "</td><td class=\"creator wide-only\">{}</td><td class=\"wide-only\">", text(&key.created_by));
    timestamp(out, key.expires_at, context);
    out.push_str("</td><td class=\"wide-only\">");
    timestamp(out, key.last_used_at, context);
    out.push_str("</td><td>");
    week_of_uses(out, &name_attr, week);
    out.push_str("</td><td class=\"actions\">");

    if may(Action::CreateKey) {
        let _ = write!(
            out,
            "<button type=\"button\" class=\"icon i i-copy\" data-act=\"copy\" aria-label=\"Copy {name_attr}\" title=\"Copy\"></button>"
        );
    }
    if may(Action::CreateKey) && may(Action::UpdateKey) {
        // Why this key cannot be rotated now (expired, disabled, already being replaced), if so.
        let shown = ApiKey { enabled, ..key.clone() };
        let (disabled, title) = match rotation::rotation_refusal(&shown, context.now) {
            Some(why) => (" aria-disabled=\"true\"", attr(&why).into_owned()),
            None => ("", "Rotate".to_owned()),
        };
        let _ = write!(
            out,
            "<button type=\"button\" class=\"icon i i-rotate\" data-act=\"rotate\" aria-label=\"Rotate {name_attr}\"{disabled} title=\"{title}\"></button>"
        );
    }
    if may(Action::DeleteKey) {
        let _ = write!(
            out,
            "<button type=\"button\" class=\"icon danger i i-delete\" data-act=\"delete\" aria-label=\"Delete {name_attr}\" title=\"Delete\"></button>"
        );
    }
    out.push_str("</td></tr>");
    RowHtml { html, link, href }
}

/// A date relative to the context's instant ("a year ago"), exact on hover and in `datetime`;
/// or "never" (a key that never expires, or was never used).
fn timestamp(out: &mut String, at: Option<DateTime<Utc>>, context: &RowContext) {
    match at {
        Some(at) => {
            let _ = write!(
                out,
                "<time datetime=\"{}\" title=\"{}\">{}</time>",
                at.to_rfc3339(),
                shown_datetime(at, context.local_dates),
                relative_time(at, context.now)
            );
        }
        None => out.push_str("<span class=\"muted\">never</span>"),
    }
}

/// A key's valid verifications over the last 7 days: the total, and a bar per UTC day, drawn as
/// one path.
fn week_of_uses(out: &mut String, name_attr: &str, week: [u64; 7]) {
    let total = thousands(week.iter().sum());
    let highest = week.iter().copied().max().unwrap_or(0).max(1) as f64;
    let _ = write!(
        out,
        "<span class=\"week\" role=\"img\" aria-label=\"{name_attr}: {total} verifications in the last 7 days\" \
         title=\"{name_attr}: {total} verifications in the last 7 days\">\
         <span class=\"week-total\" aria-hidden=\"true\">{total}</span>\
         <svg class=\"sparkline\" aria-hidden=\"true\" viewBox=\"0 0 41 14\" width=\"41\" height=\"14\"><path d=\""
    );
    for (day, &uses) in week.iter().enumerate().filter(|(_, uses)| **uses > 0) {
        let height = (uses as f64 / highest * 14.0).max(1.0);
        let _ = write!(out, "M{} 14v-{height:.1}h5v{height:.1}z", day * 6);
    }
    out.push_str("\"></path></svg></span>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::KeyQuery;
    use crate::api_keys::permission::Permission;
    use crate::auth::Right;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn key(name: &str) -> ApiKey {
        ApiKey {
            id: Uuid::from_u128(7),
            name: name.to_owned(),
            permission: Permission::Chat,
            enabled: true,
            expires_at: Some(now() + chrono::Duration::days(3)),
            created_at: now() - chrono::Duration::days(400),
            created_by: "admin@example.com".to_owned(),
            updated_at: now(),
            last_used_at: None,
            display_prefix: "kd_live_ab12".to_owned(),
            version: 3,
            replaces: None,
            replaced_by: None,
            restrictions: Default::default(),
        }
    }

    fn html(rights: Rights, row: Row) -> RowHtml {
        let view =
            ViewState { query: KeyQuery { search: "web".to_owned(), ..KeyQuery::default() }, ..ViewState::default() };
        row_html(&RowContext { now: now(), local_dates: false, rights, view: &view }, &row)
    }

    fn plain(key: &ApiKey) -> Row<'_> {
        Row { key, week: [0; 7], leaving: false, picked: false, flip: None }
    }

    #[test]
    fn a_row_shows_the_key_as_the_guide_does() {
        let key = key("Web chat");
        let row = html(Rights::all(), plain(&key));
        let html = &row.html;
        assert!(html.starts_with(&format!("<tr data-key-id=\"{}\">", key.id)), "{html}");
        assert!(html.contains("aria-label=\"Enabled: Web chat\" aria-busy=\"false\" checked>"), "{html}");
        assert!(
            html.contains("aria-label=\"Soon Unavailable\" title=\"Soon Unavailable: expires 03-12-2026 12:00 UTC\"")
        );
        assert!(html.contains(">Web chat</a>"));
        assert!(html.contains("kd_live_ab12…"));
        assert!(html.contains("<td class=\"wide-only\">Chat</td>"));
        assert!(html.contains("title=\"26-10-2025 12:00 UTC\">a year ago</time>"), "{html}");
        assert!(html.contains("<span class=\"muted\">never</span>"), "never used");
        assert!(html.contains("aria-label=\"Web chat: 0 verifications in the last 7 days\""));
        for control in ["Select Web chat", "Copy Web chat", "Rotate Web chat", "Delete Web chat"] {
            assert!(html.contains(&format!("aria-label=\"{control}\"")), "{control}");
        }
        assert_eq!(row.href, format!("/provisioning/api-keys?q=web&panel=key:{}", key.id));
        assert!(html.contains(&format!(
            "<a href=\"/provisioning/api-keys?q=web&amp;panel=key:{}\" class=\"key-name\" data-act=\"details\">",
            key.id
        )));
        assert!(html.ends_with("</td></tr>"));
    }

    #[test]
    fn names_and_errors_are_escaped() {
        let key = key("<b>\"Tom & Jerry\"</b>");
        let flip = Flip { version: key.version, on: true, saving: false, error: Some("<script>".to_owned()) };
        let row = html(Rights::all(), Row { flip: Some(&flip), ..plain(&key) });
        assert!(!row.html.contains("<b>") && !row.html.contains("<script>"), "{}", row.html);
        assert!(row.html.contains(">&lt;b&gt;\"Tom &amp; Jerry\"&lt;/b&gt;</a>"), "{}", row.html);
        assert!(
            row.html.contains("aria-label=\"Enabled: &lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt;\""),
            "{}",
            row.html
        );
        assert!(row.html.contains("<span class=\"row-error\" role=\"alert\">&lt;script&gt;</span>"));
    }

    #[test]
    fn a_flip_shows_on_the_version_flipped_only() {
        let key = key("Web chat");
        let saving = Flip { version: key.version, on: false, saving: true, error: None };
        let row = html(Rights::all(), Row { flip: Some(&saving), ..plain(&key) });
        assert!(row.html.contains("aria-busy=\"true\">"), "off and busy: {}", row.html);
        assert!(row.html.contains("aria-label=\"Unavailable\""), "the status follows the switch");
        assert!(
            row.html.contains("aria-label=\"Rotate Web chat\" aria-disabled=\"true\""),
            "a disabled key is not rotated"
        );

        let newer = ApiKey { version: 4, ..key.clone() };
        let row = html(Rights::all(), Row { flip: Some(&saving), ..plain(&newer) });
        assert!(row.html.contains("aria-busy=\"false\" checked>"), "the newer key shows itself: {}", row.html);
    }

    #[test]
    fn rights_decide_the_controls() {
        let key = key("Web chat");
        let viewer = html(Rights::none().with(Right::CanView).with(Right::CanRead), plain(&key)).html;
        assert!(!viewer.contains("data-act=\"pick\""));
        assert!(!viewer.contains("data-act=\"copy\"") && !viewer.contains("data-act=\"rotate\""));
        assert!(!viewer.contains("data-act=\"delete\""));
        assert!(viewer.contains(" disabled aria-disabled=\"true\" aria-describedby=\"why-not-update\""), "{viewer}");
    }

    #[test]
    fn rows_differing_only_in_their_link_are_the_same_row() {
        let key = key("Web chat");
        let context = |view| RowContext { now: now(), local_dates: false, rights: Rights::all(), view };
        let first = ViewState::default();
        let second = first.with_query(KeyQuery { search: "chat".to_owned(), ..KeyQuery::default() });
        let a = row_html(&context(&first), &plain(&key));
        let b = row_html(&context(&second), &plain(&key));
        let c = row_html(&context(&first), &Row { picked: true, ..plain(&key) });
        assert!(a.same_but_link(&b) && a.href != b.href);
        assert!(!a.same_but_link(&c));
    }

    #[test]
    fn the_week_is_one_path_scaled_to_its_busiest_day() {
        let key = key("Web chat");
        let row = html(Rights::all(), Row { week: [0, 0, 0, 0, 0, 1200, 600], ..plain(&key) });
        assert!(row.html.contains("<span class=\"week-total\" aria-hidden=\"true\">1,800</span>"));
        assert!(row.html.contains("<path d=\"M30 14v-14.0h5v14.0zM36 14v-7.0h5v7.0z\">"), "{}", row.html);
    }
}
