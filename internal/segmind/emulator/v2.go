package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

const notFoundRequest = "Request not found: the request id is unknown or its result has expired"

// handleV2Submit serves POST /v2/{model}: the body is validated at once
// (400 at submit), then the job is queued and the answer carries absolute
// URLs built from the address the client used.
func (s *Server) handleV2Submit(w http.ResponseWriter, r *http.Request, _ []string) {
	d, berr := readRequest(w, r)
	if berr != nil {
		writeError(w, berr.status, berr.msg)
		return
	}
	j, rej := s.submitJob(resolveSeed(d.req), d.base64, s.clock.Now())
	if rej != nil {
		writeRejection(w, rej)
		return
	}
	base := origin(r)
	writeJSON(w, http.StatusOK, wire.SubmitResponse{
		RequestID:   j.id,
		Status:      wire.StatusQueued,
		PollURL:     base + wire.PathV1Requests + j.id,
		StatusURL:   statusURL(base, j.id),
		ResponseURL: responseURL(base, j.id),
	})
}

func statusURL(base, id string) string   { return base + wire.PathV2Requests + id + "/status" }
func responseURL(base, id string) string { return base + wire.PathV2Requests + id }
func imageURL(base, id string, n int) string {
	return base + ImagesPath + id + "/" + strconv.Itoa(n) + ".png"
}

// handleStatus serves GET /v2/requests/{id}/status and the older
// GET /v1/requests/{id}: the state and metrics, never the output.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, args []string) {
	v, ok := s.lookupJob(args[0], s.clock.Now())
	if !ok {
		writeError(w, http.StatusNotFound, notFoundRequest)
		return
	}
	switch v.state {
	case wire.StatusFailed:
		writeJSON(w, http.StatusUnprocessableEntity, wire.StatusResponse{
			Status: v.state, RequestID: v.id, Error: &v.errMsg,
			Metrics: wire.Metrics{InferenceTime: &v.inferenceTime},
		})
	case wire.StatusCompleted:
		writeJSON(w, http.StatusOK, wire.StatusResponse{
			Status: v.state, RequestID: v.id,
			Metrics: wire.Metrics{InferenceTime: &v.inferenceTime},
		})
	default:
		base := origin(r)
		writeJSON(w, http.StatusOK, wire.StatusResponse{
			Status: v.state, RequestID: v.id,
			StatusURL: statusURL(base, v.id), ResponseURL: responseURL(base, v.id),
		})
	}
}

// handleResult serves GET /v2/requests/{id}: on COMPLETED the output is the
// image URL (a list of URLs for several samples), or base64 data when the
// job asked for base64. Before completion it answers 200 with the current
// status and no output.
func (s *Server) handleResult(w http.ResponseWriter, r *http.Request, args []string) {
	v, ok := s.lookupJob(args[0], s.clock.Now())
	if !ok {
		writeError(w, http.StatusNotFound, notFoundRequest)
		return
	}
	switch v.state {
	case wire.StatusFailed:
		writeJSON(w, http.StatusUnprocessableEntity, wire.ResultResponse{
			Status: v.state, RequestID: v.id, Error: &v.errMsg,
			Metrics: wire.Metrics{InferenceTime: &v.inferenceTime},
		})
	case wire.StatusCompleted:
		output, err := json.Marshal(outputOf(v, origin(r)))
		if err != nil {
			writeError(w, http.StatusInternalServerError, "Internal server error: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, wire.ResultResponse{
			Status: v.state, RequestID: v.id,
			Metrics: wire.Metrics{InferenceTime: &v.inferenceTime},
			Output:  output,
		})
	default:
		writeJSON(w, http.StatusOK, wire.ResultResponse{Status: v.state, RequestID: v.id})
	}
}

// outputOf is the output of a completed job: image URLs, or base64 data.
// One sample gives a string, several a list. (The real shape for several
// samples is unknown: fact sheet, open question 2.)
func outputOf(v jobView, base string) any {
	if v.base64 {
		return base64Images(v.pngs)
	}
	urls := make([]string, len(v.pngs))
	for i := range v.pngs {
		urls[i] = imageURL(base, v.id, i)
	}
	if len(urls) == 1 {
		return urls[0]
	}
	return urls
}

// handleImage serves GET /_emulator/images/{id}/{n}.png, without a key.
func (s *Server) handleImage(w http.ResponseWriter, _ *http.Request, args []string) {
	id, file := args[0], args[1]
	num, isPNG := strings.CutSuffix(file, ".png")
	n, err := strconv.Atoi(num)
	if !isPNG || err != nil || n < 0 || strconv.Itoa(n) != num {
		writeError(w, http.StatusNotFound, "Not found: images are named {n}.png, n counting from 0")
		return
	}
	v, ok := s.lookupJob(id, s.clock.Now())
	if !ok || v.state != wire.StatusCompleted || n >= len(v.pngs) {
		writeError(w, http.StatusNotFound, "Image not found: unknown, expired, not ready, or no such sample")
		return
	}
	writeImage(w, v.pngs[n])
}
