/**
 * The storage's defaults, apart from the storage itself: the daemon's option table and help read
 * them without loading Corestore and RocksDB (a busy port, `--help`: nothing of the library loads).
 */

/**
 * Default bound (entries) of the Hyperbee node cache shared by the ledger's trees (the view and
 * Autobase's system) and of the Merkle tree node cache. Nodes are small: a node whose value is
 * over 4 KiB (a group commit's block record) is not kept (patches/hyperbee+2.27.3.patch), so the
 * bound is one of bytes too, about 20 MB at most. A fleet merge's working set (the tree paths of
 * 64 writers' blocks and their index segments) needs thousands of nodes; at 512 most reads missed.
 */
export const DEFAULT_CACHE_SIZE = 4096

/** Default of `minFreeBytes`: the free space kept back from appends (bytes). */
export const DEFAULT_MIN_FREE_BYTES = 256 * 1024
