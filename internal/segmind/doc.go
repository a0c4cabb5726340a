// Package segmind is a client of the NewReality Lightning SDXL
// text-to-image API (Segmind model "sdxl1.0-newreality-lightning"): the v1
// endpoint that answers with the image, and the v2 endpoints that queue a
// job and are polled for it.
//
// A Client implements generate.JobGenerator: it sends a model.Request and
// returns the images, or submits it as a job and waits for the job, and
// tells the account's credit balance (Credits); its errors are
// *generate.Error values classed by what a caller can do about them
// (retry, wait, give up on this image, stop the run), with PossiblyBilled
// set when the request may have been charged without an answer. The API key is sent only to the configured origin or
// to the service's own hosts, and appears in no error, log line or String.
//
//	c, err := segmind.NewClient(segmind.ConfigFromEnv(os.Getenv))
//	job, err := c.Submit(ctx, req)
//	res, err := c.Wait(ctx, job, generate.WaitOptions{})
//
// The wire format (paths, JSON bodies, job states) is in segmind/internal/wire,
// shared with the emulator in segmind/emulator and hidden from users of the
// client. segmind imports model, generate, segmind/internal/wire and
// internal helpers.
package segmind
