//! The rule for a key's name. Names need not be unique (the guide's own table has two "Securemail").

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Name is required.")]
    Empty,
    #[error("Name must be at most {MAX_NAME_CHARS} characters (it has {0}).")]
    TooLong(usize),
    #[error("Name must not contain control characters such as tabs or line breaks.")]
    ControlCharacter,
}

/// Trims the name and checks it: 1 to 100 characters, no control characters.
pub fn validate_name(raw: &str) -> Result<String, NameError> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(NameError::Empty);
    }
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong(chars));
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::ControlCharacter);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_unicode() {
        assert_eq!(validate_name("  Chat widget  ").as_deref(), Ok("Chat widget"));
        assert_eq!(validate_name("Clé d'été 🔑").as_deref(), Ok("Clé d'été 🔑"));
    }

    #[test]
    fn counts_characters_not_bytes() {
        let hundred = "é".repeat(100);
        assert_eq!(validate_name(&hundred), Ok(hundred.clone()));
        assert_eq!(validate_name(&format!("{hundred}é")), Err(NameError::TooLong(101)));
    }

    #[test]
    fn refuses_blank_names_and_control_characters() {
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(validate_name(" \t\n "), Err(NameError::Empty));
        assert_eq!(validate_name("a\tb"), Err(NameError::ControlCharacter));
        assert_eq!(validate_name("a\u{7f}b"), Err(NameError::ControlCharacter));
    }
}
