// Package local keeps a workspace's state in a file beside the
// configuration (imgform.state.json, meant to be committed), as the first
// release did: saved atomically (the document streamed into a temporary
// file, fsynced and renamed over it), with the state before the run kept as
// imgform.state.json.backup; locked with an OS file lock on
// imgform.state.json.lock that dies with its holder; and the job journal
// as one fsynced file per job in .imgform/jobs/ beside it.
//
// Store holds a configuration's workspaces: the default one's state is
// that file, every other one's is in imgform.state.d/NAME/ beside it;
// Store lists, creates and deletes them, and opens each as a Backend.
//
// It implements state.Backend and passes state/backendtest. It imports
// state and internal helpers.
package local
