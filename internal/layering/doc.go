// Package layering holds the test that keeps imgform's packages in their
// layers: which project packages each may import, and that the engine
// (model, generate, spec, state, cache, plan, view, apply and the local
// stores behind their ports, state/local and cache/dir) links no HTTP
// client, no segmind and no emulator, and that variant, spec, plan and
// view link no codec (derive, wazero). The rules are the table in the
// README's Development section, and each package's doc.go says what it
// imports: the test holds the three (rules, README, doc.go) to what go
// list reports.
//
// It imports nothing of imgform.
package layering
