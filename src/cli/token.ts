// An entry point: it prepares the process for decorated modules itself, whatever it imports later.
import "reflect-metadata";
import { loadConfig } from "../config";
import { ORG_ADMIN_ROLES } from "../shared/auth/permissions";
import { Role, TOKEN_ROLES } from "../shared/auth/roles";
import { TokenClaims, parseTtl, signToken } from "../shared/auth/tokens";
import { parseArgs } from "./args";

const USAGE = `usage: npm run token -- --org CODE --role ROLE [--ttl 8h] [--sub ID] [--admin]
  ROLE: ${TOKEN_ROLES.join(", ")}
  --admin: one of the organisation's own administrators (${ORG_ADMIN_ROLES.join(", ")}): manages its API clients and webhooks
  --ttl: at most TOKEN_MAX_LIFETIME_SECONDS (24h by default)
Prints a bearer token signed with the configured JWT_SECRET.`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || !args.org || !args.role) throw new Error(USAGE);
  const role = args.role.toUpperCase();
  if (!(TOKEN_ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${TOKEN_ROLES.join(", ")}\n${USAGE}`);
  const config = loadConfig();
  const admin = args.admin === "true";
  if (args.admin !== undefined && !admin) throw new Error(`--admin takes no value\n${USAGE}`);
  if (admin && !ORG_ADMIN_ROLES.includes(role as Role)) throw new Error(`--admin is for ${ORG_ADMIN_ROLES.join(", ")} tokens (ADMIN manages every organisation)`);
  const claims: TokenClaims = { sub: args.sub ?? `${args.org.toLowerCase()}-operator`, org: args.org, role: role as TokenClaims["role"], admin };
  const given = args.ttl ?? "8h";
  const ttl = parseTtl(given);
  // The server refuses a token whose exp lies further ahead: do not print one it would refuse.
  if (ttl > config.tokenMaxLifetimeSeconds) {
    throw new Error(`--ttl ${given} is longer than the ${config.tokenMaxLifetimeSeconds} seconds a token may live (TOKEN_MAX_LIFETIME_SECONDS)`);
  }
  process.stdout.write(`${await signToken(config.jwtSecret, claims, ttl)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
}
