// Package plan compares the desired images (from spec) with the state and
// the files on disk, and says for every image address what apply must do
// and why: create, replace, move, restore, delete, or nothing. It also
// renders plans for people (text, markdown) and machines (JSON), and
// saves and loads plan files.
//
// plan imports spec, state and segmind. It must not import apply or cmd,
// and it never writes an output or the state: it only reads.
package plan
