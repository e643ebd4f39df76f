/** The operations syncmap rolls forward after a death (intent-log.ts, log 5; recovery.ts). */
/** Promotion: args (old snapshot table, dirty table being published). */
export const OP_PROMOTE = 1;
/** clear() of one shard: args (snapshot table, dirty table dropped). */
export const OP_CLEAR = 2;
/** A reclamation pass: args (retire list, entry being freed, its block, its bytes). */
export const OP_RECLAIM = 3;
