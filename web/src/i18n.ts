// The page's words, from the Fluent catalogues the server and the CLI use too
// (`locales/LANG/common.ftl`: errors, categories, journal; `web.ftl`: the pages).
// French first; English and Arabic, right to left. One bundle at a time; switching
// re-renders the current screen.

import { FluentBundle, FluentResource, type FluentVariable } from "@fluent/bundle";
import frCommon from "../../locales/fr/common.ftl?raw";
import frWeb from "../../locales/fr/web.ftl?raw";
import enCommon from "../../locales/en/common.ftl?raw";
import enWeb from "../../locales/en/web.ftl?raw";
import arCommon from "../../locales/ar/common.ftl?raw";
import arWeb from "../../locales/ar/web.ftl?raw";

export type Lang = "fr" | "en" | "ar";
export const LANGS: { code: Lang; name: string }[] = [
  { code: "fr", name: "Français" },
  { code: "en", name: "English" },
  { code: "ar", name: "العربية" },
];
const SOURCES: Record<Lang, string[]> = {
  fr: [frCommon, frWeb],
  en: [enCommon, enWeb],
  ar: [arCommon, arWeb],
};

let bundle = load("fr");
let current: Lang = "fr";

function load(lang: Lang): FluentBundle {
  const b = new FluentBundle(lang, { useIsolating: false });
  for (const source of SOURCES[lang]) {
    const errors = b.addResource(new FluentResource(source));
    if (errors.length > 0) throw errors[0];
  }
  return b;
}

export function setLang(lang: Lang): void {
  current = lang;
  bundle = load(lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
}

export function lang(): Lang {
  return current;
}

/** The text of `id`, with its arguments; the id itself if it is missing. */
export function t(id: string, args?: Record<string, FluentVariable>): string {
  const message = bundle.getMessage(id);
  if (!message?.value) return id;
  return bundle.formatPattern(message.value, args);
}

/** Whether the catalogue has `id`. */
export function has(id: string): boolean {
  return bundle.hasMessage(id);
}

/** A date (YYYY-MM-DD or ms) as people read it in the current language. */
export function date(value: string | number): string {
  const d = typeof value === "number" ? new Date(value) : new Date(`${value}T12:00:00`);
  const locale = current === "fr" ? "fr-FR" : current === "ar" ? "ar" : "en-GB";
  return d.toLocaleDateString(locale, { day: "numeric", month: "long", year: "numeric" });
}

/** An instant (ms) with its time, as people read it in the current language. */
export function instant(ms: number): string {
  const locale = current === "fr" ? "fr-FR" : current === "ar" ? "ar" : "en-GB";
  return new Date(ms).toLocaleString(locale, {
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} Kio`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} Mio`;
}
