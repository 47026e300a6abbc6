//! Checkpoints: the C2SP `tlog-checkpoint` body (origin, tree size, base64 root hash)
//! signed as a C2SP `signed-note` with an Ed25519 key.
//!
//! ```text
//! example.org/journal/v1
//! 42
//! qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=
//!
//! — example.org/journal/v1 <base64(key id ‖ signature)>
//! ```
//!
//! Key id: the first 4 bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key).
//! Verifier key: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::merkle::Hash;

/// Ed25519's signature type byte in signed notes.
const ED25519: u8 = 0x01;

/// A verified checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Why a note was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed verifier key")]
    Key,
    #[error("malformed note")]
    Format,
    #[error("no valid signature by the pinned key")]
    Signature,
}

impl Checkpoint {
    /// The note body that is signed.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(NoteError::Format)?;
        let size = lines
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or(NoteError::Format)?;
        let root = lines
            .next()
            .and_then(|r| STANDARD.decode(r).ok())
            .and_then(|r| Hash::try_from(r.as_slice()).ok())
            .ok_or(NoteError::Format)?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
        })
    }
}

/// The 4-byte key id of an Ed25519 key named `name`.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut input = Vec::with_capacity(name.len() + 34);
    input.extend_from_slice(name.as_bytes());
    input.push(b'\n');
    input.push(ED25519);
    input.extend_from_slice(public_key);
    let digest = crate::crypto::sha256(&input);
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The verifier key string that clients pin.
pub fn verifier_key(name: &str, public_key: &[u8; 32]) -> String {
    let mut typed = vec![ED25519];
    typed.extend_from_slice(public_key);
    format!(
        "{name}+{}+{}",
        crate::crypto::hex(&key_id(name, public_key)),
        STANDARD.encode(typed)
    )
}

/// A verifier key's name, id and public key.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, [u8; 4], [u8; 32]), NoteError> {
    let mut parts = vkey.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(NoteError::Key);
    };
    let typed = STANDARD.decode(key_b64).map_err(|_| NoteError::Key)?;
    if typed.len() != 33 || typed[0] != ED25519 {
        return Err(NoteError::Key);
    }
    let mut pk = [0u8; 32];
    pk.copy_from_slice(&typed[1..]);
    let id = key_id(name, &pk);
    if crate::crypto::hex(&id) != id_hex {
        return Err(NoteError::Key);
    }
    Ok((name.to_owned(), id, pk))
}

/// Assembles a signed note from a body and one signature.
pub fn note(body: &str, name: &str, id: [u8; 4], signature: &[u8; 64]) -> String {
    let mut sig = id.to_vec();
    sig.extend_from_slice(signature);
    format!("{body}\n\u{2014} {name} {}\n", STANDARD.encode(sig))
}

/// The checkpoint a note states, without checking any signature: for the server's
/// own stored note after a key rotation (it still has to be extended).
pub fn unverified(note_text: &str) -> Result<Checkpoint, NoteError> {
    let (body, _) = note_text.rsplit_once("\n\n").ok_or(NoteError::Format)?;
    Checkpoint::parse_body(&format!("{body}\n"))
}

/// Verifies a signed checkpoint note with the pinned verifier key.
pub fn verify(note_text: &str, vkey: &str) -> Result<Checkpoint, NoteError> {
    let (name, body) = verify_note(note_text, vkey)?;
    let checkpoint = Checkpoint::parse_body(&body)?;
    if checkpoint.origin != name {
        return Err(NoteError::Format);
    }
    Ok(checkpoint)
}

/// Checks a signed note's signature by the pinned verifier key; returns the key's
/// name and the signed body (ending with a newline). What the body says is the
/// caller's to parse: a checkpoint starts with the key's name, other notes signed
/// by the same key start with a line of their own, so neither passes for the other.
pub fn verify_note(note_text: &str, vkey: &str) -> Result<(String, String), NoteError> {
    let (name, id, pk) = parse_verifier_key(vkey)?;
    let (body, sigs) = note_text.rsplit_once("\n\n").ok_or(NoteError::Format)?;
    let body = format!("{body}\n");
    let prefix = format!("\u{2014} {name} ");
    let signed = sigs
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .any(|b64| {
            let Ok(raw) = STANDARD.decode(b64) else {
                return false;
            };
            raw.len() == 68
                && raw[..4] == id
                && crate::crypto::server::verify_signature(&pk, body.as_bytes(), &raw[4..])
        });
    if !signed {
        return Err(NoteError::Signature);
    }
    Ok((name, body))
}
