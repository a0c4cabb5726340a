// Package view renders a plan for people and for programs: the
// Terraform-style text of plan and apply (with word diffs of long
// prompts), the markdown summary for a pull request, and the public JSON
// document (plan.Document, as docs/plan-json.md describes it); and the
// manifest of imgform output, text and JSON (docs/output-json.md), whose
// file sizes a reader the caller passes takes from the files' headers.
// For the terminal and logs it renders a run as it goes (RunView: JSON
// events or a line per image, and the summary; the live progress bar is
// package view/progress, which implements RunView too),
// configuration diagnostics as terraform validate does (Diagnostics,
// WriteJSONDiagnostics), and errors and warnings; every one masks what is
// secret (redactText: URL passwords; a secret attribute's strings). It
// opens the debug log IMGFORM_LOG asks for, with its levels and masking
// (OpenLog); writes a command's errors, warnings and notes in one voice
// (Messages), with the advice for a held lock (LockedAdvice); and holds
// the prose of the command line's help (CommandHelp, ExitCodesHelp,
// EnvironmentHelp). It also renders what the state records (imgform
// show, show --cost) and what the cache commands did (push, pull, prune).
//
// view imports plan, apply (the events and the summary of a run it
// renders), spec (the configuration validate found valid), state and
// cache; it writes to an io.Writer and decides nothing.
package view
