// Plain constants, kept out of the decorated input classes so that command-line tools can read them
// without loading type-graphql.

/** syncNumbers takes at most this many items a call; `npm run sync` sends batches of this size. */
export const MAX_SYNC_ITEMS = 10_000;
