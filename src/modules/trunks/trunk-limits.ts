// Plain constants, kept out of the decorated modules so that command-line tools can read them
// without loading type-graphql.

/** doNotOriginate pages: this many entries by default, at most the other. */
export const DNO_DEFAULT_PAGE = 1_000;
export const DNO_MAX_PAGE = 5_000;
