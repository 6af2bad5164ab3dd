import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import express, { NextFunction, Request, Response, Router } from "express";

/**
 * The console's pages run only the bundle served beside them: no inline script or style, no other
 * origin, no frames, no forms posted anywhere; data: images for what ECharts draws on canvas.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const IMMUTABLE = "public, max-age=31536000, immutable";
const ASSET_NAME = /^[A-Za-z0-9_-]+\.(js|css)(\.map)?$/;
const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json; charset=utf-8",
};

/** dist/console as `npm run build` leaves it: beside dist/src when built, at the project's root from src/ (tests). */
export function builtConsoleDir(): string | null {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "dist", "console");
    if (existsSync(path.join(candidate, "index.html"))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function secure(res: Response): void {
  res.setHeader("content-security-policy", CONSOLE_CSP);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cross-origin-opener-policy", "same-origin");
  res.setHeader("cross-origin-resource-policy", "same-origin");
}

/**
 * GET /console and every path below it: the hashed assets under /console/assets (cached for a year, and
 * precompressed copies where the browser takes them), and index.html for every other path (the page's
 * own routes), never cached. The console holds no powers: it calls POST /graphql with the user's token.
 */
export function consoleRouter(built?: string): Router {
  // Looked for until found: a server may start before the console's first build.
  let found: string | null = built ?? null;
  const where = () => (found ??= builtConsoleDir());
  const router = express.Router();
  router.use("/console", (_req: Request, res: Response, next: NextFunction) => {
    secure(res);
    next();
  });

  router.get("/console/assets/:file", async (req: Request, res: Response, next: NextFunction) => {
    const file = String(req.params.file);
    const match = ASSET_NAME.exec(file);
    const dir = where();
    if (!dir || !match) return notFound(res);
    const location = path.join(dir, "assets", file);
    // Precompressed by the build: brotli, else gzip, when the browser accepts it.
    const kind = match[2] ? "map" : match[1];
    const encoding = kind === "map" ? null : req.acceptsEncodings("br") ? "br" : req.acceptsEncodings("gzip") ? "gzip" : null;
    const suffix = encoding === "br" ? ".br" : encoding === "gzip" ? ".gz" : "";
    try {
      const chosen = suffix && (await exists(location + suffix)) ? location + suffix : location;
      if (!(await exists(chosen))) return notFound(res);
      res.setHeader("vary", "accept-encoding");
      if (chosen !== location) res.setHeader("content-encoding", encoding!);
      res.setHeader("content-type", TYPES[kind]);
      res.sendFile(chosen, { headers: { "cache-control": IMMUTABLE }, cacheControl: false, lastModified: true, etag: true }, (error) => {
        if (error && !res.headersSent) next(error);
      });
    } catch (error) {
      next(error);
    }
  });
  router.all("/console/assets/{*rest}", (_req: Request, res: Response) => notFound(res));

  router.get(["/console", "/console/{*route}"], async (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader("cache-control", "no-cache");
    const dir = where();
    if (!dir) {
      return res.status(503).type("text/plain").send("The console is not built: run `npm run build` (or `node console/build.mjs`).\n");
    }
    try {
      res.type("html").send(await readFile(path.join(dir, "index.html")));
    } catch (error) {
      next(error);
    }
  });
  return router;
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function notFound(res: Response): void {
  res.setHeader("cache-control", "no-cache");
  res.status(404).type("text/plain").send("Not found\n");
}
