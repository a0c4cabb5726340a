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
// keeps it in a file, state/pg in PostgreSQL, each with a Store: the
// port a command opens a workspace through, which lists, creates and
// deletes a configuration's workspaces (ListWorkspaces, NewWorkspace,
// FindWorkspace, DeleteWorkspace, which refuses to lose recorded images
// or jobs; a store that must be unlocked before a delete says so as an
// UnlockingStore). DefaultWorkspace always exists; CheckWorkspaceName is
// the rule for the others' names, and SelectedWorkspace and
// SelectWorkspace read and write the choice of the working directory.
// state/backendtest is the contract every backend passes.
//
// A State also answers what the commands read from it as a whole: the
// content hashes still in use (HashesInUse) and the inference times of
// the images it records (InferenceTimes), for an estimate.
//
// state imports model and internal helpers.
package state
