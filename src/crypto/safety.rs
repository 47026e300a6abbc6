//! Safety codes: a short number derived from an account's public keys, read aloud or
//! compared on two screens so that a server cannot substitute its own key.

use crate::api::PublicKeys;

const LABEL: &[u8] = b"coffre/safety-code/v1";

/// Twelve digits in four groups of three, e.g. `042 917 305 668`.
pub fn safety_code(keys: &PublicKeys) -> String {
    let mut input = Vec::with_capacity(128);
    input.extend_from_slice(LABEL);
    input.push(0);
    input.extend_from_slice(keys.age_recipient.as_bytes());
    input.push(0);
    input.extend_from_slice(keys.signing_key.as_slice());
    let digest = super::sha256(&input);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = u64::from_be_bytes(first) % 1_000_000_000_000;
    let digits = format!("{n:012}");
    digits
        .as_bytes()
        .chunks(3)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares a typed code with the expected one, ignoring spaces and dashes.
pub fn matches(expected: &str, typed: &str) -> bool {
    let clean = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let typed_clean = clean(typed);
    typed_clean.len() == 12 && typed_clean == clean(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::identity::Identity;

    #[test]
    fn code_shape_and_sensitivity() {
        let a = Identity::generate().public_keys();
        let b = Identity::generate().public_keys();
        let ca = safety_code(&a);
        assert_eq!(ca.len(), 15);
        assert_eq!(ca, safety_code(&a));
        assert_ne!(ca, safety_code(&b));
        assert!(matches(&ca, &ca.replace(' ', "-")));
        assert!(!matches(&ca, "000 000"));
    }
}
