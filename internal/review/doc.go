// Package review writes the review page of a plan (imgform preview): a
// static index.html, with the images it shows copied beside it, that
// works from file:// and as a CI artifact, with nothing loaded from the
// network. Serve (imgform preview --serve) also serves it on loopback,
// behind a token, with a button per candidate that records the pick.
//
// One card per change shows its address, action and reasons (with the
// changed words of a long prompt marked) and, for each output, the image
// before and after: side by side, through a slider that wipes between
// them (keyboard-operable), or toggled. Filters by action and a search by
// address narrow the list; thumbnails load lazily, so that a plan of
// thousands of changes stays quick. Without JavaScript the images and the
// reasons are all there, side by side.
//
// Publish (imgform preview --publish) puts the page in the team cache's
// bucket, under PREFIX/reviews/ID/ (ID from CI: "pr-N", "mr-N",
// "branch-NAME-HASH", else random), through the Bucket port that the s3
// cache store implements. Every link works with no credentials: each is
// presigned, or the page sits under a public base URL. A full-size image
// that is the cache's own object is linked, not copied; thumbnails,
// variants and images the cache does not hold are copied beside the
// page. A published page carries a Content-Security-Policy under which
// its script can call nowhere, and no pick buttons. A pull request from a
// fork does not publish (whyNotPublish). List, olderThan and Remove are
// imgform review list and prune: they touch only keys under reviews/.
//
// The page is html/template with a small vanilla script and stylesheet,
// embedded: prompts are user text, and the template engine escapes them.
// review imports plan, view, spec (the ages the cache block's settings
// are written in), cache, derive (to show each variant as it would be
// written), variant, model and internal helpers.
package review
