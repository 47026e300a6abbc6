// A citizen's vault in this tab: log in (Argon2id in a worker, the identity opened
// here), list her papers (each seal checked against her own key, titles opened
// here), fetch and decrypt one. Keys and plaintexts live in memory only; `leave`
// forgets them.

import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { sha256 } from "@noble/hashes/sha2.js";
import { ApiError, base, call, callTagged, setSlot, streamsRequests } from "./api";
import type { Job } from "./payload.worker";
import { base64, fromBase64, fromUtf8, hex, utf8, wipe } from "./crypto/bytes";
import * as identity from "./crypto/identity";
import { authKey, kek, open, seal, wrapAad, type KdfParams } from "./crypto/passphrase";
import * as recovery from "./crypto/recovery";
import { sealCanonical } from "./crypto/seal";
import { codeMatches, safetyCode } from "./crypto/safety";
import { grantCanonical, purposeAcceptable, type Grant } from "./crypto/grant";
import {
  JournalRefused,
  leafHash,
  verifyCheckpoint,
  verifyConsistency,
  verifyEntries,
  verifyRestoreNotice,
  type JournalPage,
  type ProvedEntry,
  type VerifiedEntry,
} from "./crypto/journal";
import type { KdfJob } from "./kdf.worker";

interface WirePublicKeys {
  age_recipient: string;
  signing_key: string;
  binding: string;
}

interface SessionResponse {
  user: string;
  role: "citizen" | "mediator";
  token: string;
  expires_ms: number;
  keys: WirePublicKeys;
  wrapped_identity: { nonce: string; ciphertext: string };
  kdf: KdfParams;
}

interface DocumentRecord {
  id: string;
  size: number;
  added_ms: number;
  meta: string;
  envelope: string;
  owner: string;
  payload_sha256: string;
  envelope_sha256: string;
  signature: string;
}

export interface DocumentMeta {
  title: string;
  category: string;
  issued?: string;
  expires?: string;
  mime: string;
  size: number;
  sha256: string;
}

export interface Paper {
  id: string;
  added_ms: number;
  /** `null` when its seal does not verify or it cannot be opened. */
  meta: DocumentMeta | null;
  record: DocumentRecord;
}

export interface Session {
  user: string;
  role: "citizen" | "mediator";
  identity: identity.Identity;
  keys: identity.PublicKeys;
  origin: string;
  /** The journal's verifier key, checked at log-in (her kit's, after a recovery). */
  vkey: string;
  /** Her identity as the server keeps it, sealed under her passphrase's KEK: lets
   *  this tab check a passphrase without asking the server. */
  wrapped: { nonce: string; ciphertext: string };
}

let session: Session | null = null;

export function current(): Session | null {
  return session;
}

/** One job in the key worker (`kdf.worker.ts`): its answer, or its error. */
function inKeyWorker<T>(job: KdfJob): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./kdf.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<{ root?: Uint8Array; sealed?: Uint8Array[]; error?: string }>) => {
      worker.terminate();
      const answer = e.data.root ?? e.data.sealed;
      if (answer) resolve(answer as T);
      else reject(new Error(e.data.error ?? job.kind));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(job);
  });
}

/** Argon2id in a worker, so the page can say what it is doing meanwhile. */
function deriveInWorker(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<Uint8Array> {
  return inKeyWorker<Uint8Array>({ kind: "derive", passphrase, salt, kdf });
}

/** Seals each item with her passphrase (age scrypt) in a worker: an export's files. */
function sealInWorker(passphrase: string, items: Uint8Array[]): Promise<Uint8Array[]> {
  return inKeyWorker<Uint8Array[]>({ kind: "seal", passphrase, items });
}

/** Bounds a server could use to make this device spend all its memory. */
function acceptable(kdf: KdfParams): boolean {
  return kdf.m_kib >= 64 * 1024 && kdf.m_kib <= 1024 * 1024 && kdf.t >= 3 && kdf.t <= 16 && kdf.p >= 1 && kdf.p <= 8;
}

export class WrongKeys extends Error {}

/** The parameters a new vault's passphrase is derived with (`KdfParams::DEFAULT`). */
const NEW_KDF: KdfParams = { m_kib: 64 * 1024, t: 3, p: 1 };

/** What a new vault hands back: the session, and the kit to print or save. */
export interface Created {
  session: Session;
  kit: string;
}

/** `dd/mm/yyyy`, as the CLI dates its kits. */
function today(): string {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/**
 * Opens a citizen's vault: identity and recovery key made here, the passphrase
 * derived here (in a worker), only public keys, sealed envelopes and derived auth
 * keys sent. The kit records the journal's key, as the CLI's does.
 */
export async function register(user: string, passphrase: string, invitation?: string): Promise<Created> {
  return createAccount(user, passphrase, (account) =>
    call<SessionResponse>("POST", "/v1/accounts", { ...account, ...(invitation ? { invitation } : {}) }),
  );
}

/**
 * Activates a mediator's account with the one-time code the operator gave her: her
 * keys made here as a citizen's are (`coffre enrol`).
 */
export async function enrol(code: string, user: string, passphrase: string): Promise<Created> {
  return createAccount(user, passphrase, (account) =>
    call<SessionResponse>("POST", "/v1/enrol", { code: code.trim(), account }),
  );
}

async function createAccount(
  user: string,
  passphrase: string,
  send: (account: Record<string, unknown>) => Promise<SessionResponse>,
): Promise<Created> {
  const id = await identity.generate();
  const keys = await identity.publicKeys(id);
  const rk = await recovery.generateRecovery();
  const answer = await send({
    user,
    keys: wireKeys(keys),
    passphrase: await passphraseCredentials(user, passphrase, id),
    recovery: await recoveryCredentials(rk, id),
  });
  return opened(answer, user, id, keys, rk, null);
}

function wireKeys(keys: identity.PublicKeys): WirePublicKeys {
  return {
    age_recipient: keys.age_recipient,
    signing_key: base64(keys.signing_key),
    binding: base64(keys.binding),
  };
}

/** A new salt, the passphrase derived here, the identity sealed under its KEK. */
async function passphraseCredentials(user: string, passphrase: string, id: identity.Identity) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const root = await deriveInWorker(passphrase, salt, NEW_KDF);
  const auth = authKey(root);
  const key = kek(root);
  wipe(root);
  const wrapped = seal(key, identity.toBundle(id), wrapAad(user, NEW_KDF));
  wipe(key);
  const out = {
    salt: base64(salt),
    kdf: NEW_KDF,
    auth_key: base64(auth),
    wrapped_identity: { nonce: base64(wrapped.nonce), ciphertext: base64(wrapped.ciphertext) },
  };
  wipe(auth);
  return out;
}

async function recoveryCredentials(rk: recovery.RecoveryKey, id: identity.Identity) {
  return {
    recipient: await recovery.recipient(rk),
    envelope: base64(await recovery.sealBundle(rk, identity.toBundle(id))),
    auth_key: base64(recovery.recoveryAuthKey(rk)),
  };
}

/**
 * The session the server answered, checked (her name, her keys), with a new kit
 * recording the journal's key. `expectedJournal`: the key an old kit recorded; a
 * server that now presents another journal is refused.
 */
async function opened(
  answer: SessionResponse,
  user: string,
  id: identity.Identity,
  keys: identity.PublicKeys,
  rk: recovery.RecoveryKey,
  expectedJournal: string | null,
): Promise<Created> {
  if (answer.user !== user || answer.keys.age_recipient !== keys.age_recipient) {
    await leave();
    throw new WrongKeys("keys");
  }
  const info = await journalKey();
  if (expectedJournal && expectedJournal !== info.vkey) {
    await leave();
    throw new JournalChanged();
  }
  session = sessionOf(answer, user, id, keys, info);
  const kit = recovery.toKit(rk, { user, server: location.origin, journal: info.vkey }, today());
  return { session, kit };
}

/** This tab's session, from a checked answer and the journal key checked with it. */
function sessionOf(
  answer: SessionResponse,
  user: string,
  id: identity.Identity,
  keys: identity.PublicKeys,
  journal: { origin: string; vkey: string },
): Session {
  return {
    user,
    role: answer.role,
    identity: id,
    keys,
    origin: journal.origin,
    vkey: journal.vkey,
    wrapped: answer.wrapped_identity,
  };
}

/** The journal's key, whose name must be the origin announced with it. */
async function journalKey(): Promise<{ origin: string; vkey: string }> {
  const info = await call<{ origin: string; vkey: string }>("GET", "/v1/journal/key");
  if (info.vkey.split("+")[0] !== info.origin) throw new WrongKeys("journal key");
  return info;
}

/** The server presents another journal than the one her kit recorded. */
export class JournalChanged extends Error {}

/** The kit does not open this vault (another person's, or mistyped). */
export class BadKit extends Error {}

/**
 * Sets a new passphrase with the recovery kit (typed, pasted or loaded from its
 * file): the kit's key opens the identity's recovery envelope here; a new kit
 * replaces it. No document is re-encrypted.
 */
export async function recover(kitText: string, user: string, passphrase: string): Promise<Created> {
  let kit: { key: recovery.RecoveryKey; info: recovery.KitInfo };
  try {
    kit = recovery.fromKit(kitText);
  } catch {
    throw new BadKit("kit");
  }
  if (kit.info.user && kit.info.user !== user) throw new BadKit("user");
  const auth = base64(recovery.recoveryAuthKey(kit.key));
  const env = await call<{ envelope: string; keys: WirePublicKeys }>("POST", "/v1/recovery/envelope", {
    user,
    recovery_auth_key: auth,
  });
  let id: identity.Identity;
  try {
    id = identity.fromBundle(await recovery.openBundle(kit.key, fromBase64(env.envelope)));
  } catch {
    throw new BadKit("envelope");
  }
  const keys = await identity.publicKeys(id);
  if (keys.age_recipient !== env.keys.age_recipient || base64(keys.signing_key) !== env.keys.signing_key) {
    throw new WrongKeys("keys");
  }
  // The journal her kit recorded must be the one presented, before anything changes.
  if (kit.info.journal && (await journalKey()).vkey !== kit.info.journal) throw new JournalChanged();
  const next = await recovery.generateRecovery();
  const answer = await call<SessionResponse>("POST", "/v1/recovery", {
    user,
    recovery_auth_key: auth,
    passphrase: await passphraseCredentials(user, passphrase, id),
    recovery: await recoveryCredentials(next, id),
  });
  return opened(answer, user, id, keys, next, kit.info.journal || null);
}

export async function login(user: string, passphrase: string): Promise<Session> {
  const pre = await call<{ salt: string; kdf: KdfParams }>("POST", "/v1/prelogin", { user });
  if (!acceptable(pre.kdf)) throw new WrongKeys("kdf");
  const root = await deriveInWorker(passphrase, fromBase64(pre.salt), pre.kdf);
  const auth = authKey(root);
  const key = kek(root);
  wipe(root);
  let answer: SessionResponse;
  try {
    answer = await call<SessionResponse>("POST", "/v1/sessions", { user, auth_key: base64(auth) });
  } catch (e) {
    wipe(key);
    throw e;
  } finally {
    wipe(auth);
  }
  try {
    // The server must not choose the name, nor the keys.
    if (answer.user !== user) throw new WrongKeys("user");
    const bundle = open(
      key,
      {
        nonce: fromBase64(answer.wrapped_identity.nonce),
        ciphertext: fromBase64(answer.wrapped_identity.ciphertext),
      },
      wrapAad(user, answer.kdf),
    );
    const id = identity.fromBundle(bundle);
    const keys = await identity.publicKeys(id);
    if (
      keys.age_recipient !== answer.keys.age_recipient ||
      base64(keys.signing_key) !== answer.keys.signing_key
    ) {
      throw new WrongKeys("keys");
    }
    session = sessionOf(answer, user, id, keys, await journalKey());
    return session;
  } catch (e) {
    await leave();
    throw e;
  } finally {
    wipe(key);
  }
}

/** Forgets everything in this tab (the server already ended the session). */
export function forget(): void {
  if (session) wipe(session.identity.signingSeed);
  session = null;
  listing = null;
  seenJournal = new Map();
  generation += 1;
}

/** Counts the sessions this tab has forgotten: work begun under one session (a
 *  download, an export) checks it is still the same before it shows or saves
 *  anything, so nothing of hers appears after « Quitter » or the idle logout. */
let generation = 0;

export function currentGeneration(): number {
  return generation;
}

/** The journal as this tab last verified it (for the session's own user): the next
 *  check must extend it (consistency proof), never shrink it. */
let seenJournal: Map<string, { size: number; root: Uint8Array; entries: number; head: string }> = new Map();

/** Ends the session on the server, whatever this tab believes (a cookie may have
 *  been set by an answer the page then refused). Never waits long. */
function endOnServer(keepalive = false, accompanied = false): Promise<unknown> {
  return fetch("/v1/sessions/current", {
    method: "DELETE",
    headers: { "X-Coffre-Client": "web", "X-Coffre-CSRF": "1", ...(accompanied ? { "X-Coffre-Slot": "accompanied" } : {}) },
    credentials: "same-origin",
    keepalive,
    signal: AbortSignal.timeout(3000),
  }).catch(() => undefined);
}

/** Forgets everything in this tab first, then ends the session(s) on the server. */
export async function leave(): Promise<void> {
  const accompanied = held !== null;
  forget();
  if (held) wipe(held.identity.signingSeed);
  held = null;
  setSlot(null);
  await Promise.all([endOnServer(), accompanied ? endOnServer(false, true) : undefined]);
}

/** The mediator's session, set aside while a citizen she accompanies is logged in. */
let held: Session | null = null;

export function accompanying(): boolean {
  return held !== null;
}

/** The mediator's name, while she accompanies a citizen. */
export function companion(): string | null {
  return held?.user ?? null;
}

/** « Session accompagnée »: the mediator's session is set aside (kept, not shown);
 *  the next log-in is the citizen's, in its own cookie. */
export function beginAccompanied(): void {
  if (!session || held) return;
  held = session;
  session = null;
  setSlot("accompanied");
}

/** The accompanied citizen leaves: everything of hers forgotten here, her session
 *  ended on the server. The mediator's stays set aside until she proves it is her
 *  (`resumeMediator`): whoever has the keyboard now must not get it by a click. */
export async function endAccompanied(): Promise<void> {
  if (!held) return;
  forget();
  await endOnServer(false, true);
  setSlot(null);
}

/** Whether a mediator's session waits for her passphrase (after an accompanied one). */
export function awaitingMediator(): string | null {
  return held && !session ? held.user : null;
}

/** Gives the mediator's session back once her passphrase opens her sealed identity
 *  (checked here, as for an export); a wrong one leaves it set aside. */
export async function resumeMediator(passphrase: string): Promise<Session> {
  const h = held;
  if (!h || session) throw new Error("nothing to resume");
  await checkPassphrase(h, passphrase);
  session = h;
  held = null;
  return h;
}

// A tab closed or reloaded ends its session too (the cookie would otherwise stay
// usable until the browser quits).
addEventListener("pagehide", () => {
  const accompanied = held !== null;
  forget();
  if (held) wipe(held.identity.signingSeed);
  held = null;
  void endOnServer(true);
  if (accompanied) void endOnServer(true, true);
});

async function openAge(secret: string, bytes: Uint8Array): Promise<Uint8Array> {
  const d = new Decrypter();
  d.addIdentity(secret);
  return d.decrypt(bytes);
}

/** Her papers, each checked against her own signature before its title is shown. */
export async function papers(): Promise<Paper[]> {
  const s = session;
  if (!s) return [];
  // Listings answered out of order (a refresh begun before an upload and ended
  // after it) must not put an older list back: only the latest one is kept.
  const asked = ++listingsAsked;
  const kept = listing?.owner === s ? listing : null;
  const fresh = await callTagged<DocumentRecord[]>("/v1/documents", kept?.tag ?? null);
  if (fresh === null && kept) return kept.papers.slice();
  const records = fresh?.body ?? [];
  const opened = await Promise.all(
    records.map(async (record): Promise<Paper> => {
      try {
        const meta = await openMeta(s, record);
        return { id: record.id, added_ms: record.added_ms, meta, record };
      } catch {
        return { id: record.id, added_ms: record.added_ms, meta: null, record };
      }
    }),
  );
  // Kept for this session only, in memory: the next listing whose tag the server
  // says is current costs neither the records nor their decryption.
  if (session === s && asked === listingsAsked) {
    listing = fresh?.tag ? { owner: s, tag: fresh.tag, papers: opened } : null;
  }
  return opened.slice();
}

/** Listings asked so far in this tab (see [`papers`]). */
let listingsAsked = 0;

/** Her papers as last listed and opened, with the server's tag for them. */
let listing: { owner: Session; tag: string; papers: Paper[] } | null = null;

async function documentKey(s: Session, record: DocumentRecord): Promise<string> {
  const envelope = fromBase64(record.envelope);
  const canonical = sealCanonical({
    origin: s.origin,
    id: record.id,
    owner: record.owner,
    size: record.size,
    payload_sha256: record.payload_sha256,
    meta_sha256: hex(sha256(fromBase64(record.meta))),
    envelope_sha256: hex(sha256(envelope)),
  });
  if (record.owner !== s.user || !identity.verify(s.keys.signing_key, canonical, fromBase64(record.signature))) {
    throw new Error("seal");
  }
  return fromUtf8(await openAge(s.identity.age, envelope)).trim();
}

async function openMeta(s: Session, record: DocumentRecord): Promise<DocumentMeta> {
  const key = await documentKey(s, record);
  return JSON.parse(fromUtf8(await openAge(key, fromBase64(record.meta)))) as DocumentMeta;
}

export class Integrity extends Error {}

/** The decrypted document, checked against the hash sealed in its metadata. */
export async function fetchPaper(paper: Paper): Promise<Blob> {
  const s = session;
  if (!s || !paper.meta) throw new Integrity("no session");
  const key = await documentKey(s, paper.record);
  const got = await inWorker<Decrypted>({
    kind: "decrypt",
    path: `/v1/documents/${paper.id}/content`,
    key,
    mime: paper.meta.mime || "application/octet-stream",
    headers: base(),
    keep: "plain",
  });
  // The bytes she signed (ciphertext hash and size), and the plaintext sealed in
  // the metadata (hash and size), as the CLI checks them.
  if (
    got.cipherSha256 !== paper.record.payload_sha256 ||
    got.cipherBytes !== paper.record.size ||
    got.plainSha256 !== paper.meta.sha256 ||
    got.plainBytes !== paper.meta.size
  ) {
    throw new Integrity("sha256");
  }
  return got.blob;
}

interface Encrypted {
  uploaded: { upload: string; size: number; document: string; payload_sha256: string };
  payloadSha256: string;
  sent: number;
  plainSha256: string;
  plainBytes: number;
}

interface Decrypted {
  blob: Blob;
  cipherSha256: string;
  cipherBytes: number;
  plainSha256: string;
  plainBytes: number;
}

/** Runs a paper's encryption or decryption in a worker; its refusals as `ApiError`. */
function inWorker<T>(job: Job, progress?: (done: number, total: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./payload.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data;
      if (m.progress !== undefined) {
        progress?.(m.progress, m.total);
        return;
      }
      worker.terminate();
      if (m.fault) reject(new ApiError(m.fault.status, m.fault.code, m.fault.message));
      else resolve(m as T);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(job);
  });
}

/** Refused before anything is sent: over the deployment's size limit (in MiB). */
export class TooLarge extends Error {
  constructor(readonly maxMiB: number) {
    super("document_too_large");
  }
}

/** The save may have happened: look at the list before trying again. */
export class InDoubt extends Error {}

/** Refused before anything is sent: a file of 0 bytes. */
export class EmptyFile extends Error {}

/** Refused before anything is sent: the vault is full. */
export class VaultFull extends Error {}

interface Account {
  usage: { documents: number; bytes: number };
  quota: { documents: number; bytes: number; max_document_bytes: number };
}

/** An upper bound of the age file a plaintext becomes (`ciphertext_bound`). */
function ciphertextBound(plain: number): number {
  const chunk = 64 * 1024;
  const chunks = Math.max(1, Math.ceil(plain / chunk));
  return 512 + plain + chunks * 16;
}

export interface NewPaper {
  title: string;
  category: string;
  issued?: string;
  expires?: string;
  mime: string;
}

async function sealTo(recipientString: string, bytes: Uint8Array): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(recipientString);
  return e.encrypt(bytes);
}


/**
 * Encrypts `file` here while it streams up (memory stays bounded where the browser
 * streams request bodies), then commits it with its sealed metadata, the owner
 * envelope and her signature of the seal: what the CLI's `add` does.
 */
export async function addPaper(
  file: Blob,
  doc: NewPaper,
  progress: (done: number, total: number) => void,
): Promise<string> {
  const s = session;
  if (!s) throw new Error("no session");
  // A failed scan or an interrupted copy, never a paper to keep (the CLI, for
  // scripts, still stores what it is given).
  if (file.size === 0) throw new EmptyFile();
  const account = await call<Account>("GET", "/v1/account");
  if (ciphertextBound(file.size) > account.quota.max_document_bytes) {
    throw new TooLarge(Math.ceil(account.quota.max_document_bytes / (1024 * 1024)));
  }
  if (account.usage.documents >= account.quota.documents || account.usage.bytes + file.size > account.quota.bytes) {
    throw new VaultFull();
  }
  const key = await generateX25519Identity();
  const keyRecipient = await identityToRecipient(key);
  const result = await inWorker<Encrypted>(
    { kind: "encrypt", file, recipient: keyRecipient, headers: base(), streams: streamsRequests },
    progress,
  );
  const { uploaded, payloadSha256, sent } = result;
  // She signs what she sent, not what the server says it received; the ids it
  // hands out go into the signed text, so they must be ids.
  const anId = /^[0-9a-f]{32}$/;
  if (
    uploaded.payload_sha256 !== payloadSha256 ||
    uploaded.size !== sent ||
    !anId.test(uploaded.document) ||
    !anId.test(uploaded.upload)
  ) {
    throw new Integrity("upload");
  }
  const meta: DocumentMeta = {
    title: doc.title,
    category: doc.category,
    ...(doc.issued ? { issued: doc.issued } : {}),
    ...(doc.expires ? { expires: doc.expires } : {}),
    mime: doc.mime,
    size: result.plainBytes,
    sha256: result.plainSha256,
  };
  const sealedMeta = await sealTo(keyRecipient, utf8(JSON.stringify(meta)));
  const ownerEnvelope = await sealTo(s.keys.age_recipient, utf8(`${key}\n`));
  const canonical = sealCanonical({
    origin: s.origin,
    id: uploaded.document,
    owner: s.user,
    size: sent,
    payload_sha256: payloadSha256,
    meta_sha256: hex(sha256(sealedMeta)),
    envelope_sha256: hex(sha256(ownerEnvelope)),
  });
  // Past this point the server may have saved the paper even if no answer comes
  // back: she is told so, not that nothing happened.
  const done = await call<{ id: string }>("POST", "/v1/documents", {
    upload: uploaded.upload,
    meta: base64(sealedMeta),
    owner_envelope: base64(ownerEnvelope),
    signature: base64(identity.sign(s.identity, canonical)),
  }).catch((e) => {
    if (e instanceof ApiError && (e.code === "server_unreachable" || e.code === "write_in_doubt")) {
      throw new InDoubt("commit");
    }
    throw e;
  });
  if (done.id !== uploaded.document) throw new Integrity("id");
  return done.id;
}

/** Deletes a paper (the server journals it, then removes its record and its blobs). */
export async function deletePaper(paper: Paper): Promise<void> {
  await call("DELETE", `/v1/documents/${paper.id}`);
}

/** The auth key of `passphrase` for this account (to confirm an irreversible act). */
async function authKeyOf(user: string, passphrase: string): Promise<string> {
  const pre = await call<{ salt: string; kdf: KdfParams }>("POST", "/v1/prelogin", { user });
  if (!acceptable(pre.kdf)) throw new WrongKeys("kdf");
  const root = await deriveInWorker(passphrase, fromBase64(pre.salt), pre.kdf);
  const auth = authKey(root);
  wipe(root);
  const out = base64(auth);
  wipe(auth);
  return out;
}

/** A new passphrase: the identity sealed anew here; other sessions end. */
export async function changePassphrase(current: string, next: string): Promise<void> {
  const s = session;
  if (!s) throw new Error("no session");
  const request = {
    current_auth_key: await authKeyOf(s.user, current),
    passphrase: await passphraseCredentials(s.user, next, s.identity),
  };
  const answer = await call<SessionResponse>("PUT", "/v1/account/passphrase", request);
  if (answer.user !== s.user) throw new WrongKeys("user");
  s.wrapped = answer.wrapped_identity;
}

/** Deletes the account and every paper, after her passphrase. */
export async function deleteAccount(passphrase: string): Promise<{ documents: number }> {
  const s = session;
  if (!s) throw new Error("no session");
  const report = await call<{ documents: number }>("POST", "/v1/account/delete", {
    auth_key: await authKeyOf(s.user, passphrase),
  });
  wipe(s.identity.signingSeed);
  session = null;
  return report;
}

/** Her safety code, for a mediator to compare in person. */
export function safetyCodeOf(s: Session): string {
  return safetyCode(s.user, s.keys);
}

/** Checks her passphrase here: its KEK must open her sealed identity. */
async function checkPassphrase(s: Session, passphrase: string): Promise<void> {
  const pre = await call<{ salt: string; kdf: KdfParams }>("POST", "/v1/prelogin", { user: s.user });
  if (!acceptable(pre.kdf)) throw new WrongKeys("kdf");
  const root = await deriveInWorker(passphrase, fromBase64(pre.salt), pre.kdf);
  const key = kek(root);
  wipe(root);
  try {
    open(key, { nonce: fromBase64(s.wrapped.nonce), ciphertext: fromBase64(s.wrapped.ciphertext) }, wrapAad(s.user, pre.kdf));
  } finally {
    wipe(key);
  }
}

/** How long after a restore « Mes papiers » says so. */
const RESTORE_SHOWN_MS = 90 * 24 * 3600 * 1000;

/**
 * The latest restore of this service from a backup in the last 90 days, from a
 * notice signed by the journal key this session checked at log-in; null if none.
 * The page keeps nothing between visits, so it cannot tell which papers were lost
 * (the CLI can): it says when, and what to do.
 */
export async function recentRestore(): Promise<{ backup_ms: number; restored_ms: number } | null> {
  const s = session;
  if (!s) return null;
  const list = await call<{ notices: string[] }>("GET", "/v1/journal/restore-notices");
  let latest: { backup_ms: number; restored_ms: number } | null = null;
  for (const note of list.notices) {
    try {
      const n = verifyRestoreNotice(note, s.vkey);
      if (n.origin !== s.origin || Date.now() - n.restored_ms > RESTORE_SHOWN_MS) continue;
      if (!latest || n.restored_ms > latest.restored_ms) latest = { backup_ms: n.backup_ms, restored_ms: n.restored_ms };
    } catch {
      // Not signed by her journal's key, or not a notice: nothing to say.
    }
  }
  return latest;
}

export interface VerifiedJournal {
  vkey: string;
  checkpoint: string;
  /** The tree size the checkpoint signs. */
  size: number;
  entries: VerifiedEntry[];
}

/**
 * Her whole history, verified here as the CLI verifies it: the checkpoint signed by
 * the journal key this session checked at log-in, and every entry of her chain
 * (`crypto/journal.ts`). A failure is a `JournalRefused`.
 */
export async function verifiedJournal(): Promise<VerifiedJournal> {
  const s = session;
  if (!s) throw new Error("no session");
  // What the server answered, kept as evidence if a check fails.
  const seen: { key?: unknown; checkpoint?: string; pages: JournalPage[] } = { pages: [] };
  try {
    const info = await journalKey();
    seen.key = info;
    if (info.vkey !== s.vkey) throw new JournalRefused("key", "the journal's key changed during this session");
    const note = await call<{ checkpoint: string }>("GET", "/v1/journal/checkpoint");
    seen.checkpoint = note.checkpoint;
    const cp = verifyCheckpoint(note.checkpoint, s.vkey);
    if (cp.origin !== s.origin) throw new JournalRefused("origin", "checkpoint of another journal");
    // What this tab verified earlier is still there, unchanged.
    const before = seenJournal.get(s.user);
    if (before && cp.size < before.size) throw new JournalRefused("rollback", `${cp.size} entries instead of ${before.size}`);
    if (before && cp.size > before.size) {
      const c = await call<{ proof: string[] }>("GET", `/v1/journal/consistency?from=${before.size}&to=${cp.size}`);
      (seen as Record<string, unknown>).consistency = c;
      if (!verifyConsistency(before.size, cp.size, before.root, cp.root, c.proof.map(fromBase64))) {
        throw new JournalRefused("consistency", `${before.size} → ${cp.size}`);
      }
    } else if (before && !verifyConsistency(before.size, cp.size, before.root, cp.root, [])) {
      throw new JournalRefused("consistency", "two journals of the same size");
    }
    const all: ProvedEntry[] = [];
    let from = 0;
    for (;;) {
      const page = await call<JournalPage>("GET", `/v1/journal/entries?size=${cp.size}&from=${from}`);
      seen.pages.push(page);
      if (page.size !== cp.size) throw new JournalRefused("size", "page for another tree size");
      all.push(...page.entries);
      // The CLI's paging rules: each page starts where the last one ended, and her
      // entries cannot outnumber the tree.
      if (all.length > cp.size) throw new JournalRefused("size", "more entries than the tree holds");
      if (page.next === undefined) break;
      if (page.next !== all.length) throw new JournalRefused("format", "pages that do not follow each other");
      from = page.next;
    }
    const entries = await verifyEntries(all, cp.size, cp, s.identity.age);
    if (before && entries.length < before.entries) {
      throw new JournalRefused("rollback", `${entries.length} of her entries instead of ${before.entries}`);
    }
    // Her chain as verified before is still the start of it (not a fork).
    const headOf = (n: number) => (n === 0 ? "" : hex(leafHash(fromBase64(entries[n - 1]!.leafBytes))));
    if (before && headOf(before.entries) !== before.head) {
      throw new JournalRefused("chain", "the history verified before was rewritten");
    }
    seenJournal.set(s.user, { size: cp.size, root: cp.root, entries: entries.length, head: headOf(entries.length) });
    return { vkey: s.vkey, checkpoint: note.checkpoint, size: cp.size, entries };
  } catch (e) {
    if (e instanceof JournalRefused) {
      e.evidence = JSON.stringify(
        {
          format: "coffre-journal-evidence/v1",
          user: s.user,
          server: location.origin,
          pinned_key: s.vkey,
          refused: { reason: e.reason, detail: e.detail },
          at: new Date().toISOString(),
          received: seen,
        },
        null,
        2,
      );
    }
    throw e;
  }
}

/** Her whole vault as one file, ready to save. */
export interface Exported {
  blob: Blob;
  name: string;
  documents: number;
}

/**
 * The export of `coffre export` in one ZIP file (same names inside, so the same
 * README and commands apply): her identity, her list and her verified journal sealed
 * with her passphrase (checked here first), each paper's three age files as stored
 * (each one checked by decrypting it against the hash she sealed), and SHA256SUMS.
 * `readme` is the catalogue's LISEZMOI text in the page's language.
 */
export async function exportVault(
  passphrase: string,
  readme: string,
  progress: (done: number, total: number) => void,
): Promise<Exported> {
  const s = session;
  if (!s) throw new Error("no session");
  await checkPassphrase(s, passphrase);
  const journal = await verifiedJournal();
  await call("POST", "/v1/account/export");
  const records = await call<DocumentRecord[]>("GET", "/v1/documents");
  const files: { name: string; data: Uint8Array | Blob }[] = [];
  const sums: [string, string][] = [];
  const add = (name: string, data: Uint8Array, sum?: string) => {
    files.push({ name, data });
    sums.push([name, sum ?? hex(sha256(data))]);
  };
  const documents = [];
  for (const [i, record] of records.entries()) {
    progress(i, records.length);
    const key = await documentKey(s, record);
    const meta = JSON.parse(fromUtf8(await openAge(key, fromBase64(record.meta)))) as DocumentMeta;
    const got = await inWorker<Decrypted>({
      kind: "decrypt",
      path: `/v1/documents/${record.id}/content`,
      key,
      mime: meta.mime,
      headers: base(),
      keep: "cipher",
    });
    if (
      got.cipherSha256 !== record.payload_sha256 ||
      got.cipherBytes !== record.size ||
      got.plainSha256 !== meta.sha256 ||
      got.plainBytes !== meta.size
    ) {
      throw new Integrity("sha256");
    }
    const rel = `documents/${record.id}`;
    add(`${rel}/meta.age`, fromBase64(record.meta));
    add(`${rel}/owner.age`, fromBase64(record.envelope));
    files.push({ name: `${rel}/payload.age`, data: got.blob });
    sums.push([`${rel}/payload.age`, got.cipherSha256]);
    documents.push({
      id: record.id,
      title: meta.title,
      category: meta.category,
      issued: meta.issued ?? null,
      expires: meta.expires ?? null,
      mime: meta.mime,
      size: meta.size,
      sha256: meta.sha256,
      payload: `${rel}/payload.age`,
      payload_sha256: got.cipherSha256,
    });
  }
  progress(records.length, records.length);
  const manifest = { format: "coffre-export/v1", user: s.user, server: location.origin, documents };
  const journalJson = {
    format: "coffre-journal-export/v1",
    verifier_key: journal.vkey,
    checkpoint: journal.checkpoint,
    entries: journal.entries.map((e) => ({
      seq: e.leaf.seq,
      index: e.index,
      time_ms: e.leaf.time_ms,
      action: e.leaf.action,
      phase: e.leaf.phase,
      actor_kind: e.leaf.actor_kind,
      leaf: e.leafBytes,
      inclusion_proof: e.proof,
      details: e.details,
    })),
  };
  const [idFile, manifestFile, journalFile] = await sealInWorker(passphrase, [
    utf8(identity.toBundle(s.identity)),
    utf8(JSON.stringify(manifest, null, 2)),
    utf8(JSON.stringify(journalJson, null, 2)),
  ]);
  add("identity.age", idFile!);
  add("manifest.json.age", manifestFile!);
  add("journal.json.age", journalFile!);
  add("LISEZMOI.txt", utf8(readme));
  const list = sums.map(([name, sum]) => `${sum}  ${name}\n`).join("");
  files.push({ name: "SHA256SUMS", data: utf8(list) });
  const day = new Date().toISOString().slice(0, 10);
  const folder = `coffre-${s.user}-${day}`;
  const { zipFiles } = await import("./zip");
  const blob = await zipFiles(folder, files);
  return { blob, name: `${folder}.zip`, documents: records.length };
}

/** A mediator as the server presents her, checked here (name and keys vouch for each
 *  other; her safety code is compared before anything is sealed). */
export interface MediatorCard {
  user: string;
  name: string;
  structure: string;
  keys: WirePublicKeys;
}

/** The safety code typed does not match the mediator's keys: nothing was sealed. */
export class SafetyCodeMismatch extends Error {
  constructor(readonly card: MediatorCard) {
    super("safety code");
  }
}

/**
 * The mediator `user`, if `code` is her safety code: the card the server sends must be
 * hers, her keys must vouch for each other, and the code computed here from those keys
 * must be the one she shows in person.
 */
export async function checkMediator(user: string, code: string): Promise<MediatorCard> {
  const card = await call<MediatorCard>("GET", `/v1/mediators/${encodeURIComponent(user)}`);
  const keys: identity.PublicKeys = {
    age_recipient: card.keys.age_recipient,
    signing_key: fromBase64(card.keys.signing_key),
    binding: fromBase64(card.keys.binding),
  };
  if (card.user !== user || !identity.bindingValid(keys)) throw new WrongKeys("mediator");
  if (!codeMatches(safetyCode(card.user, keys), code)) throw new SafetyCodeMismatch(card);
  return card;
}

/** What a share hands back: the grant as signed, and its receipt's hash. */
export interface Shared {
  grant: Grant;
  signature: string;
  hash: string;
}

/**
 * Shares `chosen` papers with the checked mediator until `expiresMs`: each paper's
 * key sealed to her recipient here, the grant signed here with her key (the CLI's
 * `share`).
 */
export async function share(
  card: MediatorCard,
  chosen: Paper[],
  purpose: string,
  expiresMs: number,
  request?: string,
): Promise<Shared> {
  const s = session;
  if (!s) throw new Error("no session");
  const sorted = [...new Map(chosen.map((p) => [p.id, p])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const envelopes = [];
  const digests = [];
  for (const paper of sorted) {
    const key = await documentKey(s, paper.record);
    envelopes.push({ document: paper.id, envelope: base64(await sealTo(card.keys.age_recipient, utf8(`${key}\n`))) });
    digests.push(`${paper.record.payload_sha256}.${hex(sha256(fromBase64(paper.record.meta)))}`);
  }
  const now = Date.now();
  const grant: Grant = {
    origin: s.origin,
    id: hex(crypto.getRandomValues(new Uint8Array(16))),
    citizen: s.user,
    mediator: card.user,
    recipient: card.keys.age_recipient,
    documents: sorted.map((p) => p.id),
    digests,
    purpose,
    not_before_ms: now,
    expires_ms: expiresMs,
    created_ms: now,
    nonce: hex(crypto.getRandomValues(new Uint8Array(16))),
  };
  const canonical = grantCanonical(grant);
  const signature = base64(identity.sign(s.identity, canonical));
  const created = await call<{ grant: string; expires_ms: number }>("POST", "/v1/grants", {
    grant,
    signature,
    envelopes,
    ...(request ? { request } : {}),
  });
  if (created.grant !== grant.id) throw new Integrity("grant");
  return { grant, signature, hash: hex(sha256(canonical)) };
}

/** One of her shares as the server lists it. */
export interface GrantView {
  grant: Grant;
  signature: string;
  state: "scheduled" | "active" | "expired" | "revoked";
  revoked_ms?: number;
  mediator_name: string;
  mediator_structure: string;
}

/** Her shares, each checked against her own signature (a share she did not sign is
 *  dropped, not shown as hers). */
export async function grants(): Promise<GrantView[]> {
  const s = session;
  if (!s) return [];
  const all = await call<GrantView[]>("GET", "/v1/grants");
  return all.filter(
    (g) => g.grant.citizen === s.user && identity.verify(s.keys.signing_key, grantCanonical(g.grant), fromBase64(g.signature)),
  );
}

/** Withdraws a share: the mediator can no longer fetch its papers. */
export async function revoke(id: string): Promise<void> {
  await call("POST", `/v1/grants/${id}/revoke`);
}

/** A mediator's request for one of her papers. */
export interface AccessRequest {
  id: string;
  mediator: string;
  mediator_name: string;
  mediator_structure: string;
  category: string;
  message: string;
  created_ms: number;
  state: "pending" | "fulfilled" | "declined";
}

/** The requests mediators sent her. */
export async function requests(): Promise<AccessRequest[]> {
  return call<AccessRequest[]>("GET", "/v1/requests");
}

/** Declines a request (the mediator sees it declined; nothing is shared). */
export async function decline(id: string): Promise<void> {
  await call("POST", `/v1/requests/${id}/decline`);
}

/** A paper shared with this mediator, as the server lists it (`api::SharedDocument`). */
interface SharedDocument {
  id: string;
  size: number;
  added_ms: number;
  meta: string;
  envelope: string;
  grant: string;
  citizen: string;
  expires_ms: number;
  payload_sha256: string;
  envelope_sha256: string;
  signature: string;
}

interface MediatorGrantView extends GrantView {
  citizen_keys: WirePublicKeys;
}

/** A paper shared with her, checked: `meta` is null when anything fails to verify
 *  (nothing unsigned is shown). */
export interface SharedPaper {
  id: string;
  citizen: string;
  /** The citizen's safety code, to compare with the one on her screen. */
  citizenCode: string;
  purpose: string;
  /** Her structure as the grant names it (for the watermark on images). */
  structure: string;
  expires_ms: number;
  meta: DocumentMeta | null;
  key: string | null;
  doc: SharedDocument;
}

function keysOf(wire: WirePublicKeys): identity.PublicKeys {
  return { age_recipient: wire.age_recipient, signing_key: fromBase64(wire.signing_key), binding: fromBase64(wire.binding) };
}

/**
 * What is shared with this mediator now, each paper checked as the CLI checks it: the
 * grant is for her (this deployment, her name, her key), signed by the citizen's key
 * (whose keys vouch for each other); the grant lists this very paper (its digest); the
 * citizen signed the paper itself; then its title is opened here.
 */
export async function sharedWithMe(): Promise<SharedPaper[]> {
  const s = session;
  if (!s) return [];
  const [docs, views] = await Promise.all([
    call<SharedDocument[]>("GET", "/v1/shared"),
    call<MediatorGrantView[]>("GET", "/v1/grants"),
  ]);
  return Promise.all(
    docs.map(async (d): Promise<SharedPaper> => {
      const view = views.find((v) => v.grant.id === d.grant);
      const base = {
        id: d.id,
        citizen: d.citizen,
        citizenCode: "",
        purpose: view?.grant.purpose ?? "",
        structure: view?.mediator_structure ?? "",
        // The end she signed, not the server's word for it.
        expires_ms: view ? Math.min(view.grant.expires_ms, d.expires_ms) : d.expires_ms,
        meta: null,
        key: null,
        doc: d,
      };
      if (!view) return base;
      const g = view.grant;
      const citizenKeys = keysOf(view.citizen_keys);
      const now = Date.now();
      const hex32 = /^[0-9a-f]{32}$/;
      const wellFormed =
        hex32.test(g.id) &&
        hex32.test(g.nonce) &&
        g.documents.length > 0 &&
        g.documents.length === g.digests.length &&
        g.documents.every((id, i) => hex32.test(id) && (i === 0 || g.documents[i - 1]! < id)) &&
        purposeAcceptable(g.purpose) &&
        g.not_before_ms < g.expires_ms &&
        g.not_before_ms <= now + 60_000 &&
        now < g.expires_ms;
      const holds =
        wellFormed &&
        g.origin === s.origin &&
        g.mediator === s.user &&
        g.recipient === s.keys.age_recipient &&
        identity.bindingValid(citizenKeys) &&
        identity.verify(citizenKeys.signing_key, grantCanonical(g), fromBase64(view.signature));
      const metaBytes = fromBase64(d.meta);
      const digest = `${d.payload_sha256}.${hex(sha256(metaBytes))}`;
      const listed = g.documents.some((id, i) => id === d.id && g.digests[i] === digest);
      const sealed = identity.verify(
        citizenKeys.signing_key,
        sealCanonical({
          origin: s.origin,
          id: d.id,
          owner: g.citizen,
          size: d.size,
          payload_sha256: d.payload_sha256,
          meta_sha256: hex(sha256(metaBytes)),
          envelope_sha256: d.envelope_sha256,
        }),
        fromBase64(d.signature),
      );
      if (!holds || !listed || !sealed || d.citizen !== g.citizen) return base;
      try {
        const key = fromUtf8(await openAge(s.identity.age, fromBase64(d.envelope))).trim();
        const meta = JSON.parse(fromUtf8(await openAge(key, metaBytes))) as DocumentMeta;
        return { ...base, citizenCode: safetyCode(g.citizen, citizenKeys), meta, key };
      } catch {
        return base;
      }
    }),
  );
}

/** A shared paper, decrypted here, checked against what the citizen signed. */
export async function fetchShared(paper: SharedPaper): Promise<Blob> {
  if (!paper.meta || !paper.key) throw new Integrity("unverified");
  const got = await inWorker<Decrypted>({
    kind: "decrypt",
    path: `/v1/documents/${paper.id}/content`,
    key: paper.key,
    mime: paper.meta.mime || "application/octet-stream",
    headers: base(),
    keep: "plain",
  });
  if (
    got.cipherSha256 !== paper.doc.payload_sha256 ||
    got.plainSha256 !== paper.meta.sha256 ||
    got.plainBytes !== paper.meta.size
  ) {
    throw new Integrity("sha256");
  }
  return got.blob;
}

/** Asks a citizen for a paper of `category` (she sees it in « Demandes »). */
export async function requestDocument(citizen: string, category: string, message: string): Promise<void> {
  await call("POST", "/v1/requests", { citizen, category, message });
}
