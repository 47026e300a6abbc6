//! An account's identity: an age X25519 identity (to open envelopes) and an Ed25519
//! signing key (to sign consent grants).
//!
//! Its portable form, the *bundle*, is a valid age identity file: the signing key
//! rides in a comment line, so `age -d -i bundle.txt` works with the stock CLI.

use std::str::FromStr;

use age::x25519;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use super::{CryptoError, ExposeSecret};
use crate::api::PublicKeys;

const BUNDLE_HEADER: &str = "# coffre identity v1";
const SIGNING_PREFIX: &str = "# coffre-ed25519-seed: ";

/// Any bytes as an age file encrypted with a passphrase (scrypt): what an export
/// seals its manifest and journal with. `age -d FILE` opens it.
pub fn seal_with_passphrase(
    bytes: &[u8],
    passphrase: &super::SecretString,
) -> Result<Vec<u8>, CryptoError> {
    use std::io::Write;
    let encryptor = age::Encryptor::with_user_passphrase(passphrase.clone());
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out)?;
    writer.write_all(bytes)?;
    writer.finish()?;
    Ok(out)
}

/// Opens a file written by [`seal_with_passphrase`].
pub fn open_with_passphrase(
    file: &[u8],
    passphrase: &super::SecretString,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    use std::io::Read;
    let decryptor = age::Decryptor::new(file).map_err(|_| CryptoError::Decrypt)?;
    let identity = age::scrypt::Identity::new(passphrase.clone());
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|_| CryptoError::WrongPassphrase)?;
    let mut out = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut out)?;
    Ok(out)
}

/// A citizen's or mediator's private keys. No Debug, no Clone; wiped on drop.
pub struct Identity {
    age: x25519::Identity,
    signing: SigningKey,
}

impl Identity {
    pub fn generate() -> Identity {
        Identity {
            age: x25519::Identity::generate(),
            signing: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The public keys, with the signing key's binding of the age recipient.
    pub fn public_keys(&self) -> PublicKeys {
        let age_recipient = self.age.to_public().to_string();
        let binding = self.sign(&super::safety::binding_message(&age_recipient));
        PublicKeys {
            age_recipient,
            signing_key: self.signing.verifying_key().to_bytes().to_vec().into(),
            binding: binding.to_vec().into(),
        }
    }

    /// Ed25519 signature (consent grants).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.signing.sign(message).to_bytes()
    }

    /// The bundle as an age file encrypted with a passphrase (scrypt): the form an
    /// export carries. `age -d identity.age > identity.txt` opens it.
    pub fn to_passphrase_file(
        &self,
        passphrase: &super::SecretString,
    ) -> Result<Vec<u8>, CryptoError> {
        seal_with_passphrase(self.to_bundle().as_bytes(), passphrase)
    }

    /// Opens a file written by [`Identity::to_passphrase_file`].
    pub fn from_passphrase_file(
        file: &[u8],
        passphrase: &super::SecretString,
    ) -> Result<Identity, CryptoError> {
        use std::io::Read;
        let decryptor = age::Decryptor::new(file).map_err(|_| CryptoError::Decrypt)?;
        let identity = age::scrypt::Identity::new(passphrase.clone());
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|_| CryptoError::WrongPassphrase)?;
        let mut text = Zeroizing::new(String::new());
        reader
            .read_to_string(&mut text)
            .map_err(|_| CryptoError::Decrypt)?;
        Identity::from_bundle(&text)
    }

    /// Opens a small age file sealed to this identity (journal details).
    pub fn open(&self, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        super::document::open(&self.age, sealed)
    }

    pub(crate) fn age(&self) -> &x25519::Identity {
        &self.age
    }

    /// The bundle: an age identity file with the signing seed in a comment.
    pub fn to_bundle(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(STANDARD.encode(self.signing.to_bytes()));
        let age = self.age.to_string();
        Zeroizing::new(format!(
            "{BUNDLE_HEADER}\n{SIGNING_PREFIX}{}\n{}\n",
            seed.as_str(),
            age.expose_secret()
        ))
    }

    /// Parses a bundle written by [`Identity::to_bundle`].
    pub fn from_bundle(text: &str) -> Result<Identity, CryptoError> {
        let mut age = None;
        let mut signing = None;
        for line in text.lines().map(str::trim) {
            if let Some(seed) = line.strip_prefix(SIGNING_PREFIX) {
                let bytes = Zeroizing::new(
                    STANDARD
                        .decode(seed)
                        .map_err(|_| CryptoError::Malformed("signing seed"))?,
                );
                let seed: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| CryptoError::Malformed("signing seed length"))?;
                let seed = Zeroizing::new(seed);
                signing = Some(SigningKey::from_bytes(&seed));
            } else if line.starts_with("AGE-SECRET-KEY-1") {
                age = Some(
                    x25519::Identity::from_str(line)
                        .map_err(|_| CryptoError::Malformed("age identity"))?,
                );
            }
        }
        match (age, signing) {
            (Some(age), Some(signing)) => Ok(Identity { age, signing }),
            _ => Err(CryptoError::Malformed("identity bundle")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_round_trips() {
        let id = Identity::generate();
        let bundle = id.to_bundle();
        assert!(bundle.contains("AGE-SECRET-KEY-1"));
        let back = Identity::from_bundle(&bundle).unwrap();
        assert_eq!(back.public_keys(), id.public_keys());
        assert!(Identity::from_bundle("# nothing here").is_err());
        assert!(Identity::from_bundle(&bundle.replace(SIGNING_PREFIX, "# x: ")).is_err());
    }
}
