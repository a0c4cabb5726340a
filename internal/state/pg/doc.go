// Package pg keeps a workspace's state in PostgreSQL, for a team: several
// people and CI runners working on one set of specs.
//
// In the schema it is given (created by imgform init or the first write,
// never by a read, so that plan and show change nothing on the server;
// an older one is migrated when opened, with versioned, idempotent
// migrations that two runs starting at once apply once), a header row per
// workspace (states) holds the state's serial, lineage and versions, and
// a row per image (images) the bytes of its entry as the state document
// holds them. A save is one transaction that compares and
// swaps on the header (serial, lineage, and the generation of the write
// that stored it), so a save that lost a race fails and overwrites
// nothing, and writes only the images that changed since the state it
// read or last wrote: a checkpoint costs what changed, not the catalog.
// Load puts the document together again, byte for byte the one a save
// encoded. Migration 2 converted the documents that version 1 kept whole.
// The job journal is a table too: a job a killed runner submitted is
// resumed by the next apply on any machine.
//
// The lock is a session-level advisory lock keyed by the schema and the
// workspace (never global), held on a connection of its own for the whole
// run, with a row naming its holder. When the holder dies, however it
// dies, PostgreSQL ends its session and the lock is free at once: no
// force-unlock is needed. ForceUnlock ends a stuck holder's session on
// purpose. Session locks need a session: a transaction-pooling PgBouncer
// between imgform and the server cannot hold them.
//
// Store is a schema's workspaces, one state each: it lists, creates and
// deletes them, and opens each as a Backend.
//
// It implements state.Backend and passes state/backendtest. It imports
// state.
package pg
