import { callCenterBlacklisted } from "./call-center-blacklist.sql";

/**
 * The decisions for a batch of calls, in one statement: the batch is unnested with
 * its place ($1 trunk ids, null for one that is not a UUID; $2 callers and $3 callees in
 * national form) and joined to the trunks of the carrier's subtree ($4, its path), their
 * caller numbers and call centre; the CASE tries the reasons in their order, so each
 * later look-up (blacklist, numbers, subscribers, refusals, by index) runs only when the
 * earlier ones let the call through. null is ALLOW. bench/verify.ts runs this same text.
 *
 * The order: the trunk (unknown, not in service), then its call centre (blacklisted: every
 * call on every trunk it rents, whatever the caller, at once), then the caller number, then
 * the callee's refusals, which bind MARKETING trunks only.
 */
export const VERIFY_CALLERS_SQL = `
SELECT CASE
    WHEN t.id IS NULL OR NOT starts_with(carrier.path, $4) THEN 'TRUNK_UNKNOWN'
    WHEN t.status <> 'ACTIVE' THEN 'TRUNK_NOT_ACTIVE'
    WHEN ${callCenterBlacklisted("t.call_center_id")} THEN 'CALL_CENTER_BLACKLISTED'
    WHEN c.caller ~ '^(400|800)[0-9]{7}$' THEN 'CALLER_IS_400'
    WHEN tc.caller_number IS NULL THEN 'CALLER_NOT_AUTHORISED'
    WHEN EXISTS (SELECT 1 FROM numbers n WHERE n.number = c.caller AND n.status = 'FORCE_STOPPED')
      OR EXISTS (SELECT 1 FROM subscribers r WHERE r.landline = c.caller AND r.identity_status = 'REVOKED') THEN 'CALLER_STOPPED'
    WHEN NOT EXISTS (SELECT 1 FROM subscribers s
                      WHERE s.landline = c.caller AND s.identity_status = 'VERIFIED' AND s.uscc = cc.uscc) THEN 'CALLER_SUSPENDED'
    WHEN t.purpose <> 'MARKETING' THEN NULL
    WHEN EXISTS (SELECT 1 FROM marketing_refusals m WHERE m.callee_number = c.callee AND m.caller_org_id IS NULL) THEN 'CALLEE_ON_DO_NOT_CALL'
    WHEN EXISTS (SELECT 1 FROM marketing_refusals m WHERE m.callee_number = c.callee AND m.caller_org_id = t.call_center_id)
      THEN 'CALLEE_REFUSED_MARKETING'
  END AS reason
  FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS c (trunk_id, caller, callee, place)
  LEFT JOIN trunk_lines t ON t.id = c.trunk_id
  LEFT JOIN organizations carrier ON carrier.id = t.carrier_id
  LEFT JOIN organizations cc ON cc.id = t.call_center_id
  LEFT JOIN trunk_caller_numbers tc ON tc.trunk_id = t.id AND tc.caller_number = c.caller
 ORDER BY c.place`;
