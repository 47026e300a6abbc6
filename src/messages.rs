//! The message catalogue: every sentence a person reads, French first, keyed by the
//! stable error code (or a message key). Server and CLI both render from here.
//!
//! A message may hold `{name}` placeholders filled by [`render`].

use crate::api::ErrorCode;

/// Languages with a catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
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
            _ => Lang::Fr,
        }
    }
}

/// The sentence for an error code.
pub fn error_text(code: ErrorCode, lang: Lang) -> &'static str {
    let (fr, en) = error_pair(code);
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// Fills `{name}` placeholders.
pub fn render(template: &str, args: &[(&str, &str)]) -> String {
    args.iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// Sentences the CLI shows on success, and its prompts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
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
    PromptPassphrase,
    PromptNewPassphrase,
    PromptConfirm,
}

/// The sentence for a [`Text`].
pub fn text(key: Text, lang: Lang) -> &'static str {
    let (fr, en) = text_pair(key);
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

fn text_pair(key: Text) -> (&'static str, &'static str) {
    use Text::*;
    match key {
        Registered => (
            "Votre coffre « {user} » est créé et vous êtes connecté.",
            "Your vault \"{user}\" is created and you are logged in.",
        ),
        KitSaved => (
            "Votre kit de récupération est enregistré dans : {path}\nImprimez-le ou recopiez-le, puis gardez-le en lieu sûr : sans lui, une phrase de passe oubliée ne peut pas être remplacée.",
            "Your recovery kit is saved in: {path}\nPrint or copy it, then keep it somewhere safe: without it, a forgotten passphrase cannot be replaced.",
        ),
        LoggedIn => (
            "Vous êtes connecté en tant que « {user} ».",
            "You are logged in as \"{user}\".",
        ),
        LoggedOut => ("Vous êtes déconnecté.", "You are logged out."),
        Added => (
            "Document « {title} » chiffré et ajouté à votre coffre (identifiant {id}).",
            "Document \"{title}\" encrypted and added to your vault (id {id}).",
        ),
        Saved => (
            "Document « {title} » enregistré dans : {path}",
            "Document \"{title}\" saved in: {path}",
        ),
        Removed => (
            "Document supprimé, ainsi que ses clés.",
            "Document deleted, with its keys.",
        ),
        PassphraseChanged => (
            "Votre phrase de passe est changée. Vos documents n'ont pas bougé.",
            "Your passphrase is changed. Your documents are untouched.",
        ),
        Recovered => (
            "Votre nouvelle phrase de passe est enregistrée et vous êtes connecté. Tous vos documents sont toujours là.",
            "Your new passphrase is set and you are logged in. All your documents are still there.",
        ),
        IdentityExported => (
            "Votre clé privée est enregistrée dans : {path} (lisible par vous seul). Elle ouvre tous vos documents avec l'outil age : ne la donnez à personne.",
            "Your private key is saved in: {path} (readable by you only). It opens all your documents with the age tool: give it to no one.",
        ),
        EmptyVault => (
            "Votre coffre est vide. Ajoutez un document avec « coffre add FICHIER ».",
            "Your vault is empty. Add a document with \"coffre add FILE\".",
        ),
        WhoUser => ("Identifiant", "User"),
        WhoRole => ("Rôle", "Role"),
        WhoSafetyCode => ("Code de sécurité", "Safety code"),
        WhoUsage => ("Documents", "Documents"),
        RoleCitizen => ("particulier", "citizen"),
        RoleMediator => ("médiateur", "mediator"),
        Unreadable => ("(illisible)", "(unreadable)"),
        ColumnId => ("ID", "ID"),
        ColumnTitle => ("TITRE", "TITLE"),
        ColumnCategory => ("CATÉGORIE", "CATEGORY"),
        ColumnSize => ("TAILLE", "SIZE"),
        ColumnAdded => ("AJOUTÉ LE", "ADDED"),
        ColumnExpires => ("EXPIRE LE", "EXPIRES"),
        PromptPassphrase => ("Phrase de passe : ", "Passphrase: "),
        PromptNewPassphrase => ("Nouvelle phrase de passe : ", "New passphrase: "),
        PromptConfirm => ("Confirmez la phrase de passe : ", "Confirm the passphrase: "),
    }
}

/// A category's name for people.
pub fn category_label(category: crate::api::Category, lang: Lang) -> &'static str {
    use crate::api::Category::*;
    let (fr, en) = match category {
        Identity => ("Identité", "Identity"),
        Housing => ("Logement", "Housing"),
        Income => ("Revenus", "Income"),
        Tax => ("Impôts", "Tax"),
        Family => ("Famille", "Family"),
        Health => ("Santé", "Health"),
        Work => ("Travail", "Work"),
        Transport => ("Transport", "Transport"),
        Justice => ("Justice", "Justice"),
        Other => ("Autre", "Other"),
    };
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

fn error_pair(code: ErrorCode) -> (&'static str, &'static str) {
    use ErrorCode::*;
    match code {
        BadRequest => (
            "La demande est mal formée.",
            "The request is malformed.",
        ),
        InvalidJson => (
            "Le contenu de la demande n'est pas un JSON valide.",
            "The request body is not valid JSON.",
        ),
        UnsupportedMediaType => (
            "Le type de contenu de la demande n'est pas accepté.",
            "The request's content type is not accepted.",
        ),
        PayloadTooLarge => (
            "La demande est trop volumineuse.",
            "The request is too large.",
        ),
        NotFound => ("Cette adresse n'existe pas.", "No such endpoint."),
        MethodNotAllowed => (
            "Cette opération n'est pas permise à cette adresse.",
            "This method is not allowed here.",
        ),
        RequestTimeout => (
            "La demande a pris trop de temps et a été interrompue.",
            "The request took too long and was stopped.",
        ),
        InvalidUserName => (
            "Cet identifiant n'est pas valable : de 3 à 64 caractères parmi a-z, 0-9, point, tiret et tiret bas, en commençant par une lettre ou un chiffre.",
            "This user name is not valid: 3 to 64 characters among a-z, 0-9, dot, dash and underscore, starting with a letter or digit.",
        ),
        UserExists => (
            "Cet identifiant est déjà pris. Choisissez-en un autre.",
            "This user name is already taken. Choose another one.",
        ),
        BadCredentials => (
            "Identifiant ou phrase de passe incorrect.",
            "Wrong user name or passphrase.",
        ),
        WeakKdfParams => (
            "Les paramètres de protection de la phrase de passe sont trop faibles.",
            "The passphrase protection parameters are too weak.",
        ),
        TooManyAttempts => (
            "Trop d'essais manqués. Réessayez dans {seconds} secondes.",
            "Too many failed attempts. Try again in {seconds} seconds.",
        ),
        Unauthenticated => (
            "Vous n'êtes pas connecté. Connectez-vous avec « coffre login ».",
            "You are not logged in. Log in with \"coffre login\".",
        ),
        SessionExpired => (
            "Votre session a expiré. Connectez-vous de nouveau avec « coffre login ».",
            "Your session has expired. Log in again with \"coffre login\".",
        ),
        BadRecoveryKit => (
            "Ce kit de récupération ne correspond pas à ce compte.",
            "This recovery kit does not match this account.",
        ),
        DocumentNotFound => (
            "Ce document n'existe pas dans votre coffre.",
            "This document is not in your vault.",
        ),
        UploadNotFound => (
            "L'envoi du document est introuvable ou a expiré. Recommencez l'ajout.",
            "The upload was not found or has expired. Add the document again.",
        ),
        NotAgeFile => (
            "Le serveur n'accepte que des documents chiffrés.",
            "The server only accepts encrypted documents.",
        ),
        DocumentTooLarge => (
            "Ce document est trop volumineux : la taille maximale est de {max}.",
            "This document is too large: the maximum size is {max}.",
        ),
        QuotaExceeded => (
            "Votre coffre est plein : supprimez des documents pour en ajouter d'autres.",
            "Your vault is full: delete documents to add others.",
        ),
        UploadIncomplete => (
            "L'envoi a été interrompu avant la fin. Rien n'a été enregistré ; recommencez.",
            "The upload was interrupted. Nothing was saved; try again.",
        ),
        Unavailable => (
            "Le service est momentanément indisponible. Rien n'a été modifié ; réessayez plus tard.",
            "The service is temporarily unavailable. Nothing was changed; try again later.",
        ),
        Internal => (
            "Une erreur interne est survenue. Rien n'a été modifié.",
            "An internal error occurred. Nothing was changed.",
        ),
        NotLoggedIn => (
            "Vous n'êtes pas connecté. Connectez-vous avec « coffre login IDENTIFIANT ».",
            "You are not logged in. Log in with \"coffre login USER\".",
        ),
        ServerUnreachable => (
            "Impossible de joindre le serveur {url}. Vérifiez l'adresse et votre connexion.",
            "Cannot reach the server {url}. Check the address and your connection.",
        ),
        TlsError => (
            "La connexion sécurisée au serveur a échoué : son certificat n'est pas reconnu.",
            "The secure connection to the server failed: its certificate is not trusted.",
        ),
        FileNotFound => (
            "Le fichier {path} est introuvable.",
            "The file {path} does not exist.",
        ),
        FileExists => (
            "Le fichier {path} existe déjà ; il n'a pas été remplacé.",
            "The file {path} already exists; it was not replaced.",
        ),
        IoError => (
            "Erreur de lecture ou d'écriture : {detail}.",
            "Read or write error: {detail}.",
        ),
        WrongPassphrase => (
            "Phrase de passe incorrecte.",
            "Wrong passphrase.",
        ),
        PassphraseMismatch => (
            "Les deux phrases de passe ne sont pas identiques.",
            "The two passphrases differ.",
        ),
        PassphraseRequired => (
            "Une phrase de passe est nécessaire : donnez-la dans COFFRE_PASSPHRASE ou lancez la commande dans un terminal.",
            "A passphrase is needed: set COFFRE_PASSPHRASE or run the command in a terminal.",
        ),
        PassphraseTooShort => (
            "Cette phrase de passe est trop courte : au moins {min} caractères.",
            "This passphrase is too short: at least {min} characters.",
        ),
        DecryptionFailed => (
            "Ce document n'a pas pu être déchiffré : il est abîmé ou incomplet.",
            "This document could not be decrypted: it is damaged or incomplete.",
        ),
        IntegrityFailed => (
            "Le document reçu ne correspond pas à celui qui a été déposé.",
            "The document received does not match the one that was stored.",
        ),
        InvalidKit => (
            "Ce fichier n'est pas un kit de récupération coffre.",
            "This file is not a coffre recovery kit.",
        ),
        InvalidDate => (
            "Date invalide « {value} » : écrivez-la AAAA-MM-JJ, par exemple 2031-05-02.",
            "Invalid date \"{value}\": write it YYYY-MM-DD, for example 2031-05-02.",
        ),
        InvalidCategory => (
            "Catégorie inconnue « {value} ». Catégories : {choices}.",
            "Unknown category \"{value}\". Categories: {choices}.",
        ),
        AmbiguousId => (
            "Le début d'identifiant « {value} » correspond à plusieurs documents ; donnez-en davantage.",
            "The id prefix \"{value}\" matches several documents; give more of it.",
        ),
        ProtocolError => (
            "Le serveur a répondu de façon inattendue.",
            "The server answered in an unexpected way.",
        ),
        Unknown => (
            "Le serveur a signalé une erreur.",
            "The server reported an error.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_both_languages() {
        for code in ErrorCode::ALL {
            for lang in [Lang::Fr, Lang::En] {
                let text = error_text(*code, lang);
                assert!(text.ends_with('.'), "{code:?} {lang:?}: {text}");
            }
            assert_ne!(error_text(*code, Lang::Fr), error_text(*code, Lang::En));
        }
    }

    #[test]
    fn negotiation_and_rendering() {
        assert_eq!(Lang::negotiate(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr_FR.UTF-8")), Lang::Fr);
        assert_eq!(Lang::negotiate(None), Lang::Fr);
        assert_eq!(render("a {x} b", &[("x", "1")]), "a 1 b");
    }
}
