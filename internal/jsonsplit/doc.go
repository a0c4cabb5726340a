// Package jsonsplit splits a JSON object into its members' keys and raw
// values without decoding the values: a fast first pass over large
// documents (a state of a hundred thousand images), whose values are then
// decoded and validated each on its own, in parallel. It only finds
// boundaries: anything it does not expect is reported, and the caller
// then decodes the document with encoding/json, which says what is wrong.
//
// It imports nothing of imgform.
package jsonsplit
