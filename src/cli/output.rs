//! The only place in the CLI that prints: results (text or `--json`) to stdout,
//! errors (one sentence and a stable code) to stderr, progress bars to stderr.

use std::io::{IsTerminal, Write};

use serde::Serialize;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::client::{ClientError, Progress};
use crate::messages::{text, Lang, Text};

/// Where and how results are shown.
pub struct Out {
    pub json: bool,
    pub lang: Lang,
    pub offset: UtcOffset,
}

impl Out {
    /// A sentence from the catalogue, with its placeholders filled (the values made
    /// safe for a terminal).
    pub fn say(&self, key: Text, args: &[(&str, &str)]) {
        println!("{}", self.text(key, args));
    }

    /// A JSON value on one line.
    pub fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("{e}"),
        }
    }

    /// Lines of `label: value`.
    pub fn fields(&self, rows: &[(Text, String)]) {
        let labels: Vec<String> = rows.iter().map(|(k, _)| text(*k, self.lang, &[])).collect();
        let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        for (label, (_, value)) in labels.iter().zip(rows) {
            let pad = width - label.chars().count();
            println!("{label}{} : {}", " ".repeat(pad), safe(value, false));
        }
    }

    /// A table with a header row; columns padded to their widest cell.
    pub fn table(&self, header: &[Text], rows: &[Vec<String>]) {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| safe(c, false)).collect())
            .collect();
        let head: Vec<String> = header.iter().map(|h| text(*h, self.lang, &[])).collect();
        let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            println!("{}", padded.join("  ").trim_end());
        };
        line(&head);
        rows.iter().for_each(|r| line(r));
    }

    /// A list: JSON items for scripts; for people, a sentence when it is empty,
    /// else a table. Only the form asked for is built.
    pub fn listing(
        &self,
        empty: Text,
        header: &[Text],
        json: impl FnOnce() -> Vec<serde_json::Value>,
        rows: impl FnOnce() -> Vec<Vec<String>>,
    ) {
        if self.json {
            self.json(&json());
            return;
        }
        let rows = rows();
        if rows.is_empty() {
            self.say(empty, &[]);
        } else {
            self.table(header, &rows);
        }
    }

    /// An error: one sentence and its code, or the JSON error object.
    pub fn error(&self, err: &ClientError) {
        let message = safe(&err.message(self.lang), true);
        let code = err.code();
        if self.json {
            let body = serde_json::json!({"error": {"code": code.as_str(), "message": message}});
            eprintln!("{body}");
        } else {
            eprintln!("{message} [{code}]");
        }
    }

    /// A date for people (`23/11/2026`) from milliseconds since the epoch.
    pub fn date(&self, ms: i64) -> String {
        let format = match self.lang {
            Lang::Fr => format_description!("[day]/[month]/[year]"),
            Lang::En | Lang::Ar => format_description!("[year]-[month]-[day]"),
        };
        self.local(ms).format(format).unwrap_or_default()
    }

    /// An instant for people: `23/11/2026 à 23:59`.
    pub fn instant(&self, ms: i64) -> String {
        let format = match self.lang {
            Lang::Fr => format_description!("[day]/[month]/[year] à [hour]:[minute]"),
            Lang::En => format_description!("[year]-[month]-[day] at [hour]:[minute]"),
            Lang::Ar => format_description!("[year]-[month]-[day] [hour]:[minute]"),
        };
        self.local(ms).format(format).unwrap_or_default()
    }

    /// Now, in local time.
    pub fn now_local(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc().to_offset(self.offset)
    }

    /// A sentence from the catalogue, filled, as a string (values made safe).
    pub fn text(&self, key: Text, args: &[(&str, &str)]) -> String {
        let safe_args: Vec<(&str, String)> =
            args.iter().map(|(k, v)| (*k, safe(v, true))).collect();
        let args: Vec<(&str, &str)> = safe_args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        text(key, self.lang, &args)
    }

    /// Writes text to a file (a receipt), replacing it; made safe like the screen.
    pub fn to_file(&self, path: &std::path::Path, content: &str) -> Result<(), ClientError> {
        std::fs::write(path, safe(content, true)).map_err(|e| ClientError::file(path, e))
    }

    /// Prints text, made safe for a terminal (line breaks kept).
    pub fn raw(&self, content: &str) {
        print!("{}", safe(content, true));
    }

    /// A timestamp for machines (RFC 3339, UTC).
    pub fn timestamp(&self, ms: i64) -> String {
        let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    fn local(&self, ms: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(self.offset)
    }

    /// A `YYYY-MM-DD` date shown the local way.
    pub fn day(&self, iso: &str) -> String {
        match (self.lang, iso.split('-').collect::<Vec<_>>().as_slice()) {
            (Lang::Fr, [y, m, d]) => format!("{d}/{m}/{y}"),
            _ => iso.to_owned(),
        }
    }

    /// Sizes for people: `812 o`, `1,4 Mio`.
    pub fn size(&self, bytes: u64) -> String {
        const UNITS: [(&str, &str); 4] =
            [("o", "B"), ("Kio", "KiB"), ("Mio", "MiB"), ("Gio", "GiB")];
        let mut value = bytes as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        let (fr, en) = UNITS[unit];
        let text = if unit == 0 {
            format!("{bytes}")
        } else {
            format!("{value:.1}")
        };
        match self.lang {
            Lang::Fr => format!("{} {fr}", text.replace('.', ",")),
            // Arabic keeps the Latin units, as on the devices' own screens.
            Lang::En | Lang::Ar => format!("{text} {en}"),
        }
    }

    /// A progress bar on stderr when it is a terminal and output is for people.
    pub fn progress(&self) -> Box<dyn Progress> {
        if self.json || !std::io::stderr().is_terminal() {
            return Box::new(crate::client::NoProgress);
        }
        Box::new(Bar(indicatif::ProgressBar::hidden()))
    }

    /// Bytes to stdout (a document with `-o -`).
    pub fn stdout(&self) -> std::io::StdoutLock<'static> {
        std::io::stdout().lock()
    }

    pub fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

/// Text from elsewhere (titles, names, purposes, the server's messages) as it may be
/// shown on a terminal: control characters (C0, DEL, C1: escape sequences that can
/// write the clipboard or fake a prompt), bidirectional overrides and isolates (which
/// reorder what is shown, to spoof a name) and zero-width characters are written as
/// visible `\u{…}` escapes. Line breaks are kept only where asked.
pub fn safe(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if crate::api::hidden_char(c) && !(keep_newlines && c == '\n') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: Option<u64>) {
        let style = indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        self.0.set_style(style);
        if let Some(t) = total {
            self.0.set_length(t);
        }
        self.0
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn escapes_and_overrides_are_shown_not_obeyed() {
        assert_eq!(
            safe("Avis\u{1b}]52;c;ZXZpbA==\u{7}", false),
            "Avis\\u{1b}]52;c;ZXZpbA==\\u{7}"
        );
        assert_eq!(safe("a\u{9b}31m", false), "a\\u{9b}31m");
        assert_eq!(
            safe("f.benali\u{202e}exe.pdf", false),
            "f.benali\\u{202e}exe.pdf"
        );
        assert_eq!(safe("zéro\u{200b}largeur", false), "zéro\\u{200b}largeur");
        assert_eq!(safe("deux\nlignes", true), "deux\nlignes");
        assert_eq!(safe("deux\nlignes", false), "deux\\u{a}lignes");
        // Plain French and Arabic text is untouched.
        assert_eq!(
            safe("Attestation CAF — مرحبا", false),
            "Attestation CAF — مرحبا"
        );
    }
}
