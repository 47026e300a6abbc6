// Her journal in plain words, from entries verified on this device: the same sentences
// as `coffre journal` (`src/cli/journal.rs`), from the same catalogue
// (`journal-ACTION-PHASE[-VARIANT]` in `locales/LANG/common.ftl`). An attempt followed
// by its outcome is told once, as the outcome; consultations of her own list in a row
// are told once, with how many.

import type { VerifiedEntry } from "./crypto/journal";
import { hex } from "./crypto/bytes";
import { has, instant, size, t } from "./i18n";

/** Actions whose attempt is journaled before anything is served. */
const FAIL_CLOSED = new Set(["download", "mediator_fetch", "delete"]);

interface Details {
  actor?: string;
  actor_name?: string;
  structure?: string;
  role?: string;
  document?: string;
  documents?: string[];
  count?: number;
  part?: string;
  mediator?: string;
  expires_ms?: number;
  category?: string;
  grant?: string;
  purpose?: string;
  size?: number;
}

export interface Line {
  time_ms: number;
  text: string;
}

function actor(e: VerifiedEntry, d: Details): string {
  if (e.leaf.actor_kind === "citizen") return t("journal-you");
  if (d.actor_name && d.structure) return `${d.actor_name} (${d.structure})`;
  return d.actor_name ?? d.actor ?? "?";
}

function sentence(e: VerifiedEntry, titles: Map<string, string>, why: Map<string, string>): string | null {
  const d = e.details as Details;
  const { action, phase } = e.leaf;
  const variant =
    action === "revoke" && e.leaf.actor_kind === "operator"
      ? "operator"
      : action === "mediator_fetch" && d.part === "record" && phase === "done"
        ? "record"
        : action === "register" && d.role === "citizen" && d.actor_name
          ? "invited"
          : null;
  const base = `journal-${action}-${phase}`;
  const id = variant && has(`${base}-${variant}`) ? `${base}-${variant}` : base;
  if (!has(id)) return null;
  const text = t(id, {
    actor: actor(e, d),
    title: (d.document && titles.get(d.document)) || t("journal-a_document"),
    mediator: d.actor_name && d.structure ? `${d.actor_name} (${d.structure})` : (d.mediator ?? "?"),
    count: d.documents?.length ?? d.count ?? 0,
    until: d.expires_ms ? instant(d.expires_ms) : "",
    category: d.category ? t(`cat-${d.category}`) : "",
    size: d.size !== undefined ? size(d.size) : "",
  });
  // Why: the purpose she gave the share this entry belongs to.
  const purpose = d.purpose || (d.grant ? why.get(d.grant) : undefined);
  const reason = purpose ? ` ${t("history-why", { purpose })}` : "";
  return `${text} ${t("journal-on", { date: instant(e.leaf.time_ms) })}${reason}.`;
}

/** Her history in plain words, oldest first. `titles`: her papers' titles by id. */
export function lines(entries: VerifiedEntry[], titles: Map<string, string>): Line[] {
  const why = new Map<string, string>();
  for (const e of entries) {
    const d = e.details as Details;
    if (d.grant && d.purpose) why.set(d.grant, d.purpose);
  }
  const answered = new Set(entries.filter((e) => e.leaf.phase !== "attempt").map((e) => hex(e.leaf.request)));
  const out: Line[] = [];
  // The current run of her own list consultations.
  const run: { last: VerifiedEntry | null; count: number } = { last: null, count: 0 };
  const flush = () => {
    if (!run.last) return;
    const text =
      run.count === 1
        ? sentence(run.last, titles, why)
        : t("journal-list-done-repeated", { count: run.count, date: instant(run.last.leaf.time_ms) });
    if (text) out.push({ time_ms: run.last.leaf.time_ms, text });
    run.last = null;
    run.count = 0;
  };
  for (const e of entries) {
    const { action, phase, actor_kind } = e.leaf;
    if (phase === "attempt" && FAIL_CLOSED.has(action) && answered.has(hex(e.leaf.request))) continue;
    if (action === "list" && actor_kind === "citizen") {
      run.last = e;
      run.count += 1;
      continue;
    }
    flush();
    const text = sentence(e, titles, why);
    if (text) out.push({ time_ms: e.leaf.time_ms, text });
  }
  flush();
  return out;
}
