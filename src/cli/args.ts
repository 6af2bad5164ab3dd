/** "--org CT --role CARRIER" → { org: "CT", role: "CARRIER" }; a flag without a value is "true". */
export function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split("=", 2);
    if (inline !== undefined) out[name] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) out[name] = argv[++i];
    else out[name] = "true";
  }
  return out;
}
