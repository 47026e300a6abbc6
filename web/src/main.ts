// The citizen's pages: one action per screen, large targets, keyboard first, words
// from the catalogues, and a button that reads the screen's main text aloud.

import "./style.css";
import { ApiError } from "./api";
import { JournalRefused } from "./crypto/journal";
import { hex, utf8 } from "./crypto/bytes";
import { sha256 } from "@noble/hashes/sha2.js";
import { lines } from "./history";
import * as operator from "./operator";
import { purposeAcceptable } from "./crypto/grant";
import { WrongPassphrase } from "./crypto/passphrase";
import { NoCamera, startScan } from "./scan";
import { CODE_DIGITS } from "./crypto/safety";
import { date, has, instant, LANGS, lang, setLang, size, t, type Lang } from "./i18n";
import * as vault from "./vault";
import { encode as qrEncode } from "uqr";
import { generatePassphrase, MIN_CHARS, strength } from "./strength";
import { fromKit } from "./crypto/recovery";

type Screen =
  | { name: "home" }
  | { name: "create"; error?: string }
  | { name: "recover"; error?: string }
  | { name: "kit"; kit: string; user: string }
  | { name: "login"; error?: string }
  | { name: "papers"; error?: string }
  | { name: "add"; error?: string; draft?: Draft }
  | { name: "account"; error?: string; done?: string }
  | { name: "passphrase"; error?: string }
  | { name: "delete-account"; error?: string }
  | { name: "export"; error?: string; ready?: vault.Exported }
  | { name: "history" }
  | { name: "share"; error?: string; draft?: ShareDraft }
  | { name: "share-confirm"; draft: ShareDraft; card: vault.MediatorCard; error?: string }
  | { name: "receipt"; shared: vault.Shared; card: vault.MediatorCard }
  | { name: "grants"; error?: string; done?: string }
  | { name: "requests"; error?: string; done?: string }
  | { name: "mediator-space" }
  | { name: "activate"; error?: string }
  | { name: "mediator"; error?: string; done?: string }
  | { name: "accompany" }
  | { name: "resume"; error?: string }
  | { name: "shared-paper"; paper: vault.SharedPaper; error?: string }
  | { name: "ask"; error?: string; done?: string }
  | { name: "operator-login"; error?: string }
  | { name: "operator"; error?: string; done?: string }
  | { name: "letter"; letter: Letter }
  | { name: "deleted"; documents: number }
  | { name: "paper"; paper: vault.Paper; error?: string; confirm?: boolean };

const app = document.getElementById("app")!;
let screen: Screen = { name: "home" };
let papers: vault.Paper[] = [];

const CATEGORIES = ["identity", "housing", "income", "tax", "family", "health", "work", "transport", "justice", "other"];
// One pictogram per category, drawn here (no font or image to fetch): 24×24 strokes.
const PICTOGRAMS: Record<string, string> = {
  identity: "M3 6h18v12H3z M7 10h4v4H7z M13 10h5 M13 13h4",
  housing: "M3 11l9-7 9 7 M5 10v10h14V10 M10 20v-6h4v6",
  income: "M12 3a9 9 0 1 0 0.01 0z M9 9h5 M8 12h6 M14.5 7.5a4 4 0 1 0 0 9",
  tax: "M6 3h9l3 3v15H6z M9 9h6 M9 13h6 M9 17h4",
  family: "M8 8a2.5 2.5 0 1 0 0.01 0z M16 8a2.5 2.5 0 1 0 0.01 0z M4 20v-4a4 4 0 0 1 8 0v4 M12 20v-4a4 4 0 0 1 8 0v4",
  health: "M10 4h4v6h6v4h-6v6h-4v-6H4v-4h6z",
  work: "M4 8h16v11H4z M9 8V5h6v3 M4 13h16",
  transport: "M6 4h12v13H6z M6 11h12 M8 17v3 M16 17v3 M9 14h.01 M15 14h.01",
  justice: "M12 4v16 M7 20h10 M5 8h14 M5 8l-3 6h6z M19 8l-3 6h6z",
  other: "M6 3h9l3 3v15H6z M15 3v3h3",
};

function pictogram(category: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "28");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "picto");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", PICTOGRAMS[category] ?? PICTOGRAMS.other!);
  svg.append(path);
  return svg;
}

/** An element with attributes and children (text is always set as text). */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | ((e: Event) => void)> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === "function") el.addEventListener(k, v);
    else if (v === true) el.setAttribute(k, "");
    else if (v !== false) el.setAttribute(k, v);
  }
  for (const c of children) if (c) el.append(c);
  return el;
}

function go(next: Screen): void {
  screen = next;
  render();
  activity();
}

/** A session that ended on the server (expired, or closed elsewhere). */
function sessionGone(e: unknown): boolean {
  return e instanceof ApiError && (e.code === "session_expired" || e.code === "unauthenticated");
}

/**
 * An error on a logged-in screen: said on that screen, or, if the session ended,
 * everything forgotten and the login screen saying why.
 */
function fail(e: unknown, here: Screen): void {
  if (sessionGone(e)) {
    vault.forget();
    papers = [];
    go({ name: "login", error: t("session-ended") });
    return;
  }
  go({ ...here, error: message(e) } as Screen);
}

function message(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === "server_unreachable") return t("error-network");
    // The server's sentence is already in the page's language (Accept-Language); a
    // body that is not coffre's (a proxy's error page) gets the catalogue's sentence.
    if (e.message && !e.message.startsWith("HTTP ")) return e.message;
    return has(`error-${e.code}`) ? t(`error-${e.code}`) : t("error-network");
  }
  if (e instanceof vault.WrongKeys) return t("error-wrong-key");
  if (e instanceof vault.Integrity) return t("doc-integrity");
  if (e instanceof vault.TooLarge) return t("add-too-large", { max: e.maxMiB });
  if (e instanceof vault.VaultFull) return t("add-full");
  if (e instanceof vault.EmptyFile) return t("add-empty");
  if (e instanceof vault.BadKit) return t("recover-bad-kit");
  if (e instanceof vault.JournalChanged) return t("recover-journal-changed");
  if (e instanceof vault.InDoubt) return t("add-in-doubt");
  if (e instanceof WrongPassphrase) return t("export-wrong-pass");
  if (e instanceof JournalRefused) return t("export-journal-refused", { detail: e.detail });
  return String(e);
}

function header(): HTMLElement {
  const select = h(
    "select",
    {
      id: "lang",
      change: (e) => {
        setLang((e.target as HTMLSelectElement).value as Lang);
        render();
      },
    },
    ...LANGS.map((l) => h("option", { value: l.code, selected: l.code === lang() }, l.name)),
  );
  const listen = h("button", { type: "button", class: "secondary", click: speak }, t("listen"));
  const quit = signedIn()
    ? h("button", { type: "button", class: "secondary", click: quitNow }, t("quit"))
    : null;
  const beside = vault.accompanying() && vault.current() ? vault.companion() : null;
  return h(
    "header",
    {},
    h("span", { class: "brand" }, t("app-name")),
    h("span", { class: "tools" }, h("label", { for: "lang" }, t("lang-label")), select, listen, quit),
    beside ? h("p", { class: "accompanied", role: "note" }, t("accompany-banner", { mediator: beside })) : null,
  );
}

/** Reads the screen's main text aloud with the browser's own voice (no server). */
function speak(): void {
  if (!("speechSynthesis" in window)) return;
  const main = document.querySelector("main");
  if (!main) return;
  speechSynthesis.cancel();
  const u = new SpeechSynthesisUtterance(main.innerText);
  u.lang = lang() === "fr" ? "fr-FR" : lang() === "ar" ? "ar" : "en-GB";
  speechSynthesis.speak(u);
}

/** Someone is signed in in this tab: a citizen, a mediator or the operator. */
function signedIn(): boolean {
  return !!vault.current() || vault.accompanying() || operator.signedIn();
}

async function quitNow(): Promise<void> {
  // The citizen beside a mediator leaves: hers is wiped, the mediator's comes back.
  if (vault.accompanying() && vault.current()) {
    await vault.endAccompanied();
    papers = [];
    go({ name: "resume" });
    return;
  }
  operator.forget();
  await vault.leave();
  papers = [];
  go({ name: "home" });
}

function alert(text: string | undefined): HTMLElement | null {
  return text ? h("p", { role: "alert", class: "alert" }, text) : null;
}

function home(): HTMLElement {
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("home-title")),
    h("p", {}, t("home-intro")),
    h("button", { type: "button", class: "primary", click: () => go({ name: "create" }) }, t("home-create")),
    h("button", { type: "button", class: "primary", click: () => go({ name: "login" }) }, t("home-login")),
    h("button", { type: "button", class: "secondary", click: () => go({ name: "mediator-space" }) }, t("mediator-space")),
    // What this page keeps, said before she uses it (every visit: remembering that
    // she read it would need the browser storage this page never uses).
    h(
      "section",
      { class: "notice", "aria-labelledby": "notice-title" },
      h("h2", { id: "notice-title" }, t("notice-title")),
      h("p", {}, t("notice-memory")),
      h("p", {}, t("notice-leave")),
      h("p", {}, t("notice-server")),
    ),
  );
}

function login(error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const button = form.querySelector("button")!;
        button.disabled = true;
        status.textContent = t("login-deriving");
        try {
          const opened = await vault.login(String(data.get("user")).trim().toLowerCase(), String(data.get("pass")));
          papers = opened.role === "citizen" ? await vault.papers() : [];
          go(homeScreen());
        } catch (err) {
          go({ name: "login", error: message(err) });
        }
      },
    },
    h("label", { for: "user" }, t("login-user")),
    h("input", { id: "user", name: "user", autocomplete: "username", required: true, autocapitalize: "none" }),
    h("label", { for: "pass" }, t("login-pass")),
    h("input", { id: "pass", name: "pass", type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit", class: "primary" }, t("login-submit")),
  );
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("login-title")),
    alert(error),
    h("p", { class: "hint" }, t("login-shared-notice")),
    form,
    status,
    h("p", {}, h("a", { href: "#kit", click: (e) => (e.preventDefault(), go({ name: "recover" })) }, t("login-forgot"))),
  );
}

function create(error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const proposed = h("p", { class: "proposed", "aria-live": "polite" });
  const propose = h(
    "button",
    {
      type: "button",
      class: "secondary",
      click: () => {
        const words = generatePassphrase();
        fields.pass.value = words;
        fields.confirm.value = words;
        fields.pass.dispatchEvent(new Event("input"));
        proposed.textContent = t("create-proposed", { words });
      },
    },
    t("create-propose"),
  );
  const fields = newPassphraseFields("login-pass", () => [propose, proposed]);
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const user = String(data.get("user")).trim().toLowerCase();
        const passphrase = String(data.get("pass"));
        if (passphrase !== String(data.get("confirm"))) return go({ name: "create", error: t("create-mismatch") });
        if (strength(passphrase) === "weak") {
          return go({ name: "create", error: t("create-weak", { min: MIN_CHARS }) });
        }
        const button = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
        button.disabled = true;
        status.textContent = t("create-working");
        try {
          const invitation = String(data.get("invitation") ?? "").trim() || undefined;
          const created = await vault.register(user, passphrase, invitation);
          papers = [];
          go({ name: "kit", kit: created.kit, user });
        } catch (err) {
          go({ name: "create", error: message(err) });
        }
      },
    },
    h("label", { for: "user" }, t("login-user")),
    h("p", { class: "hint", id: "user-hint" }, t("create-user-hint")),
    h("input", {
      id: "user",
      name: "user",
      autocomplete: "username",
      required: true,
      autocapitalize: "none",
      pattern: "[a-z0-9][a-z0-9._\\-]{2,63}",
      "aria-describedby": "user-hint",
    }),
    ...fields.nodes,
    h("label", { for: "invitation" }, t("create-invitation")),
    h("input", { id: "invitation", name: "invitation", autocomplete: "off", autocapitalize: "characters" }),
    h("button", { type: "submit", class: "primary" }, t("create-submit")),
  );
  return h("main", {}, h("h1", { tabindex: "-1" }, t("create-title")), alert(error), form, status);
}

/** A passphrase field with its strength meter (the meter describes the field). */
function newPassphraseFields(
  label = "recover-pass",
  after: () => HTMLElement[] = () => [],
): { pass: HTMLInputElement; confirm: HTMLInputElement; nodes: HTMLElement[] } {
  const meter = h("meter", { id: "strength", min: "0", max: "2", value: "0", low: "1", high: "2", optimum: "2", "aria-label": t("strength-label") });
  const meterText = h("span", { id: "strength-text" }, t("strength-weak"));
  const pass = h("input", {
    id: "pass",
    name: "pass",
    type: "password",
    autocomplete: "new-password",
    required: true,
    "aria-describedby": "strength-text",
    input: () => {
      const s = strength(pass.value);
      meter.value = s === "weak" ? 0 : s === "fair" ? 1 : 2;
      meterText.textContent = t(`strength-${s}`);
    },
  });
  const confirm = h("input", { id: "confirm", name: "confirm", type: "password", autocomplete: "new-password", required: true });
  return {
    pass,
    confirm,
    nodes: [
      h("label", { for: "pass" }, t(label)),
      pass,
      h("div", { class: "meter" }, meter, meterText),
      ...after(),
      h("label", { for: "confirm" }, t("create-confirm")),
      confirm,
    ],
  };
}

/**
 * A « Scanner » button with its camera view and status line: reads QR codes until
 * `accept` takes one, then stops the camera. `prefix` names its sentences
 * (`PREFIX-scan`, `-scan-show`, `-scan-done`, `-scan-no-camera`).
 */
function scanner(
  prefix: "recover" | "share",
  accept: (text: string) => boolean,
): { scan: HTMLButtonElement; video: HTMLVideoElement; scanStatus: HTMLElement } {
  const video = h("video", { class: "scan", hidden: true, "aria-label": t("recover-scan-view") });
  const scanStatus = h("p", { role: "status", class: "hint" });
  const idle = () => {
    stopScan = null;
    video.hidden = true;
    scan.textContent = t(`${prefix}-scan`);
  };
  const scan: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      class: "secondary",
      click: async () => {
        if (stopScan) {
          stopScanning();
          idle();
          scanStatus.textContent = "";
          return;
        }
        video.hidden = false;
        scan.textContent = t("recover-scan-stop");
        scanStatus.textContent = t(`${prefix}-scan-show`);
        try {
          stopScan = await startScan(video, (text) => {
            if (!accept(text)) return false;
            idle();
            scanStatus.textContent = t(`${prefix}-scan-done`);
            return true;
          });
        } catch (e) {
          idle();
          scanStatus.textContent = e instanceof NoCamera ? t(`${prefix}-scan-no-camera`) : String(e);
        }
      },
    },
    t(`${prefix}-scan`),
  );
  return { scan, video, scanStatus };
}

function recoverScreen(error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const user = h("input", { id: "user", name: "user", autocomplete: "username", required: true, autocapitalize: "none" });
  const kit = h("textarea", {
    id: "kit",
    name: "kit",
    rows: "6",
    required: true,
    spellcheck: "false",
    autocapitalize: "none",
    input: () => {
      try {
        const info = fromKit(kit.value).info;
        if (info.user && !user.value) user.value = info.user;
      } catch {
        // Not a whole kit yet.
      }
    },
  });
  const kitFile = h("input", {
    id: "kit-file",
    type: "file",
    accept: "text/plain,.txt",
    change: async () => {
      const f = kitFile.files?.[0];
      if (!f || f.size > 16 * 1024) return;
      kit.value = await f.text();
      kit.dispatchEvent(new Event("input"));
    },
  });
  // Or scanned: the QR code printed on her kit, read with the camera.
  const { scan, video, scanStatus } = scanner("recover", (text) => {
    try {
      fromKit(text);
    } catch {
      return false; // Another QR code: keep looking.
    }
    kit.value = text;
    kit.dispatchEvent(new Event("input"));
    return true;
  });
  const fields = newPassphraseFields();
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        stopScanning();
        const passphrase = fields.pass.value;
        if (passphrase !== fields.confirm.value) return go({ name: "recover", error: t("create-mismatch") });
        if (strength(passphrase) === "weak") return go({ name: "recover", error: t("create-weak", { min: MIN_CHARS }) });
        const button = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
        button.disabled = true;
        status.textContent = t("create-working");
        const name = user.value.trim().toLowerCase();
        try {
          const created = await vault.recover(kit.value, name, passphrase);
          papers = await vault.papers();
          go({ name: "kit", kit: created.kit, user: name });
        } catch (err) {
          go({ name: "recover", error: message(err) });
        }
      },
    },
    h("label", { for: "kit" }, t("recover-kit")),
    h("p", { class: "hint" }, t("recover-kit-hint")),
    kit,
    h("label", { for: "kit-file" }, t("recover-kit-file")),
    kitFile,
    scan,
    video,
    scanStatus,
    h("label", { for: "user" }, t("login-user")),
    user,
    ...fields.nodes,
    h("button", { type: "submit", class: "primary" }, t("recover-submit")),
  );
  return h("main", {}, h("h1", { tabindex: "-1" }, t("recover-title")), alert(error), form, status);
}

function back(): HTMLElement {
  const mediator = vault.current()?.role === "mediator";
  return h(
    "p",
    {},
    h("a", { href: "#", click: (e) => (e.preventDefault(), go(homeScreen())) }, t(mediator ? "mediator-back" : "doc-back")),
  );
}

function accountScreen(error?: string, done?: string): HTMLElement {
  const s = vault.current()!;
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("account-title")),
    alert(error),
    done ? h("p", { role: "status", class: "done" }, done) : null,
    h("p", {}, t("account-user", { user: s.user })),
    h("p", { id: "code-label" }, t("account-code")),
    h("p", { class: "code", "aria-labelledby": "code-label" }, vault.safetyCodeOf(s)),
    h("p", { class: "hint" }, t("account-code-hint")),
    h("button", { type: "button", class: "secondary", click: () => go({ name: "passphrase" }) }, t("passphrase-title")),
    h("button", { type: "button", class: "secondary", click: () => go({ name: "export" }) }, t("export-title")),
    h("button", { type: "button", class: "secondary danger-text", click: () => go({ name: "delete-account" }) }, t("delete-account-title")),
    back(),
  );
}

function passphraseScreen(error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const current = h("input", { id: "current", name: "current", type: "password", autocomplete: "current-password", required: true });
  const fields = newPassphraseFields();
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const next = fields.pass.value;
        if (next !== fields.confirm.value) return go({ name: "passphrase", error: t("create-mismatch") });
        if (strength(next) === "weak") return go({ name: "passphrase", error: t("create-weak", { min: MIN_CHARS }) });
        form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled = true;
        status.textContent = t("create-working");
        try {
          await vault.changePassphrase(current.value, next);
          go({ name: "account", done: t("passphrase-done") });
        } catch (err) {
          fail(err, { name: "passphrase" });
        }
      },
    },
    h("label", { for: "current" }, t("passphrase-current")),
    current,
    ...fields.nodes,
    h("button", { type: "submit", class: "primary" }, t("passphrase-title")),
  );
  return h("main", {}, h("h1", { tabindex: "-1" }, t("passphrase-title")), alert(error), form, status, back());
}

/**
 * A form that asks her passphrase again before an act she cannot undo or that hands
 * everything over: runs `act` with it, the status line saying what is going on; a
 * failure comes back to `here` with its sentence.
 */
function passphraseForm(
  here: Screen,
  submit: { label: string; class: string },
  act: (passphrase: string, status: HTMLElement) => Promise<void>,
  hint?: string,
): { form: HTMLFormElement; status: HTMLElement } {
  const status = h("p", { role: "status", class: "hint" });
  const pass = h("input", { id: "pass", name: "pass", type: "password", autocomplete: "current-password", required: true });
  if (hint) pass.setAttribute("aria-describedby", "pass-hint");
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled = true;
        status.textContent = t("create-working");
        try {
          await act(pass.value, status);
        } catch (err) {
          fail(err, here);
        }
      },
    },
    h("label", { for: "pass" }, t("login-pass")),
    hint ? h("p", { class: "hint", id: "pass-hint" }, hint) : null,
    pass,
    h("button", { type: "submit", class: submit.class }, submit.label),
  );
  return { form, status };
}

function deleteAccountScreen(error?: string): HTMLElement {
  const { form, status } = passphraseForm(
    { name: "delete-account" },
    { label: t("delete-account-yes"), class: "danger" },
    async (passphrase) => {
      const report = await vault.deleteAccount(passphrase);
      papers = [];
      go({ name: "deleted", documents: report.documents });
    },
  );
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("delete-account-title")),
    alert(error),
    h("p", { class: "warning" }, t("delete-account-warning")),
    form,
    status,
    back(),
  );
}

function exportScreen(error?: string, ready?: vault.Exported): HTMLElement {
  if (ready) {
    const save = h(
      "button",
      {
        type: "button",
        class: "primary",
        click: () => {
          saveFile(ready.blob, ready.name);
        },
      },
      t("export-save"),
    );
    return h(
      "main",
      {},
      h("h1", { tabindex: "-1" }, t("export-title")),
      h("p", { role: "status", class: "done" }, t("export-done", { count: ready.documents })),
      h("p", { class: "hint" }, t("export-shared")),
      save,
      back(),
    );
  }
  const { form, status } = passphraseForm(
    { name: "export" },
    { label: t("export-submit"), class: "primary" },
    async (passphrase, status) => {
      const started = vault.currentGeneration();
      const exported = await vault.exportVault(passphrase, t("export-readme"), (done, total) => {
        status.textContent = t("export-working", { done, total });
      });
      if (vault.currentGeneration() === started) go({ name: "export", ready: exported });
    },
    t("export-pass-hint"),
  );
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("export-title")),
    alert(error),
    h("p", {}, t("export-intro")),
    h("p", { class: "hint" }, t("export-shared")),
    form,
    status,
    back(),
  );
}

/**
 * « Mon journal »: her history, verified on this device before a line is shown
 * (`vault.verifiedJournal`), in plain words, newest first; « Journal vérifié » when
 * every check passes, an alert with the evidence to download when one fails. Prints
 * as a one-page digest with the checkpoint's hash, for a citizen without a phone.
 */
function historyScreen(): HTMLElement {
  const status = h("p", { role: "status", class: "hint" }, t("history-checking"));
  const body = h("div", {});
  const main = h("main", { class: "history" }, h("h1", { tabindex: "-1" }, t("history-title")), status, body, back());
  void (async () => {
    try {
      const journal = await vault.verifiedJournal();
      if (papers.length === 0) papers = await vault.papers();
      const titles = new Map(papers.filter((p) => p.meta).map((p) => [p.id, p.meta!.title]));
      const told = lines(journal.entries, titles).reverse();
      status.className = "verified";
      status.textContent = t("history-verified");
      const s = vault.current();
      body.replaceChildren(
        h("p", {}, t("history-verified-detail", { count: journal.entries.length })),
        h("button", { type: "button", class: "secondary", click: () => print() }, t("history-print")),
        h("ol", { class: "history-lines", reversed: true }, ...told.map((l) => h("li", {}, l.text))),
        h(
          "p",
          { class: "digest" },
          t("history-digest", {
            user: s?.user ?? "",
            date: instant(Date.now()),
            size: journal.size,
            hash: hex(sha256(utf8(journal.checkpoint))),
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof JournalRefused)) return fail(err, { name: "papers" });
      status.textContent = "";
      const alarm = h("p", { role: "alert", class: "alert", tabindex: "-1" }, t("history-failed", {
          detail: has(`history-reason-${err.reason}`) ? t(`history-reason-${err.reason}`) : err.detail,
        }));
      body.replaceChildren(
        alarm,
        h(
          "button",
          {
            type: "button",
            class: "primary",
            click: () =>
              saveFile(
                new Blob([err.evidence], { type: "application/json" }),
                `preuve-journal-${new Date().toISOString().slice(0, 10)}.json`,
              ),
          },
          t("history-evidence"),
        ),
      );
      alarm.focus();
    }
  })();
  return main;
}

/** What she chose on « Partager », kept across the check of the safety code. */
interface ShareDraft {
  documents: string[];
  mediator: string;
  code: string;
  purpose: string;
  duration: Duration;
  /** The mediator's request this share answers, if any. */
  request?: string;
}

type Duration = "hour" | "tonight" | "week" | "month";
const DURATIONS: Duration[] = ["hour", "tonight", "week", "month"];

/** When a share chosen now for `d` ends (« Jusqu'à ce soir »: 23:59 today). */
function expiryOf(d: Duration, now = Date.now()): number {
  if (d === "hour") return now + 3600_000;
  if (d === "week") return now + 7 * 86_400_000;
  if (d === "month") return now + 30 * 86_400_000;
  const tonight = new Date(now);
  tonight.setHours(23, 59, 0, 0);
  return Math.max(tonight.getTime(), now + 60_000);
}

function titleOf(id: string): string {
  return papers.find((p) => p.id === id)?.meta?.title ?? id.slice(0, 8);
}

/**
 * « Partager »: which papers, with whom (her identifier and the safety code she shows
 * in person), why, for how long. Nothing is sealed here: the next screen shows who
 * the code belongs to, from her verified card.
 */
function shareScreen(error?: string, draft?: ShareDraft): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const readable = papers.filter((p) => p.meta);
  const boxes = h(
    "fieldset",
    {},
    h("legend", {}, t("share-documents")),
    ...readable.map((p) =>
      h(
        "label",
        { class: "check" },
        h("input", { type: "checkbox", name: "documents", value: p.id, checked: draft?.documents.includes(p.id) ?? false }),
        p.meta!.title,
      ),
    ),
  );
  const mediator = h("input", { id: "mediator", name: "mediator", required: true, autocapitalize: "none", autocomplete: "off", value: draft?.mediator ?? "" });
  const code = h("input", { id: "code", name: "code", required: true, inputmode: "numeric", autocomplete: "off", value: draft?.code ?? "" });
  const purpose = h("input", { id: "purpose", name: "purpose", maxlength: "200", value: draft?.purpose ?? "" });
  // Or her QR code, scanned with the camera (28 digits; anything else is ignored).
  const { scan, video, scanStatus: scanned } = scanner("share", (text) => {
    if (text.replace(/\D/g, "").length !== CODE_DIGITS) return false;
    code.value = text.trim();
    return true;
  });
  const durations = h(
    "fieldset",
    {},
    h("legend", {}, t("share-duration")),
    ...DURATIONS.map((d) =>
      h(
        "label",
        { class: "check" },
        h("input", { type: "radio", name: "duration", value: d, checked: (draft?.duration ?? "hour") === d }),
        t(`share-duration-${d}`),
      ),
    ),
  );
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        stopScanning();
        const data = new FormData(form);
        const typed: ShareDraft = {
          documents: data.getAll("documents").map(String),
          mediator: mediator.value.trim().toLowerCase(),
          code: code.value,
          purpose: purpose.value.trim(),
          duration: (String(data.get("duration")) as Duration) || "hour",
          ...(draft?.request ? { request: draft.request } : {}),
        };
        if (typed.documents.length === 0) return go({ name: "share", error: t("share-none"), draft: typed });
        if (!purposeAcceptable(typed.purpose)) return go({ name: "share", error: t("share-bad-purpose"), draft: typed });
        form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled = true;
        status.textContent = t("share-checking");
        try {
          const card = await vault.checkMediator(typed.mediator, typed.code);
          go({ name: "share-confirm", draft: typed, card });
        } catch (err) {
          if (err instanceof vault.SafetyCodeMismatch) {
            const who = `${err.card.name} (${err.card.structure})`;
            return go({ name: "share", error: t("share-code-mismatch", { mediator: who }), draft: typed });
          }
          fail(err, { name: "share", draft: typed });
        }
      },
    },
    boxes,
    h("label", { for: "mediator" }, t("share-mediator")),
    mediator,
    h("label", { for: "code" }, t("share-code")),
    h("p", { class: "hint", id: "code-hint" }, t("share-code-hint")),
    code,
    scan,
    video,
    scanned,
    h("label", { for: "purpose" }, t("share-purpose")),
    purpose,
    durations,
    h("button", { type: "submit", class: "primary" }, t("share-submit")),
  );
  code.setAttribute("aria-describedby", "code-hint");
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("share-title")),
    alert(error),
    readable.length === 0 ? h("p", {}, t("papers-empty")) : form,
    status,
    back(),
  );
}

/** Who the code belongs to, from her verified card, before anything is sealed. */
function shareConfirmScreen(draft: ShareDraft, card: vault.MediatorCard, error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const expires = expiryOf(draft.duration);
  const confirm: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      class: "primary",
      click: async () => {
        confirm.disabled = true;
        status.textContent = t("share-sealing");
        try {
          const chosen = papers.filter((p) => draft.documents.includes(p.id));
          const started = vault.currentGeneration();
          const shared = await vault.share(card, chosen, draft.purpose, expiryOf(draft.duration), draft.request);
          if (vault.currentGeneration() === started) go({ name: "receipt", shared, card });
        } catch (err) {
          fail(err, { name: "share-confirm", draft, card });
        }
      },
    },
    t("share-confirm"),
  );
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("share-confirm-title")),
    alert(error),
    h("p", { class: "done" }, t("share-verified", { mediator: card.name, structure: card.structure, user: card.user })),
    h("p", {}, t("share-summary", { count: draft.documents.length, until: instant(expires) })),
    h("ul", {}, ...draft.documents.map((id) => h("li", {}, titleOf(id)))),
    draft.purpose ? h("p", {}, t("cli-receipt-purpose", { purpose: draft.purpose })) : null,
    h("p", { class: "hint" }, t("cli-expiry-honesty")),
    confirm,
    h(
      "button",
      { type: "button", class: "secondary", click: () => go({ name: "share", draft }) },
      t("share-change"),
    ),
    status,
  );
}

/** The consent receipt: what she agreed to, its hash and a QR code of it, to print. */
function receiptScreen(shared: vault.Shared, card: vault.MediatorCard): HTMLElement {
  const g = shared.grant;
  return h(
    "main",
    { class: "receipt" },
    h("h1", { tabindex: "-1" }, t("cli-receipt-title")),
    h("p", { role: "status", class: "done" }, t("share-done")),
    h(
      "p",
      {},
      t("cli-receipt-intro", { citizen: g.citizen, mediator: card.name, structure: card.structure, mediator_user: card.user }),
    ),
    h("ul", {}, ...g.documents.map((id) => h("li", {}, titleOf(id)))),
    g.purpose ? h("p", {}, t("cli-receipt-purpose", { purpose: g.purpose })) : null,
    h("p", {}, t("cli-receipt-period", { from: instant(g.not_before_ms), until: instant(g.expires_ms) })),
    h("p", {}, t("cli-expiry-honesty")),
    h("p", { class: "digest" }, t("cli-receipt-grant-id", { grant: g.id })),
    h("p", { class: "digest" }, t("cli-receipt-hash", { hash: shared.hash })),
    qr(`coffre-grant:${g.id}:${shared.hash}`, t("receipt-qr")),
    h("button", { type: "button", class: "secondary", click: () => print() }, t("receipt-print")),
    h("p", {}, h("a", { href: "#partages", click: (e) => (e.preventDefault(), go({ name: "grants" })) }, t("grants-link"))),
    back(),
  );
}

/** Time left, in the largest unit that says it plainly. */
function timeLeft(until: number): string {
  const minutes = Math.max(1, Math.round((until - Date.now()) / 60_000));
  if (minutes < 120) return t("grants-left-minutes", { n: minutes });
  const hours = Math.round(minutes / 60);
  if (hours < 48) return t("grants-left-hours", { n: hours });
  return t("grants-left-days", { n: Math.round(hours / 24) });
}

/** A screen that lists what the server answers (her shares, her requests): its
 *  title, a status line while it loads, the list, and the way back. */
function listScreen(
  title: string,
  error: string | undefined,
  done: string | undefined,
  fill: (status: HTMLElement, list: HTMLElement) => Promise<void>,
): HTMLElement {
  const status = h("p", { role: "status", class: "hint" }, t("grants-loading"));
  const list = h("ul", { class: "grants" });
  void fill(status, list).catch((err) => fail(err, { name: "papers" }));
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, title),
    alert(error),
    done ? h("p", { role: "status", class: "done" }, done) : null,
    status,
    list,
    back(),
  );
}

/** « Mes partages »: each share she signed, its state and time left; « Retirer
 *  l'accès » in one tap on those still running. */
function grantsScreen(error?: string, done?: string): HTMLElement {
  return listScreen(t("grants-link"), error, done, async (status, list) => {
    const all = await vault.grants();
    if (papers.length === 0) papers = await vault.papers();
    status.textContent = all.length === 0 ? t("grants-none") : "";
    const running = (g: vault.GrantView) => g.state === "active" || g.state === "scheduled";
    all.sort((a, b) => Number(running(b)) - Number(running(a)) || b.grant.created_ms - a.grant.created_ms);
    for (const g of all) {
      const who = `${g.mediator_name} (${g.mediator_structure})`;
      const withdraw = running(g)
        ? actionButton(t("grants-revoke"), "danger", { name: "grants" }, async () => {
            await vault.revoke(g.grant.id);
            go({ name: "grants", done: t("grants-revoked", { mediator: who }) });
          })
        : null;
      list.append(
        h(
          "li",
          { class: running(g) ? "running" : "ended" },
          h("p", { class: "who" }, who),
          h("p", {}, g.grant.documents.map(titleOf).join(", ")),
          g.grant.purpose ? h("p", {}, t("cli-receipt-purpose", { purpose: g.grant.purpose })) : null,
          h(
            "p",
            {},
            running(g)
              ? t("grants-until", { until: instant(g.grant.expires_ms), left: timeLeft(g.grant.expires_ms) })
              : t("cli-receipt-state", { state: t(`cli-state-${g.state}`) }),
          ),
          withdraw,
        ),
      );
    }
  });
}

/** « Demandes »: what mediators asked her for; answered by sharing (the usual checks,
 *  the request's category ticked) or declined. */
function requestsScreen(error?: string, done?: string): HTMLElement {
  return listScreen(t("requests-link"), error, done, async (status, list) => {
    const all = await vault.requests();
    if (papers.length === 0) papers = await vault.papers();
    status.textContent = all.length === 0 ? t("requests-none") : "";
    all.sort((a, b) => Number(b.state === "pending") - Number(a.state === "pending") || b.created_ms - a.created_ms);
    for (const r of all) {
      const who = `${r.mediator_name} (${r.mediator_structure})`;
      const pending = r.state === "pending";
      const answer = pending
        ? h(
            "div",
            { class: "actions" },
            h(
              "button",
              {
                type: "button",
                class: "primary",
                click: () =>
                  go({
                    name: "share",
                    draft: {
                      documents: papers.filter((p) => p.meta?.category === r.category).map((p) => p.id),
                      mediator: r.mediator,
                      code: "",
                      purpose: r.message.slice(0, 200),
                      duration: "hour",
                      request: r.id,
                    },
                  }),
              },
              t("requests-share"),
            ),
            actionButton(t("requests-decline"), "secondary", { name: "requests" }, async () => {
              await vault.decline(r.id);
              go({ name: "requests", done: t("requests-declined", { mediator: who }) });
            }),
          )
        : null;
      list.append(
        h(
          "li",
          { class: pending ? "running" : "ended" },
          h("p", { class: "who" }, who),
          h("p", {}, t("requests-item", { category: t(`cat-${r.category}`), date: instant(r.created_ms) })),
          r.message ? h("p", {}, t("requests-message", { message: r.message })) : null,
          pending ? null : h("p", {}, t("cli-receipt-state", { state: t(`cli-state-${r.state}`) })),
          answer,
        ),
      );
    }
  });
}

/**
 * « Session accompagnée »: the mediator hands the keyboard to the citizen, who logs in
 * beside the mediator's session (each types only her own passphrase); what she does
 * is hers, and « Quitter » wipes it and gives the mediator's session back.
 */
function accompanyScreen(): HTMLElement {
  const main = login();
  main.querySelector("h1")!.textContent = t("accompany-title");
  main.insertBefore(h("p", {}, t("accompany-intro")), main.querySelector("form"));
  main.append(
    h(
      "button",
      {
        type: "button",
        class: "secondary",
        click: async () => {
          await vault.endAccompanied();
          go({ name: "resume" });
        },
      },
      t("accompany-cancel"),
    ),
  );
  return main;
}

/** After an accompanied session: the mediator's own passphrase gives her session
 *  back (the person who had the keyboard cannot); « Quitter » ends it instead. */
function resumeScreen(error?: string): HTMLElement {
  const { form, status } = passphraseForm(
    { name: "resume" },
    { label: t("resume-submit"), class: "primary" },
    async (passphrase) => {
      await vault.resumeMediator(passphrase);
      go({ name: "mediator", done: t("accompany-ended") });
    },
    t("resume-hint", { user: vault.awaitingMediator() ?? "" }),
  );
  return h("main", {}, h("h1", { tabindex: "-1" }, t("resume-title")), alert(error), h("p", { role: "status", class: "done" }, t("accompany-ended")), form, status);
}

/** Where a logged-in person starts: her papers, or a mediator's shared documents. */
function homeScreen(): Screen {
  return vault.current()?.role === "mediator" ? { name: "mediator" } : { name: "papers" };
}

/** « Espace médiateur »: activate an account with the operator's code, or log in. */
function mediatorSpaceScreen(): HTMLElement {
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("mediator-space")),
    h("p", {}, t("mediator-space-intro")),
    h("button", { type: "button", class: "primary", click: () => go({ name: "activate" }) }, t("activate-title")),
    h("button", { type: "button", class: "primary", click: () => go({ name: "login" }) }, t("home-login")),
    h("p", {}, h("a", { href: "#administration", click: (e) => (e.preventDefault(), go({ name: "operator-login" })) }, t("operator-link"))),
  );
}

/** The operator's token, typed once, kept in memory only. */
function operatorLoginScreen(error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const field = h("input", { id: "admin-token", name: "token", type: "password", autocomplete: "off", required: true });
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        status.textContent = t("create-working");
        try {
          await operator.signIn(field.value);
          activity();
          go({ name: "operator" });
        } catch (err) {
          go({ name: "operator-login", error: message(err) });
        }
      },
    },
    h("label", { for: "admin-token" }, t("operator-token")),
    h("p", { class: "hint" }, t("operator-token-hint")),
    field,
    h("button", { type: "submit", class: "primary" }, t("operator-signin")),
  );
  return h("main", {}, h("h1", { tabindex: "-1" }, t("operator-title")), alert(error), form, status);
}

/** The operator's page: the service's counts and policy, the mediators (enrol,
 *  disable). No citizen's name appears here. */
function operatorScreen(error?: string, done?: string): HTMLElement {
  const status = h("div", {}, h("p", { role: "status", class: "hint" }, t("grants-loading")));
  const list = h("ul", { class: "grants" });
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const user = String(data.get("user")).trim().toLowerCase();
        const name = String(data.get("name")).trim();
        const structure = String(data.get("structure")).trim();
        try {
          const code = await operator.enrol(user, name, structure);
          go({ name: "letter", letter: { user, fullName: name, structure, code: code.code, expires_ms: code.expires_ms } });
        } catch (err) {
          fail(err, { name: "operator" });
        }
      },
    },
    h("label", { for: "m-user" }, t("login-user")),
    h("input", { id: "m-user", name: "user", required: true, autocomplete: "off", autocapitalize: "none" }),
    h("label", { for: "m-name" }, t("operator-name")),
    h("input", { id: "m-name", name: "name", required: true, autocomplete: "off" }),
    h("label", { for: "m-structure" }, t("operator-structure")),
    h("input", { id: "m-structure", name: "structure", required: true, autocomplete: "off" }),
    h("button", { type: "submit", class: "primary" }, t("operator-enrol")),
  );
  const main = h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("operator-title")),
    alert(error),
    done ? h("p", { role: "status", class: "done" }, done) : null,
    status,
    h("h2", {}, t("operator-mediators")),
    list,
    h("h2", {}, t("operator-enrol")),
    form,
  );
  void (async () => {
    try {
      const [st, people] = await Promise.all([operator.status(), operator.mediators()]);
      status.replaceChildren(
        h(
          "ul",
          { class: "facts" },
          h("li", {}, t("operator-registration", { policy: t(`operator-policy-${st.registration || "open"}`) })),
          h("li", {}, t("operator-counts", { citizens: st.citizens, mediators: st.mediators, documents: st.documents })),
          h("li", {}, t("operator-storage", { size: size(st.stored_bytes), grants: st.active_grants })),
          h("li", {}, t("operator-version", { version: st.version })),
        ),
      );
      for (const m of people.sort((a, b) => a.user.localeCompare(b.user))) {
        // Two steps: disabling ends every share she holds, at once.
        const confirm = h(
          "div",
          { class: "confirm", hidden: true },
          h("p", {}, t("operator-disable-confirm", { name: m.name })),
          actionButton(t("operator-disable-yes", { name: m.name }), "danger", { name: "operator" }, async () => {
            await operator.disable(m.user);
            go({ name: "operator", done: t("operator-disabled", { name: m.name }) });
          }),
        );
        const off: HTMLButtonElement | null =
          m.state === "disabled"
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "secondary danger-text",
                  click: () => {
                    confirm.hidden = false;
                    confirm.querySelector("button")?.focus();
                  },
                },
                t("operator-disable", { name: m.name }),
              );
        list.append(
          h(
            "li",
            { class: m.state === "disabled" ? "ended" : "running" },
            h("p", { class: "who" }, `${m.name} (${m.structure})`),
            h("p", {}, `${m.user} — ${t(`cli-state-${m.state}`)}`),
            off,
            off ? confirm : null,
          ),
        );
      }
    } catch (err) {
      fail(err, { name: "operator-login" });
    }
  })();
  return main;
}

/** What an enrolment letter says. */
interface Letter {
  user: string;
  fullName: string;
  structure: string;
  code: string;
  expires_ms: number;
}

/** The enrolment letter: the one-time code (and its QR code) to hand to the mediator. */
function letterScreen(l: Letter): HTMLElement {
  return h(
    "main",
    { class: "receipt" },
    h("h1", { tabindex: "-1" }, t("letter-title")),
    h("p", {}, t("letter-to", { name: l.fullName, structure: l.structure })),
    h("p", {}, t("letter-how", { user: l.user, site: location.origin })),
    h("p", { id: "letter-code-label" }, t("activate-code")),
    h("p", { class: "code", "aria-labelledby": "letter-code-label" }, l.code),
    qr(l.code, t("letter-qr")),
    h("p", {}, t("letter-until", { until: instant(l.expires_ms) })),
    h("p", { class: "hint" }, t("letter-secret")),
    h("button", { type: "button", class: "secondary", click: () => print() }, t("letter-print")),
    h("p", {}, h("a", { href: "#administration", click: (e) => (e.preventDefault(), go({ name: "operator" })) }, t("operator-back"))),
  );
}

/** Activation: the one-time code, her identifier, a passphrase; keys made here. */
function activateScreen(error?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const fields = newPassphraseFields("login-pass");
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const user = String(data.get("user")).trim().toLowerCase();
        const passphrase = fields.pass.value;
        if (passphrase !== fields.confirm.value) return go({ name: "activate", error: t("create-mismatch") });
        if (strength(passphrase) === "weak") return go({ name: "activate", error: t("create-weak", { min: MIN_CHARS }) });
        form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled = true;
        status.textContent = t("create-working");
        try {
          const created = await vault.enrol(String(data.get("code")), user, passphrase);
          papers = [];
          go({ name: "kit", kit: created.kit, user });
        } catch (err) {
          go({ name: "activate", error: message(err) });
        }
      },
    },
    h("label", { for: "code" }, t("activate-code")),
    h("input", { id: "code", name: "code", required: true, autocomplete: "off", autocapitalize: "characters" }),
    h("label", { for: "user" }, t("login-user")),
    h("input", { id: "user", name: "user", required: true, autocomplete: "username", autocapitalize: "none" }),
    ...fields.nodes,
    h("button", { type: "submit", class: "primary" }, t("activate-title")),
  );
  return h("main", {}, h("h1", { tabindex: "-1" }, t("activate-title")), alert(error), form, status);
}

/**
 * The mediator's home: her safety code (large, with a QR code) for the citizen to
 * compare, and « Documents partagés avec moi » grouped by citizen, each checked as
 * the CLI checks it, with the time left and the purpose.
 */
function mediatorScreen(error?: string, done?: string): HTMLElement {
  const s = vault.current()!;
  const code = vault.safetyCodeOf(s);
  const status = h("p", { role: "status", class: "hint" }, t("grants-loading"));
  const list = h("div", {});
  const main = h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("mediator-title", { user: s.user })),
    alert(error),
    done ? h("p", { role: "status", class: "done" }, done) : null,
    h(
      "nav",
      { class: "actions", "aria-label": t("nav-label") },
      h("a", { href: "#demander", class: "action", click: (e) => (e.preventDefault(), go({ name: "ask" })) }, t("ask-title")),
      h(
        "a",
        {
          href: "#accompagnee",
          class: "action",
          click: (e) => {
            e.preventDefault();
            vault.beginAccompanied();
            go({ name: "accompany" });
          },
        },
        t("accompany-title"),
      ),
    ),
    h("p", { id: "code-label" }, t("account-code")),
    h("p", { class: "code", "aria-labelledby": "code-label" }, code),
    qr(code, t("mediator-code-qr")),
    h("p", { class: "hint" }, t("mediator-code-hint")),
    h("h2", {}, t("mediator-shared")),
    h("p", { class: "warning" }, t("mediator-copies")),
    status,
    list,
  );
  void (async () => {
    try {
      const shared = await vault.sharedWithMe();
      status.textContent = shared.length === 0 ? t("mediator-none") : "";
      const citizens = [...new Set(shared.map((p) => p.citizen))].sort();
      for (const citizen of citizens) {
        const theirs = shared.filter((p) => p.citizen === citizen);
        const checked = theirs.find((p) => p.meta);
        list.append(
          h(
            "section",
            { "aria-label": citizen },
            h("h3", {}, citizen),
            checked ? h("p", { class: "hint" }, t("mediator-citizen-code", { code: checked.citizenCode })) : null,
          ),
          h(
            "ul",
            { class: "papers" },
            ...theirs.map((p) =>
              p.meta
                ? h(
                    "li",
                    {},
                    h("a", { href: `#${p.id}`, click: (e) => (e.preventDefault(), go({ name: "shared-paper", paper: p })) }, p.meta.title),
                    h(
                      "span",
                      { class: "hint" },
                      ` — ${t("grants-until", { until: instant(p.expires_ms), left: timeLeft(p.expires_ms) })}${
                        p.purpose ? ` — ${t("cli-receipt-purpose", { purpose: p.purpose })}` : ""
                      }`,
                    ),
                  )
                : h("li", {}, t("papers-unreadable")),
            ),
          ),
        );
      }
    } catch (err) {
      fail(err, { name: "mediator-space" });
    }
  })();
  return main;
}

/**
 * A paper's « Télécharger » and « Voir sur cet écran »: decrypted in memory, saved
 * under its title, or shown in the page (images, and PDFs in the browser's own viewer,
 * from a blob typed application/pdf whatever the paper says, so nothing of hers can
 * run as a page here). `mark`: the watermark drawn on images (a mediator's view).
 */
function openers(
  meta: vault.DocumentMeta,
  fetch: () => Promise<Blob>,
  here: Screen,
  mark?: () => string,
): { status: HTMLElement; preview: HTMLElement; download: HTMLButtonElement; look: HTMLButtonElement | null } {
  const status = h("p", { role: "status", class: "hint" });
  const preview = h("div", { class: "preview" });
  const isPdf = meta.mime === "application/pdf";
  const download: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      class: "primary",
      click: async () => {
        download.disabled = true;
        status.textContent = t("doc-downloading");
        const started = vault.currentGeneration();
        try {
          const blob = await fetch();
          if (vault.currentGeneration() !== started) return; // she left meanwhile
          saveFile(blob, fileName(meta));
          status.textContent = "";
          download.disabled = false;
        } catch (err) {
          fail(err, here);
        }
      },
    },
    t("doc-download"),
  );
  const look: HTMLButtonElement | null =
    meta.mime.startsWith("image/") || isPdf
      ? h(
          "button",
          {
            type: "button",
            class: "secondary",
            click: async () => {
              look!.disabled = true;
              status.textContent = t("doc-downloading");
              const started = vault.currentGeneration();
              try {
                const blob = await fetch();
                if (vault.currentGeneration() !== started) return; // she left meanwhile
                const shownBlob = isPdf
                  ? new Blob([blob], { type: "application/pdf" })
                  : mark
                    ? await watermarked(blob, mark())
                    : blob;
                const url = URL.createObjectURL(shownBlob);
                shown.push(url);
                preview.replaceChildren(
                  isPdf ? h("iframe", { src: url, title: meta.title, class: "pdf" }) : h("img", { src: url, alt: meta.title }),
                );
                status.textContent = "";
              } catch (err) {
                fail(err, here);
              }
            },
          },
          t("doc-show"),
        )
      : null;
  return { status, preview, download, look };
}

/**
 * An image as a mediator sees it: redrawn in the page with « Copie transmise à
 * [structure] le [date] pour [motif] » across it, so that a screenshot or a photo of
 * the screen says where it came from.
 */
async function watermarked(image: Blob, text: string): Promise<Blob> {
  const bitmap = await createImageBitmap(image);
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("canvas");
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  // As large as fits along the diagonal, not larger than a line in eight.
  const diagonal = Math.hypot(canvas.width, canvas.height);
  ctx.font = "700 100px sans-serif";
  const fit = (100 * 0.9 * diagonal) / Math.max(1, ctx.measureText(text).width);
  const size = Math.max(10, Math.round(Math.min(fit, Math.min(canvas.width, canvas.height) / 8)));
  ctx.font = `700 ${size}px sans-serif`;
  ctx.fillStyle = "rgba(185, 28, 28, 0.6)";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.translate(canvas.width / 2, canvas.height / 2);
  ctx.rotate(-Math.atan2(canvas.height, canvas.width));
  const reach = diagonal / 2;
  for (let y = -reach; y <= reach; y += size * 3) ctx.fillText(text, 0, y);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("canvas"))), "image/png"));
}

/** A paper shared with her: open it here or download it; copies cannot be taken back. */
function sharedPaperScreen(paper: vault.SharedPaper, error?: string): HTMLElement {
  const meta = paper.meta!;
  const { status, preview, download, look } = openers(meta, () => vault.fetchShared(paper), { name: "shared-paper", paper }, () =>
    t("watermark", { structure: paper.structure, date: date(Date.now()), purpose: paper.purpose || "—" }),
  );
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, meta.title),
    alert(error),
    h(
      "ul",
      { class: "facts" },
      h("li", {}, t("mediator-from", { citizen: paper.citizen })),
      h("li", {}, t("grants-until", { until: instant(paper.expires_ms), left: timeLeft(paper.expires_ms) })),
      paper.purpose ? h("li", {}, t("cli-receipt-purpose", { purpose: paper.purpose })) : null,
      h("li", {}, t("doc-category", { category: t(`cat-${meta.category}`) })),
      h("li", {}, t("doc-size", { size: size(meta.size) })),
    ),
    h("p", { class: "warning" }, t("mediator-copies")),
    download,
    h("div", { class: "actions" }, look),
    status,
    preview,
    back(),
  );
}

/** « Demander un document »: a citizen is asked for a paper of a category. */
function askScreen(error?: string, done?: string): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const citizen = String(data.get("citizen")).trim().toLowerCase();
        const messageText = String(data.get("message") ?? "").trim();
        if (!purposeAcceptable(messageText)) return go({ name: "ask", error: t("share-bad-purpose") });
        form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled = true;
        try {
          await vault.requestDocument(citizen, String(data.get("category")), messageText);
          go({ name: "ask", done: t("ask-done", { citizen }) });
        } catch (err) {
          fail(err, { name: "ask" });
        }
      },
    },
    h("label", { for: "citizen" }, t("ask-citizen")),
    h("input", { id: "citizen", name: "citizen", required: true, autocomplete: "off", autocapitalize: "none" }),
    h("label", { for: "category" }, t("add-category")),
    h("select", { id: "category", name: "category" }, ...CATEGORIES.map((c) => h("option", { value: c }, t(`cat-${c}`)))),
    h("label", { for: "message" }, t("ask-message")),
    h("input", { id: "message", name: "message", maxlength: "200" }),
    h("button", { type: "submit", class: "primary" }, t("ask-submit")),
  );
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("ask-title")),
    alert(error),
    done ? h("p", { role: "status", class: "done" }, done) : null,
    h("p", { class: "warning" }, t("mediator-copies")),
    form,
    status,
    back(),
  );
}

function deletedScreen(documents: number): HTMLElement {
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("deleted-title")),
    h("p", {}, t("deleted-text", { count: documents })),
    h("button", { type: "button", class: "primary", click: () => go({ name: "home" }) }, t("deleted-home")),
  );
}

/** A QR code of `text`, drawn as one SVG path (nothing fetched, no inline markup). */
function qr(text: string, label: string): SVGSVGElement {
  const { size, data } = qrEncode(text, { ecc: "L", border: 2 });
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("class", "qr");
  let d = "";
  data.forEach((row, y) => row.forEach((on, x) => on && (d += `M${x} ${y}h1v1h-1z`)));
  const bg = document.createElementNS(ns, "rect");
  bg.setAttribute("width", String(size));
  bg.setAttribute("height", String(size));
  bg.setAttribute("fill", "#fff");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(bg, path);
  return svg;
}

function kitScreen(kit: string, user: string): HTMLElement {
  const next = h(
    "button",
    { type: "button", class: "primary", disabled: true, click: () => go(homeScreen()) },
    t("kit-continue"),
  );
  const chose = h("p", { role: "status", class: "hint" }, t("kit-choose-first"));
  const done = (what: string) => {
    next.disabled = false;
    chose.textContent = what;
  };
  return h(
    "main",
    { class: "kit" },
    h("h1", { tabindex: "-1" }, t("kit-title")),
    h("p", {}, t("kit-intro")),
    h("pre", { class: "kit-text" }, kit),
    qr(kit, t("kit-qr")),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "secondary", click: () => (window.print(), done(t("kit-printed"))) }, t("kit-print")),
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          click: () => {
            saveFile(new Blob([kit], { type: "text/plain;charset=utf-8" }), `kit-de-recuperation-${user}.txt`);
            done(t("kit-saved"));
          },
        },
        t("kit-save"),
      ),
    ),
    chose,
    next,
  );
}

function expiryNote(meta: vault.DocumentMeta): HTMLElement | null {
  if (!meta.expires) return null;
  const left = new Date(`${meta.expires}T23:59:59`).getTime() - Date.now();
  const soon = left < 60 * 24 * 3600 * 1000;
  const text = left < 0 ? t("papers-expired", { date: date(meta.expires) }) : t("papers-expires", { date: date(meta.expires) });
  return h("span", { class: soon ? "expiry soon" : "expiry" }, text);
}

/** Whether the service was restored from a backup lately (asked once a session). */
let restoreNotice: { generation: number; text: Promise<string | null> } | null = null;
function restoreBanner(): HTMLElement {
  const banner = h("div", {});
  const generation = vault.currentGeneration();
  if (!restoreNotice || restoreNotice.generation !== generation) {
    restoreNotice = {
      generation,
      text: vault
        .recentRestore()
        .then((n) => (n ? t("papers-restored", { backup: instant(n.backup_ms), restored: instant(n.restored_ms) }) : null))
        .catch(() => null),
    };
  }
  void restoreNotice.text.then((text) => {
    if (text && vault.currentGeneration() === generation) banner.append(h("p", { role: "status", class: "hint" }, text));
  });
  return banner;
}

function papersScreen(error?: string): HTMLElement {
  const main = h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("papers-title")),
    alert(error),
    restoreBanner(),
    h(
      "nav",
      { class: "actions", "aria-label": t("nav-label") },
      h("a", { href: "#ajouter", class: "action", click: (e) => (e.preventDefault(), go({ name: "add" })) }, t("add-link")),
      h("a", { href: "#partager", class: "action", click: (e) => (e.preventDefault(), go({ name: "share" })) }, t("share-link")),
      h("a", { href: "#partages", class: "action", click: (e) => (e.preventDefault(), go({ name: "grants" })) }, t("grants-link")),
      h("a", { href: "#demandes", class: "action", click: (e) => (e.preventDefault(), go({ name: "requests" })) }, t("requests-link")),
      h("a", { href: "#journal", class: "action", click: (e) => (e.preventDefault(), go({ name: "history" })) }, t("history-link")),
      h("a", { href: "#compte", class: "action", click: (e) => (e.preventDefault(), go({ name: "account" })) }, t("account-link")),
    ),
  );
  if (papers.length === 0) main.append(h("p", {}, t("papers-empty")));
  for (const category of CATEGORIES) {
    const mine = papers.filter((p) => p.meta?.category === category);
    if (mine.length === 0) continue;
    const list = h("ul", { class: "papers" });
    for (const p of mine.sort((a, b) => b.added_ms - a.added_ms)) {
      list.append(
        h(
          "li",
          {},
          h("a", { href: `#${p.id}`, click: (e) => (e.preventDefault(), go({ name: "paper", paper: p })) }, p.meta!.title),
          expiryNote(p.meta!),
        ),
      );
    }
    main.append(
      h("h2", {}, pictogram(category), t(`cat-${category}`)),
      list,
    );
  }
  const broken = papers.filter((p) => !p.meta);
  if (broken.length > 0) {
    main.append(h("ul", { class: "papers" }, ...broken.map((p) => h("li", {}, `${t("papers-unreadable")} (${p.id.slice(0, 8)})`))));
  }
  void refreshPapers();
  return main;
}

/** Asks the server, each time « Mes papiers » is shown, whether her list changed
 *  (a paper added from her phone, one deleted elsewhere): with the tag of what the
 *  page holds, an unchanged list costs one short answer (304) and nothing is
 *  decrypted again. The list is redrawn only if it changed, and only for the same
 *  session; offline, the list shown stays. */
let refreshing = false;
async function refreshPapers(): Promise<void> {
  if (refreshing) return;
  refreshing = true;
  const generation = vault.currentGeneration();
  const before = papers;
  try {
    const fresh = await vault.papers();
    // Another session since, or the list replaced meanwhile (a paper added or
    // deleted here): this older answer must not put the old list back.
    if (vault.currentGeneration() !== generation || papers !== before) return;
    const ids = new Set(papers.map((p) => p.id));
    const changed = fresh.length !== papers.length || fresh.some((p) => !ids.has(p.id));
    papers = fresh;
    if (changed && screen.name === "papers") render();
  } catch {
    // Offline or refused: what she sees stays; the next action says why.
  } finally {
    refreshing = false;
  }
}

const MIME_OF_EXTENSION: Record<string, string> = {
  pdf: "application/pdf",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  heic: "image/heic",
  webp: "image/webp",
  txt: "text/plain",
};

/** What she chose and typed on « Ajouter un document », kept when an attempt fails so
 *  that trying again is one tap (the file stays in memory, in this tab only). */
interface Draft {
  file: File | null;
  title: string;
  category: string;
  issued: string;
  expires: string;
}

function addScreen(error?: string, draft?: Draft): HTMLElement {
  const status = h("p", { role: "status", class: "hint" });
  const bar = h("progress", { id: "progress", max: "100", value: "0", hidden: true, "aria-label": t("add-progress") });
  const title = h("input", { id: "title", name: "title", required: true, maxlength: "200" });
  const fill = (input: HTMLInputElement) => {
    const f = input.files?.[0];
    if (f && !title.value) title.value = f.name.replace(/\.[^.]+$/, "");
  };
  const file = h("input", {
    id: "file",
    name: "file",
    type: "file",
    accept: "application/pdf,image/*",
    change: () => fill(file),
  });
  const photo = h("input", {
    id: "photo",
    name: "photo",
    type: "file",
    accept: "image/*",
    capture: "environment",
    change: () => fill(photo),
  });
  const category = h(
    "select",
    { id: "category", name: "category" },
    ...CATEGORIES.map((c) => h("option", { value: c }, t(`cat-${c}`))),
  );
  const form = h(
    "form",
    {
      submit: async (e) => {
        e.preventDefault();
        const chosen = photo.files?.[0] ?? file.files?.[0];
        const data = new FormData(form);
        const typed: Draft = {
          file: chosen ?? null,
          title: String(data.get("title") ?? ""),
          category: String(data.get("category") ?? "other"),
          issued: String(data.get("issued") ?? ""),
          expires: String(data.get("expires") ?? ""),
        };
        if (!chosen) return go({ name: "add", error: t("add-no-file"), draft: typed });
        const ext = chosen.name.split(".").pop()?.toLowerCase() ?? "";
        const mime = chosen.type || MIME_OF_EXTENSION[ext] || "application/octet-stream";
        const button = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
        button.disabled = true;
        bar.hidden = false;
        status.textContent = t("add-working");
        try {
          await vault.addPaper(
            chosen,
            {
              title: String(data.get("title")).trim(),
              category: String(data.get("category")),
              issued: String(data.get("issued") ?? "") || undefined,
              expires: String(data.get("expires") ?? "") || undefined,
              mime,
            },
            (done, total) => {
              bar.value = total > 0 ? Math.floor((100 * done) / total) : 100;
            },
          );
          papers = await vault.papers();
          go({ name: "papers" });
        } catch (err) {
          fail(err, { name: "add", draft: typed });
        }
      },
    },
    h("label", { for: "file" }, t("add-file")),
    file,
    h("label", { for: "photo" }, t("add-photo")),
    photo,
    h("label", { for: "title" }, t("add-title")),
    title,
    h("label", { for: "category" }, t("add-category")),
    category,
    h("label", { for: "issued" }, t("add-issued")),
    h("input", { id: "issued", name: "issued", type: "date", value: draft?.issued ?? "" }),
    h("label", { for: "expires" }, t("add-expires")),
    h("input", { id: "expires", name: "expires", type: "date", value: draft?.expires ?? "" }),
    h("button", { type: "submit", class: "primary" }, t("add-submit")),
  );
  if (draft) {
    title.value = draft.title;
    category.value = draft.category;
    if (draft.file) {
      const chosen = new DataTransfer();
      chosen.items.add(draft.file);
      file.files = chosen.files;
    }
  }
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, t("add-title-page")),
    alert(error),
    form,
    bar,
    status,
    h("p", {}, h("a", { href: "#", click: (e) => (e.preventDefault(), go({ name: "papers" })) }, t("doc-back"))),
  );
}

const EXTENSIONS: Record<string, string> = {
  "application/pdf": ".pdf",
  "image/jpeg": ".jpg",
  "image/png": ".png",
  "image/heic": ".heic",
  "image/webp": ".webp",
  "text/plain": ".txt",
};

function fileName(meta: vault.DocumentMeta): string {
  const clean = meta.title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_").trim() || "document";
  const ext = EXTENSIONS[meta.mime] ?? "";
  return clean.toLowerCase().endsWith(ext) ? clean : clean + ext;
}

/** A button that runs `act` once (disabled meanwhile); a failure comes back to `here`
 *  with its sentence. */
function actionButton(label: string, cls: string, here: Screen, act: () => Promise<void>): HTMLButtonElement {
  const button: HTMLButtonElement = h(
    "button",
    {
      type: "button",
      class: cls,
      click: async () => {
        button.disabled = true;
        try {
          await act();
        } catch (err) {
          fail(err, here);
        }
      },
    },
    label,
  );
  return button;
}

/** Blob URLs shown in the page, revoked when the screen changes. */
let shown: string[] = [];

/** Hands `blob` to the browser as a file to save; its URL is revoked soon after (and
 *  when the screen changes, whichever comes first). */
function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  shown.push(url);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function paperScreen(paper: vault.Paper, error?: string, confirm?: boolean): HTMLElement {
  const meta = paper.meta!;
  const { status, preview, download: button, look } = openers(meta, () => vault.fetchPaper(paper), { name: "paper", paper });
  const remove = confirm
    ? h(
        "div",
        { class: "confirm", role: "group", "aria-labelledby": "confirm-text" },
        h("p", { id: "confirm-text" }, t("doc-delete-confirm", { title: meta.title })),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            click: async () => {
              try {
                await vault.deletePaper(paper);
                papers = await vault.papers();
                go({ name: "papers" });
              } catch (err) {
                fail(err, { name: "paper", paper });
              }
            },
          },
          t("doc-delete-yes"),
        ),
        h("button", { type: "button", class: "secondary", click: () => go({ name: "paper", paper }) }, t("doc-delete-no")),
      )
    : h("button", { type: "button", class: "secondary", click: () => go({ name: "paper", paper, confirm: true }) }, t("doc-delete"));
  return h(
    "main",
    {},
    h("h1", { tabindex: "-1" }, meta.title),
    alert(error),
    h(
      "ul",
      { class: "facts" },
      h("li", {}, t("doc-category", { category: t(`cat-${meta.category}`) })),
      meta.issued ? h("li", {}, t("doc-issued", { date: date(meta.issued) })) : null,
      meta.expires ? h("li", {}, expiryNote(meta)!) : null,
      h("li", {}, t("doc-size", { size: size(meta.size) })),
    ),
    button,
    h(
      "div",
      { class: "actions" },
      look,
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          click: () =>
            go({
              name: "share",
              draft: { documents: [paper.id], mediator: "", code: "", purpose: "", duration: "hour" },
            }),
        },
        t("share-link"),
      ),
      remove,
    ),
    status,
    preview,
    h("p", {}, h("a", { href: "#", click: (e) => (e.preventDefault(), go({ name: "papers" })) }, t("doc-back"))),
  );
}

/** The camera, while a kit is being scanned: stopped whenever the screen changes. */
let stopScan: (() => void) | null = null;

function stopScanning(): void {
  stopScan?.();
  stopScan = null;
}

function render(): void {
  stopScanning();
  for (const url of shown) URL.revokeObjectURL(url);
  shown = [];
  const main =
    screen.name === "home"
      ? home()
      : screen.name === "create"
        ? create(screen.error)
        : screen.name === "kit"
          ? kitScreen(screen.kit, screen.user)
          : screen.name === "recover"
            ? recoverScreen(screen.error)
          : screen.name === "login"
        ? login(screen.error)
        : screen.name === "papers"
          ? papersScreen(screen.error)
          : screen.name === "add"
            ? addScreen(screen.error, screen.draft)
          : screen.name === "account"
            ? accountScreen(screen.error, screen.done)
          : screen.name === "passphrase"
            ? passphraseScreen(screen.error)
          : screen.name === "delete-account"
            ? deleteAccountScreen(screen.error)
          : screen.name === "export"
            ? exportScreen(screen.error, screen.ready)
          : screen.name === "history"
            ? historyScreen()
          : screen.name === "share"
            ? shareScreen(screen.error, screen.draft)
          : screen.name === "share-confirm"
            ? shareConfirmScreen(screen.draft, screen.card, screen.error)
          : screen.name === "receipt"
            ? receiptScreen(screen.shared, screen.card)
          : screen.name === "grants"
            ? grantsScreen(screen.error, screen.done)
          : screen.name === "requests"
            ? requestsScreen(screen.error, screen.done)
          : screen.name === "mediator-space"
            ? mediatorSpaceScreen()
          : screen.name === "activate"
            ? activateScreen(screen.error)
          : screen.name === "mediator"
            ? mediatorScreen(screen.error, screen.done)
          : screen.name === "accompany"
            ? accompanyScreen()
          : screen.name === "resume"
            ? resumeScreen(screen.error)
          : screen.name === "shared-paper"
            ? sharedPaperScreen(screen.paper, screen.error)
          : screen.name === "ask"
            ? askScreen(screen.error, screen.done)
          : screen.name === "operator-login"
            ? operatorLoginScreen(screen.error)
          : screen.name === "operator"
            ? operatorScreen(screen.error, screen.done)
          : screen.name === "letter"
            ? letterScreen(screen.letter)
          : screen.name === "deleted"
            ? deletedScreen(screen.documents)
            : paperScreen(screen.paper, screen.error, screen.confirm);
  app.replaceChildren(header(), main);
  document.title = `${main.querySelector("h1")?.textContent ?? ""} — ${t("app-name")}`;
  const focus = main.querySelector<HTMLElement>("[role=alert]") ?? main.querySelector<HTMLElement>("h1");
  focus?.focus();
}

// 15 minutes without a key or a touch: everything is forgotten, with a warning at 13
// (a button to stay), as on the structure's shared computer.
const IDLE_MS = 15 * 60 * 1000;
const WARN_MS = 13 * 60 * 1000;
let idle: ReturnType<typeof setTimeout> | undefined;
let warn: ReturnType<typeof setTimeout> | undefined;
let warning: HTMLElement | null = null;
function activity(): void {
  clearTimeout(idle);
  clearTimeout(warn);
  warning?.remove();
  warning = null;
  if (!signedIn()) return;
  warn = setTimeout(() => {
    warning = h(
      "div",
      { role: "alert", class: "idle" },
      h("p", {}, t("idle-warning")),
      h("button", { type: "button", class: "secondary", click: activity }, t("idle-stay")),
    );
    document.body.prepend(warning);
  }, WARN_MS);
  idle = setTimeout(() => {
    warning?.remove();
    warning = null;
    // Left alone: everything goes, the mediator's session too.
    if (signedIn()) {
      operator.forget();
      papers = [];
      void vault.leave().then(() => go({ name: "home" }));
    }
  }, IDLE_MS);
}
for (const event of ["pointerdown", "keydown"]) addEventListener(event, activity, { passive: true });
// Leaving the page (closed, reloaded, or another site in this tab) forgets the
// operator's token and empties the screen (the vault forgets its keys itself): a page
// brought back by « Précédent » shows nothing of what was on it.
addEventListener("pagehide", () => {
  operator.forget();
  stopScanning();
  for (const url of shown) URL.revokeObjectURL(url);
  shown = [];
  papers = [];
  screen = { name: "home" };
  app.replaceChildren();
});
addEventListener("pageshow", (e) => {
  if (e.persisted) render();
});

function supported(): boolean {
  return typeof WebAssembly === "object" && !!globalThis.crypto?.getRandomValues && !!globalThis.crypto?.subtle;
}

const preferred = (navigator.language || "fr").slice(0, 2);
setLang(preferred === "en" || preferred === "ar" ? preferred : "fr");
if (!supported()) {
  app.replaceChildren(h("main", {}, h("h1", {}, t("app-name")), h("p", { role: "alert" }, t("error-unsupported"))));
} else {
  render();
  activity();
}
