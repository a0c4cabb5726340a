// Package generate is the port between the apply engine and whatever
// makes images: two interfaces, Generator (make a request's images with
// one call) and JobGenerator (a Generator that can also submit a request
// as a job and wait for the job, also a job an earlier run submitted),
// what they return (images, jobs), and the classes of error the engine
// acts on: throttled (wait), unreachable, fatal for the whole run, failed
// for this image, lost, still running, and possibly billed.
//
// It also holds what every generator's caller needs to be patient and
// fair: one backoff with jitter, the retry policy, the adaptive (AIMD)
// limit of requests in flight, and the pacing of billable requests to an
// account's rate (Pace).
//
// The Segmind API client (package segmind) implements JobGenerator, and
// the offline placeholder renderer (internal/placeholder) Generator; the
// engine (package apply) uses only this package, never an implementation.
// It imports model.
package generate
