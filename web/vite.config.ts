import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, type Plugin } from "vite";

// Built by coffred's build script into its OUT_DIR and embedded in the binary: no
// inline script (the page's CSP forbids it), no request to any third party.

/** Subresource integrity on the page's own scripts and styles (`integrity="sha384-…"`
 *  on every <script src> and <link href> of index.html that names a built file): a
 *  file changed after the build, or mixed from another build, is refused by the
 *  browser. Workers and the chunk loaded on demand cannot carry it. */
function subresourceIntegrity(): Plugin {
  return {
    name: "coffre-sri",
    apply: "build",
    enforce: "post",
    // Once the files are on disk: the bytes hashed are the bytes served (chunks are
    // still rewritten after generateBundle).
    writeBundle(options) {
      const dir = options.dir ?? "dist";
      const page = join(dir, "index.html");
      const html = readFileSync(page, "utf8").replace(
        /<(script|link)\b([^>]*?)\b(src|href)="\/([^"]+)"([^>]*)>/g,
        (tag: string, name: string, before: string, attr: string, file: string, after: string) => {
          const path = join(dir, file);
          if (!existsSync(path)) return tag;
          const digest = createHash("sha384").update(readFileSync(path)).digest("base64");
          return `<${name}${before}${attr}="/${file}" integrity="sha384-${digest}"${after}>`;
        },
      );
      writeFileSync(page, html);
    },
  };
}

export default defineConfig({
  build: {
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  worker: { format: "es" },
  plugins: [subresourceIntegrity()],
});
