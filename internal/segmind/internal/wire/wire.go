package wire

import (
	"encoding/json"

	"github.com/imgform/imgform/internal/model"
)

// Model is the model the API paths are for.
var Model = model.NewRealityLightning.ID

// The paths of the API, relative to the origin.
var (
	PathV1Generate = "/v1/" + Model
	PathV2Submit   = "/v2/" + Model
)

const (
	PathV2Requests = "/v2/requests/" // + {id} or {id}/status
	PathV1Requests = "/v1/requests/" // + {id}: the older poll URL
	PathCredits    = "/v1/get-user-credits"
)

// HeaderAPIKey carries the API key on every request.
const HeaderAPIKey = "x-api-key"

// HeaderRemainingCredits is sent by the service on v1 success.
const HeaderRemainingCredits = "X-Remaining-Credits"

// HeaderCreditsConsumed is what third parties read as the charge of a v1
// request (not documented by Segmind): read when present.
const HeaderCreditsConsumed = "X-Credits-Consumed"

// Job states of the v2 async API.
const (
	StatusQueued     = "QUEUED"
	StatusProcessing = "PROCESSING"
	StatusCompleted  = "COMPLETED"
	StatusFailed     = "FAILED"
)

// SubmitResponse is the body of a successful POST /v2/{model}.
type SubmitResponse struct {
	RequestID   string `json:"request_id"`
	Status      string `json:"status"`
	PollURL     string `json:"poll_url,omitempty"`
	StatusURL   string `json:"status_url"`
	ResponseURL string `json:"response_url"`
}

// Metrics is the metrics object of a status or result body. Cost (USD)
// is reported for some models by third parties, not documented by
// Segmind: read when present.
type Metrics struct {
	InferenceTime *float64 `json:"inference_time,omitempty"`
	Cost          *float64 `json:"cost,omitempty"`
}

// StatusResponse is the body of GET /v2/requests/{id}/status. A FAILED job
// is answered with HTTP 422 and this same body.
type StatusResponse struct {
	Status      string  `json:"status"`
	RequestID   string  `json:"request_id"`
	StatusURL   string  `json:"status_url,omitempty"`
	ResponseURL string  `json:"response_url,omitempty"`
	Error       *string `json:"error,omitempty"`
	Metrics     Metrics `json:"metrics"`
}

// ResultResponse is the body of GET /v2/requests/{id}. Output is kept raw:
// for an image model it is a URL, and it may also be a list of URLs, a list
// of objects with "url", or base64 data.
type ResultResponse struct {
	Status    string          `json:"status"`
	RequestID string          `json:"request_id,omitempty"`
	Error     *string         `json:"error"`
	Metrics   Metrics         `json:"metrics"`
	Output    json.RawMessage `json:"output,omitempty"`
}

// V1Base64Response is the body of POST /v1/{model} with base64 = true.
// Image is a base64 string, or a list of them when several samples were
// asked for.
type V1Base64Response struct {
	Image  json.RawMessage `json:"image"`
	Status string          `json:"status"`
}

// CreditsResponse is the body of GET /v1/get-user-credits.
type CreditsResponse struct {
	Credits     float64 `json:"credits"`
	FreeCredits float64 `json:"free-credits"`
}

// ErrorBody is the JSON body of an error answer.
type ErrorBody struct {
	Error string `json:"error"`
}

// Body is the JSON body of a generation request (v1 and v2 alike): the
// request's image parameters under their API names, and base64 when it is
// asked for. Parameters at an empty default that the API treats as unset
// (an empty negative prompt) are not sent.
func Body(req model.Request, base64 bool) map[string]any {
	body := map[string]any{}
	for _, p := range req.Schema().Params {
		if p.Transport {
			continue
		}
		v := req.Get(p.Name)
		if p.Kind == model.KindString && !p.Required && v.Str() == "" {
			continue
		}
		body[p.Name] = v
	}
	if _, ok := req.Schema().Param("base64"); ok {
		body["base64"] = base64
	}
	return body
}
