import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../../src/config";

/**
 * docker-compose.yml and the proxy's configuration, checked without Docker: the file parses, the replicas
 * are only reachable through the proxy, believe its X-Forwarded-For and nobody else's, and every replica
 * is a health-checked server of the proxy.
 */

// js-yaml comes with Jest (istanbul's config loader); no Docker engine or compose binary is needed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require("js-yaml") as { safeLoad(text: string): unknown };

const ROOT = path.join(__dirname, "..", "..");
const compose = yaml.safeLoad(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")) as {
  services: Record<string, { image?: string; build?: unknown; ports?: string[]; expose?: string[]; environment?: Record<string, string>; volumes?: string[];
    networks?: Record<string, { ipv4_address?: string }> | string[]; depends_on?: unknown; healthcheck?: { test: string[] } }>;
  networks: Record<string, { ipam: { config: { subnet: string }[] } }>;
};
const haproxy = readFileSync(path.join(ROOT, "deploy", "haproxy", "haproxy.cfg"), "utf8");
const replicas = Object.keys(compose.services).filter((name) => /^api\d+$/.test(name));

/** compose's ${NAME:-default} and ${NAME:?message}, with these values for the required ones. */
const substitute = (value: string, given: Record<string, string>) =>
  value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, kind: string | undefined, rest: string) => given[name] ?? (kind === "-" ? rest : ""));

const inSubnet = (address: string, subnet: string) => {
  const [base, bits] = subnet.split("/");
  const n = (a: string) => a.split(".").reduce((x, o) => x * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(address) / size) === Math.floor(n(base) / size);
};

describe("docker-compose.yml", () => {
  it("runs PostgreSQL, at least two API replicas of one image and a proxy", () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["db", "proxy"]));
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    const images = new Set(replicas.map((r) => compose.services[r].image));
    expect(images.size).toBe(1);
  });

  it("reaches the replicas through the proxy only, which they believe about the client's address", () => {
    const proxy = compose.services.proxy;
    const address = (proxy.networks as Record<string, { ipv4_address?: string }>).registry.ipv4_address!;
    expect(inSubnet(address, compose.networks.registry.ipam.config[0].subnet)).toBe(true);
    expect(proxy.ports).toEqual(["4000:8080"]);
    expect(proxy.volumes).toContain("./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    for (const replica of replicas) {
      const service = compose.services[replica];
      expect(service.ports).toBeUndefined();
      expect(service.environment!.TRUST_PROXY).toBe(address);
    }
  });

  it("gives each replica an environment the server accepts in production, the demo data loaded by one at most", () => {
    const given = { JWT_SECRET: "x".repeat(64), PII_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"), SEED_DEMO: "true" };
    const seeding = replicas.filter((replica) => {
      const env = Object.fromEntries(Object.entries(compose.services[replica].environment!).map(([k, v]) => [k, substitute(String(v), given)]));
      const config = loadConfig(env);
      expect(config).toMatchObject({ env: "production", host: "0.0.0.0", port: 4000, trustProxy: compose.services[replica].environment!.TRUST_PROXY });
      expect(config.databaseUrl).toMatch(/@db:5432\//);
      return config.seedDemo;
    });
    expect(seeding.length).toBeLessThanOrEqual(1);
  });
});

describe("deploy/haproxy/haproxy.cfg", () => {
  it("balances over every replica, health-checked on /readyz", () => {
    const servers = [...haproxy.matchAll(/^\s*server\s+(\S+)\s+(\S+)/gm)].map((m) => [m[1], m[2]]);
    expect(servers).toEqual(replicas.map((r) => [r, `${r}:4000`]));
    expect(haproxy).toMatch(/^\s*balance roundrobin$/m);
    expect(haproxy).toMatch(/^\s*option httpchk$/m);
    expect(haproxy).toMatch(/^\s*http-check send meth GET uri \/readyz$/m);
    expect(haproxy).toMatch(/^\s*http-check expect status 200$/m);
    expect(haproxy).toMatch(/^\s*default-server check /m);
  });

  it("forwards the client's address and keeps WebSocket tunnels open, listening where compose publishes", () => {
    expect(haproxy).toMatch(/^\s*option forwardfor$/m);
    expect(haproxy).toMatch(/^\s*timeout tunnel \S+$/m);
    expect(haproxy).toMatch(/^\s*bind :8080$/m);
    expect(existsSync(path.join(ROOT, "deploy", "haproxy", "haproxy.cfg"))).toBe(true);
  });
});
