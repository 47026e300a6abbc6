//! What the CLI asks for: passphrases (from the environment for scripts, otherwise
//! typed without echo on the terminal) and the values of flags that need checking.

use std::path::{Path, PathBuf};

use time::macros::format_description;

use crate::api::{Category, ErrorCode};
use crate::client::account::check_new_passphrase;
use crate::client::ClientError;
use crate::crypto::{ExposeSecret, SecretString};
use crate::messages::{text, Lang, Text};

/// The current passphrase: `COFFRE_PASSPHRASE`, or typed.
pub fn passphrase(lang: Lang) -> Result<SecretString, ClientError> {
    if let Ok(p) = std::env::var("COFFRE_PASSPHRASE") {
        return Ok(SecretString::from(p));
    }
    prompt(text(Text::PromptPassphrase, lang))
}

/// A new passphrase: from `env_var` if set, otherwise typed twice.
pub fn new_passphrase(env_var: &str, lang: Lang) -> Result<SecretString, ClientError> {
    if let Ok(p) = std::env::var(env_var) {
        let p = SecretString::from(p);
        check_new_passphrase(&p)?;
        return Ok(p);
    }
    let first = prompt(text(Text::PromptNewPassphrase, lang))?;
    check_new_passphrase(&first)?;
    let second = prompt(text(Text::PromptConfirm, lang))?;
    if first.expose_secret() != second.expose_secret() {
        return Err(ClientError::local(ErrorCode::PassphraseMismatch, &[]));
    }
    Ok(first)
}

fn prompt(label: &str) -> Result<SecretString, ClientError> {
    rpassword::prompt_password(label)
        .map(SecretString::from)
        .map_err(|_| ClientError::local(ErrorCode::PassphraseRequired, &[]))
}

/// A `YYYY-MM-DD` date, checked.
pub fn date(value: &str) -> Result<String, ClientError> {
    time::Date::parse(value, format_description!("[year]-[month]-[day]"))
        .map(|_| value.to_owned())
        .map_err(|_| ClientError::local(ErrorCode::InvalidDate, &[("value", value)]))
}

pub fn category(value: &str) -> Result<Category, ClientError> {
    Category::parse(value).ok_or_else(|| {
        let choices: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        ClientError::local(
            ErrorCode::InvalidCategory,
            &[("value", value), ("choices", &choices.join(", "))],
        )
    })
}

/// A MIME type from a file name's extension.
pub fn mime_of(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "heic" => "image/heic",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "txt" => "text/plain",
        "odt" => "application/vnd.oasis.opendocument.text",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

/// The usual extension for a MIME type (for default output names).
pub fn extension_of(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/heic" => "heic",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "image/tiff" => "tiff",
        "text/plain" => "txt",
        "application/vnd.oasis.opendocument.text" => "odt",
        _ => return None,
    })
}

/// A file name in the current directory for a document, never replacing a file:
/// `Titre.pdf`, then `Titre (2).pdf`, …
pub fn free_name(title: &str, mime: &str) -> PathBuf {
    let clean: String = title
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stem = match clean.trim().trim_start_matches('.') {
        "" => "document".to_owned(),
        s => s.to_owned(),
    };
    let has_ext = Path::new(&stem).extension().is_some();
    let ext = match (has_ext, extension_of(mime)) {
        (false, Some(e)) => format!(".{e}"),
        _ => String::new(),
    };
    let mut candidate = PathBuf::from(format!("{stem}{ext}"));
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{stem} ({n}){ext}"));
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_categories() {
        assert!(date("2031-05-02").is_ok());
        for bad in ["02/05/2031", "2031-13-01", "2031-02-30", ""] {
            assert_eq!(date(bad).unwrap_err().code(), ErrorCode::InvalidDate);
        }
        assert_eq!(category("tax").unwrap(), Category::Tax);
        assert_eq!(
            category("impots").unwrap_err().code(),
            ErrorCode::InvalidCategory
        );
    }

    #[test]
    fn names() {
        assert_eq!(mime_of(Path::new("a/B.PDF")), "application/pdf");
        let name = free_name("../Avis d'impôt 2025", "application/pdf");
        assert_eq!(name, PathBuf::from("_Avis d'impôt 2025.pdf"));
        assert_eq!(free_name("", "x/y"), PathBuf::from("document"));
    }
}
