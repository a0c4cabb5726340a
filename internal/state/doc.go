// Package state is what imgform knows it generated: the model (one entry
// per image address with its input hash, the resolved request and its
// outputs), the content hashes (and StatCache, the size and time at which
// this checkout last found each output as recorded, so that a plan hashes
// it once), the byte-stable JSON format described in
// docs/state-format.md, and the port a workspace's state is kept
// behind.
//
// The port is Backend, with the small interfaces a consumer takes on
// its own (Saver, Locker, JobKeeper): load, save as a
// compare-and-swap on the serial (Snapshot does the encoding every
// backend shares: it keeps each entry's bytes, so that a save encodes
// only the entries that changed, writes the document piece by piece, and
// tells a backend that stores entries apart which ones to write), push a
// state as it is (CheckPush says which may replace which), a lock that
// names its holder and dies with it, and the job Journal. state/local
// keeps it in a file, state/pg in PostgreSQL, each with a Store that
// lists, creates and deletes a configuration's workspaces (DefaultWorkspace
// always exists; ValidWorkspaceName is the rule for the others' names);
// state/backendtest is the contract every backend passes.
//
// state imports model and internal helpers.
package state
