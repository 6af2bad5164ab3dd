/**
 * The public look-up's one statement: a number's public status, its carrier group and,
 * when verified, its company. Kept apart from the resolver (no decorators), so the
 * benchmark's bare server runs the very same SQL.
 */
// A number waiting for its subscriber's verification is not to be used: NOT_IN_SERVICE (API.md, "Public").
export const LOOKUP_SQL = `SELECT CASE WHEN n.status = 'ACTIVE' THEN 'IN_SERVICE'
                   WHEN n.status IN ('SUSPENDED', 'FORCE_STOPPED') THEN 'STOPPED'
                   ELSE 'NOT_IN_SERVICE' END AS status,
              g.name AS "carrierName",
              coalesce(s.identity_status = 'VERIFIED', false) AS verified,
              CASE WHEN s.identity_status = 'VERIFIED' THEN s.name END AS "subscriberName"
         FROM numbers n
         JOIN organizations c ON c.id = n.carrier_id
         JOIN organizations g ON g.code = split_part(c.path, '/', 2)
         LEFT JOIN subscribers s ON s.id = n.subscriber_id
        WHERE n.number = $1`;
