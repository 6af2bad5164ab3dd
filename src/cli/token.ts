// An entry point: it prepares the process for decorated modules itself, whatever it imports later.
import "reflect-metadata";
import { loadConfig } from "../config";
import { TOKEN_ROLES } from "../shared/auth/roles";
import { TokenClaims, parseTtl, signToken } from "../shared/auth/tokens";
import { parseArgs } from "./args";

const USAGE = `usage: npm run token -- --org CODE --role ROLE [--ttl 8h] [--sub ID]
  ROLE: ${TOKEN_ROLES.join(", ")}
Prints a bearer token signed with the configured JWT_SECRET.`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || !args.org || !args.role) throw new Error(USAGE);
  const role = args.role.toUpperCase();
  if (!(TOKEN_ROLES as readonly string[]).includes(role)) throw new Error(`--role must be one of ${TOKEN_ROLES.join(", ")}\n${USAGE}`);
  const config = loadConfig();
  const claims: TokenClaims = { sub: args.sub ?? `${args.org.toLowerCase()}-operator`, org: args.org, role: role as TokenClaims["role"] };
  process.stdout.write(`${await signToken(config.jwtSecret, claims, parseTtl(args.ttl ?? "8h"))}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
}
