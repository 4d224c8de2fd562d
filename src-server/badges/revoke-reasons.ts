/** Why an administrator revokes a badge: the API's schema, the service and the console's list. No Node import. */
export const REVOKE_REASONS = ['lost', 'stolen', 'left', 'damaged', 'replaced', 'other'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];
