//! Consent commands: enrol, share, grants, revoke, receipt, shared, request,
//! requests, decline, and the operator's `admin` commands.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{input, normalise, save_kit, today, Context};
use crate::api::{GrantState, GrantView, MediatorDraft, MediatorState, RequestState};
use crate::client::consent::{Receipt, ShareDraft};
use crate::client::ClientError;
use crate::crypto::safety::safety_code;
use crate::messages::{category_label, Text};

pub(super) fn enrol(
    ctx: &Context,
    code: &str,
    user: &str,
    kit_path: Option<PathBuf>,
) -> Result<(), ClientError> {
    let user = normalise(user);
    let path = kit_path.unwrap_or_else(|| super::default_kit_path(ctx, &user));
    super::check_kit_path(&path)?;
    let pass = input::new_passphrase("COFFRE_PASSPHRASE", ctx.out.lang)?;
    let enrolled = ctx.client.enrol(code, &user, &pass, &today(&ctx.out))?;
    let code = safety_code(&enrolled.session.user, &enrolled.session.keys);
    if ctx.out.json {
        save_kit(ctx, &path, &enrolled.kit)?;
        ctx.out.json(&json!({"user": user, "safety_code": code}));
    } else {
        ctx.out
            .say(Text::Enrolled, &[("user", &user), ("code", &code)]);
        save_kit(ctx, &path, &enrolled.kit)?;
    }
    Ok(())
}

pub(super) struct ShareArgs {
    pub ids: Vec<String>,
    pub to: String,
    pub duration: String,
    pub safety_code: String,
    pub purpose: Option<String>,
    pub request: Option<String>,
}

pub(super) fn share(ctx: &Context, args: ShareArgs) -> Result<(), ClientError> {
    let now = ctx.out.now_local();
    let expires_ms = input::expiry(&args.duration, now)?;
    let session = super::verified_session(ctx)?;
    let draft = ShareDraft {
        documents: args.ids,
        mediator: normalise(&args.to),
        safety_code: args.safety_code,
        purpose: args.purpose.unwrap_or_default(),
        not_before_ms: (now.unix_timestamp_nanos() / 1_000_000) as i64,
        expires_ms,
        request: args.request,
    };
    let count = draft.documents.len();
    let (created, card) = ctx.client.share(&session, draft)?;
    let mediator = format!("{} ({})", card.name, card.structure);
    if ctx.out.json {
        ctx.out.json(&json!({
            "grant": created.grant,
            "expires": ctx.out.timestamp(created.expires_ms),
        }));
        return Ok(());
    }
    ctx.out.say(
        Text::SharedWith,
        &[
            ("mediator", &mediator),
            ("count", &count.to_string()),
            ("until", &ctx.out.instant(created.expires_ms)),
            ("grant", created.grant.short()),
        ],
    );
    ctx.out.say(Text::ExpiryHonesty, &[]);
    Ok(())
}

fn state_text(state: GrantState) -> Text {
    match state {
        GrantState::Active => Text::StateActive,
        GrantState::Scheduled => Text::StateScheduled,
        GrantState::Expired => Text::StateExpired,
        GrantState::Revoked => Text::StateRevoked,
    }
}

pub(super) fn grants(ctx: &Context) -> Result<(), ClientError> {
    let session = super::verified_session(ctx)?;
    let grants = ctx.client.grants(&session)?;
    let json = || -> Vec<serde_json::Value> {
        grants
            .iter()
            .map(|g| {
                json!({
                    "grant": g.grant.id,
                    "citizen": g.grant.citizen,
                    "mediator": g.grant.mediator,
                    "mediator_name": g.mediator_name,
                    "structure": g.mediator_structure,
                    "documents": g.grant.documents,
                    "purpose": g.grant.purpose,
                    "expires": ctx.out.timestamp(g.grant.expires_ms),
                    "state": g.state.as_str(),
                })
            })
            .collect()
    };
    let rows = || -> Vec<Vec<String>> {
        grants
            .iter()
            .map(|g| {
                // Who is on the other side: the mediator for a citizen, the citizen
                // for a mediator.
                let other = match session.role {
                    crate::api::Role::Citizen => {
                        format!("{} ({})", g.mediator_name, g.mediator_structure)
                    }
                    crate::api::Role::Mediator => g.grant.citizen.clone(),
                };
                vec![
                    g.grant.id.short().to_owned(),
                    other,
                    g.grant.documents.len().to_string(),
                    g.grant.purpose.clone(),
                    ctx.out.instant(g.grant.expires_ms),
                    ctx.out.text(state_text(g.state), &[]),
                ]
            })
            .collect()
    };
    ctx.out.listing(
        Text::NoGrants,
        &[
            Text::ColumnGrant,
            counterpart_column(session.role),
            Text::ColumnDocuments,
            Text::ColumnPurpose,
            Text::ColumnUntil,
            Text::ColumnState,
        ],
        json,
        rows,
    );
    Ok(())
}

pub(super) fn revoke(ctx: &Context, grant: &str) -> Result<(), ClientError> {
    let session = super::verified_session(ctx)?;
    let view = ctx.client.resolve_grant(&session, grant)?;
    ctx.client.revoke(&session, &view.grant.id)?;
    if !ctx.out.json {
        ctx.out.say(Text::GrantRevokedDone, &[]);
    }
    Ok(())
}

fn receipt_text(ctx: &Context, r: &Receipt) -> String {
    let o = &ctx.out;
    let mut lines = vec![
        o.text(Text::ReceiptTitle, &[]),
        String::new(),
        o.text(
            Text::ReceiptIntro,
            &[
                ("citizen", &r.grant.citizen),
                ("mediator", &r.mediator_name),
                ("structure", &r.mediator_structure),
                ("mediator_user", &r.grant.mediator),
            ],
        ),
    ];
    lines.extend(r.titles.iter().map(|t| format!("  - {t}")));
    if !r.grant.purpose.is_empty() {
        lines.push(o.text(Text::ReceiptPurpose, &[("purpose", &r.grant.purpose)]));
    }
    lines.push(o.text(
        Text::ReceiptPeriod,
        &[
            ("from", &o.instant(r.grant.not_before_ms)),
            ("until", &o.instant(r.grant.expires_ms)),
        ],
    ));
    let mut state = o.text(state_text(r.state), &[]);
    if let Some(at) = r.revoked_ms {
        state = format!("{state} ({})", o.instant(at));
    }
    lines.push(o.text(Text::ReceiptState, &[("state", &state)]));
    lines.push(o.text(Text::ExpiryHonesty, &[]));
    lines.push(String::new());
    lines.push(o.text(Text::ReceiptGrantId, &[("grant", &r.grant.id)]));
    lines.push(o.text(Text::ReceiptRecipient, &[("recipient", &r.grant.recipient)]));
    lines.push(o.text(Text::ReceiptHash, &[("hash", &r.hash)]));
    lines.push(o.text(Text::ReceiptSignature, &[("signature", &r.signature)]));
    lines.push(o.text(
        if r.signature_valid {
            Text::ReceiptSignatureValid
        } else {
            Text::ReceiptSignatureInvalid
        },
        &[],
    ));
    lines.join("\n") + "\n"
}

pub(super) fn receipt(
    ctx: &Context,
    grant: &str,
    output: Option<&Path>,
) -> Result<(), ClientError> {
    let session = super::verified_session(ctx)?;
    let view: GrantView = ctx.client.resolve_grant(&session, grant)?;
    let receipt = ctx.client.receipt(&session, view)?;
    let content = if ctx.out.json {
        serde_json::to_string_pretty(&receipt).map_err(|e| ClientError::Protocol(e.to_string()))?
            + "\n"
    } else {
        receipt_text(ctx, &receipt)
    };
    match output {
        Some(path) => ctx.out.to_file(path, &content),
        None => {
            ctx.out.raw(&content);
            Ok(())
        }
    }
}

pub(super) fn shared(ctx: &Context) -> Result<(), ClientError> {
    let session = super::verified_session(ctx)?;
    let docs = ctx.client.shared(&session)?;
    let json = || -> Vec<serde_json::Value> {
        docs.iter()
            .map(|d| {
                let m = d.meta.as_ref();
                json!({
                    "id": d.shared.id,
                    "title": m.map(|m| m.title.clone()),
                    "category": m.map(|m| m.category.as_str()),
                    "size": m.map(|m| m.size),
                    "citizen": d.shared.citizen,
                    "citizen_safety_code": d.citizen_safety_code,
                    "verified": d.meta.is_some(),
                    "grant": d.shared.grant,
                    "expires": ctx.out.timestamp(d.shared.expires_ms),
                })
            })
            .collect()
    };
    let rows = || -> Vec<Vec<String>> {
        docs.iter()
            .map(|d| {
                let (title, category, size) = match &d.meta {
                    Some(m) => (
                        m.title.clone(),
                        category_label(m.category, ctx.out.lang),
                        ctx.out.size(m.size),
                    ),
                    None => (
                        ctx.out.text(Text::Unreadable, &[]),
                        String::new(),
                        String::new(),
                    ),
                };
                vec![
                    d.shared.id.short().to_owned(),
                    title,
                    category,
                    size,
                    d.shared.citizen.clone(),
                    ctx.out.instant(d.shared.expires_ms),
                ]
            })
            .collect()
    };
    ctx.out.listing(
        Text::NothingShared,
        &[
            Text::ColumnId,
            Text::ColumnTitle,
            Text::ColumnCategory,
            Text::ColumnSize,
            Text::ColumnCitizen,
            Text::ColumnUntil,
        ],
        json,
        rows,
    );
    if !ctx.out.json {
        // Each citizen's safety code, to compare with the one on her screen.
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for d in &docs {
            if let Some(code) = &d.citizen_safety_code {
                if !seen.iter().any(|(c, _)| *c == d.shared.citizen) {
                    seen.push((&d.shared.citizen, code));
                }
            }
        }
        for (citizen, code) in seen {
            ctx.out.say(
                Text::CitizenSafetyCode,
                &[("citizen", citizen), ("code", code)],
            );
        }
    }
    Ok(())
}

pub(super) fn request(
    ctx: &Context,
    citizen: &str,
    category: &str,
    message: &str,
) -> Result<(), ClientError> {
    let category = input::category(category)?;
    let session = ctx.client.session()?;
    let created = ctx
        .client
        .request_access(&session, &normalise(citizen), category, message)?;
    if ctx.out.json {
        ctx.out.json(&json!({"request": created.request}));
    } else {
        ctx.out
            .say(Text::RequestSent, &[("request", created.request.short())]);
    }
    Ok(())
}

fn request_state_text(state: RequestState) -> Text {
    match state {
        RequestState::Pending => Text::StatePending,
        RequestState::Fulfilled => Text::StateFulfilled,
        RequestState::Declined => Text::StateDeclined,
    }
}

/// The column naming the other party: the mediator, or (for a mediator) the citizen.
fn counterpart_column(role: crate::api::Role) -> Text {
    match role {
        crate::api::Role::Citizen => Text::ColumnMediator,
        crate::api::Role::Mediator => Text::ColumnCitizen,
    }
}

pub(super) fn requests(ctx: &Context) -> Result<(), ClientError> {
    let session = ctx.client.session()?;
    let list = ctx.client.requests(&session)?;
    let json = || -> Vec<serde_json::Value> {
        list.iter()
            .map(|r| {
                json!({
                    "request": r.id,
                    "citizen": r.citizen,
                    "mediator": r.mediator,
                    "mediator_name": r.mediator_name,
                    "structure": r.mediator_structure,
                    "category": r.category.as_str(),
                    "message": r.message,
                    "created": ctx.out.timestamp(r.created_ms),
                    "state": match r.state {
                        RequestState::Pending => "pending",
                        RequestState::Fulfilled => "fulfilled",
                        RequestState::Declined => "declined",
                    },
                    "grant": r.grant,
                })
            })
            .collect()
    };
    let rows = || -> Vec<Vec<String>> {
        list.iter()
            .map(|r| {
                let other = match session.role {
                    crate::api::Role::Citizen => {
                        format!("{} ({})", r.mediator_name, r.mediator_structure)
                    }
                    crate::api::Role::Mediator => r.citizen.clone(),
                };
                vec![
                    r.id.short().to_owned(),
                    other,
                    category_label(r.category, ctx.out.lang),
                    r.message.clone(),
                    ctx.out.date(r.created_ms),
                    ctx.out.text(request_state_text(r.state), &[]),
                ]
            })
            .collect()
    };
    ctx.out.listing(
        Text::NoRequests,
        &[
            Text::ColumnRequest,
            counterpart_column(session.role),
            Text::ColumnCategory,
            Text::ColumnMessage,
            Text::ColumnDate,
            Text::ColumnState,
        ],
        json,
        rows,
    );
    Ok(())
}

pub(super) fn decline(ctx: &Context, request: &str) -> Result<(), ClientError> {
    let session = ctx.client.session()?;
    let id = ctx.client.resolve_request(&session, request)?;
    ctx.client.decline(&session, &id)?;
    if !ctx.out.json {
        ctx.out.say(Text::RequestDeclined, &[]);
    }
    Ok(())
}

// ---- operator ----

/// The operator token: `--admin-token-file`, else `COFFRE_ADMIN_TOKEN`.
pub(super) fn admin_token(file: Option<&Path>) -> Result<zeroize::Zeroizing<String>, ClientError> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| ClientError::file(path, e))?;
        return Ok(zeroize::Zeroizing::new(text.trim().to_owned()));
    }
    match std::env::var("COFFRE_ADMIN_TOKEN") {
        Ok(t) if !t.trim().is_empty() => Ok(zeroize::Zeroizing::new(t.trim().to_owned())),
        _ => Err(ClientError::local(
            crate::api::ErrorCode::AdminTokenRequired,
            &[],
        )),
    }
}

pub(super) fn admin_add(
    ctx: &Context,
    token: &str,
    draft: MediatorDraft,
) -> Result<(), ClientError> {
    let user = draft.user.clone();
    let code = ctx.client.admin_add_mediator(token, &draft)?;
    if ctx.out.json {
        ctx.out
            .json(&json!({"code": code.code, "expires": ctx.out.timestamp(code.expires_ms)}));
    } else {
        ctx.out.say(
            Text::EnrolmentCodeIssued,
            &[
                ("user", &user),
                ("until", &ctx.out.instant(code.expires_ms)),
                ("code", &code.code),
            ],
        );
    }
    Ok(())
}

/// `coffre invite` (a mediator) and `coffre admin invitation` (the operator).
pub(super) fn show_invitation(ctx: &Context, code: crate::api::InvitationCode) {
    if ctx.out.json {
        ctx.out
            .json(&json!({"code": code.code, "expires": ctx.out.timestamp(code.expires_ms)}));
    } else {
        ctx.out.say(
            Text::InvitationIssued,
            &[
                ("until", &ctx.out.instant(code.expires_ms)),
                ("code", &code.code),
            ],
        );
    }
}

pub(super) fn trust_citizen(ctx: &Context, citizen: &str, code: &str) -> Result<(), ClientError> {
    let session = super::verified_session(ctx)?;
    let code = ctx.client.trust_citizen(&session, citizen, code)?;
    if ctx.out.json {
        ctx.out
            .json(&json!({"citizen": citizen, "safety_code": code}));
    } else {
        ctx.out.say(
            Text::CitizenTrusted,
            &[("citizen", citizen), ("code", &code)],
        );
    }
    Ok(())
}

pub(super) fn invite(ctx: &Context) -> Result<(), ClientError> {
    let session = super::verified_session(ctx)?;
    show_invitation(ctx, ctx.client.invite(&session)?);
    Ok(())
}

pub(super) fn admin_invite(ctx: &Context, token: &str) -> Result<(), ClientError> {
    show_invitation(ctx, ctx.client.admin_invite(token)?);
    Ok(())
}

pub(super) fn admin_list(ctx: &Context, token: &str) -> Result<(), ClientError> {
    let list = ctx.client.admin_mediators(token)?;
    let state = |s: MediatorState| match s {
        MediatorState::Pending => ("pending", Text::StatePending),
        MediatorState::Active => ("active", Text::StateActive),
        MediatorState::Disabled => ("disabled", Text::StateDisabled),
    };
    if ctx.out.json {
        let items: Vec<serde_json::Value> = list
            .iter()
            .map(|m| {
                json!({"user": m.user, "name": m.name, "structure": m.structure, "state": state(m.state).0})
            })
            .collect();
        ctx.out.json(&items);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            vec![
                m.user.clone(),
                m.name.clone(),
                m.structure.clone(),
                ctx.out.text(state(m.state).1, &[]),
            ]
        })
        .collect();
    ctx.out.table(
        &[
            Text::ColumnUser,
            Text::ColumnName,
            Text::ColumnStructure,
            Text::ColumnState,
        ],
        &rows,
    );
    Ok(())
}

pub(super) fn admin_disable(ctx: &Context, token: &str, user: &str) -> Result<(), ClientError> {
    let user = normalise(user);
    ctx.client.admin_disable(token, &user)?;
    if !ctx.out.json {
        ctx.out.say(Text::MediatorDisabledDone, &[("user", &user)]);
    }
    Ok(())
}

pub(super) fn admin_quota(
    ctx: &Context,
    token: &str,
    user: &str,
    mib: Option<u64>,
    documents: Option<u64>,
    default: bool,
) -> Result<(), ClientError> {
    if !default && mib.is_none() && documents.is_none() {
        return Err(ClientError::local(crate::api::ErrorCode::UsageError, &[]));
    }
    let req = crate::api::SetQuotaRequest {
        bytes: mib.map(|m| m.saturating_mul(1024 * 1024)),
        documents,
    };
    let quota = ctx.client.admin_set_quota(token, user, &req)?;
    if ctx.out.json {
        ctx.out.json(&quota);
    } else {
        ctx.out.say(
            Text::QuotaSet,
            &[
                ("user", user),
                ("size", &ctx.out.size(quota.bytes)),
                ("count", &quota.documents.to_string()),
            ],
        );
    }
    Ok(())
}

pub(super) fn admin_status(ctx: &Context, token: &str) -> Result<(), ClientError> {
    let status = ctx.client.admin_status(token)?;
    if ctx.out.json {
        ctx.out.json(&status);
    } else {
        ctx.out.fields(&[
            (Text::StatusCitizens, status.citizens.to_string()),
            (Text::StatusMediators, status.mediators.to_string()),
            (Text::StatusDocuments, status.documents.to_string()),
            (Text::StatusStored, ctx.out.size(status.stored_bytes)),
            (Text::StatusGrants, status.active_grants.to_string()),
            (Text::StatusVersion, status.version),
        ]);
    }
    Ok(())
}

pub(super) fn admin_journal_verify(ctx: &Context, token: &str) -> Result<(), ClientError> {
    let report = ctx.client.admin_journal_verify(token)?;
    if ctx.out.json {
        ctx.out.json(&report);
    } else {
        ctx.out.say(
            if report.ok {
                Text::JournalAuditOk
            } else {
                Text::JournalAuditFailed
            },
            &[
                ("size", &report.size.to_string()),
                ("subjects", &report.subjects.to_string()),
                ("violation", report.violation.as_deref().unwrap_or("")),
            ],
        );
    }
    if report.ok {
        Ok(())
    } else {
        Err(ClientError::local(
            crate::api::ErrorCode::JournalTampered,
            &[
                ("detail", report.violation.as_deref().unwrap_or("?")),
                ("path", "-"),
            ],
        ))
    }
}
