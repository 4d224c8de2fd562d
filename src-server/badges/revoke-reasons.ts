/** Why an administrator revokes a badge: the API's schema, the service and the console's list. No Node import. */
export const REVOKE_REASONS = ['lost', 'stolen', 'left', 'damaged', 'replaced', 'other'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

/**
 * Not an administrator's choice: the badge was enrolled with a secret that could not be written to its
 * tag. Set by an enrollment at a desk reader (on this server, or at a kiosk joined to it, over the API).
 */
export const SECRET_NOT_WRITTEN = 'secret_not_written';
