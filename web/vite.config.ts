import { defineConfig } from "vite";

// Built by coffred's build script into its OUT_DIR and embedded in the binary: no
// inline script (the page's CSP forbids it), no request to any third party.
export default defineConfig({
  build: {
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  worker: { format: "es" },
});
