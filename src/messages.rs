//! The message catalogue: every sentence a person reads, French first, then English and
//! Arabic, keyed by the stable error code (or a message key). Server, CLI and the web
//! client all render from the same Fluent files in `locales/`:
//!
//! - `locales/LANG/common.ftl`: error sentences (`error-CODE`), category names
//!   (`cat-CATEGORY`) and journal sentences (`journal-ACTION-PHASE[-VARIANT]`); used here
//!   and by the web client;
//! - `locales/LANG/cli.ftl`: the CLI's own sentences (`cli-…`, from [`Text`]);
//! - `locales/LANG/web.ftl`: the web client's pages (not compiled in here).
//!
//! The files are compiled into the binary; a test checks that every language parses
//! and has every message with the same variables as French.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use crate::api::ErrorCode;

/// Languages with a catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
    Ar,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Fr, Lang::En, Lang::Ar];

    /// From an `Accept-Language` header or a `LANG`-style value; French by default.
    pub fn negotiate(value: Option<&str>) -> Lang {
        let first = value
            .unwrap_or("")
            .split([',', ';', '.', '_', '-'])
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match first.as_str() {
            "en" => Lang::En,
            "ar" => Lang::Ar,
            _ => Lang::Fr,
        }
    }

    /// The BCP 47 tag (`Content-Language`, `Accept-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The catalogue files compiled in, per language: (file name, text).
const SOURCES: [[(&str, &str); 2]; 3] = [
    [
        ("fr/common.ftl", include_str!("../locales/fr/common.ftl")),
        ("fr/cli.ftl", include_str!("../locales/fr/cli.ftl")),
    ],
    [
        ("en/common.ftl", include_str!("../locales/en/common.ftl")),
        ("en/cli.ftl", include_str!("../locales/en/cli.ftl")),
    ],
    [
        ("ar/common.ftl", include_str!("../locales/ar/common.ftl")),
        ("ar/cli.ftl", include_str!("../locales/ar/cli.ftl")),
    ],
];

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> &'static Bundle {
    static BUNDLES: OnceLock<Vec<Bundle>> = OnceLock::new();
    let bundles = BUNDLES.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|l| {
                let langid = l.tag().parse().unwrap_or_default();
                let mut b = FluentBundle::new_concurrent(vec![langid]);
                // Plain text for terminals and JSON bodies: no bidi isolation marks.
                b.set_use_isolating(false);
                for (_, source) in SOURCES[l.index()] {
                    // A file that does not parse fails the catalogue test; here its
                    // valid messages are still used.
                    let resource = match FluentResource::try_new(source.to_owned()) {
                        Ok(r) => r,
                        Err((r, _)) => r,
                    };
                    let _ = b.add_resource(resource);
                }
                b
            })
            .collect()
    });
    &bundles[lang.index()]
}

/// The message `id` in `lang` with `args`, falling back to French; `None` when no
/// catalogue has it.
pub fn format(id: &str, lang: Lang, args: &[(&str, &str)]) -> Option<String> {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, *value);
    }
    [lang, Lang::Fr].iter().find_map(|l| {
        let b = bundle(*l);
        let pattern = b.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = b
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned();
        // A value the caller did not give reads as "…", never as a raw `{$name}`.
        Some(if errors.is_empty() {
            text
        } else {
            without_placeholders(&text)
        })
    })
}

/// `text` with every `{$name}` Fluent left for a missing value replaced by "…".
fn without_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{$") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('…');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The sentence for an error code, its placeholders filled.
pub fn error_text(code: ErrorCode, lang: Lang, args: &[(&str, &str)]) -> String {
    format(&format!("error-{}", code.as_str()), lang, args)
        .unwrap_or_else(|| code.as_str().to_owned())
}

macro_rules! texts {
    ($($variant:ident,)*) => {
        /// Sentences the CLI shows on success, and its prompts (`cli-…` in the catalogue,
        /// the variant's name in kebab case).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Text {
            $($variant,)*
        }

        impl Text {
            pub const ALL: &'static [Text] = &[$(Text::$variant,)*];
        }
    };
}

texts! {
    Registered,
    KitSaved,
    LoggedIn,
    LoggedOut,
    Added,
    Saved,
    Removed,
    PassphraseChanged,
    Recovered,
    IdentityExported,
    EmptyVault,
    WhoUser,
    WhoRole,
    WhoSafetyCode,
    WhoUsage,
    RoleCitizen,
    RoleMediator,
    Unreadable,
    ColumnId,
    ColumnTitle,
    ColumnCategory,
    ColumnSize,
    ColumnAdded,
    ColumnExpires,
    Enrolled,
    SharedWith,
    ExpiryHonesty,
    GrantRevokedDone,
    RequestSent,
    RequestDeclined,
    NothingShared,
    NoGrants,
    NoRequests,
    EnrolmentCodeIssued,
    InvitationIssued,
    CitizenTrusted,
    MediatorDisabledDone,
    StateActive,
    StateScheduled,
    StateExpired,
    StateRevoked,
    StatePending,
    StateFulfilled,
    StateDeclined,
    StateDisabled,
    ColumnGrant,
    ColumnMediator,
    ColumnDocuments,
    ColumnPurpose,
    ColumnUntil,
    ColumnState,
    ColumnCitizen,
    ColumnRequest,
    ColumnMessage,
    ColumnDate,
    ColumnUser,
    ColumnName,
    ColumnStructure,
    ReceiptTitle,
    ReceiptIntro,
    ReceiptDocuments,
    ReceiptPurpose,
    ReceiptPeriod,
    ReceiptState,
    ReceiptGrantId,
    ReceiptRecipient,
    ReceiptHash,
    ReceiptSignature,
    ReceiptSignatureValid,
    ReceiptSignatureInvalid,
    JournalAuditOk,
    JournalAuditFailed,
    Exported,
    AccountDeleted,
    ReminderExpired,
    ReminderSoon,
    PromptConfirmDelete,
    StatusCitizens,
    StatusMediators,
    StatusDocuments,
    StatusStored,
    StatusGrants,
    StatusVersion,
    PromptPassphrase,
    PromptNewPassphrase,
    PromptConfirm,
    PromptAcceptChange,
    ExportReadableWarning,
    CitizenSafetyCode,
    ChangeIntro,
    ChangeOld,
    ChangeNew,
    ChangeMissing,
    ChangeNoneMissing,
    ChangeRestored,
    ChangeLostDocuments,
    ChangeBackDocuments,
    ChangeUnreadableTitle,
    ChangeSharesEnded,
    ChangePassphraseBack,
    ChangeAccepted,
    QuotaSet,
}

impl Text {
    /// Its catalogue id: `cli-` and the variant's name in kebab case.
    pub fn id(self) -> String {
        let name = format!("{self:?}");
        let mut id = String::from("cli");
        for c in name.chars() {
            if c.is_ascii_uppercase() {
                id.push('-');
            }
            id.push(c.to_ascii_lowercase());
        }
        id
    }
}

/// A CLI sentence, its placeholders filled.
pub fn text(key: Text, lang: Lang, args: &[(&str, &str)]) -> String {
    format(&key.id(), lang, args).unwrap_or_else(|| key.id())
}

/// A category's name for people.
pub fn category_label(category: crate::api::Category, lang: Lang) -> String {
    format(&format!("cat-{}", category.as_str()), lang, &[])
        .unwrap_or_else(|| category.as_str().to_owned())
}

/// A journal sentence, keyed `action.phase` (or `action.phase.variant`), with
/// `actor`, `title`, `count`, `until`, `category`, `mediator`, `date` arguments. `None`
/// for an entry the plain view does not show (an attempt followed by its outcome).
pub fn journal_sentence(key: &str, lang: Lang, args: &[(&str, &str)]) -> Option<String> {
    format(&format!("journal-{}", key.replace('.', "-")), lang, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    fn variables(pattern: &Pattern<&str>, out: &mut Vec<String>) {
        for element in &pattern.elements {
            let PatternElement::Placeable { expression } = element else {
                continue;
            };
            let inline = match expression {
                Expression::Inline(i) => i,
                Expression::Select { selector, variants } => {
                    for v in variants {
                        variables(&v.value, out);
                    }
                    selector
                }
            };
            if let InlineExpression::VariableReference { id } = inline {
                out.push(id.name.to_owned());
            }
        }
    }

    /// The ids and the variables of each message of a catalogue file.
    fn messages(source: &str) -> std::collections::BTreeMap<String, Vec<String>> {
        let resource = match FluentResource::try_new(source.to_owned()) {
            Ok(r) => r,
            Err((_, errors)) => panic!("does not parse: {errors:?}"),
        };
        let mut out = std::collections::BTreeMap::new();
        for entry in resource.entries() {
            if let Entry::Message(m) = entry {
                let mut vars = Vec::new();
                if let Some(p) = &m.value {
                    variables(p, &mut vars);
                }
                vars.sort();
                vars.dedup();
                out.insert(m.id.name.to_owned(), vars);
            }
        }
        out
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        for (file, (name, fr)) in SOURCES[Lang::Fr.index()].iter().enumerate() {
            let french = messages(fr);
            for lang in [Lang::En, Lang::Ar] {
                let (other_name, other) = SOURCES[lang.index()][file];
                let other = messages(other);
                assert_eq!(
                    french.keys().collect::<Vec<_>>(),
                    other.keys().collect::<Vec<_>>(),
                    "{other_name} and {name} hold different messages"
                );
                for (id, vars) in &french {
                    assert_eq!(&other[id], vars, "{other_name}: {id} takes other variables");
                }
            }
        }
    }

    #[test]
    fn every_code_and_text_has_a_sentence_in_every_language() {
        for lang in Lang::ALL {
            for code in ErrorCode::ALL {
                let id = format!("error-{}", code.as_str());
                assert!(bundle(lang).has_message(&id), "{lang:?} lacks {id}");
                let text = error_text(*code, lang, &[]);
                assert!(text.ends_with('.'), "{code:?} {lang:?}: {text}");
            }
            for key in Text::ALL {
                assert!(
                    bundle(lang).has_message(&key.id()),
                    "{lang:?} lacks {}",
                    key.id()
                );
            }
            for c in crate::api::Category::ALL {
                assert!(bundle(lang).has_message(&format!("cat-{}", c.as_str())));
            }
        }
        assert_ne!(
            error_text(ErrorCode::BadRequest, Lang::Fr, &[]),
            error_text(ErrorCode::BadRequest, Lang::En, &[])
        );
    }

    #[test]
    fn negotiation_and_rendering() {
        assert_eq!(Lang::negotiate(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("ar-MA")), Lang::Ar);
        assert_eq!(Lang::negotiate(Some("fr_FR.UTF-8")), Lang::Fr);
        assert_eq!(Lang::negotiate(None), Lang::Fr);
        assert_eq!(
            text(Text::LoggedIn, Lang::Fr, &[("user", "ana")]),
            "Vous êtes connecté en tant que « ana »."
        );
        assert_eq!(Text::KitSaved.id(), "cli-kit-saved");
        assert_eq!(
            journal_sentence("on", Lang::En, &[("date", "x")]).as_deref(),
            Some("on x")
        );
        assert_eq!(journal_sentence("upload.attempt", Lang::Fr, &[]), None);
        // A value not given never shows as a placeholder.
        assert_eq!(
            error_text(ErrorCode::MediatorNotFound, Lang::Fr, &[]),
            "Aucun médiateur actif ne porte l'identifiant « … »."
        );
    }
}
