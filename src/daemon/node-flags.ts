/**
 * The Node.js flags the daemon runs with when started as documented (`npm start`, the systemd unit
 * in examples/systemd): V8's young generation held at 2 MB a semi-space. Left alone, V8 grows it
 * to 16 MB a semi-space while the daemon loads its modules, and keeps the pages: 8-10 MB of an idle
 * daemon's RSS (112 MB at its first scrape at 53e0199). A process cannot change this for itself
 * once it runs (V8 sizes its heap when it starts; `v8.setFlagsFromString` leaves the limit as it
 * was), so the flags are given on the command line, and this list is the one place that says
 * which: `test/daemon-node-flags.test.ts` checks `npm start` and the unit against it, and the bench
 * starts the daemon with it.
 */

/** Flags for `node` before the daemon's script. */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2']
