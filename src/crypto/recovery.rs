//! The recovery identity and the printable recovery kit.
//!
//! At registration the client makes a recovery identity (age X25519), seals the
//! account's identity bundle to it, and prints the kit. The server keeps the recipient,
//! the sealed bundle and an Argon2id hash of the recovery auth key
//! (HKDF-SHA256(kit secret, "coffre/recovery-auth/v1")), which proves possession of
//! the kit without showing the secret.

use std::str::FromStr;

use age::x25519;
use zeroize::Zeroizing;

use super::document::{open, seal};
use super::identity::Identity;
use super::passphrase::expand;
use super::{CryptoError, ExposeSecret};
use crate::api::Bytes;

const AUTH_INFO: &[u8] = b"coffre/recovery-auth/v1";
const USER_LABEL: &str = "Identifiant : ";
const SERVER_LABEL: &str = "Serveur : ";
const JOURNAL_LABEL: &str = "Clé du journal : ";

/// The secret printed in the kit. No Debug, no Clone; wiped on drop.
pub struct RecoveryKey(x25519::Identity);

/// What a kit says besides its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KitInfo {
    pub user: String,
    pub server: String,
    /// The journal's verifier key pinned for this account (origin and key), so that
    /// a new device recovering with the kit pins the right journal, not whatever
    /// the server announces. Empty in kits made before it was recorded.
    pub journal: String,
}

impl RecoveryKey {
    pub fn generate() -> RecoveryKey {
        RecoveryKey(x25519::Identity::generate())
    }

    pub fn recipient(&self) -> String {
        self.0.to_public().to_string()
    }

    /// Proof of possession sent to the server (which stores only a hash).
    pub fn auth_key(&self) -> Bytes {
        let secret = self.0.to_string();
        Bytes(expand(secret.expose_secret().as_bytes(), AUTH_INFO).to_vec())
    }

    /// The account's identity bundle sealed to this key (an ordinary age file).
    pub fn seal_identity(&self, identity: &Identity) -> Vec<u8> {
        seal(&self.0.to_public(), identity.to_bundle().as_bytes())
    }

    pub fn open_identity(&self, envelope: &[u8]) -> Result<Identity, CryptoError> {
        let plain = open(&self.0, envelope)?;
        let text = std::str::from_utf8(&plain).map_err(|_| CryptoError::Malformed("bundle"))?;
        Identity::from_bundle(text)
    }

    /// The printable kit, in plain French.
    pub fn to_kit(&self, info: &KitInfo, created: &str) -> Zeroizing<String> {
        let secret = self.0.to_string();
        Zeroizing::new(format!(
            "KIT DE RÉCUPÉRATION — coffre\n\
             \n\
             {USER_LABEL}{user}\n\
             {SERVER_LABEL}{server}\n\
             {JOURNAL_LABEL}{journal}\n\
             Créé le : {created}\n\
             \n\
             Ce papier permet de retrouver l'accès à votre coffre si vous oubliez\n\
             votre phrase de passe. Gardez-le en lieu sûr, chez vous, comme un double\n\
             de clé. Ne le donnez à personne : qui l'a peut ouvrir votre coffre.\n\
             Si vous l'utilisez, un nouveau kit remplace celui-ci.\n\
             \n\
             Clé de récupération :\n\
             {key}\n",
            user = info.user,
            server = info.server,
            journal = info.journal,
            key = secret.expose_secret(),
        ))
    }

    /// Reads a kit written by [`RecoveryKey::to_kit`] (or any text holding its lines).
    pub fn from_kit(text: &str) -> Result<(RecoveryKey, KitInfo), CryptoError> {
        let mut key = None;
        let mut info = KitInfo {
            user: String::new(),
            server: String::new(),
            journal: String::new(),
        };
        for line in text.lines().map(str::trim) {
            if let Some(u) = line.strip_prefix(USER_LABEL) {
                info.user = u.trim().to_owned();
            } else if let Some(s) = line.strip_prefix(SERVER_LABEL) {
                info.server = s.trim().to_owned();
            } else if let Some(j) = line.strip_prefix(JOURNAL_LABEL) {
                info.journal = j.trim().to_owned();
            } else if line.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-1") {
                // Copied by hand, a key may come back in lower case (Bech32 allows
                // either, not a mix) or with spaces.
                let typed: String = line
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_uppercase();
                key = Some(
                    x25519::Identity::from_str(&typed)
                        .map_err(|_| CryptoError::Malformed("recovery key"))?,
                );
            }
        }
        key.map(|k| (RecoveryKey(k), info))
            .ok_or(CryptoError::Malformed("recovery kit"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kit_round_trips_and_opens_the_identity() {
        let id = Identity::generate();
        let rk = RecoveryKey::generate();
        let env = rk.seal_identity(&id);
        let info = KitInfo {
            user: "mme.b".into(),
            server: "https://coffre.example".into(),
            journal: "coffre.example/journal/v1+01020304+AQID".into(),
        };
        let kit = rk.to_kit(&info, "23/11/2026");
        let (back, back_info) = RecoveryKey::from_kit(&kit).unwrap();
        assert_eq!(back_info, info);
        assert_eq!(back.auth_key(), rk.auth_key());
        let opened = back.open_identity(&env).unwrap();
        assert_eq!(opened.public_keys(), id.public_keys());
        assert!(RecoveryKey::from_kit("pas un kit").is_err());
        let lower = kit
            .to_string()
            .to_lowercase()
            .replace("clé du journal", "x");
        let (again, _) = RecoveryKey::from_kit(&lower).unwrap();
        assert_eq!(again.auth_key(), rk.auth_key());
        assert!(RecoveryKey::generate().open_identity(&env).is_err());
    }
}
