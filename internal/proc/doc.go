// Package proc tells whether a process still runs on this host: what a
// lock file left behind, or a journal record of a request that may be in
// flight, is judged by.
//
// proc imports nothing of imgform.
package proc
