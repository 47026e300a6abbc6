//! Account operations on this device: registration (keys and recovery kit made
//! here), login (the passphrase never leaves the device; only the derived auth key
//! does), logout, whoami, passphrase change and recovery from the kit.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::{ClientError, Http, Session};
use crate::api::{
    AccountResponse, ChangePassphraseRequest, ErrorCode, KdfParams, LoginRequest,
    PassphraseCredentials, PreloginRequest, PreloginResponse, RecoverRequest, RecoveryCredentials,
    RecoveryEnvelopeRequest, RecoveryEnvelopeResponse, RegisterRequest, SessionResponse,
};
use crate::crypto::identity::Identity;
use crate::crypto::passphrase::{new_salt, RootKey};
use crate::crypto::recovery::{KitInfo, RecoveryKey};
use crate::crypto::SecretString;

/// Shortest passphrase accepted when one is chosen.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// A client bound to one server and one local state directory.
pub struct Client {
    pub http: Http,
    pub home: PathBuf,
}

/// What registration and recovery hand back: the open session and the new kit.
pub struct Enrolled {
    pub session: Session,
    /// The printable recovery kit (secret).
    pub kit: Zeroizing<String>,
}

/// Refuses a passphrase that is too short.
pub fn check_new_passphrase(pass: &SecretString) -> Result<(), ClientError> {
    use crate::crypto::ExposeSecret;
    if pass.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        let min = MIN_PASSPHRASE_CHARS.to_string();
        return Err(ClientError::local(
            ErrorCode::PassphraseTooShort,
            &[("min", &min)],
        ));
    }
    Ok(())
}

/// New passphrase credentials protecting `identity`.
fn passphrase_credentials(
    user: &str,
    pass: &SecretString,
    identity: &Identity,
) -> Result<PassphraseCredentials, ClientError> {
    let salt = new_salt();
    let kdf = KdfParams::DEFAULT;
    let root = RootKey::derive(pass, &salt, kdf)?;
    Ok(PassphraseCredentials {
        salt: salt.to_vec().into(),
        kdf,
        auth_key: root.auth_key().to_wire(),
        wrapped_identity: root.kek().wrap(identity, user, kdf),
    })
}

fn recovery_credentials(rk: &RecoveryKey, identity: &Identity) -> RecoveryCredentials {
    RecoveryCredentials {
        recipient: rk.recipient(),
        envelope: rk.seal_identity(identity).into(),
        auth_key: rk.auth_key(),
    }
}

/// How an account comes to be.
pub enum Admission<'a> {
    /// A citizen, with the invitation code she was handed (if any).
    Citizen { invitation: Option<&'a str> },
    /// A mediator, with her enrolment code from the operator.
    Mediator { code: &'a str },
}

/// A new identity and recovery key, and the request that registers them: what a
/// device sends to create an account (a citizen's, or a mediator's with a code).
pub fn registration(
    user: &str,
    pass: &SecretString,
) -> Result<(RegisterRequest, Identity, RecoveryKey), ClientError> {
    let identity = Identity::generate();
    let rk = RecoveryKey::generate();
    let request = RegisterRequest {
        user: user.to_owned(),
        keys: identity.public_keys(),
        passphrase: passphrase_credentials(user, pass, &identity)?,
        recovery: recovery_credentials(&rk, &identity),
        invitation: None,
    };
    Ok((request, identity, rk))
}

/// The server must hand back the keys this device knows.
fn check_keys(identity: &Identity, response: &crate::api::PublicKeys) -> Result<(), ClientError> {
    if identity.public_keys() != *response {
        return Err(ClientError::Protocol(
            "the server returned keys that do not match this identity".into(),
        ));
    }
    Ok(())
}

impl Client {
    fn kit(&self, rk: &RecoveryKey, user: &str, journal: &str, today: &str) -> Zeroizing<String> {
        let info = KitInfo {
            user: user.to_owned(),
            server: self.http.base().to_owned(),
            journal: journal.to_owned(),
        };
        rk.to_kit(&info, today)
    }

    /// Opens the session the server answered for `user`: the name in the answer
    /// must be the one this device asked for (everything local, the journal's pin
    /// first, is named after it; a server must not choose it).
    fn open(
        &self,
        response: &SessionResponse,
        identity: Identity,
        user: &str,
    ) -> Result<Session, ClientError> {
        if response.user != user {
            return Err(ClientError::Protocol(
                "the server answered for another user name".into(),
            ));
        }
        check_keys(&identity, &response.keys)?;
        let session = Session::new(self.http.base(), response, identity)?;
        session.save(&self.home)?;
        Ok(session)
    }

    /// Creates the account: keys and kit are made here; the server gets public keys,
    /// wrapped secrets and derived auth keys.
    /// `invitation` is the code a mediator or the town hall handed over, where the
    /// deployment opens vaults by invitation.
    pub fn register(
        &self,
        user: &str,
        pass: &SecretString,
        today: &str,
        invitation: Option<&str>,
    ) -> Result<Enrolled, ClientError> {
        self.create_account(user, pass, today, Admission::Citizen { invitation })
    }

    /// Makes keys and kit here and creates the account: a citizen's (with an
    /// invitation code if she has one), or a mediator's with her enrolment code.
    pub fn create_account(
        &self,
        user: &str,
        pass: &SecretString,
        today: &str,
        admission: Admission<'_>,
    ) -> Result<Enrolled, ClientError> {
        check_new_passphrase(pass)?;
        let (mut account, identity, rk) = registration(user, pass)?;
        let response: SessionResponse = match admission {
            Admission::Citizen { invitation } => {
                account.invitation = invitation.map(str::to_owned);
                self.http
                    .send_json("POST", "/v1/accounts", None, &account)?
            }
            Admission::Mediator { code } => {
                let req = crate::api::EnrolRequest {
                    code: code.to_owned(),
                    account,
                };
                self.http.send_json("POST", "/v1/enrol", None, &req)?
            }
        };
        let session = self.open(&response, identity, user)?;
        // The journal is pinned now, at the account's creation, and recorded in the
        // kit: no later announcement by the server can replace it.
        let journal = self.pin_journal(&session, None, true)?;
        let kit = self.kit(&rk, user, &journal, today);
        Ok(Enrolled { session, kit })
    }

    /// Derives the root key from the passphrase with the server's salt and parameters.
    fn derive(&self, user: &str, pass: &SecretString) -> Result<(RootKey, KdfParams), ClientError> {
        let req = PreloginRequest {
            user: user.to_owned(),
        };
        let pre: PreloginResponse = self.http.send_json("POST", "/v1/prelogin", None, &req)?;
        if !pre.kdf.acceptable() {
            return Err(ClientError::Protocol(
                "unacceptable key derivation parameters".into(),
            ));
        }
        Ok((
            RootKey::derive(pass, pre.salt.as_slice(), pre.kdf)?,
            pre.kdf,
        ))
    }

    /// The auth key of a passphrase, to confirm an irreversible action.
    pub fn auth_key(
        &self,
        user: &str,
        pass: &SecretString,
    ) -> Result<crate::api::Bytes, ClientError> {
        let (root, _) = self.derive(user, pass)?;
        Ok(root.auth_key().to_wire())
    }

    pub fn login(&self, user: &str, pass: &SecretString) -> Result<Session, ClientError> {
        let (root, kdf) = self.derive(user, pass)?;
        let req = LoginRequest {
            user: user.to_owned(),
            auth_key: root.auth_key().to_wire(),
        };
        let response: SessionResponse = self.http.send_json("POST", "/v1/sessions", None, &req)?;
        if response.kdf != kdf {
            return Err(ClientError::Protocol(
                "key derivation parameters changed".into(),
            ));
        }
        let identity = root.kek().unwrap(&response.wrapped_identity, user, kdf)?;
        self.open(&response, identity, user)
    }

    /// The open session for this server.
    pub fn session(&self) -> Result<Session, ClientError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let sealed = Session::load(&self.home, self.http.base(), now)?;
        // The key that opens the identity lives on the server, for the session's
        // life only: a session that ended leaves a file that opens nothing.
        let key: Result<crate::api::SessionKeyResponse, ClientError> = self
            .http
            .get_json("/v1/sessions/current/key", sealed.token());
        match key {
            Ok(k) => sealed.open(k.session_key.as_slice()),
            Err(e)
                if matches!(
                    e.code(),
                    ErrorCode::Unauthenticated | ErrorCode::SessionExpired
                ) =>
            {
                Session::forget(&self.home)?;
                Err(ClientError::local(ErrorCode::SessionExpired, &[]))
            }
            Err(e) => Err(e),
        }
    }

    /// Ends the session on the server and forgets it here.
    pub fn logout(&self, session: &Session) -> Result<(), ClientError> {
        let ended = self.http.delete("/v1/sessions/current", session.token());
        Session::forget(&self.home)?;
        match ended {
            Err(e)
                if !matches!(
                    e.code(),
                    ErrorCode::Unauthenticated | ErrorCode::SessionExpired
                ) =>
            {
                Err(e)
            }
            _ => Ok(()),
        }
    }

    pub fn whoami(&self, session: &Session) -> Result<AccountResponse, ClientError> {
        let account: AccountResponse = self.http.get_json("/v1/account", session.token())?;
        check_keys(session.identity(), &account.keys)?;
        Ok(account)
    }

    /// Re-wraps the identity under a new passphrase; no document is re-encrypted.
    pub fn change_passphrase(
        &self,
        session: Session,
        current: &SecretString,
        new: &SecretString,
    ) -> Result<Session, ClientError> {
        check_new_passphrase(new)?;
        let (old_root, _) = self.derive(&session.user, current)?;
        let req = ChangePassphraseRequest {
            current_auth_key: old_root.auth_key().to_wire(),
            passphrase: passphrase_credentials(&session.user, new, session.identity())?,
        };
        let response: SessionResponse =
            self.http
                .send_json("PUT", "/v1/account/passphrase", Some(session.token()), &req)?;
        let identity = Identity::from_bundle(&session.identity().to_bundle())?;
        self.open(&response, identity, &session.user)
    }

    /// Sets a new passphrase with the recovery kit; a new kit replaces the old one.
    pub fn recover(
        &self,
        user: &str,
        kit_text: &str,
        new: &SecretString,
        today: &str,
    ) -> Result<Enrolled, ClientError> {
        check_new_passphrase(new)?;
        let (rk, info) = RecoveryKey::from_kit(kit_text)
            .map_err(|_| ClientError::local(ErrorCode::InvalidKit, &[]))?;
        if !info.user.is_empty() && info.user != user {
            return Err(ClientError::local(ErrorCode::BadRecoveryKit, &[]));
        }
        let req = RecoveryEnvelopeRequest {
            user: user.to_owned(),
            recovery_auth_key: rk.auth_key(),
        };
        let env: RecoveryEnvelopeResponse =
            self.http
                .send_json("POST", "/v1/recovery/envelope", None, &req)?;
        let identity = rk
            .open_identity(env.envelope.as_slice())
            .map_err(|_| ClientError::local(ErrorCode::BadRecoveryKit, &[]))?;
        check_keys(&identity, &env.keys)?;
        let next = RecoveryKey::generate();
        let req = RecoverRequest {
            user: user.to_owned(),
            recovery_auth_key: rk.auth_key(),
            passphrase: passphrase_credentials(user, new, &identity)?,
            recovery: recovery_credentials(&next, &identity),
        };
        let response: SessionResponse = self.http.send_json("POST", "/v1/recovery", None, &req)?;
        let session = self.open(&response, identity, user)?;
        let from_kit = Some(info.journal.as_str()).filter(|j| !j.is_empty());
        let journal = self.pin_journal(&session, from_kit, false)?;
        let kit = self.kit(&next, user, &journal, today);
        Ok(Enrolled { session, kit })
    }
}
