// Browser-side speed, for `cargo bench --bench web`: logs in to a real coffred in
// Debian's headless Chromium, adds COFFRE_FILE through the page (encrypted in the
// tab while it streams up) and downloads it back (decrypted in the tab), and prints
// one JSON line: seconds for each and the tab's peak JavaScript heap.
//   COFFRE_URL, COFFRE_USER, COFFRE_PASSPHRASE, COFFRE_FILE

import { chromium } from "playwright-core";
import { statSync } from "node:fs";

const env = (n: string) => process.env[n] ?? (() => { throw new Error(`${n} is not set`); })();
const url = env("COFFRE_URL");
const file = env("COFFRE_FILE");

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true, locale: "fr-FR" });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  let peakHeap = 0;
  const sample = setInterval(async () => {
    try {
      const { metrics } = await cdp.send("Performance.getMetrics");
      const used = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
      peakHeap = Math.max(peakHeap, used);
    } catch {
      // page busy or gone
    }
  }, 100);
  await page.goto(url);
  await page.getByRole("button", { name: "Me connecter" }).click();
  await page.getByLabel("Identifiant").fill(env("COFFRE_USER"));
  await page.getByLabel("Phrase de passe").fill(env("COFFRE_PASSPHRASE"));
  await page.getByRole("button", { name: "Me connecter" }).click();
  await page.getByRole("heading", { level: 1, name: "Mes papiers" }).waitFor({ timeout: 120_000 });
  await page.getByRole("link", { name: "Ajouter un document" }).click();
  await page.getByLabel("Fichier").setInputFiles(file);
  await page.getByLabel("Titre").fill("Gros scan");
  const upStart = performance.now();
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByRole("link", { name: "Gros scan" }).waitFor({ timeout: 600_000 });
  const upSeconds = (performance.now() - upStart) / 1000;
  await page.getByRole("link", { name: "Gros scan" }).click();
  const downStart = performance.now();
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 600_000 }),
    page.getByRole("button", { name: "Télécharger" }).click(),
  ]);
  await download.path();
  const downSeconds = (performance.now() - downStart) / 1000;
  clearInterval(sample);
  console.log(
    JSON.stringify({ bytes: statSync(file).size, up_s: upSeconds, down_s: downSeconds, peak_heap_bytes: peakHeap }),
  );
} finally {
  await browser.close();
}
