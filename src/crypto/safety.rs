//! Safety codes and key bindings: what lets two people at a counter be sure that the
//! keys their devices use are each other's, whatever the server says.
//!
//! - The **key binding** is the account's Ed25519 signature over its age recipient,
//!   made on the device at registration: whoever announces the keys holds the signing
//!   key and vouches for the recipient (proof of possession). Server and clients
//!   refuse keys whose binding does not verify.
//! - The **safety code** is 28 digits (7 groups of 4, about 93 bits) of
//!   SHA-512(label ‖ user ‖ age recipient ‖ Ed25519 key), so it covers every public
//!   key of the account and its name. A server that wants to substitute its own keys
//!   must find keys with the same 28 digits: about 2^93 tries (see `SECURITY.md`).

use crate::api::PublicKeys;

const CODE_LABEL: &[u8] = b"coffre/safety-code/v2";
const BINDING_LABEL: &[u8] = b"coffre/key-binding/v1\0";
/// Digits in a safety code.
pub const CODE_DIGITS: usize = 28;
const GROUP_DIGITS: usize = 4;

/// The message an account's signing key signs to vouch for its age recipient.
pub fn binding_message(age_recipient: &str) -> Vec<u8> {
    let mut m = BINDING_LABEL.to_vec();
    m.extend_from_slice(age_recipient.as_bytes());
    m
}

/// Whether `keys.binding` is the signing key's signature over the age recipient.
pub fn binding_valid(keys: &PublicKeys) -> bool {
    super::server::verify_signature(
        keys.signing_key.as_slice(),
        &binding_message(&keys.age_recipient),
        keys.binding.as_slice(),
    )
}

/// `0429 1730 5668 …`: 28 digits in groups of 4, from the account's name and keys.
pub fn safety_code(user: &str, keys: &PublicKeys) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha512::new();
    for part in [
        CODE_LABEL,
        user.as_bytes(),
        keys.age_recipient.as_bytes(),
        keys.signing_key.as_slice(),
    ] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part);
    }
    let digest = h.finalize();
    // Each group of 4 digits from 5 bytes (40 bits) mod 10^4: the bias is 2^-26.
    let groups: Vec<String> = digest
        .chunks(5)
        .take(CODE_DIGITS / GROUP_DIGITS)
        .map(|c| {
            let n = c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:04}", n % 10_000)
        })
        .collect();
    groups.join(" ")
}

/// Compares a typed code with the expected one, ignoring spaces and dashes; every
/// digit must be there.
pub fn matches(expected: &str, typed: &str) -> bool {
    let clean = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let typed_clean = clean(typed);
    typed_clean.len() == CODE_DIGITS && typed_clean == clean(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::identity::Identity;

    #[test]
    fn code_shape_and_sensitivity() {
        let id = Identity::generate();
        let a = id.public_keys();
        let b = Identity::generate().public_keys();
        let ca = safety_code("f.benali", &a);
        assert_eq!(ca.len(), CODE_DIGITS + CODE_DIGITS / GROUP_DIGITS - 1);
        assert_eq!(ca, safety_code("f.benali", &a));
        assert_ne!(ca, safety_code("f.benali", &b));
        // Every key and the name count.
        assert_ne!(ca, safety_code("f.benal1", &a));
        let mut other_age = a.clone();
        other_age.age_recipient = b.age_recipient.clone();
        assert_ne!(ca, safety_code("f.benali", &other_age));
        let mut other_sig = a.clone();
        other_sig.signing_key = b.signing_key.clone();
        assert_ne!(ca, safety_code("f.benali", &other_sig));
        assert!(matches(&ca, &ca.replace(' ', "-")));
        assert!(!matches(&ca, &ca[..ca.len() - 5]));
        assert!(!matches(&ca, "000 000"));
    }

    #[test]
    fn a_binding_vouches_for_one_recipient_only() {
        let a = Identity::generate().public_keys();
        let b = Identity::generate().public_keys();
        assert!(binding_valid(&a));
        let mut swapped = a.clone();
        swapped.age_recipient = b.age_recipient;
        assert!(!binding_valid(&swapped));
        let mut unsigned = a;
        unsigned.binding = vec![0; 64].into();
        assert!(!binding_valid(&unsigned));
    }
}
