// Package backendtest is the contract of state.Backend as a conformance
// suite: every backend (state/local, and those that share a state among a
// team) runs Run in its tests and passes it.
//
// Locks belong to processes, so the suite takes them in real ones: the
// test binary of the backend, started again as a lock holder. A backend's
// tests call ServeHolder first thing in TestMain for that.
//
// backendtest imports state and model.
package backendtest
