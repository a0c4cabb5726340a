// Package provenance names the PNG text chunks imgform writes into images
// (who made an image, from which request), and reads back the one that
// marks a placeholder: an image made by imgform's emulator or offline
// renderer, never by the real API.
//
// It is a leaf: it imports internal/pngtext.
package provenance
