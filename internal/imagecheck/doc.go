// Package imagecheck looks at image bytes from elsewhere (the API, the
// cache) before anything decodes them: which format they are, and how
// large an image they declare, so that a few bytes declaring a 60000×60000
// image (a decompression bomb) are refused instead of exhausting memory.
// ReadSize reads a file's size from its header the same way, AVIF
// included, for what reports the files imgform wrote.
//
// It imports nothing of imgform.
package imagecheck
