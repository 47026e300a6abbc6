//! The one place where errors become HTTP: status, stable code, and a sentence in the
//! caller's language, as `{"error":{"code","message"}}`.

use axum::extract::rejection::JsonRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::OnceLock;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::api::{ErrorBody, ErrorCode, ErrorDetail};
use crate::messages::{error_text, Lang};
use crate::vault::VaultError;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub lang: Lang,
    args: Vec<(&'static str, String)>,
    retry_after_s: Option<u64>,
}

impl ApiError {
    /// Asks the client to come back after `seconds` (`Retry-After`).
    pub fn retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after_s = Some(seconds);
        self
    }

    /// An error in the language of the request being served.
    pub fn new(code: ErrorCode) -> ApiError {
        ApiError {
            code,
            lang: super::routes::LANG.try_with(|l| *l).unwrap_or(Lang::Fr),
            args: Vec::new(),
            retry_after_s: None,
        }
    }

    /// A value the sentence names (`{ $name }` in the catalogue).
    pub fn arg(mut self, name: &'static str, value: String) -> ApiError {
        self.args.push((name, value));
        self
    }

    /// An instant, shown in the deployment's local time and the caller's language.
    fn at(self, name: &'static str, ms: i64) -> ApiError {
        let when = format_instant(ms, self.lang);
        self.arg(name, when)
    }
}

/// Status for each code the server can send.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        BadRequest | InvalidJson | InvalidUserName | WeakKdfParams | NotAgeFile
        | UploadIncomplete | InvalidDate | InvalidCategory => StatusCode::BAD_REQUEST,
        BadCredentials | Unauthenticated | SessionExpired | BadRecoveryKit => {
            StatusCode::UNAUTHORIZED
        }
        NotFound | DocumentNotFound | UploadNotFound | MediatorNotFound | AccountNotFound
        | GrantNotFound | RequestNotFound => StatusCode::NOT_FOUND,
        GrantExpired | GrantRevoked | GrantNotYetValid | AccountDisabled | NotACitizen
        | NotAMediator | RegistrationClosed | InvitationRequired | CsrfRequired | LocalOnly => {
            StatusCode::FORBIDDEN
        }
        InvalidGrant | InvalidDuration | EnrolmentCodeInvalid | InvitationInvalid
        | SafetyCodeMismatch | InvalidSignature => StatusCode::BAD_REQUEST,
        AdminUnauthorized | AdminTokenRequired => StatusCode::UNAUTHORIZED,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        UserExists | RequestAnswered => StatusCode::CONFLICT,
        PayloadTooLarge | DocumentTooLarge | QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
        UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
        Unavailable | WriteInDoubt => StatusCode::SERVICE_UNAVAILABLE,
        StorageFull => StatusCode::INSUFFICIENT_STORAGE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The offset in which instants are shown to people (the server's local time,
/// read once at start-up before any thread exists).
static DISPLAY_OFFSET: OnceLock<UtcOffset> = OnceLock::new();

/// Sets the offset used in messages; the first call wins.
pub fn set_display_offset(offset: UtcOffset) {
    let _ = DISPLAY_OFFSET.set(offset);
}

/// `23/11/2026 à 23:59` (French), `2026-11-23 at 23:59` (English) or `2026-11-23 23:59`
/// (Arabic: digits in ISO order read the same in both directions).
pub fn format_instant(ms: i64, lang: Lang) -> String {
    let offset = DISPLAY_OFFSET.get().copied().unwrap_or(UtcOffset::UTC);
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    let format = match lang {
        Lang::Fr => format_description!("[day]/[month]/[year] à [hour]:[minute]"),
        Lang::En => format_description!("[year]-[month]-[day] at [hour]:[minute]"),
        Lang::Ar => format_description!("[year]-[month]-[day] [hour]:[minute]"),
    };
    t.format(format).unwrap_or_default()
}

fn mib(bytes: u64) -> String {
    format!("{} Mio", bytes.div_ceil(1024 * 1024))
}

impl From<VaultError> for ApiError {
    fn from(e: VaultError) -> ApiError {
        use ErrorCode as C;
        match e {
            VaultError::BadRequest(_) => ApiError::new(C::BadRequest),
            VaultError::InvalidUserName => ApiError::new(C::InvalidUserName),
            VaultError::UserExists => ApiError::new(C::UserExists),
            VaultError::WeakKdfParams => ApiError::new(C::WeakKdfParams),
            VaultError::BadCredentials => ApiError::new(C::BadCredentials),
            VaultError::TooManyAttempts { retry_after_s } => ApiError {
                retry_after_s: Some(retry_after_s),
                ..ApiError::new(C::TooManyAttempts).arg("seconds", retry_after_s.to_string())
            },
            VaultError::Unauthenticated => ApiError::new(C::Unauthenticated),
            VaultError::SessionExpired => ApiError::new(C::SessionExpired),
            VaultError::BadRecoveryKit => ApiError::new(C::BadRecoveryKit),
            VaultError::DocumentNotFound => ApiError::new(C::DocumentNotFound),
            VaultError::UploadNotFound => ApiError::new(C::UploadNotFound),
            VaultError::NotAgeFile => ApiError::new(C::NotAgeFile),
            VaultError::DocumentTooLarge { max_bytes } => {
                ApiError::new(C::DocumentTooLarge).arg("max", mib(max_bytes))
            }
            VaultError::QuotaExceeded => ApiError::new(C::QuotaExceeded),
            VaultError::UploadIncomplete(_) => ApiError::new(C::UploadIncomplete),
            VaultError::AccountDisabled => ApiError::new(C::AccountDisabled),
            VaultError::WrongRole { needed } => ApiError::new(match needed {
                crate::api::Role::Citizen => C::NotACitizen,
                crate::api::Role::Mediator => C::NotAMediator,
            }),
            VaultError::MediatorNotFound => ApiError::new(C::MediatorNotFound),
            VaultError::AccountNotFound => ApiError::new(C::AccountNotFound),
            VaultError::GrantNotFound => ApiError::new(C::GrantNotFound),
            VaultError::GrantExpired { at_ms } => ApiError::new(C::GrantExpired).at("when", at_ms),
            VaultError::GrantRevoked { at_ms } => ApiError::new(C::GrantRevoked).at("when", at_ms),
            VaultError::GrantNotYetValid { from_ms } => {
                ApiError::new(C::GrantNotYetValid).at("when", from_ms)
            }
            VaultError::InvalidGrant(why) => {
                tracing::info!(why, "grant refused");
                ApiError::new(C::InvalidGrant)
            }
            VaultError::InvalidSignature => ApiError::new(C::InvalidSignature),
            VaultError::RegistrationClosed => ApiError::new(C::RegistrationClosed),
            VaultError::InvitationRequired => ApiError::new(C::InvitationRequired),
            VaultError::InvitationInvalid => ApiError::new(C::InvitationInvalid),
            VaultError::EnrolmentCodeInvalid => ApiError::new(C::EnrolmentCodeInvalid),
            VaultError::RequestNotFound => ApiError::new(C::RequestNotFound),
            VaultError::RequestAnswered => ApiError::new(C::RequestAnswered),
            VaultError::AdminUnauthorized => ApiError::new(C::AdminUnauthorized),
            VaultError::StorageFull(detail) => {
                tracing::error!(%detail, "storage full");
                ApiError::new(C::StorageFull).retry_after(60)
            }
            VaultError::WriteInDoubt(detail) => {
                tracing::error!(%detail, "a write may have landed although it failed");
                ApiError::new(C::WriteInDoubt)
            }
            VaultError::Unavailable(detail) => {
                tracing::error!(%detail, "storage unavailable");
                ApiError::new(C::Unavailable)
            }
            VaultError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::new(C::Internal)
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let code = match r {
            JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::InvalidJson,
        };
        ApiError::new(code)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let args: Vec<(&str, &str)> = self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: error_text(self.code, self.lang, &args),
            },
        };
        let mut response = (status_of(self.code), Json(body)).into_response();
        if let Some(s) = self.retry_after_s {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_codes_never_map_to_500_by_accident() {
        let server_codes = [
            ErrorCode::BadRequest,
            ErrorCode::InvalidJson,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::PayloadTooLarge,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::RequestTimeout,
            ErrorCode::InvalidUserName,
            ErrorCode::UserExists,
            ErrorCode::BadCredentials,
            ErrorCode::WeakKdfParams,
            ErrorCode::TooManyAttempts,
            ErrorCode::Unauthenticated,
            ErrorCode::SessionExpired,
            ErrorCode::BadRecoveryKit,
            ErrorCode::DocumentNotFound,
            ErrorCode::UploadNotFound,
            ErrorCode::NotAgeFile,
            ErrorCode::DocumentTooLarge,
            ErrorCode::QuotaExceeded,
            ErrorCode::UploadIncomplete,
            ErrorCode::Unavailable,
            ErrorCode::StorageFull,
            ErrorCode::WriteInDoubt,
        ];
        for code in server_codes {
            let said = [
                ErrorCode::Unavailable,
                ErrorCode::StorageFull,
                ErrorCode::WriteInDoubt,
            ];
            assert!(status_of(code).is_client_error() || said.contains(&code));
        }
        assert_eq!(status_of(ErrorCode::Internal), 500);
    }
}
