/**
 * Whether the call centre with id `callCenterId` (an SQL expression) is blacklisted
 * (DESIGN.md, "Complaints, penalties"): its company's USCC is on the blacklist, or the
 * legal representative of that company is (the subscribers with the call centre's USCC
 * carry their legal representative's keyed hash). No parameters: the verifyCallers
 * statement, the trunkLines filter and the refusals of registration, approval and
 * reinstatement all use this one text. The sub-query names no outer column, so PostgreSQL
 * runs it once per statement and answers each row from a hash (a batch of 1,000 checks pays
 * for the blacklist once, not per call); the blacklist is short, and each of its entries
 * finds its call centres by index (organizations_uscc_idx, subscribers_legal_rep_idx).
 */
export function callCenterBlacklisted(callCenterId: string): string {
  return `${callCenterId} IN (
      SELECT blo.id FROM blacklist bl JOIN organizations blo ON blo.uscc = bl.uscc
      UNION ALL
      SELECT blo.id FROM blacklist bl JOIN subscribers bls ON bls.legal_rep_id_hash = bl.legal_rep_id_hash
        JOIN organizations blo ON blo.uscc = bls.uscc)`;
}
