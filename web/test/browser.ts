// The citizen's pages in a real headless Chromium (Debian's), against a real coffred
// started by the Rust test `tests/it/browser.rs`, which passes (in the environment):
//   COFFRE_URL, COFFRE_USER, COFFRE_PASSPHRASE, COFFRE_PAPERS (JSON: title -> file
//   path of the original), COFFRE_ARTIFACTS (a directory for screenshots), and
//   COFFRE_NEW_USER, COFFRE_NEW_PASSPHRASE for a vault created in the browser (its
//   kit is saved as COFFRE_ARTIFACTS/kit.txt for the Rust test to recover with).
// At 360 px and at 1280 px: home, log in, « Mes papiers », each paper opened and
// downloaded (bytes compared with the original), Arabic right to left, « Quitter »;
// every page screenshotted and checked by axe-core at both widths; no CSP violation;
// nothing left in any browser storage.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Page } from "playwright-core";
import { encode as qrEncode } from "uqr";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const url = env("COFFRE_URL");
const hostileUrl = env("COFFRE_HOSTILE_URL");
const mediator = env("COFFRE_MEDIATOR");
const mediatorCode = env("COFFRE_MEDIATOR_CODE");

/** The social worker, played by the real CLI (her own home and passphrase). Returns
 *  [exit status, stdout, stderr]. */
function asMediator(args: string[]): [number, string, string] {
  try {
    const out = execFileSync(env("COFFRE_BIN"), args, {
      env: {
        PATH: process.env.PATH ?? "",
        LANG: "fr_FR.UTF-8",
        COFFRE_URL: url,
        COFFRE_CA: env("COFFRE_CA"),
        COFFRE_HOME: env("COFFRE_MEDIATOR_HOME"),
        COFFRE_PASSPHRASE: env("COFFRE_MEDIATOR_PASSPHRASE"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return [0, out.toString(), ""];
  } catch (e) {
    const err = e as { status: number; stdout: Buffer; stderr: Buffer };
    return [err.status, err.stdout.toString(), err.stderr.toString()];
  }
}
const user = env("COFFRE_USER");
const passphrase = env("COFFRE_PASSPHRASE");
const papers: Record<string, string> = JSON.parse(env("COFFRE_PAPERS"));
const artifacts = env("COFFRE_ARTIFACTS");
const newUser = env("COFFRE_NEW_USER");
const uploadFile = env("COFFRE_UPLOAD");
const cliKit = env("COFFRE_KIT");
const recoveredPassphrase = env("COFFRE_RECOVERED_PASSPHRASE");
const changedPassphrase = env("COFFRE_CHANGED_PASSPHRASE");
const leaving = env("COFFRE_LEAVING_USER");
const newPassphrase = env("COFFRE_NEW_PASSPHRASE");
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) failures.push(what);
}

/** Logs in as a citizen from the login screen, and waits for « Mes papiers ». */
async function logIn(page: Page, who: string, secret: string): Promise<void> {
  await page.getByLabel("Identifiant").fill(who);
  await page.getByLabel("Phrase de passe").fill(secret);
  await page.getByRole("button", { name: "Me connecter" }).click();
  await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor({ timeout: 60_000 });
}

/** Presses Tab until the focus is on `selector` (at most 40 times), and checks that
 *  the focused element shows an outline. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
      });
      check(outline, `no visible focus on ${selector}`);
      return;
    }
    await page.keyboard.press("Tab");
  }
  failures.push(`Tab never reaches ${selector}`);
}

/** Pages already audited: each is screenshotted and checked once, at both widths. */
const audited = new Set<string>();

/** Screenshots and axe-core for the page on screen, at 360 px and at 1280 px
 *  (the viewport is put back afterwards; `width` names the one it had). */
async function audit(page: Page, name: string, width: number): Promise<void> {
  if (audited.has(name)) return;
  audited.add(name);
  const before = page.viewportSize() ?? { width, height: 740 };
  for (const w of [360, 1280]) {
    await page.setViewportSize({ width: w, height: w === 360 ? 740 : 800 });
    await page.screenshot({ path: `${artifacts}/${name}-${w}.png`, fullPage: true });
    // Evaluated through the DevTools protocol: the page's own CSP stays in force.
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const r = await axe.run(document, { resultTypes: ["violations"] });
      return r.violations.map((v: { id: string; nodes: unknown[] }) => `${v.id} (${v.nodes.length})`);
    });
    check(result.length === 0, `axe on ${name} at ${w} px: ${result.join(", ")}`);
  }
  await page.setViewportSize(before);
}

/** A camera filming each of `texts` as a printed QR code in turn (a few frames each):
 *  a YUV4MPEG2 file that Chromium's fake capture device plays in a loop. */
function cameraFilming(texts: string[]): Buffer {
  const header = Buffer.from("YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n");
  const frames = texts.map((text) => {
    const frame = qrFrame(text);
    return Buffer.concat([frame, frame, frame, frame, frame]);
  });
  return Buffer.concat([header, ...frames]);
}

function qrFrame(text: string): Buffer {
  const { size, data } = qrEncode(text, { ecc: "L", border: 4 });
  const [w, h] = [640, 480];
  const scale = Math.floor(h / size);
  const [x0, y0] = [Math.floor((w - size * scale) / 2), Math.floor((h - size * scale) / 2)];
  const luma = new Uint8Array(w * h).fill(235);
  data.forEach((row, y) =>
    row.forEach((on, x) => {
      if (!on) return;
      for (let dy = 0; dy < scale; dy++) luma.fill(16, (y0 + y * scale + dy) * w + x0 + x * scale, (y0 + y * scale + dy) * w + x0 + (x + 1) * scale);
    }),
  );
  return Buffer.concat([Buffer.from("FRAME\n"), luma, new Uint8Array(w * h / 2).fill(128)]);
}
/** A uniformly grey 24-bit BMP (any browser decodes it; no compression to write). */
function greyImage(w: number, h: number): Buffer {
  const row = Math.ceil((w * 3) / 4) * 4;
  const b = Buffer.alloc(54 + row * h, 0);
  b.write("BM", 0);
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * h, 34);
  b.fill(200, 54);
  return b;
}

const camera = `${artifacts}/camera-kit.y4m`;
// The printed kit of the first citizen, and the social worker's safety code.
writeFileSync(camera, cameraFilming([readFileSync(cliKit, "utf8"), mediatorCode]));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // A camera that films the first citizen's printed kit and the social worker's
    // safety code (both scanned below).
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${camera}`,
  ],
});
try {
  for (const width of [360, 1280]) {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width, height: width === 360 ? 740 : 800 },
      acceptDownloads: true,
      locale: "fr-FR",
      permissions: ["camera"],
    });
    const page = await context.newPage();
    page.on("console", (m) => {
      // A refused request (a wrong passphrase: 401) is logged by the browser itself;
      // anything else (a CSP violation, a script error) fails the test.
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
        failures.push(`console at ${width} px: ${m.text()}`);
      }
    });
    page.on("pageerror", (e) => failures.push(`page error at ${width} px: ${e.message}`));
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    // Her listing's answers: the page keeps what it opened and asks only whether it
    // changed (304), so some must be 304 and none an error.
    const listings: number[] = [];
    page.on("response", (r) => {
      if (r.request().method() === "GET" && new URL(r.url()).pathname === "/v1/documents") {
        listings.push(r.status());
      }
    });

    await page.goto(url);
    await page.getByRole("heading", { level: 1 }).waitFor();
    // What the first visit costs on a phone's data plan (the goal: under 300 KB).
    const firstLoad = await page.evaluate(() =>
      [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")].reduce(
        (sum, e) => sum + (e as PerformanceResourceTiming).transferSize,
        0,
      ),
    );
    writeFileSync(`${artifacts}/first-load-${width}.txt`, `${firstLoad}\n`);
    check(firstLoad > 0 && firstLoad < 300 * 1024, `the first load of / transfers ${firstLoad} bytes`);
    console.log(`first load of / at ${width} px: ${Math.round(firstLoad / 1024)} KB`);
    // The page's own script and style carry subresource integrity (a file changed
    // after the build is refused by the browser).
    const integrity = await page.evaluate(() =>
      [...document.querySelectorAll("script[src], link[rel=stylesheet]")].map((e) => e.getAttribute("integrity") ?? ""),
    );
    check(
      integrity.length >= 2 && integrity.every((i) => /^sha384-[A-Za-z0-9+/]{64}$/.test(i)),
      `subresource integrity missing: ${JSON.stringify(integrity)}`,
    );
    // What the page keeps is said before anything is asked.
    check(
      (await page.getByRole("region", { name: "Sur un ordinateur partagé" }).innerText()).includes("« Quitter »"),
      "the shared-computer notice is missing on the home page",
    );
    await audit(page, "home", width);
    await page.getByRole("button", { name: "Me connecter" }).click();
    // A wrong passphrase first: one clear sentence, nothing opened.
    await page.getByLabel("Identifiant").fill(user);
    await page.getByLabel("Phrase de passe").fill(`${passphrase} faux`);
    await page.getByRole("button", { name: "Me connecter" }).click();
    await page.getByRole("alert").waitFor({ timeout: 60_000 });
    check(
      (await page.getByRole("alert").innerText()).includes("phrase de passe"),
      `a wrong passphrase is not said plainly at ${width} px: ${await page.getByRole("alert").innerText()}`,
    );
    if (width === 360) {
      // By keyboard alone, as some people (and every screen reader user) go: Tab to
      // each field, type, Enter; the focus is visible on each stop.
      await tabTo(page, "#user");
      await page.keyboard.type(user);
      await tabTo(page, "#pass");
      await page.keyboard.type(passphrase);
      await audit(page, "login", width);
      await page.keyboard.press("Enter");
    } else {
      await page.getByLabel("Identifiant").fill(user);
      await page.getByLabel("Phrase de passe").fill(passphrase);
      await page.getByRole("button", { name: "Me connecter" }).click();
    }
    await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor({ timeout: 60_000 });
    await audit(page, "papers", width);
    // The session is a cookie the page's scripts cannot read.
    const session = (await context.cookies()).find((c) => c.name === "__Host-coffre_session");
    check(
      !!session && session.httpOnly && session.secure && session.sameSite === "Strict",
      `the session cookie is not HttpOnly, Secure, SameSite=Strict: ${JSON.stringify(session)}`,
    );
    check((await page.evaluate(() => document.cookie)) === "", "a script can read a cookie");

    for (const [title, original] of Object.entries(papers)) {
      await page.getByRole("link", { name: title }).click();
      await page.getByRole("heading", { level: 1, name: title }).waitFor();
      await audit(page, `paper-${Object.keys(papers).indexOf(title)}`, width);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Télécharger" }).click(),
      ]);
      const saved = `${artifacts}/download-${width}-${download.suggestedFilename()}`;
      await download.saveAs(saved);
      check(
        Buffer.compare(readFileSync(saved), readFileSync(original)) === 0,
        `« ${title} » downloaded at ${width} px differs from the original`,
      );
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();
      await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor();
    }

    // Adding a paper from this device (once, at desktop width): encrypted here,
    // streamed up, then listed; the Rust test fetches it with the CLI afterwards.
    if (width === 1280) {
      await page.getByRole("link", { name: "Ajouter un document" }).click();
      await page.getByRole("heading", { level: 1, name: "Ajouter un document" }).waitFor();
      await audit(page, "add", width);
      // Bad input as people meet it, each with one sentence and nothing sent or
      // listed: an empty file, a file over the deployment's limit (3 MiB here).
      const said = async () => {
        await page.getByRole("alert").waitFor({ timeout: 60_000 });
        return page.getByRole("alert").innerText();
      };
      await page.getByLabel("Fichier").setInputFiles({ name: "scan.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(0) });
      await page.getByRole("button", { name: "Enregistrer" }).click();
      const empty = await said();
      check(empty.includes("vide"), `an empty file is not said plainly: ${empty}`);
      await page.getByLabel("Fichier").setInputFiles({
        name: "scan-lourd.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.alloc(3.5 * 1024 * 1024, 7),
      });
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.waitForFunction(() => document.querySelector("[role=alert]")?.textContent?.includes("gros"), null, {
        timeout: 60_000,
      });
      const large = await said();
      check(large.includes("3 Mio au plus"), `the limit is not in the message: ${large}`);
      await audit(page, "add-refused", width);
      // The connection cut while the paper goes up, then no network at all: said
      // plainly, and the same attempt (file and title kept) works once it is back.
      await page.getByLabel("Fichier").setInputFiles(uploadFile);
      await page.getByLabel("Titre").fill("Quittance de loyer");
      await page.getByLabel("Catégorie").selectOption({ label: "Logement" });
      await context.route("**/v1/uploads", (r) => r.abort("connectionreset"));
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.waitForFunction(() => document.querySelector("[role=alert]")?.textContent?.includes("joindre"), null, {
        timeout: 60_000,
      });
      await context.unroute("**/v1/uploads");
      await context.setOffline(true);
      const stale = await page.getByRole("alert").elementHandle();
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.waitForFunction((e) => !e?.isConnected, stale, { timeout: 60_000 });
      const offline = await said();
      check(offline.includes("joindre le serveur"), `no network is not said plainly: ${offline}`);
      await context.setOffline(false);
      check((await page.getByLabel("Titre").inputValue()) === "Quittance de loyer", "the title was lost on a failed attempt");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor({ timeout: 60_000 });
      await page.getByRole("link", { name: "Quittance de loyer" }).waitFor();
      check(
        (await page.getByRole("link", { name: "Quittance de loyer" }).count()) === 1,
        "a failed attempt left a paper behind",
      );
      // A photo, as the phone's camera gives it (the « Prendre une photo » field),
      // with a category and an expiry date; the Rust test fetches it with the CLI.
      await page.getByRole("link", { name: "Ajouter un document" }).click();
      await page.getByLabel("Prendre une photo").setInputFiles(papers["Carte d'identité"]!);
      await page.getByLabel("Titre").fill("Attestation CAF");
      await page.getByLabel("Catégorie").selectOption({ label: "Revenus" });
      await page.getByLabel("Date d'expiration").fill("2027-06-30");
      await page.getByRole("button", { name: "Enregistrer" }).click();
      await page.getByRole("link", { name: "Attestation CAF" }).waitFor({ timeout: 60_000 });
      // « Mon journal »: verified here, in plain words, what she just did in it.
      await page.getByRole("link", { name: "Mon journal" }).click();
      await page.getByText("Journal vérifié", { exact: true }).waitFor({ timeout: 60_000 });
      const history = await page.locator("ol.history-lines").innerText();
      check(
        history.includes("Vous avez ajouté « Attestation CAF »") && history.includes("Vous avez téléchargé « Carte d'identité »"),
        `the journal does not say what she did: ${history}`,
      );
      await audit(page, "history", width);
      await page.emulateMedia({ media: "print" });
      await page.screenshot({ path: `${artifacts}/history-print.png`, fullPage: true });
      await page.emulateMedia({ media: "screen" });
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();

      // Sharing at the counter: two papers with the social worker for 1 hour, after
      // comparing her safety code (a mistyped digit first: refused, nothing sealed).
      await page.getByRole("link", { name: "Partager", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: "Partager des papiers" }).waitFor();
      await page.getByLabel("Quittance de loyer").check();
      await page.getByLabel("Attestation CAF").check();
      // A mistyped identifier first: said with the name typed.
      await page.getByLabel("Identifiant du médiateur").fill("f.benaly");
      await page.getByLabel("Code de sécurité").fill(mediatorCode);
      await page.getByRole("button", { name: "Partager", exact: true }).click();
      const unknown = await said();
      check(unknown.includes("Aucun médiateur actif ne porte l'identifiant « f.benaly »"), `an unknown mediator is not said plainly: ${unknown}`);
      await page.getByLabel("Identifiant du médiateur").fill(mediator);
      await page.getByLabel("Code de sécurité").fill("");
      // Her code scanned from the QR code she shows (then mistyped, below).
      await page.getByRole("button", { name: "Scanner son QR code" }).click();
      await page.getByText("Code lu.").waitFor({ timeout: 60_000 });
      check(
        (await page.getByLabel("Code de sécurité").inputValue()).replace(/\D/g, "") === mediatorCode.replace(/\D/g, ""),
        "the scanned safety code is not the mediator's",
      );
      const mistyped = mediatorCode.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
      await page.getByLabel("Code de sécurité").fill(mistyped);
      await page.getByLabel("Motif").fill("Dossier RSA");
      await page.getByLabel("1 heure").check();
      await audit(page, "share", width);
      const previous = await page.getByRole("alert").elementHandle();
      await page.getByRole("button", { name: "Partager", exact: true }).click();
      await page.waitForFunction((e) => !e?.isConnected, previous, { timeout: 60_000 });
      const refusedCode = await said();
      check(
        refusedCode.includes("n'est pas celui de Fatima Benali (CCAS d'Albi)") && refusedCode.includes("Comparez les codes"),
        `a mistyped safety code is not said plainly: ${refusedCode}`,
      );
      check(await page.getByLabel("Attestation CAF").isChecked(), "the choice was lost after a mistyped code");
      await page.getByLabel("Code de sécurité").fill(mediatorCode);
      await page.getByRole("button", { name: "Partager", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: "Vérifiez avant de partager" }).waitFor({ timeout: 60_000 });
      check(
        (await page.locator("main").innerText()).includes("Fatima Benali, CCAS d'Albi"),
        "the mediator's verified name is not shown before sealing",
      );
      await audit(page, "share-confirm", width);
      await page.getByRole("button", { name: "Confirmer le partage" }).click();
      await page.getByRole("heading", { level: 1, name: "REÇU DE CONSENTEMENT — coffre" }).waitFor({ timeout: 60_000 });
      await audit(page, "receipt", width);
      // She opens both, with her own client.
      const [listed, sharedOut] = asMediator(["--json", "shared"]);
      check(listed === 0, "the mediator cannot list what was shared");
      const sharedDocs = (JSON.parse(sharedOut || "[]") as { id: string; title: string }[]).filter((d) =>
        ["Quittance de loyer", "Attestation CAF"].includes(d.title),
      );
      check(sharedDocs.length === 2, `the mediator does not see the two papers: ${sharedOut}`);
      for (const doc of sharedDocs) {
        const [got] = asMediator(["get", doc.id, "-o", `${artifacts}/mediator-${doc.id}`]);
        check(got === 0, `the mediator could not open « ${doc.title} »`);
      }
      // The citizen sees the two fetches in her verified journal.
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();
      await page.getByRole("link", { name: "Mon journal" }).click();
      await page.getByText("Journal vérifié", { exact: true }).waitFor({ timeout: 60_000 });
      const afterShare = await page.locator("ol.history-lines").innerText();
      for (const title of ["Quittance de loyer", "Attestation CAF"]) {
        check(
          afterShare.includes(`Fatima Benali (CCAS d'Albi) a téléchargé « ${title} »`) &&
            afterShare.includes("(motif : Dossier RSA)"),
          `the mediator's fetch of « ${title} » is not in her journal: ${afterShare}`,
        );
      }
      // She withdraws in one tap; the mediator is refused.
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();
      await page.getByRole("link", { name: "Mes partages" }).click();
      await page.getByRole("button", { name: "Retirer l'accès" }).first().waitFor({ timeout: 60_000 });
      const sharesListed = await page.locator("ul.grants").innerText();
      check(
        sharesListed.includes("Carte pour la CAF") && sharesListed.includes("Dossier RSA"),
        `the shares made with the CLI and here are not both listed: ${sharesListed}`,
      );
      await audit(page, "grants", width);
      // The newest first: the one made here.
      await page.locator("ul.grants li", { hasText: "Dossier RSA" }).getByRole("button", { name: "Retirer l'accès" }).click();
      await page.getByText("L'accès de Fatima Benali (CCAS d'Albi) est retiré").waitFor({ timeout: 60_000 });
      const [again, , refusedFetch] = asMediator(["get", sharedDocs[0]!.id, "-o", `${artifacts}/mediator-again`]);
      check(again !== 0 && refusedFetch.includes("[grant_revoked]"), `the withdrawn share still opens: ${refusedFetch}`);
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();
      // The social worker asks for her income paper; she answers it by sharing
      // (the paper of that category ticked, the code compared again).
      const [asked] = asMediator(["request", user, "--category", "income", "--message", "Attestation CAF récente"]);
      check(asked === 0, "the mediator could not send a request");
      await page.getByRole("link", { name: "Demandes" }).click();
      await page.getByRole("button", { name: "Partager ce document" }).waitFor({ timeout: 60_000 });
      check(
        (await page.locator("ul.grants").innerText()).includes("Attestation CAF récente"),
        "the request's message is not shown",
      );
      await audit(page, "requests", width);
      await page.getByRole("button", { name: "Partager ce document" }).click();
      check(await page.getByLabel("Attestation CAF").isChecked(), "the requested paper is not ticked");
      check((await page.getByLabel("Identifiant du médiateur").inputValue()) === mediator, "the mediator is not filled in");
      await page.getByLabel("Code de sécurité").fill(mediatorCode);
      await page.getByRole("button", { name: "Partager", exact: true }).click();
      await page.getByRole("button", { name: "Confirmer le partage" }).click();
      await page.getByRole("heading", { level: 1, name: "REÇU DE CONSENTEMENT — coffre" }).waitFor({ timeout: 60_000 });
      const [, requestsOut] = asMediator(["--json", "requests"]);
      check(
        (JSON.parse(requestsOut || "[]") as { state: string }[]).some((r) => r.state === "fulfilled"),
        `the request is not answered for the mediator: ${requestsOut}`,
      );
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();
      // A photo shown in the page (decrypted in memory), then a paper deleted after
      // its confirmation.
      await page.getByRole("link", { name: "Carte d'identité" }).click();
      await page.getByRole("button", { name: "Voir sur cet écran" }).click();
      await page.getByRole("img", { name: "Carte d'identité" }).waitFor();
      await page.getByRole("link", { name: "Retour à mes papiers" }).click();
      // A PDF in the browser's own viewer, in the page.
      await page.getByRole("link", { name: "Quittance de loyer" }).click();
      await page.getByRole("button", { name: "Voir sur cet écran" }).click();
      const frame = page.locator("iframe.pdf");
      await frame.waitFor({ timeout: 60_000 });
      check(
        (await frame.getAttribute("title")) === "Quittance de loyer" && (await frame.getAttribute("src"))!.startsWith("blob:"),
        "a PDF is not shown in the page from memory",
      );
      await audit(page, "paper-pdf", width);
      // By keyboard, as some people move (the viewer in the frame keeps the pointer
      // busy while it lays the page out).
      await page.getByRole("link", { name: "Retour à mes papiers" }).press("Enter");
      await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor();
      await page.getByRole("link", { name: "Avis d'imposition 2025" }).click();
      await page.getByRole("button", { name: "Supprimer" }).click();
      await audit(page, "delete", width);
      await page.getByRole("button", { name: "Oui, supprimer" }).click();
      await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor();
      check(
        (await page.getByRole("link", { name: "Avis d'imposition 2025" }).count()) === 0,
        "a deleted paper is still listed",
      );
    }

    // A session that ended on the server (here: its cookie gone) sends her back to
    // the login screen with one sentence, keys forgotten; logging in again works.
    if (width === 360) {
      await context.clearCookies();
      await page.getByRole("link", { name: Object.keys(papers)[0]! }).click();
      await page.getByRole("button", { name: "Télécharger" }).click();
      await page.getByRole("alert").waitFor();
      check(
        (await page.getByRole("alert").innerText()).includes("session est terminée"),
        `an ended session is not said plainly: ${await page.getByRole("alert").innerText()}`,
      );
      check(
        (await page.getByRole("heading", { level: 1 }).innerText()) === "Me connecter",
        "an ended session did not lead back to the login screen",
      );
      await logIn(page, user, passphrase);
    }

    // Arabic: right to left, and still accessible.
    await page.getByLabel("Langue").selectOption("ar");
    check((await page.getAttribute("html", "dir")) === "rtl", `Arabic is not right to left at ${width} px`);
    await audit(page, "papers-ar", width);
    await page.getByLabel("اللغة").selectOption("fr");

    await page.getByRole("button", { name: "Quitter" }).click();
    await page.getByRole("button", { name: "Me connecter" }).waitFor();
    check(
      !(await context.cookies()).some((c) => c.name === "__Host-coffre_session"),
      `the session cookie outlived « Quitter » at ${width} px`,
    );
    const stored = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      databases: (await indexedDB.databases()).length,
      caches: (await caches.keys()).length,
      cookie: document.cookie,
    }));
    check(
      stored.local === 0 && stored.session === 0 && stored.databases === 0 && stored.caches === 0 && stored.cookie === "",
      `something stayed in the browser after « Quitter » at ${width} px: ${JSON.stringify(stored)}`,
    );
    // The browser's own PDF viewer loads from chrome:// and chrome-extension://
    // (inside the browser, not the network); anything else not from here fails.
    const elsewhere = requests.filter(
      (r) =>
        !r.startsWith(url) &&
        !r.startsWith("blob:") &&
        !r.startsWith("data:") &&
        !r.startsWith("chrome://") &&
        !r.startsWith("chrome-extension://"),
    );
    check(elsewhere.length === 0, `requests to third parties: ${elsewhere.join(", ")}`);
    check(
      listings.includes(200) && listings.includes(304) && listings.every((s) => s === 200 || s === 304),
      `her listing was answered ${listings.join(", ")} at ${width} px: a current copy is not sent again`,
    );
    await context.close();
  }
  // The mediator's side, in the browser: she activates her account with the
  // operator's code (keys made in her browser), shows her safety code; the citizen
  // (on her phone) shares a paper with her after comparing it; she opens and
  // downloads it, asks for another; the citizen withdraws while the paper is open on
  // the mediator's screen, and the mediator is told so plainly.
  {
    const desk = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, locale: "fr-FR", viewport: { width: 1280, height: 800 } });
    const agent = await desk.newPage();
    agent.on("pageerror", (e) => failures.push(`page error on the mediator's side: ${e.message}`));
    await agent.goto(url);
    await agent.getByRole("button", { name: "Espace médiateur" }).click();
    await audit(agent, "mediator-space", 1280);
    await agent.getByRole("button", { name: "Activer mon compte" }).click();
    await agent.getByLabel("Code d'activation").fill(env("COFFRE_ENROL_CODE"));
    await agent.getByLabel("Identifiant").fill("a.martin");
    await agent.getByLabel("Phrase de passe", { exact: true }).fill(newPassphrase);
    await agent.getByLabel("Confirmer la phrase de passe").fill(newPassphrase);
    await audit(agent, "activate", 1280);
    await agent.getByRole("button", { name: "Activer mon compte" }).click();
    await agent.getByRole("heading", { level: 1, name: "Votre kit de récupération" }).waitFor({ timeout: 60_000 });
    await Promise.all([agent.waitForEvent("download"), agent.getByRole("button", { name: "Enregistrer dans un fichier" }).click()]);
    await agent.getByRole("button", { name: "Continuer" }).click();
    await agent.getByRole("heading", { level: 2, name: "Documents partagés avec moi" }).waitFor({ timeout: 60_000 });
    const agentCode = await agent.getByLabel("Mon code de sécurité", { exact: true }).innerText();
    check(/^[0-9 ]{28,}$/.test(agentCode.trim()), `the mediator's safety code is not shown: ${agentCode}`);
    await audit(agent, "mediator", 1280);

    const phone = await browser.newContext({ ignoreHTTPSErrors: true, locale: "fr-FR", viewport: { width: 360, height: 740 } });
    const citizen = await phone.newPage();
    await citizen.goto(url);
    await citizen.getByRole("button", { name: "Me connecter" }).click();
    await logIn(citizen, user, passphrase);
    // A scan of her identity card (a plain grey image), to be shown watermarked.
    await citizen.getByRole("link", { name: "Ajouter un document" }).click();
    await citizen.getByLabel("Fichier").setInputFiles({ name: "cni.bmp", mimeType: "image/bmp", buffer: greyImage(240, 150) });
    await citizen.getByLabel("Titre").fill("Carte d'identité (scan)");
    await citizen.getByLabel("Catégorie").selectOption({ label: "Identité" });
    await citizen.getByRole("button", { name: "Enregistrer" }).click();
    await citizen.getByRole("link", { name: "Carte d'identité (scan)" }).waitFor({ timeout: 60_000 });
    await citizen.getByRole("link", { name: "Partager", exact: true }).click();
    await citizen.getByLabel("Quittance de loyer").check();
    await citizen.getByLabel("Carte d'identité (scan)", { exact: true }).check();
    await citizen.getByLabel("Identifiant du médiateur").fill("a.martin");
    await citizen.getByLabel("Code de sécurité").fill(agentCode);
    await citizen.getByLabel("Motif").fill("Aide au logement");
    await citizen.getByLabel("1 semaine").check();
    await citizen.getByRole("button", { name: "Partager", exact: true }).click();
    await citizen.getByText("Amina Martin, France Services Albi").waitFor({ timeout: 60_000 });
    await citizen.getByRole("button", { name: "Confirmer le partage" }).click();
    await citizen.getByRole("heading", { level: 1, name: "REÇU DE CONSENTEMENT — coffre" }).waitFor({ timeout: 60_000 });

    // On the mediator's screen: the paper, its citizen and time left, her code.
    await agent.getByRole("link", { name: "Demander un document" }).click();
    await agent.getByRole("link", { name: "Retour aux documents partagés" }).click();
    await agent.getByRole("link", { name: "Quittance de loyer" }).waitFor({ timeout: 60_000 });
    const listing = await agent.locator("main").innerText();
    check(listing.includes(user) && listing.includes("Aide au logement") && listing.includes("comparez avec elle son code de sécurité"), `the shared paper is not listed with its citizen: ${listing}`);
    await audit(agent, "mediator-shared", 1280);
    await agent.getByRole("link", { name: "Quittance de loyer" }).click();
    check((await agent.locator("p.warning").innerText()).includes("ne peut pas être reprise"), "the mediator is not told copies cannot be taken back");
    await audit(agent, "shared-paper", 1280);
    const [got] = await Promise.all([agent.waitForEvent("download"), agent.getByRole("button", { name: "Télécharger" }).click()]);
    await got.saveAs(`${artifacts}/mediator-quittance.pdf`);
    check(
      Buffer.compare(readFileSync(`${artifacts}/mediator-quittance.pdf`), readFileSync(uploadFile)) === 0,
      "the paper the mediator downloaded differs from the citizen's",
    );

    // Her identity scan is shown to the mediator with a watermark drawn across it.
    await agent.getByRole("link", { name: "Retour aux documents partagés" }).click();
    await agent.getByRole("link", { name: "Carte d'identité (scan)" }).click();
    await agent.getByRole("button", { name: "Voir sur cet écran" }).click();
    const scanImage = agent.getByRole("img", { name: "Carte d'identité (scan)" });
    await scanImage.waitFor({ timeout: 60_000 });
    await agent.waitForFunction(() => (document.querySelector(".preview img") as HTMLImageElement | null)?.complete);
    const reddish = await scanImage.evaluate((img: HTMLImageElement) => {
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = c.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! > px[i + 1]! + 40) n++;
      return n;
    });
    check(reddish > 200, `the identity scan is shown to the mediator without a watermark (${reddish} marked pixels)`);
    await audit(agent, "shared-image", 1280);
    await agent.getByRole("link", { name: "Retour aux documents partagés" }).click();
    await agent.getByRole("link", { name: "Quittance de loyer" }).click();

    // The citizen withdraws while it is open over there.
    await citizen.getByRole("link", { name: "Mes partages" }).click();
    await citizen.locator("ul.grants li", { hasText: "Aide au logement" }).getByRole("button", { name: "Retirer l'accès" }).click();
    await citizen.getByText("L'accès de Amina Martin (France Services Albi) est retiré").waitFor({ timeout: 60_000 });
    await agent.getByRole("button", { name: "Télécharger" }).click();
    await agent.getByRole("alert").waitFor({ timeout: 60_000 });
    const ended = await agent.getByRole("alert").innerText();
    check(ended.includes("a retiré ce partage"), `a withdrawn share is not said plainly to the mediator: ${ended}`);

    // « Demander un document »: the citizen will see it in « Demandes ».
    await agent.getByRole("link", { name: "Retour aux documents partagés" }).click();
    await agent.getByRole("link", { name: "Demander un document" }).click();
    await agent.getByLabel("Identifiant de la personne").fill(user);
    await agent.getByLabel("Catégorie").selectOption({ label: "Santé" });
    await agent.getByLabel("Message (facultatif)").fill("Attestation de droits CPAM");
    await agent.getByRole("button", { name: "Envoyer la demande" }).click();
    await agent.getByText("Votre demande est envoyée").waitFor({ timeout: 60_000 });
    await audit(agent, "ask", 1280);
    await citizen.getByRole("link", { name: "Retour à mes papiers" }).click();
    await citizen.getByRole("link", { name: "Demandes" }).click();
    await citizen.getByText("Attestation de droits CPAM", { exact: false }).waitFor({ timeout: 60_000 });
    await citizen.getByRole("button", { name: "Refuser" }).click();
    await citizen.getByText("Vous avez refusé la demande de Amina Martin (France Services Albi)").waitFor({ timeout: 60_000 });
    await phone.close();

    // The operator, on the same desk: token typed (a wrong one refused), the service's
    // counts and policy, a mediator enrolled with a printable letter, another disabled;
    // the disabled mediator is then told so plainly when she logs in.
    await agent.getByRole("button", { name: "Quitter" }).click();
    await agent.getByRole("button", { name: "Espace médiateur" }).click();
    await agent.getByRole("link", { name: "Administration du service" }).click();
    await agent.getByLabel("Jeton d'administration").fill("pas-le-bon-jeton");
    await agent.getByRole("button", { name: "Ouvrir l'administration" }).click();
    await agent.getByRole("alert").waitFor({ timeout: 60_000 });
    await audit(agent, "operator-login", 1280);
    await agent.getByLabel("Jeton d'administration").fill(env("COFFRE_ADMIN_TOKEN"));
    await agent.getByRole("button", { name: "Ouvrir l'administration" }).click();
    await agent.getByText("Ouverture des coffres : libre").waitFor({ timeout: 60_000 });
    const board = await agent.locator("main").innerText();
    check(board.includes("Fatima Benali (CCAS d'Albi)") && board.includes("Amina Martin (France Services Albi)"), `the mediators are not listed: ${board}`);
    await audit(agent, "operator", 1280);
    await agent.getByLabel("Identifiant").fill("c.durand");
    await agent.getByLabel("Nom et prénom").fill("Claire Durand");
    await agent.getByLabel("Structure").fill("CCAS d'Albi");
    await agent.getByRole("button", { name: "Inscrire un médiateur" }).click();
    await agent.getByRole("heading", { level: 1, name: "Lettre d'activation — coffre" }).waitFor({ timeout: 60_000 });
    const letterCode = await agent.getByLabel("Code d'activation", { exact: true }).innerText();
    check(letterCode.trim().length >= 8, `no activation code in the letter: ${letterCode}`);
    await audit(agent, "letter", 1280);
    await agent.getByRole("link", { name: "Retour à l'administration" }).click();
    await agent.getByRole("button", { name: "Désactiver Amina Martin", exact: true }).click();
    await agent.getByRole("button", { name: "Oui, désactiver Amina Martin" }).click();
    await agent.getByText("Amina Martin est désactivé(e)").waitFor({ timeout: 60_000 });
    await agent.getByRole("button", { name: "Quitter" }).click();
    await agent.getByRole("button", { name: "Me connecter" }).click();
    await agent.getByLabel("Identifiant").fill("a.martin");
    await agent.getByLabel("Phrase de passe").fill(newPassphrase);
    await agent.getByRole("button", { name: "Me connecter" }).click();
    await agent.getByRole("alert").waitFor({ timeout: 60_000 });
    const disabled = await agent.getByRole("alert").innerText();
    check(disabled.includes("désactivé"), `a disabled mediator is not told plainly: ${disabled}`);
    await desk.close();
  }

  // « Session accompagnée » at the counter: the social worker logged in, the citizen
  // logs in beside her on the same computer, shares, and leaves; nothing of hers stays.
  {
    const counter = await browser.newContext({ ignoreHTTPSErrors: true, locale: "fr-FR", viewport: { width: 1280, height: 800 } });
    const desk = await counter.newPage();
    desk.on("pageerror", (e) => failures.push(`page error in the assisted session: ${e.message}`));
    await desk.goto(url);
    await desk.getByRole("button", { name: "Espace médiateur" }).click();
    await desk.getByRole("button", { name: "Me connecter" }).click();
    await desk.getByLabel("Identifiant").fill(mediator);
    await desk.getByLabel("Phrase de passe").fill(env("COFFRE_MEDIATOR_PASSPHRASE"));
    await desk.getByRole("button", { name: "Me connecter" }).click();
    await desk.getByRole("heading", { level: 2, name: "Documents partagés avec moi" }).waitFor({ timeout: 60_000 });
    await desk.getByRole("link", { name: "Session accompagnée" }).click();
    await desk.getByRole("heading", { level: 1, name: "Session accompagnée" }).waitFor();
    await audit(desk, "accompany", 1280);
    await logIn(desk, user, passphrase);
    check(
      (await desk.getByRole("note").innerText()).includes(`Session accompagnée par ${mediator}`),
      "the assisted session is not shown as such",
    );
    const both = (await counter.cookies()).map((c) => c.name).sort();
    check(
      both.includes("__Host-coffre_session") && both.includes("__Host-coffre_accompanied"),
      `the two sessions do not sit side by side: ${both.join(", ")}`,
    );
    await audit(desk, "accompanied-papers", 1280);
    await desk.getByRole("link", { name: "Partager", exact: true }).click();
    await desk.getByLabel("Carte d'identité (scan)", { exact: true }).check();
    await desk.getByLabel("Identifiant du médiateur").fill(mediator);
    await desk.getByLabel("Code de sécurité").fill(mediatorCode);
    await desk.getByLabel("Motif").fill("Dossier CAF");
    await desk.getByRole("button", { name: "Partager", exact: true }).click();
    await desk.getByRole("button", { name: "Confirmer le partage" }).click();
    await desk.getByRole("heading", { level: 1, name: "REÇU DE CONSENTEMENT — coffre" }).waitFor({ timeout: 60_000 });
    await desk.getByRole("button", { name: "Quitter" }).click();
    await desk.getByText("La personne est partie").waitFor({ timeout: 60_000 });
    // Whoever has the keyboard now does not get the mediator's session by a click:
    // it takes her passphrase (a wrong one is refused).
    await desk.getByRole("heading", { level: 1, name: "Reprendre ma session" }).waitFor();
    check((await desk.getByRole("link", { name: "Carte d'identité (scan)" }).count()) === 0, "the mediator's papers show before her passphrase");
    await audit(desk, "resume", 1280);
    await desk.getByLabel("Phrase de passe").fill(`${passphrase} — pas la sienne`);
    await desk.getByRole("button", { name: "Reprendre ma session" }).click();
    await desk.getByRole("alert").waitFor({ timeout: 60_000 });
    check((await desk.getByRole("alert").innerText()).includes("pas la bonne"), "a wrong passphrase resumed the mediator's session");
    await desk.getByLabel("Phrase de passe").fill(env("COFFRE_MEDIATOR_PASSPHRASE"));
    await desk.getByRole("button", { name: "Reprendre ma session" }).click();
    check(
      !(await counter.cookies()).some((c) => c.name === "__Host-coffre_accompanied"),
      "the citizen's session cookie outlived her « Quitter »",
    );
    await desk.getByRole("link", { name: "Carte d'identité (scan)" }).waitFor({ timeout: 60_000 });
    check(
      (await desk.getByRole("heading", { level: 1 }).innerText()).includes(mediator) && (await desk.getByRole("note").count()) === 0,
      "the mediator's session did not come back",
    );
    await counter.close();
  }

  // A new vault, made in the browser at phone width: a weak passphrase refused,
  // a suggested one offered, the kit saved before « Continuer » can be used.
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    acceptDownloads: true,
    locale: "fr-FR",
  });
  // Fake timers, for the idle logout (15 minutes) below; the camera, for the kit.
  await context.clock.install();
  await context.grantPermissions(["camera"]);
  const page = await context.newPage();
  page.on("pageerror", (e) => failures.push(`page error while creating: ${e.message}`));
  await page.goto(url);
  await page.getByRole("button", { name: "Créer mon coffre" }).click();
  await page.getByRole("heading", { level: 1, name: "Créer mon coffre" }).waitFor();
  await page.getByLabel("Identifiant").fill(newUser);
  await page.getByLabel("Phrase de passe", { exact: true }).fill("soleil1234");
  await page.getByLabel("Confirmer la phrase de passe").fill("soleil1234");
  await page.getByRole("button", { name: "Créer mon coffre" }).click();
  await page.getByRole("alert").waitFor();
  check(
    (await page.getByRole("alert").innerText()).includes("trop facile"),
    "a weak passphrase was not refused",
  );
  await page.getByRole("button", { name: "Proposer une phrase de passe" }).click();
  const proposed = await page.getByLabel("Phrase de passe", { exact: true }).inputValue();
  check(proposed.split(" ").length === 6, `the suggested passphrase is not six words: ${proposed}`);
  await audit(page, "create", 360);
  await page.getByLabel("Identifiant").fill(newUser);
  await page.getByLabel("Phrase de passe", { exact: true }).fill(newPassphrase);
  await page.getByLabel("Confirmer la phrase de passe").fill(newPassphrase);
  await page.getByRole("button", { name: "Créer mon coffre" }).click();
  await page.getByRole("heading", { level: 1, name: "Votre kit de récupération" }).waitFor({ timeout: 60_000 });
  await audit(page, "kit", 360);
  check(await page.getByRole("button", { name: "Continuer" }).isDisabled(), "« Continuer » before the kit was kept");
  const [kitFile] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Enregistrer dans un fichier" }).click(),
  ]);
  await kitFile.saveAs(`${artifacts}/kit.txt`);
  await page.getByRole("button", { name: "Continuer" }).click();
  await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor();
  // Her account: her safety code (the Rust test compares it with the CLI's), and a
  // new passphrase.
  await page.getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("heading", { level: 1, name: "Mon compte" }).waitFor();
  await audit(page, "account", 360);
  writeFileSync(`${artifacts}/code.txt`, await page.getByLabel("Mon code de sécurité").innerText());
  await page.getByRole("button", { name: "Changer ma phrase de passe" }).click();
  await page.getByLabel("Phrase de passe actuelle").fill(newPassphrase);
  await page.getByLabel("Nouvelle phrase de passe").fill(changedPassphrase);
  await page.getByLabel("Confirmer la phrase de passe").fill(changedPassphrase);
  await audit(page, "passphrase", 360);
  await page.getByRole("button", { name: "Changer ma phrase de passe" }).click();
  await page.getByText("Votre phrase de passe est changée").waitFor({ timeout: 60_000 });
  // Left alone on a shared computer: warned at 13 minutes, can stay; gone at 15.
  await page.clock.fastForward("13:01");
  await page.getByRole("button", { name: "Rester connecté" }).click();
  check((await page.getByRole("heading", { level: 1 }).innerText()) === "Mon compte", "« Rester connecté » did not keep her in");
  await page.clock.fastForward("15:01");
  await page.getByRole("button", { name: "Me connecter" }).waitFor();
  check(
    !(await context.cookies()).some((c) => c.name === "__Host-coffre_session"),
    "the session outlived the idle logout",
  );

  // The kit the CLI wrote for the first citizen recovers her vault here: pasted,
  // a new passphrase chosen, a new kit kept; her papers are there.
  await page.getByRole("button", { name: "Me connecter" }).click();
  await page.getByRole("link", { name: "J'ai oublié ma phrase de passe" }).click();
  await page.getByRole("heading", { level: 1, name: "Retrouver mon coffre" }).waitFor();
  await page.getByLabel("Kit de récupération").fill("AGE-SECRET-KEY-1QQQ pas un kit");
  await page.getByLabel("Identifiant").fill(user);
  await page.getByLabel("Nouvelle phrase de passe").fill(recoveredPassphrase);
  await page.getByLabel("Confirmer la phrase de passe").fill(recoveredPassphrase);
  await page.getByRole("button", { name: "Retrouver mon coffre" }).click();
  await page.getByRole("alert").waitFor();
  await audit(page, "recover", 360);
  // Her kit, but the server presents another journal than the one it recorded:
  // refused before anything changes (her kit still works just after).
  const kitText = readFileSync(cliKit, "utf8");
  await page.getByLabel("Kit de récupération").fill(
    kitText.replace(/Clé du journal : .*/, "Clé du journal : localhost/journal/v1+00000000+AQID"),
  );
  await page.getByLabel("Identifiant").fill(user);
  await page.getByLabel("Nouvelle phrase de passe").fill(recoveredPassphrase);
  await page.getByLabel("Confirmer la phrase de passe").fill(recoveredPassphrase);
  const earlier = await page.getByRole("alert").elementHandle();
  await page.getByRole("button", { name: "Retrouver mon coffre" }).click();
  // The earlier message goes when the page answers this attempt.
  await page.waitForFunction((e) => !e?.isConnected, earlier, { timeout: 60_000 });
  await page.getByRole("alert").waitFor({ timeout: 60_000 });
  check(
    (await page.getByRole("alert").innerText()).includes("autre journal"),
    `another journal is not said plainly: ${await page.getByRole("alert").innerText()}`,
  );
  await page.getByLabel("Kit de récupération").fill(kitText);
  check((await page.getByLabel("Identifiant").inputValue()) === user, "the kit did not fill in the user name");
  await page.getByLabel("Nouvelle phrase de passe").fill(recoveredPassphrase);
  await page.getByLabel("Confirmer la phrase de passe").fill(recoveredPassphrase);
  const stale = await page.getByRole("alert").elementHandle();
  // This time the kit is scanned: its QR code held in front of the camera.
  await page.getByLabel("Kit de récupération").fill("");
  await page.getByLabel("Identifiant").fill("");
  await page.getByRole("button", { name: "Scanner le QR code du kit" }).click();
  await page.getByText("Kit lu.").waitFor({ timeout: 60_000 });
  check(
    (await page.getByLabel("Kit de récupération").inputValue()).trim() === kitText.trim(),
    "the scanned kit is not the printed one",
  );
  check((await page.getByLabel("Identifiant").inputValue()) === user, "the scanned kit did not fill in the user name");
  check(
    await page.evaluate(() => !document.querySelector("video")?.srcObject),
    "the camera is still on after the kit was read",
  );
  await audit(page, "recover-scanned", 360);

  await page.getByRole("button", { name: "Retrouver mon coffre" }).click();
  // The earlier message goes when the page answers this attempt.
  await page.waitForFunction((e) => !e?.isConnected, stale, { timeout: 60_000 });
  await page
    .getByRole("heading", { level: 1, name: "Votre kit de récupération" })
    .or(page.getByRole("alert"))
    .waitFor({ timeout: 60_000 });
  if (await page.getByRole("alert").isVisible()) {
    throw new Error(`recovery with the CLI's kit refused: ${await page.getByRole("alert").innerText()}`);
  }
  const [newKit] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Enregistrer dans un fichier" }).click(),
  ]);
  await newKit.saveAs(`${artifacts}/kit-recovered.txt`);
  await page.getByRole("button", { name: "Continuer" }).click();
  await page.getByRole("link", { name: "Quittance de loyer" }).waitFor();
  await page.getByRole("button", { name: "Quitter" }).click();

  // Another citizen leaves: her account deleted from the browser, after her
  // passphrase.
  await page.getByRole("button", { name: "Me connecter" }).click();
  await logIn(page, leaving, passphrase);
  await page.getByRole("link", { name: "Mon compte" }).click();
  // First she takes everything with her: one ZIP file, checked by the Rust side with
  // sha256sum and the stock age CLI. A wrong passphrase exports nothing.
  await page.getByRole("button", { name: "Exporter mon coffre" }).click();
  await audit(page, "export", 360);
  await page.getByLabel("Phrase de passe").fill(`${passphrase} faux`);
  await page.getByRole("button", { name: "Exporter", exact: true }).click();
  await page.getByRole("alert").waitFor({ timeout: 60_000 });
  check(
    (await page.getByRole("alert").innerText()).includes("pas la bonne"),
    `a wrong passphrase is not said plainly: ${await page.getByRole("alert").innerText()}`,
  );
  await page.getByLabel("Phrase de passe").fill(passphrase);
  await page.getByRole("button", { name: "Exporter", exact: true }).click();
  await page.getByRole("button", { name: "Enregistrer le fichier" }).waitFor({ timeout: 120_000 });
  await audit(page, "export-ready", 360);
  const [exported] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Enregistrer le fichier" }).click(),
  ]);
  check(exported.suggestedFilename().startsWith(`coffre-${leaving}-`), `export named ${exported.suggestedFilename()}`);
  await exported.saveAs(`${artifacts}/export.zip`);
  // Someone else goes to another site in this tab, then presses « Précédent »: the
  // page comes back empty (never from the back/forward cache), the export gone.
  await page.goto("about:blank");
  await page.goBack();
  await page.getByRole("heading", { level: 1, name: "Votre coffre de papiers" }).waitFor({ timeout: 60_000 });
  check((await page.getByRole("button", { name: "Enregistrer le fichier" }).count()) === 0, "the export came back with « Précédent »");
  await page.getByRole("button", { name: "Me connecter" }).click();
  await logIn(page, leaving, passphrase);
  await page.getByRole("link", { name: "Mon compte" }).click();
  await page.getByRole("button", { name: "Supprimer mon compte" }).click();
  await audit(page, "delete-account", 360);
  await page.getByLabel("Phrase de passe").fill(passphrase);
  await page.getByRole("button", { name: "Oui, supprimer mon compte" }).click();
  await page.getByRole("heading", { level: 1, name: "Compte supprimé" }).waitFor({ timeout: 60_000 });
  await context.close();

  // A compromised server rewrites an entry of her journal: « Mon journal » says so
  // with an alert (and no « Journal vérifié »), and hands her the evidence.
  const hostile = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, locale: "fr-FR" });
  const lied = await hostile.newPage();
  await lied.goto(hostileUrl);
  await lied.getByRole("button", { name: "Me connecter" }).click();
  await logIn(lied, newUser, changedPassphrase);
  // The service says it was restored from a backup (a notice signed by its journal
  // key): « Mes papiers » tells her, and what to do.
  const restored = lied.getByRole("status").filter({ hasText: "Le service a été restauré" });
  await restored.waitFor({ timeout: 30_000 });
  check(
    (await restored.innerText()).includes("ajoutez-le de nouveau"),
    `the restore is not said plainly: ${await restored.innerText()}`,
  );
  await audit(lied, "papers-restored", 360);
  await lied.getByRole("link", { name: "Mon journal" }).click();
  await lied.getByRole("alert").waitFor({ timeout: 60_000 });
  const alarm = await lied.getByRole("alert").innerText();
  check(
    alarm.includes("ne se vérifie pas") && alarm.includes("une entrée a été modifiée"),
    `a rewritten journal entry is not said plainly: ${alarm}`,
  );
  check((await lied.getByText("Journal vérifié", { exact: true }).count()) === 0, "a rewritten journal shows « Journal vérifié »");
  await audit(lied, "history-alert", 1280);
  const [evidence] = await Promise.all([
    lied.waitForEvent("download"),
    lied.getByRole("button", { name: "Télécharger la preuve" }).click(),
  ]);
  await evidence.saveAs(`${artifacts}/journal-evidence.json`);
  const kept = JSON.parse(readFileSync(`${artifacts}/journal-evidence.json`, "utf8"));
  check(
    kept.refused?.reason === "inclusion" && kept.received?.pages?.[0]?.entries?.length > 1,
    `the evidence does not hold what was refused: ${JSON.stringify(kept.refused)}`,
  );
  await hostile.close();

  // A browser without WebAssembly (or without the Web Crypto API) is told so in one
  // sentence, before anything is asked of her.
  const old = await browser.newContext({ ignoreHTTPSErrors: true, locale: "fr-FR" });
  await old.addInitScript(() => {
    // @ts-expect-error removed on purpose: an old or locked-down browser
    delete globalThis.WebAssembly;
  });
  const oldTab = await old.newPage();
  await oldTab.goto(url);
  await oldTab.getByRole("alert").waitFor();
  check(
    (await oldTab.getByRole("alert").innerText()).includes("Ce navigateur ne peut pas ouvrir votre coffre"),
    `a browser without WebAssembly is not told plainly: ${await oldTab.getByRole("alert").innerText()}`,
  );
  await audit(oldTab, "unsupported", 1280);
  await old.close();

  // A tab closed without « Quitter » ends its session on the server too: the cookie
  // the browser still holds opens nothing afterwards.
  const closing = await browser.newContext({ ignoreHTTPSErrors: true, locale: "fr-FR" });
  const tab = await closing.newPage();
  await tab.goto(url);
  await tab.getByRole("button", { name: "Me connecter" }).click();
  await logIn(tab, user, recoveredPassphrase);
  const probe = () => closing.request.get(`${url}/v1/documents`, { headers: { "X-Coffre-CSRF": "1" } });
  check((await probe()).status() === 200, "the session does not work before the tab closes");
  await tab.close({ runBeforeUnload: true });
  let status = 0;
  for (let i = 0; i < 30 && status !== 401; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await probe()).status();
  }
  check(status === 401, `the session outlived its closed tab (${status})`);
  await closing.close();
} finally {
  await browser.close();
}
writeFileSync(`${artifacts}/result.txt`, failures.length ? failures.join("\n") : "ok\n");
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log("browser: every page passed");
