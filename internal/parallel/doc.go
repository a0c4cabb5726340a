// Package parallel spreads work over the cores: the one fan-out the
// engine uses, for the state's encoding and decoding, the evaluation of
// a block's instances and the check of the files on disk, so that how
// much is done at once is decided in one place.
//
// parallel imports nothing of imgform.
package parallel
