//! What the CLI asks for: passphrases (from the environment for scripts, otherwise
//! typed without echo on the terminal) and the values of flags that need checking.

use std::path::{Path, PathBuf};

use time::macros::format_description;

use crate::api::{Category, ErrorCode};
use crate::client::account::check_new_passphrase;
use crate::client::ClientError;
use crate::crypto::{ExposeSecret, SecretString};
use crate::messages::{text, Lang, Text};

/// A prompt, with the space before the answer (Fluent trims a message's trailing blank).
fn prompt_text(key: Text, lang: Lang) -> String {
    format!("{} ", text(key, lang, &[]))
}

/// The current passphrase: `COFFRE_PASSPHRASE`, or typed.
pub fn passphrase(lang: Lang) -> Result<SecretString, ClientError> {
    if let Ok(p) = std::env::var("COFFRE_PASSPHRASE") {
        return Ok(SecretString::from(p));
    }
    prompt(&prompt_text(Text::PromptPassphrase, lang))
}

/// A new passphrase: from `env_var` if set, otherwise typed twice.
pub fn new_passphrase(env_var: &str, lang: Lang) -> Result<SecretString, ClientError> {
    if let Ok(p) = std::env::var(env_var) {
        let p = SecretString::from(p);
        check_new_passphrase(&p)?;
        return Ok(p);
    }
    let first = prompt(&prompt_text(Text::PromptNewPassphrase, lang))?;
    check_new_passphrase(&first)?;
    let second = prompt(&prompt_text(Text::PromptConfirm, lang))?;
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

/// Asks, on a terminal, to type the confirmation word; false without a terminal.
pub fn confirm_delete(lang: Lang) -> bool {
    confirm_word(lang, Text::PromptConfirmDelete, ("SUPPRIMER", "DELETE"))
}

/// Asks, on a terminal, to type the word that accepts a change of journal.
pub fn confirm_journal_change(lang: Lang) -> bool {
    confirm_word(lang, Text::PromptAcceptChange, ("ACCEPTER", "ACCEPT"))
}

fn confirm_word(lang: Lang, prompt: Text, (fr, en): (&str, &str)) -> bool {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let Ok(answer) = rpassword::prompt_password(prompt_text(prompt, lang)) else {
        return false;
    };
    // The Arabic catalogue asks for the French word (Latin letters, as on the kit).
    let expected = match lang {
        Lang::Fr | Lang::Ar => fr,
        Lang::En => en,
    };
    answer.trim() == expected
}

/// A `YYYY-MM-DD` date, checked.
pub fn date(value: &str) -> Result<String, ClientError> {
    time::Date::parse(value, format_description!("[year]-[month]-[day]"))
        .map(|_| value.to_owned())
        .map_err(|_| ClientError::local(ErrorCode::InvalidDate, &[("value", value)]))
}

pub fn category(value: &str) -> Result<Category, ClientError> {
    let typed = value.trim().to_lowercase();
    Category::parse(&typed)
        .or_else(|| french_category(&typed))
        .ok_or_else(|| {
            let choices: Vec<String> = Category::ALL
                .iter()
                .zip(FRENCH)
                .map(|(c, fr)| format!("{fr} ({})", c.as_str()))
                .collect();
            ClientError::local(
                ErrorCode::InvalidCategory,
                &[("value", value), ("choices", &choices.join(", "))],
            )
        })
}

/// The French word typed for each category, in [`Category::ALL`] order.
const FRENCH: [&str; 10] = [
    "identite",
    "logement",
    "revenus",
    "impots",
    "famille",
    "sante",
    "travail",
    "transport",
    "justice",
    "autre",
];

/// A category's French name, with or without its accents (`impots`, `identité`).
fn french_category(typed: &str) -> Option<Category> {
    let plain: String = typed
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' => 'e',
            'ô' => 'o',
            'à' | 'â' => 'a',
            other => other,
        })
        .collect();
    Some(match plain.as_str() {
        "identite" => Category::Identity,
        "logement" => Category::Housing,
        "revenus" | "revenu" => Category::Income,
        "impots" | "impot" => Category::Tax,
        "famille" => Category::Family,
        "sante" => Category::Health,
        "travail" => Category::Work,
        "transport" | "transports" => Category::Transport,
        "justice" => Category::Justice,
        "autre" | "autres" => Category::Other,
        _ => return None,
    })
}

/// The end of a grant from a duration: `1h`…`8760h`, `1d`…`365d` (or `7j` in
/// French), or `today` / `ce-soir` (until 23:59:59 local time). Milliseconds since
/// the epoch.
pub fn expiry(value: &str, now: time::OffsetDateTime) -> Result<i64, ClientError> {
    let invalid = || ClientError::local(ErrorCode::InvalidDuration, &[("value", value)]);
    let v = value.trim().to_ascii_lowercase();
    let end = if matches!(
        v.as_str(),
        "today" | "tonight" | "aujourdhui" | "ce-soir" | "cesoir"
    ) {
        let last = time::Time::from_hms_milli(23, 59, 59, 999).map_err(|_| invalid())?;
        now.replace_time(last)
    } else {
        let (digits, unit) = v.split_at(v.len().saturating_sub(1));
        let n: i64 = digits.parse().map_err(|_| invalid())?;
        let hours = match unit {
            "h" => n,
            "d" | "j" => n * 24,
            _ => return Err(invalid()),
        };
        if !(1..=365 * 24).contains(&hours) {
            return Err(invalid());
        }
        now + time::Duration::hours(hours)
    };
    Ok((end.unix_timestamp_nanos() / 1_000_000) as i64)
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
            category("impôts 2025").unwrap_err().code(),
            ErrorCode::InvalidCategory
        );
    }

    #[test]
    fn durations() {
        let now = time::macros::datetime!(2026-11-23 14:02 +01:00);
        let ms = |t: time::OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
        assert_eq!(expiry("1h", now).unwrap(), ms(now) + 3_600_000);
        assert_eq!(expiry("30d", now).unwrap(), ms(now) + 30 * 86_400_000);
        assert_eq!(expiry("365d", now).unwrap(), ms(now) + 365 * 86_400_000);
        let tonight = time::macros::datetime!(2026-11-23 23:59:59.999 +01:00);
        assert_eq!(expiry("today", now).unwrap(), ms(tonight));
        assert_eq!(expiry("ce-soir", now).unwrap(), ms(tonight));
        assert_eq!(expiry("7j", now).unwrap(), ms(now) + 7 * 86_400_000);
        for bad in ["366d", "0h", "8761h", "1w", "demain", "", "-2h"] {
            assert_eq!(
                expiry(bad, now).unwrap_err().code(),
                ErrorCode::InvalidDuration,
                "{bad}"
            );
        }
    }

    #[test]
    fn french_words_for_categories() {
        assert_eq!(category("impots").unwrap(), Category::Tax);
        assert_eq!(category("Impôts").unwrap(), Category::Tax);
        assert_eq!(category("identite").unwrap(), Category::Identity);
        assert_eq!(category("santé").unwrap(), Category::Health);
        assert_eq!(category("tax").unwrap(), Category::Tax);
        assert_eq!(
            category("caf").unwrap_err().code(),
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
