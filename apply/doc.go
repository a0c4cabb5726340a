// Package apply executes a plan: it generates the images the plan needs
// (through the Segmind API, from the content cache, or with the offline
// placeholder renderer), writes outputs atomically, renames and removes
// files, and records every finished image in the state as it goes.
//
// It owns the worker pool with its retries and adaptive concurrency, the
// job journal that lets a killed run resume submitted jobs instead of
// paying for them again, and the content cache.
//
// apply imports plan, spec, state, segmind and segmind/emulator (for the
// placeholder renderer). It must not import cmd.
package apply
