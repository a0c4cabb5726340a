// Package waitfor is for tests that wait for an event another goroutine
// or process makes (a file, a journal row, a line on a screen, a
// counter): Until looks for the event itself, every few milliseconds,
// and never stands a guessed time in for it; the limit only ends a test
// whose event never comes.
//
// waitfor imports nothing of imgform.
package waitfor
