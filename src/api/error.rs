//! Stable error codes: the machine-readable half of every error body, part of the
//! public interface (scripts match on them). Add codes freely; never rename one.

use serde::{Deserialize, Serialize};

/// `{"error":{"code","message"}}`
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// Every error code the server or the client can report.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
            /// A code this build does not know (a newer server).
            Unknown,
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                    ErrorCode::Unknown => "unknown",
                }
            }

            pub fn parse(s: &str) -> ErrorCode {
                match s {
                    $($text => ErrorCode::$variant,)*
                    _ => ErrorCode::Unknown,
                }
            }
        }
    };
}

codes! {
    // request shape
    BadRequest => "bad_request",
    InvalidJson => "invalid_json",
    UnsupportedMediaType => "unsupported_media_type",
    PayloadTooLarge => "payload_too_large",
    NotFound => "not_found",
    MethodNotAllowed => "method_not_allowed",
    RequestTimeout => "request_timeout",
    // accounts and sessions
    InvalidUserName => "invalid_user_name",
    UserExists => "user_exists",
    BadCredentials => "bad_credentials",
    WeakKdfParams => "weak_kdf_params",
    TooManyAttempts => "too_many_attempts",
    Unauthenticated => "unauthenticated",
    SessionExpired => "session_expired",
    BadRecoveryKit => "bad_recovery_kit",
    // documents
    DocumentNotFound => "document_not_found",
    UploadNotFound => "upload_not_found",
    NotAgeFile => "not_age_file",
    DocumentTooLarge => "document_too_large",
    QuotaExceeded => "quota_exceeded",
    UploadIncomplete => "upload_incomplete",
    // consent
    SafetyCodeMismatch => "safety_code_mismatch",
    MediatorNotFound => "mediator_not_found",
    AccountNotFound => "account_not_found",
    GrantNotFound => "grant_not_found",
    GrantExpired => "grant_expired",
    GrantRevoked => "grant_revoked",
    GrantNotYetValid => "grant_not_yet_valid",
    InvalidGrant => "invalid_grant",
    InvalidSignature => "invalid_signature",
    InvalidDuration => "invalid_duration",
    AccountDisabled => "account_disabled",
    EnrolmentCodeInvalid => "enrolment_code_invalid",
    RequestNotFound => "request_not_found",
    NotACitizen => "not_a_citizen",
    NotAMediator => "not_a_mediator",
    AdminUnauthorized => "admin_unauthorized",
    AdminTokenRequired => "admin_token_required",
    LocalOnly => "local_only",
    // journal
    JournalTampered => "journal_tampered",
    JournalRollback => "journal_rollback",
    JournalRestored => "journal_restored",
    JournalKeyChanged => "journal_key_changed",
    // server side
    Unavailable => "unavailable",
    StorageFull => "storage_full",
    WriteInDoubt => "write_in_doubt",
    Internal => "internal",
    // client side only
    NotLoggedIn => "not_logged_in",
    ServerUnreachable => "server_unreachable",
    TlsError => "tls_error",
    FileNotFound => "file_not_found",
    FileExists => "file_exists",
    IoError => "io_error",
    WrongPassphrase => "wrong_passphrase",
    PassphraseMismatch => "passphrase_mismatch",
    PassphraseRequired => "passphrase_required",
    PassphraseTooShort => "passphrase_too_short",
    DecryptionFailed => "decryption_failed",
    IntegrityFailed => "integrity_failed",
    InvalidKit => "invalid_kit",
    InvalidDate => "invalid_date",
    InvalidCategory => "invalid_category",
    AmbiguousId => "ambiguous_id",
    ProtocolError => "protocol_error",
    ConfirmationRequired => "confirmation_required",
    UsageError => "usage_error",
    NothingToAccept => "nothing_to_accept",
    IdTooShort => "id_too_short",
    IsADirectory => "is_a_directory",
    NotWritable => "not_writable",
    RequestAnswered => "request_answered",
    RegistrationClosed => "registration_closed",
    InvitationRequired => "invitation_required",
    InvitationInvalid => "invitation_invalid",
    CsrfRequired => "csrf_required",
    CitizenKeysChanged => "citizen_keys_changed",
    CitizenCodeMismatch => "citizen_code_mismatch",
}

/// In the OpenAPI description: one of the stable codes (clients must also accept
/// codes added later).
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(ErrorCode::parse(&s))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(ErrorCode::parse(code.as_str()), *code);
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
        assert_eq!(ErrorCode::parse("from_the_future"), ErrorCode::Unknown);
    }
}
