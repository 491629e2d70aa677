// Generates src/generated from the medchain IDL with Codama (@codama/nodes-from-anchor +
// @codama/renderers-js, for @solana/kit).
//   npm run generate            rewrite src/generated from ../../idl/medchain.json
//   npm run check               regenerate into a temporary folder and fail (exit 1) if the
//                               committed src/generated differs from it in any file
// MEDCHAIN_IDL=path overrides the IDL (both modes).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rootNodeFromAnchor } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";
import { visit } from "@codama/visitors-core";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const idlPath = resolve(process.env.MEDCHAIN_IDL ?? join(pkg, "../../idl/medchain.json"));
const check = process.argv.includes("--check");
const GENERATED = "src/generated";

async function render(packageFolder) {
  const idl = JSON.parse(readFileSync(idlPath, "utf8"));
  // Codama warns (on stdout) when two instructions give the same account name different seeds;
  // it renames them deterministically, so the warning carries nothing to act on here.
  const quiet = (write) => (...args) => (String(args[0]).startsWith("PDA name collision") ? undefined : write(...args));
  const { log, warn } = console;
  console.log = quiet(log);
  console.warn = quiet(warn);
  try {
    const root = rootNodeFromAnchor(idl);
    await visit(
      root,
      renderVisitor(packageFolder, {
        generatedFolder: GENERATED,
        deleteFolderBeforeRendering: true,
        // package.json is maintained by hand (pinned versions, scripts).
        syncPackageJson: false,
      }),
    );
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

if (!check) {
  await render(pkg);
  console.log(`generated ${files(join(pkg, GENERATED)).length} files in ${GENERATED} from ${relative(pkg, idlPath)}`);
} else {
  // Inside the package, so that Prettier resolves the same configuration as `generate`.
  const tmp = mkdtempSync(join(pkg, ".generate-check-"));
  try {
    await render(tmp);
    const want = join(tmp, GENERATED);
    const have = join(pkg, GENERATED);
    const wantFiles = files(want);
    let haveFiles = [];
    try {
      haveFiles = files(have);
    } catch {
      haveFiles = [];
    }
    const problems = [];
    for (const f of wantFiles) {
      if (!haveFiles.includes(f)) problems.push(`missing: ${f}`);
      else if (readFileSync(join(want, f), "utf8") !== readFileSync(join(have, f), "utf8")) problems.push(`differs: ${f}`);
    }
    for (const f of haveFiles) if (!wantFiles.includes(f)) problems.push(`not generated from the IDL: ${f}`);
    if (problems.length > 0) {
      console.error(`clients/js/${GENERATED} does not match ${relative(pkg, idlPath)}:`);
      for (const p of problems) console.error(`  ${p}`);
      console.error("run `npm run generate` in clients/js and commit the result");
      process.exitCode = 1;
    } else {
      console.log(`clients/js/${GENERATED} matches ${relative(pkg, idlPath)} (${wantFiles.length} files)`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
