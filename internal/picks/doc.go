// Package picks keeps which candidate a team picked for each image that
// has candidates: imgform.picks.json beside the configuration, committed
// with it. imgform pick writes it, and so does the review page of
// imgform preview --serve, through the same code; the configuration
// reads it, and a pick's seed becomes the image's.
//
// It is JSON, not HCL, because it is data that tools write: rewriting an
// HCL file a person also edits would reformat it and could lose their
// comments, while this file is always written whole, keys sorted, one
// pick per line, so that two picks merge in git like two lines of any
// file.
//
// It imports internal/atomicfile.
package picks
