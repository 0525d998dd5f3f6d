//! What one writing of the rows writes: the rows' keys and what each row shows, as they were when
//! the writing began, and each row's HTML, written when the row is first placed. A keystroke then
//! writes the HTML of the rows in the window only; the rows below it are written by the later
//! steps that place them.

use super::super::bulk::Picked;
use super::super::flips::Flips;
use super::super::row_markup::{Row, RowContext, RowHtml, row_html};
use super::super::view_state::ViewState;
use crate::api_keys::KeyPage;
use crate::auth::Rights;
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(super) struct Writing {
    /// The page's keys (none: the table shows no rows).
    keys: Option<KeyPage>,
    showing: Showing,
    /// Every row's key, in order.
    ids: Vec<Uuid>,
    /// The first rows' HTML, as far as written.
    written: Vec<(Uuid, RowHtml)>,
}

/// What the rows are shown with, besides their keys.
pub(super) struct Showing {
    pub picked: Picked,
    pub flips: Flips,
    pub view: ViewState,
    pub now: DateTime<Utc>,
    pub local_dates: bool,
    pub rights: Rights,
}

impl Writing {
    pub fn new(keys: Option<KeyPage>, showing: Showing) -> Writing {
        let ids = keys.iter().flat_map(|keys| keys.keys.iter().map(|key| key.id)).collect();
        Writing { keys, showing, ids, written: Vec::new() }
    }

    /// How many rows the table shows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The first `count` rows (or all, if fewer) with their HTML, and the keys of the rows after
    /// them.
    pub fn first(&mut self, count: usize) -> (&[(Uuid, RowHtml)], &[Uuid]) {
        let count = count.min(self.ids.len());
        if let Some(keys) = &self.keys
            && self.written.len() < count
        {
            let Showing { picked, flips, view, now, local_dates, rights } = &self.showing;
            let context = RowContext { now: *now, local_dates: *local_dates, rights: *rights, view };
            let from = self.written.len();
            let more = keys.rows().skip(from).take(count - from).map(|(key, week, leaving)| {
                let row = Row { key, week, leaving, picked: picked.contains(key.id), flip: flips.get(key.id) };
                (key.id, row_html(&context, &row))
            });
            self.written.extend(more);
        }
        (&self.written[..count], &self.ids[count..])
    }
}
