//! Server-side primitives. Nothing here decrypts: the server hashes secrets it is
//! shown (auth keys, recovery auth keys, session tokens), mints random tokens and ids,
//! and derives deterministic fake salts so that the pre-login step does not reveal
//! which accounts exist.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

pub use super::document::AGE_MAGIC;
use super::passphrase::SALT_BYTES;

/// OWASP minimum for Argon2id: 19 MiB, two passes, one lane.
const HASH_M_KIB: u32 = 19 * 1024;
const HASH_T: u32 = 2;
const HASH_P: u32 = 1;

/// The deployment's own secret (fake salts, and later journal subject tags).
/// No Debug, no Clone; wiped on drop.
pub struct ServerSecret(Zeroizing<[u8; 32]>);

impl ServerSecret {
    pub fn generate() -> ServerSecret {
        ServerSecret(Zeroizing::new(super::random_bytes()))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<ServerSecret> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(ServerSecret(Zeroizing::new(arr)))
    }

    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A salt that looks like a real one for a user name that has no account.
    pub fn fake_salt(&self, user: &str) -> [u8; SALT_BYTES] {
        let tag = self.mac(b"coffre/fake-salt/v1", user.as_bytes());
        let mut out = [0u8; SALT_BYTES];
        out.copy_from_slice(&tag[..SALT_BYTES]);
        out
    }

    /// A pseudonymous tag for an id in the journal (subjects, actors, objects).
    pub fn tag(&self, kind: &str, id: &str) -> [u8; 32] {
        self.mac(
            format!("coffre/journal-tag/{kind}/v1").as_bytes(),
            id.as_bytes(),
        )
    }

    fn mac(&self, label: &[u8], msg: &[u8]) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0[..]) else {
            return [0; 32];
        };
        mac.update(label);
        mac.update(&[0]);
        mac.update(msg);
        mac.finalize().into_bytes().into()
    }
}

fn params() -> Params {
    Params::new(HASH_M_KIB, HASH_T, HASH_P, None).unwrap_or_default()
}

/// Argon2id's working memory, allocated once and reused for every hash: a server
/// that allocated 19 MiB per hash on whatever thread ran it kept that memory in
/// per-thread allocator arenas (1 GB after ~170 concurrent registrations).
pub struct Hashing {
    blocks: Vec<Block>,
}

impl Default for Hashing {
    fn default() -> Hashing {
        Hashing {
            blocks: vec![Block::default(); params().block_count()],
        }
    }
}

impl Hashing {
    fn raw(&mut self, p: &Params, secret: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
        let n = p.block_count();
        if self.blocks.len() < n {
            // Only a stored hash with stronger parameters than today's asks for this.
            self.blocks.resize(n, Block::default());
        }
        Argon2::new(Algorithm::Argon2id, Version::V0x13, p.clone())
            .hash_password_into_with_memory(secret, salt, out, &mut self.blocks[..n])
            .is_ok()
    }

    /// Argon2id hash (PHC string) of a secret a client showed us.
    pub fn hash_secret(&mut self, secret: &[u8]) -> Result<String, super::CryptoError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let mut salt_buf = [0u8; 64];
        let raw_salt = salt
            .decode_b64(&mut salt_buf)
            .map_err(|_| super::CryptoError::KdfParams)?;
        let p = params();
        let mut out = [0u8; 32];
        if !self.raw(&p, secret, raw_salt, &mut out) {
            return Err(super::CryptoError::KdfParams);
        }
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&p).map_err(|_| super::CryptoError::KdfParams)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|_| super::CryptoError::KdfParams)?),
        };
        Ok(hash.to_string())
    }

    /// Checks a secret against a stored hash, in constant time.
    pub fn verify_secret(&mut self, stored: &str, secret: &[u8]) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return false;
        };
        let (Some(salt), Some(expected), Ok(p)) =
            (parsed.salt, parsed.hash, Params::try_from(&parsed))
        else {
            return false;
        };
        let mut salt_buf = [0u8; 64];
        let Ok(raw_salt) = salt.decode_b64(&mut salt_buf) else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        self.raw(&p, secret, raw_salt, &mut out)
            && Output::new(&out).is_ok_and(|computed| computed == expected)
    }

    /// Spends the same effort as [`Hashing::verify_secret`] for a user that does not
    /// exist.
    pub fn verify_nothing(&mut self, secret: &[u8]) {
        let mut out = [0u8; 32];
        let _ = self.raw(&params(), secret, b"coffre/no-such-user", &mut out);
    }
}

type HashJob = Box<dyn FnOnce(&mut Hashing) + Send>;

/// A few threads, each with its own [`Hashing`] memory, that do all of the
/// server's Argon2id work: memory stays at threads × 19 MiB however many requests
/// wait.
pub struct HashPool {
    jobs: std::sync::mpsc::Sender<HashJob>,
}

impl HashPool {
    pub fn new(threads: usize) -> HashPool {
        let (jobs, queue) = std::sync::mpsc::channel::<HashJob>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = std::sync::Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("coffre-hash-{i}"))
                .spawn(move || {
                    let mut memory = Hashing::default();
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        HashPool { jobs }
    }

    /// Runs `f` on one of the pool's threads; `None` if the pool is gone.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Hashing) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move |memory| {
            let _ = tx.send(f(memory));
        });
        self.jobs.send(job).ok()?;
        rx.await.ok()
    }
}

/// A new bearer token and the digest under which the server keeps it.
pub fn new_token() -> (String, [u8; 32]) {
    let raw = Zeroizing::new(super::random_bytes::<32>());
    let token = URL_SAFE_NO_PAD.encode(&raw[..]);
    let digest = token_digest(&token);
    (token, digest)
}

/// What the server stores for a token.
pub fn token_digest(token: &str) -> [u8; 32] {
    super::sha256(token.as_bytes())
}

/// Whether `s` is an age X25519 recipient (a parse; nothing is decrypted).
pub fn valid_recipient(s: &str) -> bool {
    s.parse::<age::x25519::Recipient>().is_ok()
}

/// The journal's signing key (Ed25519): signs checkpoints. No Debug, no Clone;
/// wiped on drop (dalek's own zeroizing).
pub struct LogKey(ed25519_dalek::SigningKey);

impl LogKey {
    pub fn generate() -> LogKey {
        LogKey(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng))
    }

    pub fn from_seed(seed: &[u8]) -> Option<LogKey> {
        let seed: [u8; 32] = seed.try_into().ok()?;
        Some(LogKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(message).to_bytes()
    }
}

/// Encrypts `plaintext` to an age X25519 recipient (the server can seal journal
/// details for a citizen; it can never open them).
pub fn seal_to(recipient: &str, plaintext: &[u8]) -> Option<Vec<u8>> {
    let r = recipient.parse::<age::x25519::Recipient>().ok()?;
    age::encrypt(&r, plaintext).ok()
}

/// Whether `signature` is a valid Ed25519 signature of `message` by `public_key`
/// (strict verification; a check with public values, nothing is decrypted).
pub fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(pk) = <[u8; 32]>::try_from(public_key) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok()
}

/// Compares two digests in constant time.
pub fn same_digest(a: &[u8; 32], b: &[u8; 32]) -> bool {
    subtle::ConstantTimeEq::ct_eq(&a[..], &b[..]).into()
}

/// A one-time code to read aloud or type: 12 characters in groups of four, from an
/// alphabet without look-alikes (about 60 bits).
pub fn new_enrolment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let raw = super::random_bytes::<12>();
    let chars: Vec<char> = raw
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The digest under which an enrolment code is kept (case and dashes ignored).
pub fn enrolment_digest(code: &str) -> [u8; 32] {
    let clean: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    super::sha256(clean.as_bytes())
}

/// A random identifier: 16 bytes as 32 lowercase hex digits.
pub fn new_id() -> String {
    super::hex(&super::random_bytes::<16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify_with_reused_memory_agree_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut memory = Hashing::default();
        let h = memory.hash_secret(b"auth key bytes").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(memory.verify_secret(&h, b"auth key bytes"));
        assert!(!memory.verify_secret(&h, b"other"));
        assert!(!memory.verify_secret("garbage", b"auth key bytes"));
        // The crate's own verifier accepts ours, and ours accepts the crate's.
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params());
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(argon.verify_password(b"auth key bytes", &parsed).is_ok());
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = argon.hash_password(b"k", &salt).unwrap().to_string();
        assert!(memory.verify_secret(&theirs, b"k"));
        assert!(!memory.verify_secret(&theirs, b"j"));
    }

    #[tokio::test]
    async fn the_pool_runs_jobs_on_its_threads() {
        let pool = HashPool::new(2);
        let h = pool.run(|m| m.hash_secret(b"x")).await.unwrap().unwrap();
        assert!(pool.run(move |m| m.verify_secret(&h, b"x")).await.unwrap());
    }

    #[test]
    fn fake_salts_are_stable_per_user_and_secret() {
        let s = ServerSecret::generate();
        assert_eq!(s.fake_salt("alice"), s.fake_salt("alice"));
        assert_ne!(s.fake_salt("alice"), s.fake_salt("bob"));
        assert_ne!(
            s.fake_salt("alice"),
            ServerSecret::generate().fake_salt("alice")
        );
    }

    #[test]
    fn signatures_and_codes() {
        let id = crate::crypto::identity::Identity::generate();
        let sig = id.sign(b"grant");
        let pk = id.public_keys().signing_key;
        assert!(verify_signature(pk.as_slice(), b"grant", &sig));
        assert!(!verify_signature(pk.as_slice(), b"grant!", &sig));
        assert!(!verify_signature(&[0; 31], b"grant", &sig));
        let code = new_enrolment_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            enrolment_digest(&code),
            enrolment_digest(&code.to_lowercase().replace('-', " "))
        );
    }

    #[test]
    fn tokens_are_random_and_digested() {
        let (a, da) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(token_digest(&a), da);
        assert_eq!(new_id().len(), 32);
    }
}
