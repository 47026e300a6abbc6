//! The `coffre` command line: parse, run one command through the typed client,
//! print through [`output`]. Names, flags, `--json` shapes and exit codes follow
//! `spec/cli.md` (a public interface).

mod consent;
mod input;
mod journal;
mod output;

use std::fs::File;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use serde_json::json;
use time::UtcOffset;

use crate::api::{ErrorCode, MediatorDraft, Role};
use crate::client::account::Client;
use crate::client::documents::NewDocument;
use crate::client::{ClientError, Http, Session, Trust};
use crate::crypto::keyfile;
use crate::crypto::safety::safety_code;
use crate::messages::{category_label, Lang, Text};
use output::Out;

/// Default server when `COFFRE_URL` is not set.
pub const DEFAULT_URL: &str = "https://127.0.0.1:8443";

#[derive(Parser)]
#[command(
    name = "coffre",
    version,
    about = "Votre coffre-fort de papiers, chiffré sur cet appareil."
)]
struct Cli {
    /// Résultats et erreurs en JSON (pour les scripts).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crée votre coffre et vos clés sur cet appareil, et écrit votre kit de récupération.
    Register {
        user: String,
        /// Où écrire le kit de récupération.
        #[arg(long, value_name = "FICHIER")]
        recovery_kit: Option<PathBuf>,
        /// Le code d'invitation remis par votre mairie ou votre médiateur.
        #[arg(long, value_name = "CODE")]
        invitation: Option<String>,
    },
    /// Ouvre une session.
    Login { user: String },
    /// Ferme la session et efface les clés de cet appareil.
    Logout,
    /// Qui est connecté, son rôle et son code de sécurité.
    Whoami,
    /// Chiffre un fichier sur cet appareil et l'ajoute au coffre (`-` lit l'entrée standard).
    Add {
        file: PathBuf,
        #[arg(long)]
        title: Option<String>,
        /// identity, housing, income, tax, family, health, work, transport, justice, other
        #[arg(long, default_value = "other")]
        category: String,
        /// Date de délivrance, AAAA-MM-JJ.
        #[arg(long)]
        issued: Option<String>,
        /// Date d'expiration, AAAA-MM-JJ.
        #[arg(long)]
        expires: Option<String>,
        /// Type du fichier (deviné d'après son extension sinon).
        #[arg(long)]
        mime: Option<String>,
    },
    /// Les documents du coffre.
    List,
    /// Télécharge et déchiffre un document (`-o -` l'écrit sur la sortie standard).
    Get {
        id: String,
        #[arg(short = 'o', long = "output", value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
    /// Supprime un document et ses clés.
    Rm { id: String },
    /// Choisit une nouvelle phrase de passe grâce au kit de récupération.
    Recover {
        user: String,
        #[arg(long, value_name = "FICHIER")]
        kit: PathBuf,
        /// Où écrire le nouveau kit (qui remplace l'ancien).
        #[arg(long, value_name = "FICHIER")]
        new_kit: Option<PathBuf>,
    },
    /// Change la phrase de passe.
    Passwd,
    /// Clés de ce compte.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// (médiateur) Crée votre compte avec le code d'inscription reçu de l'administrateur.
    Enrol {
        code: String,
        #[arg(long)]
        user: String,
        /// Où écrire le kit de récupération.
        #[arg(long, value_name = "FICHIER")]
        recovery_kit: Option<PathBuf>,
    },
    /// (Médiateur) Donne un code d'invitation à usage unique pour ouvrir un coffre.
    Invite,
    /// (Médiateur) Après l'alerte « clés changées » : reconnaît les nouvelles clés
    /// d'une personne, une fois son code de sécurité comparé avec elle.
    TrustCitizen {
        citizen: String,
        #[arg(long, value_name = "CODE")]
        safety_code: String,
    },
    /// Montre des documents à un médiateur, pour une durée limitée.
    Share {
        /// Les documents (identifiants ou leurs premiers caractères).
        #[arg(required = true)]
        ids: Vec<String>,
        /// L'identifiant du médiateur.
        #[arg(long = "to", value_name = "MEDIATEUR")]
        to: String,
        /// 1h, 2h, today (jusqu'à 23:59), 7d, 30d… au plus 365d.
        #[arg(long = "for", value_name = "DUREE")]
        duration: String,
        /// Le code de sécurité affiché sur l'écran du médiateur.
        #[arg(long, value_name = "CODE")]
        safety_code: String,
        /// Le motif : texte libre, ou papiers, famille, social, travail, logement,
        /// transports, argent, justice.
        #[arg(long)]
        purpose: Option<String>,
        /// La demande de document à laquelle ce partage répond.
        #[arg(long, value_name = "DEMANDE")]
        request: Option<String>,
    },
    /// Vos partages : actifs, expirés, retirés.
    Grants,
    /// Retire un partage tout de suite.
    Revoke { grant: String },
    /// Le reçu d'un partage, à imprimer ou garder.
    Receipt {
        grant: String,
        #[arg(short = 'o', long = "output", value_name = "FICHIER")]
        output: Option<PathBuf>,
    },
    /// (médiateur) Les documents partagés avec vous en ce moment.
    Shared,
    /// (médiateur) Demande à une personne des documents d'une catégorie.
    Request {
        citizen: String,
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "")]
        message: String,
    },
    /// Les demandes de documents reçues (ou envoyées, pour un médiateur).
    Requests,
    /// Refuse une demande de document.
    Decline { request: String },
    /// L'historique vérifié de votre coffre : qui a fait quoi, et quand.
    Journal {
        #[command(subcommand)]
        action: Option<JournalAction>,
    },
    /// Exporte tout votre coffre dans un dossier, au format ouvert age.
    Export {
        dir: PathBuf,
        /// Écrit aussi la liste et l'historique en clair (lisibles par quiconque a
        /// le dossier : titres, noms, adresses).
        #[arg(long)]
        lisible: bool,
    },
    /// Supprime votre coffre et détruit vos clés (définitif).
    DeleteAccount {
        /// Confirme sans question (pour les scripts).
        #[arg(long)]
        yes: bool,
    },
    /// Commandes de l'administrateur du service.
    Admin {
        /// Fichier contenant le jeton d'administration (sinon COFFRE_ADMIN_TOKEN).
        #[arg(long, value_name = "FICHIER", global = true)]
        admin_token_file: Option<PathBuf>,
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand)]
enum JournalAction {
    /// Montre ce qui a changé dans le journal (nouvelle clé, restauration) et, si
    /// vous confirmez, l'accepte.
    AcceptChange {
        /// Accepte sans question (pour les scripts).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Les médiateurs.
    Mediator {
        #[command(subcommand)]
        action: MediatorAction,
    },
    /// Donne un code d'invitation à usage unique pour ouvrir un coffre.
    Invitation,
    /// Compteurs du service (sans données personnelles).
    Status,
    /// Fixe la place d'un coffre (la part omise reste celle du service) ; avec
    /// --defaut, le coffre revient à la place du service.
    Quota {
        user: String,
        /// Place totale, en Mio.
        #[arg(long, value_name = "MIO")]
        mib: Option<u64>,
        /// Nombre de documents.
        #[arg(long, value_name = "N")]
        documents: Option<u64>,
        /// Revient à la place du service.
        #[arg(long = "defaut", alias = "default", conflicts_with_all = ["mib", "documents"])]
        default: bool,
    },
    /// Le journal de tout le service.
    Journal {
        #[command(subcommand)]
        action: JournalAdminAction,
    },
}

#[derive(Subcommand)]
enum JournalAdminAction {
    /// Revérifie tout le journal ; code de sortie non nul à la première anomalie.
    Verify,
}

#[derive(Subcommand)]
enum MediatorAction {
    /// Inscrit un médiateur et affiche son code d'inscription à usage unique.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        structure: String,
        #[arg(long)]
        user: String,
    },
    /// Liste les médiateurs.
    List,
    /// Désactive un médiateur et termine tous ses partages.
    Disable { user: String },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Écrit votre clé privée dans un fichier d'identité lisible par l'outil age.
    Export {
        #[arg(short = 'o', long = "output", value_name = "FICHIER")]
        output: PathBuf,
    },
}

/// Everything a command needs from the environment.
struct Context {
    client: Client,
    out: Out,
}

fn lang_from_env() -> Lang {
    let value = std::env::var("COFFRE_LANG")
        .or_else(|_| std::env::var("LANG"))
        .ok();
    Lang::negotiate(value.as_deref())
}

fn home_dir() -> PathBuf {
    match std::env::var_os("COFFRE_HOME") {
        Some(h) => PathBuf::from(h),
        None => dirs::config_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("coffre"),
    }
}

fn context(json: bool, offset: UtcOffset) -> Result<Context, (Out, ClientError)> {
    let lang = lang_from_env();
    let out = Out { json, lang, offset };
    let url = std::env::var("COFFRE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned());
    let ca = std::env::var_os("COFFRE_CA").map(PathBuf::from);
    let trust = match &ca {
        Some(path) => Trust::PemFile(path),
        None => Trust::System,
    };
    match Http::new(&url, trust, lang) {
        Ok(http) => Ok(Context {
            client: Client {
                http,
                home: home_dir(),
            },
            out,
        }),
        Err(e) => Err((out, e)),
    }
}

/// Runs the CLI with these arguments; returns the process exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    // Read before any thread starts (the time crate refuses later).
    let offset = UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC);
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let json = args.iter().skip(1).any(|a| a == "--json");
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, json),
    };
    let ctx = match context(cli.json, offset) {
        Ok(ctx) => ctx,
        Err((out, e)) => {
            out.error(&e);
            return 1;
        }
    };
    let result = dispatch(&ctx, cli.command);
    ctx.out.flush();
    match result {
        Ok(()) => 0,
        Err(e) => {
            ctx.out.error(&e);
            exit_code(&e)
        }
    }
}

/// Help and version go out as clap writes them; a usage error gets a sentence in
/// the user's language and the stable code, with clap's detail below.
fn usage_error(e: clap::Error, json: bool) -> i32 {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        let _ = e.print();
        return e.exit_code();
    }
    let out = Out {
        json,
        lang: lang_from_env(),
        offset: UtcOffset::UTC,
    };
    if json {
        // Scripts get the JSON error object, clap's detail inside it.
        let detail = e.render().to_string();
        let detail = detail.trim();
        let message = format!(
            "{} {detail}",
            crate::messages::error_text(ErrorCode::UsageError, out.lang, &[])
        );
        out.error(&ClientError::local_message(ErrorCode::UsageError, &message));
        return 2;
    }
    out.error(&ClientError::local(ErrorCode::UsageError, &[]));
    let _ = e.print();
    2
}

/// 2 for a usage error (a flag's value is wrong), 1 for anything else.
fn exit_code(e: &ClientError) -> i32 {
    match e.code() {
        ErrorCode::InvalidDate
        | ErrorCode::InvalidCategory
        | ErrorCode::InvalidDuration
        | ErrorCode::AmbiguousId => 2,
        _ => 1,
    }
}

fn dispatch(ctx: &Context, command: Command) -> Result<(), ClientError> {
    match command {
        Command::Register {
            user,
            recovery_kit,
            invitation,
        } => register(ctx, &user, recovery_kit, invitation.as_deref()),
        Command::Login { user } => login(ctx, &user),
        Command::Logout => logout(ctx),
        Command::Whoami => whoami(ctx),
        Command::Add {
            file,
            title,
            category,
            issued,
            expires,
            mime,
        } => {
            let doc = NewDocument {
                title: title.unwrap_or_else(|| default_title(&file)),
                category: input::category(&category)?,
                issued: issued.as_deref().map(input::date).transpose()?,
                expires: expires.as_deref().map(input::date).transpose()?,
                mime: mime.unwrap_or_else(|| input::mime_of(&file).to_owned()),
            };
            add(ctx, &file, doc)
        }
        Command::List => list(ctx),
        Command::Get { id, output } => get(ctx, &id, output),
        Command::Rm { id } => rm(ctx, &id),
        Command::Recover { user, kit, new_kit } => recover(ctx, &user, &kit, new_kit),
        Command::Passwd => passwd(ctx),
        Command::Key {
            action: KeyAction::Export { output },
        } => export_key(ctx, &output),
        Command::Enrol {
            code,
            user,
            recovery_kit,
        } => consent::enrol(ctx, &code, &user, recovery_kit),
        Command::Invite => consent::invite(ctx),
        Command::TrustCitizen {
            citizen,
            safety_code,
        } => consent::trust_citizen(ctx, &normalise(&citizen), &safety_code),
        Command::Share {
            ids,
            to,
            duration,
            safety_code,
            purpose,
            request,
        } => consent::share(
            ctx,
            consent::ShareArgs {
                ids,
                to,
                duration,
                safety_code,
                purpose,
                request,
            },
        ),
        Command::Grants => consent::grants(ctx),
        Command::Journal { action: None } => journal::journal(ctx),
        Command::Journal {
            action: Some(JournalAction::AcceptChange { yes }),
        } => journal::accept_change(ctx, yes),
        Command::Export { dir, lisible } => export(ctx, &dir, lisible),
        Command::DeleteAccount { yes } => delete_account(ctx, yes),
        Command::Revoke { grant } => consent::revoke(ctx, &grant),
        Command::Receipt { grant, output } => consent::receipt(ctx, &grant, output.as_deref()),
        Command::Shared => consent::shared(ctx),
        Command::Request {
            citizen,
            category,
            message,
        } => consent::request(ctx, &citizen, &category, &message),
        Command::Requests => consent::requests(ctx),
        Command::Decline { request } => consent::decline(ctx, &request),
        Command::Admin {
            admin_token_file,
            action,
        } => {
            let token = consent::admin_token(admin_token_file.as_deref())?;
            match action {
                AdminAction::Status => consent::admin_status(ctx, &token),
                AdminAction::Quota {
                    user,
                    mib,
                    documents,
                    default,
                } => consent::admin_quota(ctx, &token, &normalise(&user), mib, documents, default),
                AdminAction::Invitation => consent::admin_invite(ctx, &token),
                AdminAction::Journal {
                    action: JournalAdminAction::Verify,
                } => consent::admin_journal_verify(ctx, &token),
                AdminAction::Mediator { action } => match action {
                    MediatorAction::Add {
                        name,
                        structure,
                        user,
                    } => consent::admin_add(
                        ctx,
                        &token,
                        MediatorDraft {
                            user: normalise(&user),
                            name,
                            structure,
                        },
                    ),
                    MediatorAction::List => consent::admin_list(ctx, &token),
                    MediatorAction::Disable { user } => consent::admin_disable(ctx, &token, &user),
                },
            }
        }
    }
}

/// The open session, after verifying this account's journal: a server caught
/// rewriting or hiding history gets no further action from this device.
fn verified_session(ctx: &Context) -> Result<Session, ClientError> {
    let session = ctx.client.session()?;
    ctx.client.check_journal(&session)?;
    Ok(session)
}

fn normalise(user: &str) -> String {
    user.trim().to_lowercase()
}

fn today(out: &Out) -> String {
    let now = time::OffsetDateTime::now_utc();
    out.date((now.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn default_kit_path(ctx: &Context, user: &str) -> PathBuf {
    ctx.client
        .home
        .join(format!("kit-de-recuperation-{user}.txt"))
}

/// Checks, before any account is made, that the kit can be written at `path`: an
/// account whose kit could not be saved would have no way back.
pub(super) fn check_kit_path(path: &Path) -> Result<(), ClientError> {
    if path.is_dir() {
        return Err(ClientError::file(
            path,
            std::io::Error::from(std::io::ErrorKind::IsADirectory),
        ));
    }
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    keyfile::private_dir(&dir).map_err(|e| ClientError::file(&dir, e))?;
    let probe = dir.join(format!(
        ".coffre-probe-{}",
        crate::crypto::hex(&crate::crypto::random_bytes::<6>())
    ));
    keyfile::write_private(&probe, b"").map_err(|e| ClientError::file(path, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

fn save_kit(ctx: &Context, path: &Path, kit: &str) -> Result<(), ClientError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        keyfile::private_dir(dir).map_err(|e| ClientError::file(dir, e))?;
    }
    keyfile::write_private(path, kit.as_bytes()).map_err(|e| ClientError::file(path, e))?;
    if !ctx.out.json {
        ctx.out
            .say(Text::KitSaved, &[("path", &path.display().to_string())]);
    }
    Ok(())
}

fn register(
    ctx: &Context,
    user: &str,
    kit_path: Option<PathBuf>,
    invitation: Option<&str>,
) -> Result<(), ClientError> {
    let user = normalise(user);
    let path = kit_path.unwrap_or_else(|| default_kit_path(ctx, &user));
    check_kit_path(&path)?;
    let pass = input::new_passphrase("COFFRE_PASSPHRASE", ctx.out.lang)?;
    let enrolled = ctx
        .client
        .register(&user, &pass, &today(&ctx.out), invitation)?;
    if !ctx.out.json {
        ctx.out.say(Text::Registered, &[("user", &user)]);
    }
    save_kit(ctx, &path, &enrolled.kit)?;
    if ctx.out.json {
        ctx.out
            .json(&json!({"user": user, "recovery_kit": path.display().to_string()}));
    }
    Ok(())
}

fn login(ctx: &Context, user: &str) -> Result<(), ClientError> {
    let user = normalise(user);
    let pass = input::passphrase(ctx.out.lang)?;
    let session = ctx.client.login(&user, &pass)?;
    if !ctx.out.json {
        ctx.out.say(Text::LoggedIn, &[("user", &session.user)]);
    }
    Ok(())
}

fn logout(ctx: &Context) -> Result<(), ClientError> {
    match ctx.client.session() {
        Ok(session) => ctx.client.logout(&session)?,
        Err(e) if e.code() == ErrorCode::NotLoggedIn || e.code() == ErrorCode::SessionExpired => {}
        // The server cannot be told (unreachable): this device forgets the session
        // all the same, and the server's copy ends at its expiry.
        Err(e) => {
            Session::forget(&ctx.client.home)?;
            return Err(e);
        }
    }
    if !ctx.out.json {
        ctx.out.say(Text::LoggedOut, &[]);
    }
    Ok(())
}

fn whoami(ctx: &Context) -> Result<(), ClientError> {
    let session = ctx.client.session()?;
    let account = ctx.client.whoami(&session)?;
    let code = safety_code(&account.user, &account.keys);
    let role = match account.role {
        Role::Citizen => "citizen",
        Role::Mediator => "mediator",
    };
    if ctx.out.json {
        ctx.out
            .json(&json!({"user": account.user, "role": role, "safety_code": code}));
        return Ok(());
    }
    let role_text = match account.role {
        Role::Citizen => Text::RoleCitizen,
        Role::Mediator => Text::RoleMediator,
    };
    let usage = format!(
        "{} ({} / {})",
        account.usage.documents,
        ctx.out.size(account.usage.bytes),
        ctx.out.size(account.quota.bytes)
    );
    ctx.out.fields(&[
        (Text::WhoUser, account.user),
        (
            Text::WhoRole,
            crate::messages::text(role_text, ctx.out.lang, &[]),
        ),
        (Text::WhoSafetyCode, code),
        (Text::WhoUsage, usage),
    ]);
    Ok(())
}

fn default_title(file: &Path) -> String {
    if file == Path::new("-") {
        return "document".to_owned();
    }
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".to_owned())
}

fn add(ctx: &Context, file: &Path, doc: NewDocument) -> Result<(), ClientError> {
    let session = verified_session(ctx)?;
    let progress = ctx.out.progress();
    let title = doc.title.clone();
    let id = if file == Path::new("-") {
        ctx.client
            .add(&session, std::io::stdin(), None, doc, progress.as_ref())?
    } else {
        let f = File::open(file).map_err(|e| ClientError::file(file, e))?;
        let meta = f.metadata().map_err(|e| ClientError::file(file, e))?;
        if meta.is_dir() {
            let e = std::io::Error::from(std::io::ErrorKind::IsADirectory);
            return Err(ClientError::file(file, e));
        }
        let size = meta.len();
        ctx.client
            .add(&session, f, Some(size), doc, progress.as_ref())?
    };
    if ctx.out.json {
        ctx.out.json(&json!({"id": id}));
    } else {
        ctx.out.say(Text::Added, &[("title", &title), ("id", &id)]);
    }
    Ok(())
}

fn list(ctx: &Context) -> Result<(), ClientError> {
    let session = verified_session(ctx)?;
    let docs = ctx.client.list(&session)?;
    let json = || -> Vec<serde_json::Value> {
        docs.iter()
            .map(|d| {
                let m = d.meta.as_ref();
                json!({
                    "id": d.id,
                    "title": m.map(|m| m.title.clone()),
                    "category": m.map(|m| m.category.as_str()),
                    "size": m.map(|m| m.size),
                    "added": ctx.out.timestamp(d.added_ms),
                    "issued": m.and_then(|m| m.issued.clone()),
                    "expires": m.and_then(|m| m.expires.clone()),
                })
            })
            .collect()
    };
    let unreadable = crate::messages::text(Text::Unreadable, ctx.out.lang, &[]);
    let rows = || -> Vec<Vec<String>> {
        docs.iter()
            .map(|d| match &d.meta {
                Some(m) => vec![
                    d.id.short().to_owned(),
                    m.title.clone(),
                    category_label(m.category, ctx.out.lang),
                    ctx.out.size(m.size),
                    ctx.out.date(d.added_ms),
                    m.expires
                        .as_deref()
                        .map(|e| ctx.out.day(e))
                        .unwrap_or_default(),
                ],
                None => vec![
                    d.id.short().to_owned(),
                    unreadable.to_owned(),
                    String::new(),
                    ctx.out.size(d.stored_size),
                    ctx.out.date(d.added_ms),
                    String::new(),
                ],
            })
            .collect()
    };
    ctx.out.listing(
        Text::EmptyVault,
        &[
            Text::ColumnId,
            Text::ColumnTitle,
            Text::ColumnCategory,
            Text::ColumnSize,
            Text::ColumnAdded,
            Text::ColumnExpires,
        ],
        json,
        rows,
    );
    if !ctx.out.json {
        remind(ctx, &docs);
    }
    Ok(())
}

/// Days within which an expiry date is announced.
const REMINDER_DAYS: i64 = 60;

/// Expired papers, and papers expiring soon (dates are known on this device only).
fn remind(ctx: &Context, docs: &[crate::client::documents::Listed]) {
    let today = ctx.out.now_local().date();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut first = true;
    for d in docs {
        let Some(m) = &d.meta else { continue };
        let Some(date) = m
            .expires
            .as_deref()
            .and_then(|e| time::Date::parse(e, format).ok())
        else {
            continue;
        };
        let days = (date - today).whole_days();
        let shown = ctx.out.day(&date.to_string());
        let line = if days < 0 {
            ctx.out.text(
                Text::ReminderExpired,
                &[("title", &m.title), ("date", &shown)],
            )
        } else if days <= REMINDER_DAYS {
            let n = days.to_string();
            ctx.out.text(
                Text::ReminderSoon,
                &[("title", &m.title), ("date", &shown), ("days", &n)],
            )
        } else {
            continue;
        };
        if first {
            ctx.out.raw("\n");
            first = false;
        }
        ctx.out.raw(&format!("{line}\n"));
    }
}

fn get(ctx: &Context, id: &str, output: Option<PathBuf>) -> Result<(), ClientError> {
    let session = verified_session(ctx)?;
    let id = ctx.client.resolve(&session, id)?;
    let progress = ctx.out.progress();
    if output.as_deref() == Some(Path::new("-")) {
        let mut stdout = ctx.out.stdout();
        ctx.client
            .get(&session, &id, &mut stdout, progress.as_ref())?;
        return Ok(());
    }
    let dest = match output {
        Some(path) => path,
        None => {
            let (_, meta) = ctx.client.describe(&session, &id)?;
            input::free_name(&meta.title, &meta.mime)
        }
    };
    let meta = ctx
        .client
        .get_to_file(&session, &id, &dest, progress.as_ref())?;
    if ctx.out.json {
        ctx.out
            .json(&json!({"id": id, "path": dest.display().to_string()}));
    } else {
        ctx.out.say(
            Text::Saved,
            &[
                ("title", &meta.title),
                ("path", &dest.display().to_string()),
            ],
        );
    }
    Ok(())
}

fn rm(ctx: &Context, id: &str) -> Result<(), ClientError> {
    let session = verified_session(ctx)?;
    let id = ctx.client.resolve(&session, id)?;
    ctx.client.remove(&session, &id)?;
    if !ctx.out.json {
        ctx.out.say(Text::Removed, &[]);
    }
    Ok(())
}

fn recover(
    ctx: &Context,
    user: &str,
    kit: &Path,
    new_kit: Option<PathBuf>,
) -> Result<(), ClientError> {
    let user = normalise(user);
    let kit_text = zeroize::Zeroizing::new(
        std::fs::read_to_string(kit).map_err(|e| ClientError::file(kit, e))?,
    );
    let pass = match std::env::var("COFFRE_NEW_PASSPHRASE") {
        Ok(_) => input::new_passphrase("COFFRE_NEW_PASSPHRASE", ctx.out.lang)?,
        Err(_) => input::new_passphrase("COFFRE_PASSPHRASE", ctx.out.lang)?,
    };
    let path = new_kit.unwrap_or_else(|| default_kit_path(ctx, &user));
    check_kit_path(&path)?;
    let enrolled = ctx
        .client
        .recover(&user, &kit_text, &pass, &today(&ctx.out))?;
    if !ctx.out.json {
        ctx.out.say(Text::Recovered, &[]);
    }
    save_kit(ctx, &path, &enrolled.kit)?;
    if ctx.out.json {
        ctx.out
            .json(&json!({"user": user, "recovery_kit": path.display().to_string()}));
    }
    Ok(())
}

fn passwd(ctx: &Context) -> Result<(), ClientError> {
    let session = ctx.client.session()?;
    let current = input::passphrase(ctx.out.lang)?;
    let new = input::new_passphrase("COFFRE_NEW_PASSPHRASE", ctx.out.lang)?;
    ctx.client.change_passphrase(session, &current, &new)?;
    if !ctx.out.json {
        ctx.out.say(Text::PassphraseChanged, &[]);
    }
    Ok(())
}

fn export_key(ctx: &Context, output: &Path) -> Result<(), ClientError> {
    let session: Session = ctx.client.session()?;
    ctx.client.export_identity(&session, output)?;
    if !ctx.out.json {
        ctx.out.say(
            Text::IdentityExported,
            &[("path", &output.display().to_string())],
        );
    }
    Ok(())
}

fn export(ctx: &Context, dir: &Path, readable: bool) -> Result<(), ClientError> {
    let session = verified_session(ctx)?;
    let pass = input::passphrase(ctx.out.lang)?;
    // The export's identity file is protected by this passphrase: make sure it is
    // the right one (a fresh login checks it) before writing anything.
    let session = ctx.client.login(&session.user, &pass)?;
    let progress = ctx.out.progress();
    let report = ctx.client.export(
        &session,
        dir,
        &pass,
        progress.as_ref(),
        readable,
        ctx.out.lang,
    )?;
    let shown = report.dir.display().to_string();
    if readable && !ctx.out.json {
        ctx.out.say(Text::ExportReadableWarning, &[]);
    }
    if ctx.out.json {
        ctx.out
            .json(&json!({"dir": shown, "documents": report.documents}));
    } else {
        ctx.out.say(
            Text::Exported,
            &[("path", &shown), ("count", &report.documents.to_string())],
        );
    }
    Ok(())
}

fn delete_account(ctx: &Context, yes: bool) -> Result<(), ClientError> {
    let session = verified_session(ctx)?;
    if !yes && !input::confirm_delete(ctx.out.lang) {
        return Err(ClientError::local(ErrorCode::ConfirmationRequired, &[]));
    }
    let pass = input::passphrase(ctx.out.lang)?;
    let report = ctx.client.delete_account(&session, &pass)?;
    if !ctx.out.json {
        ctx.out.say(
            Text::AccountDeleted,
            &[("count", &report.documents.to_string())],
        );
    } else {
        ctx.out
            .json(&json!({"documents": report.documents, "grants_ended": report.grants_ended}));
    }
    Ok(())
}
