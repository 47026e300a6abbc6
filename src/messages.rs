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
    ChangeAccepted,
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
        Enrolled => (
            "Votre compte de médiateur « {user} » est créé et vous êtes connecté.\nVotre code de sécurité, à montrer aux personnes qui partagent avec vous : {code}",
            "Your mediator account \"{user}\" is created and you are logged in.\nYour safety code, to show to the people who share with you: {code}",
        ),
        SharedWith => (
            "Partage créé : {mediator} peut consulter {count} document(s) jusqu'au {until} (partage {grant}).",
            "Share created: {mediator} can see {count} document(s) until {until} (share {grant}).",
        ),
        ExpiryHonesty => (
            "À l'échéance ou si vous retirez ce partage, le médiateur ne pourra plus télécharger ces documents ; les copies qu'il aurait déjà téléchargées ne peuvent pas être reprises.",
            "When it ends or if you withdraw it, the mediator can no longer download these documents; copies already downloaded cannot be taken back.",
        ),
        GrantRevokedDone => (
            "Partage retiré : le médiateur n'a plus accès à ces documents.",
            "Share withdrawn: the mediator no longer has access to these documents.",
        ),
        RequestSent => (
            "Demande envoyée (n° {request}). La personne la verra dans « coffre requests ».",
            "Request sent (no. {request}). The person will see it in \"coffre requests\".",
        ),
        RequestDeclined => ("Demande refusée.", "Request declined."),
        NothingShared => (
            "Aucun document n'est partagé avec vous en ce moment.",
            "No document is shared with you at the moment.",
        ),
        NoGrants => ("Vous n'avez partagé aucun document.", "You have not shared any document."),
        NoRequests => ("Aucune demande de document.", "No document request."),
        CitizenTrusted => (
            "Code de sécurité vérifié : cet appareil reconnaît désormais les nouvelles clés de « {citizen} » ({code}).",
            "Safety code checked: this device now recognises the new keys of \"{citizen}\" ({code}).",
        ),
        InvitationIssued => (
            "Code d'invitation à remettre à la personne (à usage unique, valable jusqu'au {until}) : {code}\nElle l'indique en créant son coffre : coffre register <identifiant> --invitation {code}",
            "Invitation code to hand over (single use, valid until {until}): {code}\nThey give it when creating their vault: coffre register <user name> --invitation {code}",
        ),
        EnrolmentCodeIssued => (
            "Code d'inscription pour « {user} » (à usage unique, valable jusqu'au {until}) : {code}",
            "Enrolment code for \"{user}\" (single use, valid until {until}): {code}",
        ),
        MediatorDisabledDone => (
            "Le médiateur « {user} » est désactivé ; tous ses partages sont terminés.",
            "Mediator \"{user}\" is disabled; all their shares have ended.",
        ),
        StateActive => ("actif", "active"),
        StateScheduled => ("programmé", "scheduled"),
        StateExpired => ("expiré", "expired"),
        StateRevoked => ("retiré", "withdrawn"),
        StatePending => ("en attente", "pending"),
        StateFulfilled => ("accordée", "fulfilled"),
        StateDeclined => ("refusée", "declined"),
        StateDisabled => ("désactivé", "disabled"),
        ColumnGrant => ("PARTAGE", "SHARE"),
        ColumnMediator => ("MÉDIATEUR", "MEDIATOR"),
        ColumnDocuments => ("DOCUMENTS", "DOCUMENTS"),
        ColumnPurpose => ("MOTIF", "PURPOSE"),
        ColumnUntil => ("JUSQU'AU", "UNTIL"),
        ColumnState => ("ÉTAT", "STATE"),
        ColumnCitizen => ("PERSONNE", "CITIZEN"),
        ColumnRequest => ("DEMANDE", "REQUEST"),
        ColumnMessage => ("MESSAGE", "MESSAGE"),
        ColumnDate => ("DATE", "DATE"),
        ColumnUser => ("IDENTIFIANT", "USER"),
        ColumnName => ("NOM", "NAME"),
        ColumnStructure => ("STRUCTURE", "STRUCTURE"),
        ReceiptTitle => ("REÇU DE CONSENTEMENT — coffre", "CONSENT RECEIPT — coffre"),
        ReceiptIntro => (
            "{citizen} a autorisé {mediator} ({structure}, identifiant {mediator_user}) à consulter :",
            "{citizen} allowed {mediator} ({structure}, user {mediator_user}) to see:",
        ),
        ReceiptDocuments => ("Documents", "Documents"),
        ReceiptPurpose => ("Motif : {purpose}", "Purpose: {purpose}"),
        ReceiptPeriod => ("Du {from} au {until}.", "From {from} until {until}."),
        ReceiptState => ("État : {state}", "State: {state}"),
        ReceiptGrantId => ("Partage n° {grant}", "Share no. {grant}"),
        ReceiptRecipient => ("Clé du médiateur vérifiée : {recipient}", "Mediator's verified key: {recipient}"),
        ReceiptHash => ("Empreinte (SHA-256) : {hash}", "Fingerprint (SHA-256): {hash}"),
        ReceiptSignature => ("Signature (Ed25519) : {signature}", "Signature (Ed25519): {signature}"),
        ReceiptSignatureValid => (
            "La signature a été vérifiée avec votre clé.",
            "The signature was verified with your key.",
        ),
        ReceiptSignatureInvalid => (
            "ATTENTION : la signature ne correspond pas à votre clé.",
            "WARNING: the signature does not match your key.",
        ),
        JournalAuditOk => (
            "Journal vérifié : {size} entrées, {subjects} chaînes, aucune anomalie.",
            "Journal verified: {size} entries, {subjects} chains, no anomaly.",
        ),
        JournalAuditFailed => (
            "Journal NON conforme ({size} entrées) : {violation}",
            "Journal NOT sound ({size} entries): {violation}",
        ),
        ReminderExpired => (
            "À renouveler : « {title} » a expiré le {date}.",
            "To renew: \"{title}\" expired on {date}.",
        ),
        ReminderSoon => (
            "Bientôt : « {title} » expire le {date}, dans {days} jour(s).",
            "Soon: \"{title}\" expires on {date}, in {days} day(s).",
        ),
        Exported => (
            "Votre coffre est exporté dans {path} : {count} document(s), chiffrés au format age, avec leurs empreintes et votre journal. Le fichier LISEZMOI.txt explique comment les ouvrir sans le service.",
            "Your vault is exported to {path}: {count} document(s), age-encrypted, with their hashes and your journal. LISEZMOI.txt explains how to open them without the service.",
        ),
        AccountDeleted => (
            "Votre coffre est supprimé : {count} document(s) et toutes vos clés ont été détruits sur le serveur. Les exports et copies que vous avez gardés restent sous votre responsabilité.",
            "Your vault is deleted: {count} document(s) and all your keys were destroyed on the server. Exports and copies you kept remain your responsibility.",
        ),
        PromptConfirmDelete => (
            "Cette action est définitive. Tapez SUPPRIMER pour confirmer : ",
            "This cannot be undone. Type DELETE to confirm: ",
        ),
        StatusCitizens => ("Particuliers", "Citizens"),
        StatusMediators => ("Médiateurs", "Mediators"),
        StatusDocuments => ("Documents", "Documents"),
        StatusStored => ("Volume stocké", "Stored"),
        StatusGrants => ("Partages actifs", "Active shares"),
        StatusVersion => ("Version", "Version"),
        PromptPassphrase => ("Phrase de passe : ", "Passphrase: "),
        PromptNewPassphrase => ("Nouvelle phrase de passe : ", "New passphrase: "),
        PromptConfirm => ("Confirmez la phrase de passe : ", "Confirm the passphrase: "),
        PromptAcceptChange => (
            "N'acceptez que si le service vous a prévenu de ce changement. Tapez ACCEPTER pour confirmer : ",
            "Accept only if the service told you of this change. Type ACCEPT to confirm: ",
        ),
        ExportReadableWarning => (
            "Attention : manifest.json et journal.json sont en clair. Quiconque a ce dossier peut y lire les titres de vos documents, les noms des médiateurs et les adresses de connexion.",
            "Warning: manifest.json and journal.json are in the clear. Whoever has this folder can read your documents' titles, the mediators' names and the connection addresses.",
        ),
        CitizenSafetyCode => (
            "Code de sécurité de {citizen} : {code} (comparez-le avec celui affiché sur son écran)",
            "Safety code of {citizen}: {code} (compare it with the one on her screen)",
        ),
        ChangeIntro => (
            "Le journal que présente le serveur n'est plus celui que cet appareil a vérifié.",
            "The journal the server shows is no longer the one this device verified.",
        ),
        ChangeOld => (
            "Avant : clé {key}, {count} entrée(s) vérifiée(s), point de contrôle de {size} entrées.",
            "Before: key {key}, {count} verified entry(ies), checkpoint of {size} entries.",
        ),
        ChangeNew => (
            "Maintenant : clé {key}, {count} entrée(s) pour votre coffre, point de contrôle de {size} entrées.",
            "Now: key {key}, {count} entry(ies) for your vault, checkpoint of {size} entries.",
        ),
        ChangeMissing => (
            "{count} entrée(s) déjà vue(s) par cet appareil n'y figurent plus :",
            "{count} entry(ies) this device saw are no longer in it:",
        ),
        ChangeNoneMissing => (
            "Aucune entrée déjà vue par cet appareil n'a disparu.",
            "No entry this device saw has disappeared.",
        ),
        ChangeAccepted => (
            "Changement accepté et inscrit dans votre journal. L'ancien état est gardé dans : {path}",
            "Change accepted and written in your journal. The previous state is kept in: {path}",
        ),
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
            "Ce document est introuvable, ou vous n'y avez pas accès.",
            "This document does not exist, or you have no access to it.",
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
        SafetyCodeMismatch => (
            "Ce code de sécurité n'est pas celui de {mediator}. Vérifiez-le sur son écran : rien n'a été partagé.",
            "This safety code is not {mediator}'s. Check it on their screen: nothing was shared.",
        ),
        MediatorNotFound => (
            "Aucun médiateur actif ne porte l'identifiant « {value} ».",
            "No active mediator has the user name \"{value}\".",
        ),
        GrantNotFound => (
            "Ce partage n'existe pas.",
            "This share does not exist.",
        ),
        GrantExpired => (
            "Ce partage a expiré le {when}.",
            "This share expired on {when}.",
        ),
        GrantRevoked => (
            "La personne a retiré ce partage le {when}.",
            "The citizen withdrew this share on {when}.",
        ),
        GrantNotYetValid => (
            "Ce partage ne commence que le {when}.",
            "This share only starts on {when}.",
        ),
        InvalidGrant => (
            "Ce partage est refusé : sa signature ou son contenu n'est pas valable.",
            "This share is refused: its signature or its content is not valid.",
        ),
        InvalidDuration => (
            "Durée invalide « {value} » : écrivez par exemple 1h, 2h, today (jusqu'à ce soir 23:59), 7d ou 30d ; au plus 365d.",
            "Invalid duration \"{value}\": write for example 1h, 2h, today (until 23:59 tonight), 7d or 30d; at most 365d.",
        ),
        AccountDisabled => (
            "Ce compte a été désactivé par l'administrateur du service.",
            "This account was disabled by the service's operator.",
        ),
        EnrolmentCodeInvalid => (
            "Ce code d'inscription n'est pas valable ou a expiré. Demandez-en un nouveau à l'administrateur.",
            "This enrolment code is not valid or has expired. Ask the operator for a new one.",
        ),
        RequestNotFound => (
            "Cette demande de document n'existe pas.",
            "This document request does not exist.",
        ),
        NotACitizen => (
            "Cette action est réservée aux particuliers.",
            "This action is for citizens only.",
        ),
        NotAMediator => (
            "Cette action est réservée aux médiateurs.",
            "This action is for mediators only.",
        ),
        AdminUnauthorized => (
            "Jeton d'administration refusé.",
            "Operator token refused.",
        ),
        AdminTokenRequired => (
            "Un jeton d'administration est nécessaire : COFFRE_ADMIN_TOKEN ou --admin-token-file.",
            "An operator token is needed: COFFRE_ADMIN_TOKEN or --admin-token-file.",
        ),
        JournalTampered => (
            "ALERTE : le journal de votre coffre ne se vérifie pas ({detail}). Le serveur a pu modifier ou cacher des entrées. Les preuves sont enregistrées dans {path}. Ne faites pas d'action sensible et prévenez le service ou votre médiateur.",
            "ALERT: your vault's journal does not verify ({detail}). The server may have altered or hidden entries. The evidence is saved in {path}. Do nothing sensitive and warn the service or your mediator.",
        ),
        JournalRollback => (
            "ALERTE : le serveur présente un journal plus ancien que celui que cet appareil a déjà vérifié ({detail}). Des entrées ont pu être effacées. Les preuves sont enregistrées dans {path}.",
            "ALERT: the server shows an older journal than the one this device already verified ({detail}). Entries may have been erased. The evidence is saved in {path}.",
        ),
        JournalKeyChanged => (
            "ALERTE : le serveur présente un autre journal que celui de votre coffre ({detail}). Les preuves sont enregistrées dans {path}. Si le service vous a prévenu d'un changement, vérifiez-le avec « coffre journal accept-change ».",
            "ALERT: the server shows another journal than your vault's ({detail}). The evidence is saved in {path}. If the service told you of a change, check it with \"coffre journal accept-change\".",
        ),
        InvalidSignature => (
            "La signature ne correspond pas : ce document ou ce partage n'est pas celui que la personne a signé. Ne vous y fiez pas et prévenez le service.",
            "The signature does not match: this document or share is not the one the person signed. Do not rely on it and warn the service.",
        ),
        IdTooShort => (
            "Identifiant trop court : donnez-en au moins les {min} premiers caractères.",
            "Identifier too short: give at least its first {min} characters.",
        ),
        IsADirectory => (
            "« {path} » est un dossier, pas un fichier.",
            "\"{path}\" is a folder, not a file.",
        ),
        NotWritable => (
            "Impossible d'écrire dans « {path} » : vous n'en avez pas le droit. Choisissez un autre endroit.",
            "Cannot write to \"{path}\": permission denied. Choose another place.",
        ),
        RequestAnswered => (
            "Cette demande a déjà reçu une réponse : un partage l'a satisfaite.",
            "This request was already answered: a share fulfilled it.",
        ),
        CitizenKeysChanged => (
            "ALERTE : les clés de « {citizen} » ne sont plus celles que cet appareil a vérifiées. Ne vous fiez pas à ce partage : comparez son code de sécurité avec elle, en personne (elle le voit avec « coffre whoami »). S'il correspond : coffre trust-citizen {citizen} --safety-code <code>. Sinon, prévenez le service.",
            "ALERT: the keys of \"{citizen}\" are no longer the ones this device verified. Do not rely on this share: compare her safety code with her, in person (she sees it with \"coffre whoami\"). If it matches: coffre trust-citizen {citizen} --safety-code <code>. If not, warn the service.",
        ),
        CitizenCodeMismatch => (
            "Ce code de sécurité n'est pas celui des clés que le service présente pour « {citizen} ». Rien n'a changé sur cet appareil : relisez le code avec elle ; s'il ne correspond toujours pas, ne vous fiez pas à ses partages et prévenez le service.",
            "This safety code is not the one of the keys the service presents for \"{citizen}\". Nothing changed on this device: read the code again with her; if it still does not match, do not rely on her shares and warn the service.",
        ),
        RegistrationClosed => (
            "Ce service n'ouvre pas de nouveau coffre pour le moment. Adressez-vous à l'accueil de votre mairie ou à votre médiateur.",
            "This service opens no new vault for now. Ask your town hall's front desk or your mediator.",
        ),
        CsrfRequired => (
            "Demande refusée : elle ne vient pas de la page du coffre. Rechargez la page et recommencez.",
            "Request refused: it does not come from the vault's page. Reload the page and try again.",
        ),
        InvitationRequired => (
            "Ce service ouvre les coffres sur invitation. Demandez un code d'invitation à l'accueil de votre mairie ou à votre médiateur, puis recommencez avec « --invitation CODE ».",
            "This service opens vaults by invitation. Ask your town hall's front desk or your mediator for an invitation code, then try again with \"--invitation CODE\".",
        ),
        InvitationInvalid => (
            "Ce code d'invitation n'est pas valable : il a déjà servi, il a expiré, ou il est mal recopié. Vérifiez-le, ou demandez-en un nouveau.",
            "This invitation code is not valid: it was used already, it expired, or it was mistyped. Check it, or ask for a new one.",
        ),
        NothingToAccept => (
            "Le journal n'a pas changé : il n'y a rien à accepter.",
            "The journal has not changed: there is nothing to accept.",
        ),
        Unavailable => (
            "Le service est momentanément indisponible. Rien n'a été modifié ; réessayez plus tard.",
            "The service is temporarily unavailable. Nothing was changed; try again later.",
        ),
        StorageFull => (
            "Le serveur n'a plus de place pour enregistrer. Rien n'a été enregistré ; réessayez plus tard. Si cela dure, prévenez votre mairie.",
            "The server has no space left to save anything. Nothing was saved; try again later. If this goes on, tell your town hall.",
        ),
        WriteInDoubt => (
            "Le serveur n'a pas pu confirmer l'enregistrement : il a peut-être eu lieu. Regardez la liste de vos papiers avant de recommencer.",
            "The server could not confirm the save: it may have happened. Look at the list of your papers before trying again.",
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
        UsageError => (
            "Commande incomplète ou mal écrite. Tapez « coffre --help » pour voir les commandes.",
            "Incomplete or mistyped command. Type \"coffre --help\" to see the commands.",
        ),
        ConfirmationRequired => (
            "Cette action est définitive : confirmez-la en tapant SUPPRIMER, ou ajoutez --yes.",
            "This action cannot be undone: confirm it by typing DELETE, or add --yes.",
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

/// A journal sentence, keyed `action.phase` (or `action.phase.variant`), with
/// `{actor}`, `{title}`, `{count}`, `{until}`, `{category}` placeholders. `None` for an
/// entry the plain view does not show (an attempt followed by its outcome).
pub fn journal_sentence(key: &str, lang: Lang) -> Option<&'static str> {
    let (fr, en) = match key {
        "register.done" => (
            "{actor} avez créé votre coffre",
            "{actor} created your vault",
        ),
        "register.done.invited" => (
            "{actor} avez créé votre coffre avec une invitation de {mediator}",
            "{actor} created your vault with an invitation from {mediator}",
        ),
        "invitation_issued.done" => (
            "{actor} avez remis une invitation à ouvrir un coffre, valable jusqu'au {until}",
            "{actor} handed out an invitation to open a vault, valid until {until}",
        ),
        "login.done" => ("{actor} vous êtes connecté", "{actor} logged in"),
        "login.denied" => (
            "Tentative de connexion refusée (phrase de passe incorrecte)",
            "Login refused (wrong passphrase)",
        ),
        "logout.done" => ("{actor} vous êtes déconnecté", "{actor} logged out"),
        "upload.done" => (
            "{actor} avez ajouté « {title} »",
            "{actor} added \"{title}\"",
        ),
        "list.done" => (
            "{actor} avez consulté la liste de vos documents",
            "{actor} viewed the list of your documents",
        ),
        "list.done.repeated" => (
            "Vous avez consulté la liste de vos documents {count} fois, la dernière le {date}.",
            "You viewed the list of your documents {count} times, last on {date}.",
        ),
        "download.attempt" => (
            "{actor} avez commencé à télécharger « {title} »",
            "{actor} started downloading \"{title}\"",
        ),
        "download.done" => (
            "{actor} avez téléchargé « {title} »",
            "{actor} downloaded \"{title}\"",
        ),
        "download.failed" => (
            "Le téléchargement de « {title} » a échoué",
            "Downloading \"{title}\" failed",
        ),
        "delete.attempt" => (
            "{actor} avez commencé à supprimer « {title} »",
            "{actor} started deleting \"{title}\"",
        ),
        "delete.done" => (
            "{actor} avez supprimé « {title} »",
            "{actor} deleted \"{title}\"",
        ),
        "share.done" => (
            "{actor} avez partagé {count} document(s) avec {mediator} jusqu'au {until}",
            "{actor} shared {count} document(s) with {mediator} until {until}",
        ),
        "revoke.done" => ("{actor} avez retiré un partage", "{actor} withdrew a share"),
        "revoke.done.operator" => (
            "L'administrateur a désactivé {mediator} : son partage a pris fin",
            "The operator disabled {mediator}: the share ended",
        ),
        "expire.done" => (
            "Un partage avec {mediator} a expiré comme prévu",
            "A share with {mediator} expired as planned",
        ),
        "mediator_list.done" => (
            "{actor} a consulté la liste des {count} document(s) que vous lui partagez",
            "{actor} viewed the list of the {count} document(s) you share",
        ),
        "mediator_fetch.attempt" => (
            "{actor} a commencé à ouvrir « {title} »",
            "{actor} started opening \"{title}\"",
        ),
        "mediator_fetch.done" => (
            "{actor} a téléchargé « {title} »",
            "{actor} downloaded \"{title}\"",
        ),
        "mediator_fetch.done.record" => (
            "{actor} a reçu la fiche de « {title} » (son titre et sa clé)",
            "{actor} received the record of \"{title}\" (its title and key)",
        ),
        "mediator_fetch.failed" => (
            "{actor} a commencé à télécharger « {title} » sans aller au bout",
            "{actor} started downloading \"{title}\" but did not finish",
        ),
        "mediator_fetch.denied" => (
            "{actor} a voulu ouvrir « {title} » : refusé, le partage était terminé",
            "{actor} tried to open \"{title}\": refused, the share had ended",
        ),
        "access_request.done" => (
            "{actor} vous demande un document de la catégorie « {category} »",
            "{actor} asks you for a document of the category \"{category}\"",
        ),
        "request_declined.done" => (
            "{actor} avez refusé une demande de document",
            "{actor} declined a document request",
        ),
        "recovery.done" => (
            "{actor} avez choisi une nouvelle phrase de passe avec votre kit de récupération",
            "{actor} set a new passphrase with your recovery kit",
        ),
        "recovery.denied" => (
            "Tentative de récupération refusée (kit incorrect)",
            "Recovery refused (wrong kit)",
        ),
        "passphrase_change.done" => (
            "{actor} avez changé votre phrase de passe",
            "{actor} changed your passphrase",
        ),
        "passphrase_change.denied" => (
            "Changement de phrase de passe refusé (ancienne phrase incorrecte)",
            "Passphrase change refused (wrong current passphrase)",
        ),
        "journal_change.done" => (
            "{actor} avez accepté un changement du journal ({count} entrée(s) déjà vues n'y figurent plus)",
            "{actor} accepted a change of the journal ({count} entry(ies) seen before are no longer in it)",
        ),
        "you" => ("Vous", "You"),
        "on" => ("le {date}", "on {date}"),
        "a_document" => ("un document", "a document"),
        _ => return None,
    };
    Some(match lang {
        Lang::Fr => fr,
        Lang::En => en,
    })
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
