// Bundles the web console (console/src) into dist/console: content-hashed files under assets/, served
// with year-long caching, and index.html, which names them and is written last, so a server never
// serves an index naming files that are not there yet. Run by `npm run build`; `--if-stale` (the
// browser tests) does nothing when no input changed since the last build. esbuild does not check
// types: the console's tsconfig is checked first, and a type error fails the build.
//
//   node console/build.mjs [--if-stale] [--quiet]
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build, version as esbuildVersion } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "dist", "console");
const ASSETS = path.join(OUT, "assets");
const INFO = path.join(OUT, "build-info.json");
const PUBLIC_PATH = "/console/assets/";
const SELF = path.relative(ROOT, fileURLToPath(import.meta.url));

const args = new Set(process.argv.slice(2));
const quiet = args.has("--quiet");
const say = (line) => quiet || process.stdout.write(`${line}\n`);

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const fileHash = (relative) => {
  try {
    return sha256(readFileSync(path.join(ROOT, relative)));
  } catch {
    return null;
  }
};

/** Why the last build no longer matches its inputs (null: it still does). */
function staleness() {
  let info;
  try {
    info = JSON.parse(readFileSync(INFO, "utf8"));
  } catch {
    return "not built yet";
  }
  if (info.esbuild !== esbuildVersion) return `built with esbuild ${info.esbuild}`;
  for (const [file, hash] of Object.entries(info.inputs)) if (fileHash(file) !== hash) return `${file} changed`;
  // A source file added beside the others is not among the last build's inputs until it is imported,
  // and once imported its importer changed: the inputs above cover it.
  for (const file of [...info.outputs, "../index.html"]) if (!existsSync(path.join(ASSETS, file))) return `${file} is missing`;
  return null;
}

/** Writes a file whole or not at all: a reader never sees half of it. */
function writeAtomically(file, data) {
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

const page = ({ script, stylesheet }) => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>400 号码共享登记平台 · 控制台</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${PUBLIC_PATH}${stylesheet}">
<script type="module" src="${PUBLIC_PATH}${script}"></script>
</head>
<body>
<div id="root"><noscript>本控制台需要 JavaScript。The console needs JavaScript.</noscript></div>
</body>
</html>
`;

async function main() {
  if (args.has("--if-stale")) {
    const reason = staleness();
    if (reason === null) {
      say("console: up to date in dist/console");
      return;
    }
    say(`console: rebuilding (${reason})`);
  }
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const checked = spawnSync(process.execPath, [tsc, "-p", path.join(ROOT, "console/tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
  if (checked.status !== 0) throw new Error(`the console does not type-check:\n${checked.stdout}${checked.stderr}`);

  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: "console/src/main.tsx" },
    bundle: true,
    // ES modules with code splitting: the charts (ECharts) are a chunk of their own, loaded when a chart is drawn.
    format: "esm",
    splitting: true,
    platform: "browser",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    jsx: "automatic",
    minify: true,
    sourcemap: "linked",
    legalComments: "eof",
    define: { "process.env.NODE_ENV": '"production"' },
    outdir: ASSETS,
    publicPath: PUBLIC_PATH,
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    metafile: true,
    write: false,
    logLevel: "warning",
  });

  mkdirSync(ASSETS, { recursive: true });
  const outputs = [];
  let script = null;
  let stylesheet = null;
  for (const file of result.outputFiles) {
    const name = path.relative(ASSETS, file.path);
    writeAtomically(file.path, file.contents);
    const output = { name, bytes: file.contents.length, compressed: [] };
    if (!name.endsWith(".map")) {
      // Precompressed once here, so the server sends the smaller file without compressing per request.
      const br = brotliCompressSync(file.contents, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: file.contents.length } });
      const gz = gzipSync(file.contents, { level: 9 });
      writeAtomically(`${file.path}.br`, br);
      writeAtomically(`${file.path}.gz`, gz);
      output.compressed = [`${name}.br`, `${name}.gz`];
      Object.assign(output, { br: br.length, gzip: gz.length });
    }
    outputs.push(output);
    const meta = result.metafile.outputs[path.relative(ROOT, file.path)];
    if (meta?.entryPoint === "console/src/main.tsx") script = name;
    if (name.startsWith("app-") && name.endsWith(".css")) stylesheet = name;
  }
  if (!script || !stylesheet) throw new Error(`the build did not produce the app's script and stylesheet: ${outputs.map((o) => o.name).join(", ")}`);
  writeAtomically(path.join(OUT, "index.html"), page({ script, stylesheet }));

  // Files of earlier builds go; a build running beside this one (same inputs) writes the same names.
  const current = new Set(outputs.flatMap((o) => [o.name, ...o.compressed]));
  for (const name of readdirSync(ASSETS)) if (!current.has(name) && !name.endsWith(".tmp")) rmSync(path.join(ASSETS, name), { force: true });

  const inputs = Object.fromEntries([...Object.keys(result.metafile.inputs), SELF, "console/tsconfig.json"].sort().map((file) => [file, fileHash(file)]));
  writeAtomically(INFO, JSON.stringify({ esbuild: esbuildVersion, script, stylesheet, outputs: [...current].sort(), inputs }, null, 2));

  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  say(`console: dist/console/index.html and ${outputs.length} files in dist/console/assets`);
  for (const o of outputs.filter((o) => !o.name.endsWith(".map")).sort((a, b) => b.bytes - a.bytes)) {
    say(`  ${o.name.padEnd(28)} ${kb(o.bytes).padStart(11)}  (${kb(o.gzip)} gzip, ${kb(o.br)} brotli)`);
  }
}

main().catch((error) => {
  process.stderr.write(`console build failed: ${error?.message ?? error}\n`);
  process.exit(1);
});
