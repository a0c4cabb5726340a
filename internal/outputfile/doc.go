// Package outputfile makes the bytes imgform writes to an output from an
// image the generator gave: the image in the format the output's path
// asks for (converted when it is another), with the provenance in its
// metadata (PNG text chunks, or a JPEG comment). Strip undoes the
// provenance, so that a file on disk can be recognised as an image
// imgform made: what is left is what Convert gave.
//
// It is a leaf: it imports internal/pngtext, internal/provenance and
// internal/imagecheck.
package outputfile
