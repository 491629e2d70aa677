// Builds the portal into cli/src/serve/portal/dist (committed; `medchain serve` embeds it):
// app.js (one ES module, minified), app.css and index.html. The output is a function of the
// sources and the locked dependencies only: no timestamps, no absolute paths, no source maps,
// so `node build.mjs --check` (run in CI) rebuilds into a temporary directory and fails
// unless every byte equals the committed files.
import * as esbuild from "esbuild";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const committed = join(here, "..", "cli", "src", "serve", "portal", "dist");
const FILES = ["app.js", "app.css", "index.html"];
const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "medchain-portal-")) : committed;

mkdirSync(out, { recursive: true });
await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: "src/app.ts" },
  bundle: true,
  format: "esm",
  target: "es2022",
  platform: "browser",
  minify: true,
  legalComments: "none",
  sourcemap: false,
  charset: "utf8",
  outdir: out,
  logLevel: "warning",
});
await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: "src/style.css" },
  bundle: true,
  minify: true,
  legalComments: "none",
  charset: "utf8",
  outdir: out,
  logLevel: "warning",
});
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));

if (check) {
  const different = FILES.filter((f) => {
    try {
      return !readFileSync(join(out, f)).equals(readFileSync(join(committed, f)));
    } catch {
      return true;
    }
  });
  rmSync(out, { recursive: true, force: true });
  if (different.length > 0) {
    console.error(`portal: the committed bundle differs from a rebuild of the sources: ${different.join(", ")}; run 'npm run build' in portal/ and commit cli/src/serve/portal/dist`);
    process.exit(1);
  }
  console.log(`portal: the committed bundle is a byte-exact rebuild of the sources (${FILES.join(", ")})`);
} else {
  for (const f of FILES) console.log(`portal: wrote ${join("cli/src/serve/portal/dist", f)} (${readFileSync(join(out, f)).length} bytes)`);
}
