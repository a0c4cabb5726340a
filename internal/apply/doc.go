// Package apply is the engine: it executes a plan, obtaining the images
// it needs from the content cache, from a job an earlier run submitted,
// from a generate.Generator (the API) or from the offline renderer,
// writes outputs atomically, renames and removes files, and records every
// finished image in the state as it goes. Before a run, Prepare makes or
// loads its plan. Beside runs, Import records files made outside imgform
// as an image's outputs (imgform import), and PruneKept removes the
// copies of overwritten files a run kept in .imgform/kept/ once they are
// old.
//
// A run (Run) is a few small parts, each with its own state, which the
// runner wires once and then walks the plan with:
//
//   - the mode, chosen once as the run starts: applying moves and removes
//     files, writes each change's outputs and records them in the state;
//     previewing hands the images to Options.Preview and changes nothing;
//   - the obtainer, which gets a change's images where they cost least:
//     the cache, the outputs on disk, the renderer, a journaled job or the
//     pipeline, with one flight for the changes of one request;
//   - the pipeline, which sends each billable request in a concurrency
//     slot, at the account's pace and within the budget (spend), under the
//     retry policy, the adaptive limit and the pacing that package
//     generate holds, follows jobs to their images, and puts what the API
//     made in the cache before anything else happens with it;
//   - the journal, which holds the job records: the pending record that
//     precedes every billable request, fenced by the run's lock; the jobs
//     earlier runs left to resume or may have billed; what became of the
//     jobs this run followed, and of a finished job's record (dropped, or
//     kept for other runners);
//   - the gate, the one place that says new work may start: it closes at
//     a fatal error and when the run's lock is found lost;
//   - the checkpointer, which saves the state at a pace that adapts to
//     what a save costs, and always at the end;
//   - the deriver, the pool that derives variants on every core, and
//     outputs, which writes them and the outputs, keeping first a copy of
//     a file that is not what the state recorded;
//   - the report: the run's events and its summary.
//
// Where the state, the journal and the cache are kept is not its
// business: it works through the narrow parts of the state port it needs
// (Store: a Saver, a Locker and a JobKeeper), cache.Cache and the
// generate port. Neither are the codecs: it derives variants through
// Options.Decode (derive.Decode, which cmd wires). A variant file carries
// the image's address and short input hash (variantProvenance), which imgform
// show resolves; the image's outputs carry its whole request.
//
// apply imports plan, spec, state, cache, generate, variant, model and
// internal helpers; no net/http, no client, no emulator and no codec.
package apply
