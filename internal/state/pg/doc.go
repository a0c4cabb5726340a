// Package pg keeps a workspace's state in PostgreSQL, for a team: several
// people and CI runners working on one set of specs.
//
// In the schema it is given (created on first use, with versioned,
// idempotent migrations that two runs starting at once apply once), one
// row per workspace holds the state document with its serial and lineage;
// a save is a transaction that compares and swaps on the serial, so a
// save that lost a race fails and overwrites nothing. The job journal is
// a table too: a job a killed runner submitted is resumed by the next
// apply on any machine.
//
// The lock is a session-level advisory lock keyed by the schema and the
// workspace (never global), held on a connection of its own for the whole
// run, with a row naming its holder. When the holder dies, however it
// dies, PostgreSQL ends its session and the lock is free at once: no
// force-unlock is needed. ForceUnlock ends a stuck holder's session on
// purpose. Session locks need a session: a transaction-pooling PgBouncer
// between imgform and the server cannot hold them.
//
// It implements state.Backend and passes state/backendtest. It imports
// state.
package pg
