// Package placeholder renders imgform's deterministic placeholder images:
// a picture that shows the start of the prompt, the seed and who made it,
// on a background derived from the request, with a PNG text chunk that
// says it is not SDXL output.
//
// Two parts of imgform make them, and each says so in the picture and in
// the chunk: the emulator (imgform emulate, answering as the API would)
// and apply --offline. MakerOf reads the chunk back, so that an image made
// by either is never taken for one the real API made. Generator makes
// them through the generate port, for apply --offline.
//
// It imports model, generate and internal helpers.
package placeholder
