//! `coffre journal`: the verified history of this vault, in plain words.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{input, Context};
use crate::api::ErrorCode;
use crate::client::journal::{JournalChange, VerifiedEntry};
use crate::client::ClientError;
use crate::journal::details::Part;
use crate::journal::leaf::{Action, ActorKind, Phase};
use crate::messages::{category_label, journal_sentence, Text};

/// Who acted, in words: "Vous", or "Fatima Benali (CCAS d'Albi)".
fn actor(ctx: &Context, e: &VerifiedEntry) -> String {
    let d = &e.details;
    match (
        e.leaf.actor_kind,
        d.actor_name.as_deref(),
        d.structure.as_deref(),
    ) {
        (ActorKind::Citizen, _, _) => {
            journal_sentence("you", ctx.out.lang, &[]).unwrap_or_else(|| "Vous".to_owned())
        }
        (_, Some(name), Some(s)) if !s.is_empty() => format!("{name} ({s})"),
        (_, Some(name), _) => name.to_owned(),
        (_, None, _) => d.actor.as_deref().unwrap_or("?").to_owned(),
    }
}

fn sentence(
    ctx: &Context,
    e: &VerifiedEntry,
    titles: &HashMap<crate::api::DocumentId, String>,
) -> Option<String> {
    let l = ctx.out.lang;
    let action = e.leaf.action.as_str();
    let phase = e.leaf.phase.as_str();
    let d = &e.details;
    let variant = match (action, e.leaf.actor_kind, d.part) {
        ("revoke", ActorKind::Operator, _) => Some("operator"),
        ("mediator_fetch", _, Some(Part::Record)) if phase == "done" => Some("record"),
        ("register", _, _)
            if d.role == Some(crate::api::Role::Citizen) && d.actor_name.is_some() =>
        {
            Some("invited")
        }
        _ => None,
    };
    let key = format!("{action}.{phase}");
    let key = match variant {
        Some(v) if journal_sentence(&format!("{key}.{v}"), l, &[]).is_some() => {
            format!("{key}.{v}")
        }
        _ if journal_sentence(&key, l, &[]).is_some() => key,
        _ => return None,
    };
    let title = d
        .document
        .as_ref()
        .and_then(|id| titles.get(id).cloned())
        .unwrap_or_else(|| journal_sentence("a_document", l, &[]).unwrap_or_default());
    let mediator = match (&d.actor_name, &d.structure) {
        (Some(n), Some(s)) => format!("{n} ({s})"),
        _ => d.mediator.as_deref().unwrap_or("?").to_owned(),
    };
    let count = d.document_count().to_string();
    let until = d
        .expires_ms
        .map(|ms| ctx.out.instant(ms))
        .unwrap_or_default();
    let category = d.category.map(|c| category_label(c, l)).unwrap_or_default();
    let date = ctx.out.instant(e.leaf.time_ms);
    let when = journal_sentence("on", l, &[("date", &date)]).unwrap_or(date);
    let text = journal_sentence(
        &key,
        l,
        &[
            ("actor", &actor(ctx, e)),
            ("title", &title),
            ("mediator", &mediator),
            ("count", &count),
            ("until", &until),
            ("category", &category),
            ("size", &d.size.map(|b| ctx.out.size(b)).unwrap_or_default()),
        ],
    )?;
    Some(format!("{text} {when}."))
}

pub(super) fn journal(ctx: &Context) -> Result<(), ClientError> {
    let session = ctx.client.session()?;
    let entries = ctx.client.journal(&session)?;
    let titles: HashMap<crate::api::DocumentId, String> = match session.role {
        crate::api::Role::Citizen => ctx
            .client
            .list(&session)?
            .into_iter()
            .filter_map(|d| Some((d.id, d.meta?.title)))
            .collect(),
        crate::api::Role::Mediator => HashMap::new(),
    };
    if ctx.out.json {
        let items: Vec<Value> = entries
            .iter()
            .map(|e| {
                json!({
                    "seq": e.leaf.seq,
                    "time": ctx.out.timestamp(e.leaf.time_ms),
                    "action": e.leaf.action.as_str(),
                    "actor": match e.leaf.actor_kind {
                        ActorKind::Citizen => "self".to_owned(),
                        _ => e.details.actor.clone().unwrap_or_else(|| e.leaf.actor_kind.as_str().to_owned()),
                    },
                    "actor_kind": e.leaf.actor_kind.as_str(),
                    "actor_name": e.details.actor_name,
                    "structure": e.details.structure,
                    "object": e.details.object,
                    "title": e.details.document.as_ref().and_then(|id| titles.get(id)),
                    "outcome": e.leaf.phase.as_str(),
                })
            })
            .collect();
        ctx.out.json(&items);
        return Ok(());
    }
    // An attempt followed by its outcome is shown once, as the outcome.
    let answered: std::collections::HashSet<[u8; 16]> = entries
        .iter()
        .filter(|e| e.leaf.phase != Phase::Attempt)
        .map(|e| e.leaf.request)
        .collect();
    // Repeated consultations of her own list in a row are told once, with a count.
    let mut run: Option<(&VerifiedEntry, usize)> = None;
    for e in &entries {
        if e.leaf.phase == Phase::Attempt
            && e.leaf.action.is_fail_closed()
            && answered.contains(&e.leaf.request)
        {
            continue;
        }
        let own_list = e.leaf.action == Action::List && e.leaf.actor_kind == ActorKind::Citizen;
        if own_list {
            run = Some(match run {
                Some((_, n)) => (e, n + 1),
                None => (e, 1),
            });
            continue;
        }
        flush_run(ctx, run.take(), &titles);
        if let Some(line) = sentence(ctx, e, &titles) {
            ctx.out.raw(&format!("{line}\n"));
        }
    }
    flush_run(ctx, run, &titles);
    Ok(())
}

/// Prints a run of list consultations: the sentence once, with how many times.
fn flush_run(
    ctx: &Context,
    run: Option<(&VerifiedEntry, usize)>,
    titles: &HashMap<crate::api::DocumentId, String>,
) {
    let Some((last, count)) = run else { return };
    if count == 1 {
        if let Some(line) = sentence(ctx, last, titles) {
            ctx.out.raw(&format!("{line}\n"));
        }
        return;
    }
    if let Some(line) = journal_sentence(
        "list.done.repeated",
        ctx.out.lang,
        &[
            ("count", &count.to_string()),
            ("date", &ctx.out.instant(last.leaf.time_ms)),
        ],
    ) {
        ctx.out.raw(&format!("{line}\n"));
    }
}

/// `coffre journal accept-change`: shows what changed and, once confirmed, accepts it.
pub(super) fn accept_change(ctx: &Context, yes: bool) -> Result<(), ClientError> {
    let session = ctx.client.session()?;
    let change = ctx.client.journal_change(&session)?;
    if ctx.out.json && !yes {
        ctx.out.json(&change);
        return Err(ClientError::local(ErrorCode::ConfirmationRequired, &[]));
    }
    if !ctx.out.json {
        show_change(ctx, &change);
    }
    if !yes && !input::confirm_journal_change(ctx.out.lang) {
        return Err(ClientError::local(ErrorCode::ConfirmationRequired, &[]));
    }
    let kept = ctx.client.accept_journal_change(&session, &change)?;
    let kept = kept.display().to_string();
    if ctx.out.json {
        ctx.out.json(&json!({
            "accepted": true,
            "previous_state": kept,
            "missing": change.missing.len(),
            "restore": change.restore,
            "lost_documents": change.lost_documents,
            "back_documents": change.back_documents,
        }));
    } else {
        ctx.out.say(Text::ChangeAccepted, &[("path", &kept)]);
    }
    Ok(())
}

fn checkpoint_size(note: &str) -> String {
    note.lines().nth(1).unwrap_or("0").to_owned()
}

fn show_change(ctx: &Context, c: &JournalChange) {
    ctx.out.say(Text::ChangeIntro, &[]);
    if let Some(r) = &c.restore {
        ctx.out.say(
            Text::ChangeRestored,
            &[
                ("date", &ctx.out.instant(r.backup_ms)),
                ("restored", &ctx.out.instant(r.restored_ms)),
            ],
        );
        ctx.out.say(Text::ChangeSharesEnded, &[]);
        let passphrase_lost = c.missing.iter().any(|m| {
            matches!(m.action.as_str(), "passphrase_change" | "recovery") && m.phase == "done"
        });
        if passphrase_lost {
            ctx.out.say(Text::ChangePassphraseBack, &[]);
        }
    }
    for (docs, heading) in [
        (&c.lost_documents, Text::ChangeLostDocuments),
        (&c.back_documents, Text::ChangeBackDocuments),
    ] {
        if docs.is_empty() {
            continue;
        }
        ctx.out.say(heading, &[("count", &docs.len().to_string())]);
        for d in docs {
            let title = d.title.clone().unwrap_or_else(|| {
                crate::messages::text(Text::ChangeUnreadableTitle, ctx.out.lang, &[])
            });
            ctx.out
                .raw(&format!("  « {title} » ({})\n", &d.id[..8.min(d.id.len())]));
        }
    }
    ctx.out.say(
        Text::ChangeOld,
        &[
            ("key", &c.old_key),
            ("count", &c.old_entries.to_string()),
            ("size", &checkpoint_size(&c.old_checkpoint)),
        ],
    );
    ctx.out.say(
        Text::ChangeNew,
        &[
            ("key", &c.new_key),
            ("count", &c.new_entries.to_string()),
            ("size", &checkpoint_size(&c.new_checkpoint)),
        ],
    );
    if c.missing.is_empty() {
        ctx.out.say(Text::ChangeNoneMissing, &[]);
        return;
    }
    ctx.out.say(
        Text::ChangeMissing,
        &[("count", &c.missing.len().to_string())],
    );
    for m in &c.missing {
        ctx.out.raw(&format!(
            "  n° {} — {} — {} ({})\n",
            m.seq,
            ctx.out.instant(m.time_ms),
            m.action,
            m.phase
        ));
    }
}
