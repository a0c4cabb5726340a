// Package model describes the text-to-image models imgform drives, as
// data: a Schema lists a model's parameters (name, kind, default, range or
// allowed values, and the role a parameter plays: the prompt, the number
// of samples, the seed, the size), its price and its usual inference time.
// The NewReality Lightning SDXL table (Segmind model
// "sdxl1.0-newreality-lightning") is the one model today; adding a
// parameter is one entry in its table.
//
// Everything that needs a parameter reads it from here: the spec
// language's attributes and their checks, the state's records, the input
// hash, the API client's request body, the emulator's validation, the
// A1111 "parameters" text written into every image, and the README's
// tables.
//
// A Request is a model and a value for each of its image parameters; its
// canonical encoding, and the SHA-256 of it (the input hash), are the
// identity of the image it makes.
//
// model imports internal/jsonsplit; every other package may import it.
package model
