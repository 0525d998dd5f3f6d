//! The Enabled switches' flips that the page shows before their keys do: flipped, being saved,
//! or refused with a reason. Shared by the rows' handlers ([`super::row_actions`]), which set
//! them, and the rows' markup ([`super::row_markup`]), which shows them.

use uuid::Uuid;

/// What the page shows of a flip of a key's Enabled switch until the key itself shows it (the
/// saved key, or the stream's news of it, has a newer version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flip {
    /// The key's version when it was flipped: the flip shows on that version only.
    pub version: i64,
    /// The switch's position on screen.
    pub on: bool,
    /// Being saved (a click then is refused; `aria-busy` says why).
    pub saving: bool,
    /// Why the last save failed.
    pub error: Option<String>,
}

/// The flips on screen, by key: a few at a time, so a list (a hash map would cost the main wasm
/// more than it saves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flips(Vec<(Uuid, Flip)>);

impl Flips {
    pub fn get(&self, key: Uuid) -> Option<&Flip> {
        self.0.iter().find(|(id, _)| *id == key).map(|(_, flip)| flip)
    }

    /// Shows `flip` for `key`, or (`None`) the key as it is.
    pub fn set(&mut self, key: Uuid, flip: Option<Flip>) {
        self.0.retain(|(id, _)| *id != key);
        if let Some(flip) = flip {
            self.0.push((key, flip));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_one_flip_at_most() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let flip = |on| Flip { version: 1, on, saving: true, error: None };
        let mut flips = Flips::default();
        flips.set(a, Some(flip(true)));
        flips.set(b, Some(flip(false)));
        flips.set(a, Some(flip(false)));
        assert_eq!(flips.get(a), Some(&flip(false)));
        flips.set(a, None);
        assert_eq!((flips.get(a), flips.get(b)), (None, Some(&flip(false))));
    }
}
