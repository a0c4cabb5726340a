// Package emulator is a local stand-in for the Segmind API of the one model
// imgform drives (sdxl1.0-newreality-lightning).
//
// It serves the same paths, reads the same headers, validates requests with
// the same schema (package model's parameter table and checks) and answers
// with the same response shapes and status codes as the real service, as
// described in the project's API fact sheet. Instead of SDXL output it
// renders deterministic placeholder PNGs that show their prompt and seed and
// say in their metadata that they are placeholders. It can inject faults:
// random 500/502/504 answers, a concurrency limit answered with 429, a credit
// limit answered with 406, and a blocklist that makes jobs end FAILED.
//
// What lives here, one concern per file:
//   - server.go: Options, Server, routing, auth, the per-request log line
//   - validate.go: the request body → model.Request, with 400 messages
//   - ledger.go: images in progress, the concurrency and credit limits
//   - jobs.go: v2 jobs and their lifecycle on the server's own clock
//   - v1.go, v2.go: the handlers of the sync and async endpoints
//   - faults.go: the seeded fail-rate RNG and the prompt blocklist
//   - stats.go: the counters behind GET /_emulator/stats
//   - respond.go: JSON answers, absolute URLs, request ids
//   - serve.go: serving on a listener with graceful shutdown
//
// The placeholder images themselves come from internal/placeholder, which
// the apply engine also uses offline. It imports model,
// segmind/internal/wire (the wire format it shares with the client) and
// placeholder; nothing in imgform imports the emulator but
// the CLI and tests.
package emulator
