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
// The page is html/template with a small vanilla script and stylesheet,
// embedded: prompts are user text, and the template engine escapes them.
// review imports plan, view, cache, derive (to show each variant as it
// would be written), variant, model and internal helpers.
package review
