// Package progress is the live view of a run on a terminal: a progress
// bar on stderr, its status line redrawn several times a second (elapsed
// time, images in flight and submitted, done, from the cache, failed,
// spend so far and an ETA), with a line per finished image, failure,
// retry and warning printed above it, and the run's summary on stdout.
// It is apart from package view because the bar's library links
// net/http, which view may not.
//
// progress imports view and apply (the events it shows).
package progress
