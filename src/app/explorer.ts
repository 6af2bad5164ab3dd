import { existsSync } from "node:fs";
import path from "node:path";
import express, { Router } from "express";

// GraphiQL and React served from node_modules: the explorer works with no internet.
const ASSETS: Record<string, string> = {
  "graphiql.min.js": "graphiql/graphiql.min.js",
  "graphiql.min.css": "graphiql/graphiql.min.css",
  "react.production.min.js": "react/umd/react.production.min.js",
  "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Number registry — GraphQL explorer</title>
  <link rel="stylesheet" href="/explorer/graphiql.min.css">
  <style>body{margin:0;height:100vh}#explorer{height:100vh}</style>
</head>
<body>
  <div id="explorer">Loading the explorer…</div>
  <script src="/explorer/react.production.min.js"></script>
  <script src="/explorer/react-dom.production.min.js"></script>
  <script src="/explorer/graphiql.min.js"></script>
  <script>
    const baseFetcher = GraphiQL.createFetcher({ url: location.origin + "/graphql" });
    // An Authorization header still holding the "Bearer " template means no token: PUBLIC.
    const fetcher = (params, opts) => {
      const headers = { ...((opts && opts.headers) || {}) };
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === "authorization" && /^\\s*(bearer)?\\s*$/i.test(String(headers[name]))) delete headers[name];
      }
      return baseFetcher(params, { ...opts, headers });
    };
    const defaultQuery = [
      "# The shared number registry. Without a token you are PUBLIC.",
      "# Get a token with: npm run token -- --org PLATFORM --role ADMIN",
      "# and put it under Headers below as {\\"Authorization\\": \\"Bearer <token>\\"}.",
      "",
      "query OfficialMarketingNumbers {",
      "  officialMarketingNumbers { carrierName number }",
      "}",
      ""
    ].join("\\n");
    ReactDOM.createRoot(document.getElementById("explorer")).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultQuery,
        defaultHeaders: '{\\n  "Authorization": "Bearer "\\n}',
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: true,
      })
    );
  </script>
</body>
</html>`;

/** The file in the nearest node_modules above this module (src/ in tests, dist/src/ when built). */
function resolveAsset(file: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", file);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`the explorer asset ${file} is not installed`);
  }
}

/** GET /graphql from a browser gets the explorer; its assets live under /explorer. */
export function explorerRouter(): Router {
  const router = express.Router();
  router.get("/graphql", (req, res, next) => {
    const wantsHtml = req.accepts(["application/json", "application/graphql-response+json", "text/html"]) === "text/html";
    if (!wantsHtml || req.query.query) return next();
    res.type("html").send(PAGE);
  });
  for (const [name, file] of Object.entries(ASSETS)) {
    const location = resolveAsset(file);
    router.get(`/explorer/${name}`, (_req, res) => res.sendFile(location, { maxAge: "1d" }));
  }
  return router;
}
