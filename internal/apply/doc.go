// Package apply is the engine: it executes a plan, obtaining the images
// it needs from the content cache, from a job an earlier run submitted,
// from a generate.Generator (the API) or from the offline renderer,
// writes outputs atomically, renames and removes files, and records every
// finished image in the state as it goes.
//
// It owns the worker pool (which runs under the retry policy, the
// adaptive limit and the pacing that package generate holds), the policy
// for requests that may have been billed, the fencing of each billable
// request by the run's lock, the checkpoints of the state, the derive
// pool of variants, and the use of the job journal that lets a killed
// run resume submitted jobs instead of paying for them again; before a
// run, Prepare makes or loads its plan. Where the state, the journal and
// the cache are kept is
// not its business: it works through the narrow parts of the state port
// it needs (Store: a Saver, a Locker and a JobKeeper), cache.Cache and the
// generate port. Neither are the codecs: it derives variants through
// Options.Decode (derive.Decode, which cmd wires).
//
// apply imports plan, spec, state, cache, generate, variant, model and
// internal helpers; no net/http, no client, no emulator and no codec.
package apply
