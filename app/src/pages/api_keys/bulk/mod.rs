//! Bulk actions on the page: the keys picked (by hand, a page at a time, or every key matching
//! the view), and, once any are picked, the bar with the actions and the preview dialog. The bar
//! and the dialog are loaded on demand (`#[lazy]`), like the panels: most visits pick nothing.

mod bar;
mod dialog;

use crate::api_keys::KeyQuery;
use crate::api_keys::bulk::Selection;
use leptos::prelude::*;
use uuid::Uuid;

/// The keys picked for a bulk action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Picked {
    /// Picked by hand (on the pages seen).
    pub ids: Vec<Uuid>,
    /// Every key of the view, however many pages it has.
    pub all_matching: bool,
}

impl Picked {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && !self.all_matching
    }

    pub fn contains(&self, id: Uuid) -> bool {
        self.all_matching || self.ids.contains(&id)
    }

    /// `id` picked or not (picking by hand ends "all matching", keeping the others).
    pub fn with(&self, id: Uuid, on: bool, page_ids: &[Uuid]) -> Picked {
        let mut ids = if self.all_matching { page_ids.to_vec() } else { self.ids.clone() };
        ids.retain(|&other| other != id);
        if on {
            ids.push(id);
        }
        Picked { ids, all_matching: false }
    }

    /// Every key of the page picked, or none of them.
    pub fn with_page(&self, page_ids: &[Uuid], on: bool) -> Picked {
        let mut ids: Vec<Uuid> = self.ids.iter().copied().filter(|id| !page_ids.contains(id)).collect();
        if on {
            ids.extend_from_slice(page_ids);
        }
        Picked { ids, all_matching: false }
    }

    /// What the server acts on: the view's query, or the ids.
    pub fn selection(&self, query: &KeyQuery) -> Selection {
        if self.all_matching {
            Selection::View(KeyQuery { page: 0, ..query.clone() })
        } else {
            Selection::Picked(self.ids.clone())
        }
    }
}

/// The bar (and its dialog) while keys are picked; `total` is the view's count, `page_ids` the
/// keys its page shows.
pub(crate) fn lazy_bar(total: Signal<u64>, page_ids: Signal<Vec<Uuid>>) -> impl IntoView {
    view! { <Suspense>{Suspend::new(async move { bar_view(total, page_ids).await })}</Suspense> }
}

#[lazy]
fn bar_view(total: Signal<u64>, page_ids: Signal<Vec<Uuid>>) -> AnyView {
    view! { <bar::BulkBar total page_ids/> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picking_by_hand_and_by_page() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let picked = Picked::default().with(a, true, &[a, b]).with_page(&[b, c], true);
        assert_eq!(picked.ids, vec![a, b, c]);
        assert!(picked.with_page(&[b, c], false).ids == vec![a]);
        let all = Picked { ids: vec![], all_matching: true };
        assert!(all.contains(c) && !all.is_empty());
        assert_eq!(all.with(a, false, &[a, b]), Picked { ids: vec![b], all_matching: false });
        let query = KeyQuery { search: "shop".into(), page: 3, ..KeyQuery::default() };
        assert_eq!(all.selection(&query), Selection::View(KeyQuery { search: "shop".into(), ..KeyQuery::default() }));
    }
}
