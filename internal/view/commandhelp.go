package view

import (
	"maps"
	"slices"
)

// commandHelp is the help text of each command that has more to say
// than its one line, by its path ("state mv"): what imgform help COMMAND
// and COMMAND --help print. A test of the command line holds every key
// to a command.
var commandHelp = map[string]string{
	"apply": `Make the images on disk match the configuration: compute the plan (or
read one saved with plan --out, refused when the state or configuration
changed since), show it, ask for confirmation on a terminal, and execute
it. Images come from the content cache when it has them, from a job an
interrupted run submitted, or from the API; --offline makes placeholders
instead (no key, no network).

The first Ctrl-C stops starting new images, lets the ones in flight finish
and saves the state (exit 130); a second one stops at once, and the jobs
in flight are resumed by the next apply. Failures of single images (a
rejected prompt) fail only those; a wrong key or no credits stop the run.`,
	"cache": `The content cache keeps every image the API made, by the input hash of
its request, so that reverting a change or restoring a deleted output costs
nothing. It lives in .imgform/cache (or IMGFORM_CACHE_DIR).`,
	"cache prune": `Remove the cached images whose input hash no image in the state has.
Such entries are what reverting a change would restore for free: prune
them only when you no longer need that. A cache shared by several
checkouts (IMGFORM_CACHE_DIR) is judged by this checkout's state alone:
what only the others use is removed too; use --dry-run first.

It also removes the copies apply kept in .imgform/kept/ (files it wrote
over that were not as imgform wrote them) of runs older than
--kept-max-age, 30 days by default.`,
	"cache pull": `Download from the shared cache into this machine's cache the entries the
state refers to (or those of the images ADDR selects), each checked
against its hashes: ahead of an apply that restores them, or before
working offline.`,
	"cache push": `Upload to the shared cache (the cache "s3" block) the entries of this
machine's cache that the state refers to (or only those of the images
ADDR selects; --all for every entry): after a team adopts a shared cache,
or from a runner that had none, so that teammates restore those images
instead of paying for them again. Each entry is checked against its
hashes before it is uploaded (a damaged one is skipped, and said), and
uploads are create-only: an entry the shared cache holds is left as it is.
The images an earlier run kept here because the shared cache could not
take them then are uploaded first.`,
	"completion": `Print a script that completes imgform's commands, flags and image
addresses (of the configuration and the local state) in the shell. Load it
in the current shell, or install it for every new one:

  bash        source <(imgform completion bash)
              imgform completion bash > ~/.local/share/bash-completion/completions/imgform
  zsh         source <(imgform completion zsh)      (after compinit)
              imgform completion zsh > "${fpath[1]}/_imgform"
  fish        imgform completion fish > ~/.config/fish/completions/imgform.fish
  PowerShell  imgform completion powershell | Out-String | Invoke-Expression
              (add that line to $PROFILE to keep it)

The script asks imgform itself for the candidates as you type, so they
stay those of the installed binary.`,
	"emulate": `Serve the API imgform calls (v1 sync, v2 submit-and-poll, credits) on
loopback, with deterministic placeholder images instead of SDXL output and
faults on request, so that imgform, its tests and your own client run
without network or key. Point imgform at it with
SEGMIND_BASE_URL=http://127.0.0.1:8787 (and any SEGMIND_API_KEY).

GET /_emulator/stats counts what was generated (billed), submitted and in
progress, and the requests by endpoint and status. Stops on Ctrl-C.`,
	"fmt": `Rewrite *.img.hcl files (all of those in the working directory, or the
FILES given, which may also be variable files) in the canonical HCL layout,
and list the files it changed. "-" reads standard input and writes the
result to standard output. With --check nothing is written and the exit
code is 3 when a file would change, like terraform fmt -check.`,
	"force-unlock": `Remove the state lock with the given id (it is in the message of the run
that found the state locked). A run that is killed releases its lock by
itself; this is for a lock left on a filesystem that does not honour
flock, and for a holder that hangs (a stuck process, a network that does
not drop its database session).

A holder that is still alive (its database session is connected, or its
process holds the lock file) is not forced without confirmation: on a
terminal you are asked, elsewhere --force is needed. Its run notices
within a second that it lost the lock: it stops paying for images,
collects the jobs it has in flight into the cache, and exits with an
error; its state is saved only if no other run has taken the lock.`,
	"import": `Record existing files as the outputs of a declared image, one PATH per
sample, so that imgform manages them without generating anything: the
files are hashed and recorded with generator "imported" and the image's
current request. When a PATH is not the image's output path, the next plan
moves the file there.`,
	"init": `Prepare this checkout to plan and apply, as terraform init does; run it
again any time, it changes only what is missing. It checks the
configuration, adds to .gitignore what imgform keeps beside it and must not
be committed (.imgform/, the state's backup and lock), connects to the
backend the imgform block names (creating the pg schema) and to the shared
cache (checking its bucket). When a local state file is left where a
shared backend is configured, it offers to move it there, as imgform state
push does; --auto-approve moves it without asking, and with --input=false
(or no terminal) it stops and says how.

In a folder with no configuration yet, init --example writes a starter
main.img.hcl (one image and a variant, with comments) to begin from.`,
	"output": `List every image the state records and its files (outputs and variants),
grouped by image: path, format, width and height, bytes and SHA-256, and
per media type a srcset list of the image's files by width. With an
address, only that image (image.NAME: all its instances). With --json, one
stable document for build tools, as terraform output -json (see
docs/output-json.md). Widths and heights are read from the files' headers;
nothing is decoded and nothing is checked against the files' content (imgform
plan does that).`,
	"pick": `Record which candidate of an image with candidates = N to keep:
candidate K (1 to N, as imgform preview numbers them), or with --seed S
any seed. The pick is written to imgform.picks.json beside the
configuration (commit it with the specs); the image's seed is then the
pick's, also when its prompt changes later. A candidate preview generated
is in the cache: the next apply writes it without paying again. --clear
removes the pick. imgform preview --serve records picks through the same
code, from the review page.`,
	"plan": `Compare the configuration with the state file and the files on disk, and
show for every image what apply would do and why: create, replace (with
the parameters that changed, old -> new), move, restore (missing or edited
on disk; from the cache when it has the image) or delete, and how many
images would be paid for. Nothing is written, except the plan file with
--out.

With --detailed-exitcode the exit code is 0 when there is nothing to do,
2 when there are changes, and 1 on error.`,
	"preview": `Generate every image the plan would pay for into the content cache only
(the local one, and the team's shared cache when the configuration names
one): no output file and no state entry changes. Then write a review page,
DIR/index.html, comparing each change's images before and after (side by
side, with a slider, or toggled), with the images beside it: it works from
file:// and as a CI artifact.

A later imgform apply of the same configuration restores every previewed
image from the cache, and pays nothing for it. Confirmation, the journal,
retries, Ctrl-C and --json work as in apply. With --from-cache, or given a
plan file saved with plan --out, nothing is generated: the page shows what
the cache already holds, and "not generated yet" for the rest.

An image with candidates = N and no pick is generated N times, once per
candidate (each paid for, and counted against --max-cost), and the page
shows them as a grid, each with its seed and the imgform pick command that
keeps it. With --serve the page is then served on 127.0.0.1 (a token in
its address; nothing else on the machine can use it), with a button per
candidate that records the pick as imgform pick does; Ctrl-C stops it.
The state's lock is let go before the page is served.

With --publish (or publish = true in the cache "s3" block), the page and
its images are then put in the team cache's bucket, under
PREFIX/reviews/ID/ (ID: pr-N or mr-N on a pull or merge request,
branch-NAME-HASH on a branch, random elsewhere), and imgform prints a URL
that opens with no credentials: presigned for --review-expiry (at most 7
days), or under the block's review_url. A pull request from a fork does
not publish. imgform review list and prune manage the published pages.`,
	"review": `imgform preview --publish puts its review page in the team cache's bucket,
under PREFIX/reviews/ID/. These commands list those pages and remove old
ones. They touch nothing outside reviews/: the cache's entries, which a
page links rather than copies, stay (imgform cache prune is for them).`,
	"review prune": `Remove the review pages whose last file was written longer ago than
--older-than (such as 30d). Without --auto-approve it only lists them.`,
	"show": `Without an argument, show every image the state records: its request,
what made it, and its outputs with their hashes. With an address, show that
image. With a plan file saved by plan --out, show the plan. With --cost,
total what the recorded images cost when they were made, per block
(image.NAME and all its instances) and overall.`,
	"state": `Inspect and edit the state (the state file, or the backend the imgform
block names). Edits take the state lock, keep the previous state (the
file's as imgform.state.json.backup) and bump the serial; they never touch
the image files themselves.`,
	"state list": `List the addresses the state records, one per line. A pattern selects
some: an address (image.NAME selects all its instances) or a shell glob
such as 'image.icon*'.`,
	"state mv": `Move an image's record to another address, so that renaming an image
in the configuration costs no regeneration: rename the block, then
"imgform state mv image.old image.new". Moving image.NAME moves every
instance of the block. The recorded seed moves with it.`,
	"state pull": `Print the state as JSON, as the state file holds it, from wherever it is kept.`,
	"state push": `Store the state in FILE where the configuration keeps the state (the pg
backend, say), with its lineage and serial, so that plans made against it
still apply. This is how a local state moves to a shared backend: push
imgform.state.json, which is then renamed imgform.state.json.pushed.
It refuses to replace a state of another lineage, or a newer one, unless
--force.`,
	"state rm": `Remove images from the state. Their files stay on disk; a later plan
sees images that are still declared as new. image.NAME removes every
instance of the block.`,
	"validate": `Read every *.img.hcl file of the working directory, evaluate variables,
locals, defaults, for_each and count, and check every image against the
model's schema. Exits 1 with a diagnostic for every problem, each naming
its file, line and column.`,
	"version": "Print imgform's version: the release (v0.5.0), or the next one with -dev between releases; the commit it was built from and its date when the build knows them, and whether the clone had changes not committed; then the Go version it was built with and the platform. " +
		"imgform --version and imgform -v print the same.",
	"workspace": `A workspace is one state of the same configuration, as Terraform's (staging
and production, say). The selected one is IMGFORM_WORKSPACE when it is set,
else the one imgform workspace select recorded in .imgform/environment, else
"default". With the state file, the default workspace's state is
imgform.state.json and the others' are under imgform.state.d/NAME/; with the
pg backend, each is a row of the schema.`,
	"workspace delete": `Delete a workspace: its state and its job journal. Not the default one,
nor the selected one. A workspace whose state records images, or whose
journal holds jobs that were paid for and not collected, is deleted only
with --force (its images' files stay where they are).`,
}

// CommandHelp is the help text of the command at path ("state mv"); ""
// for one that has none beyond its one line.
func CommandHelp(path string) string { return commandHelp[path] }

// HelpPaths lists the commands that have a help text.
func HelpPaths() []string { return slices.Sorted(maps.Keys(commandHelp)) }

// ProgramSummary is what imgform is, at the top of its help.
const ProgramSummary = `imgform is Terraform for generated images. Declare images in *.img.hcl
files (prompt, seed, parameters, output path); "imgform plan" shows what is
missing, changed, moved, drifted or removed, and "imgform apply" generates
exactly that through the NewReality Lightning SDXL API, and nothing else.`

// ExitCodesHelp lists the exit codes, in the help.
const ExitCodesHelp = `Exit codes:
  0    success
  1    error
  2    changes present (plan --detailed-exitcode only)
  3    files need formatting (fmt --check only)
  130  interrupted`

// EnvironmentHelp lists the environment variables read, in the help.
const EnvironmentHelp = `Environment:
  SEGMIND_API_KEY      the API key (never written to state, plans or logs)
  SEGMIND_BASE_URL     the API origin (default https://api.segmind.com)
  IMGFORM_CACHE_DIR    the content cache (default .imgform/cache)
  IMGFORM_VAR_<NAME>   a value for variable NAME
  IMGFORM_LOG          log to stderr: error, warn, info, debug or trace (API
                       calls, retries, the lock, the cache, checkpoints;
                       secrets masked); TF_LOG is read when it is unset
  IMGFORM_LOG_PATH     append the log to this file instead of stderr
  NO_COLOR             never colour the output`
