// Package pngtext adds and reads the text chunks of a PNG file (tEXt for
// Latin-1 text, iTXt for UTF-8) without decoding or re-encoding the image,
// which image/png cannot do.
//
// It is a leaf: it imports nothing of imgform. The emulator marks
// its placeholders with it and apply writes provenance with it.
package pngtext
