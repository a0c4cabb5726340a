package segmind_test

import (
	"net/http"
	"testing"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// Where the service reports a request's charge (an X-Credits-Consumed
// header on v1, metrics.cost in a v2 result; both seen only in third-party
// code), the result carries it; nonsense is ignored.
func TestReportedCharge(t *testing.T) {
	png := tinyPNG(t)
	tests := []struct {
		header, cost string
		want         float64
	}{
		{"0.0061", "0.0062", 0.0061},
		{"", "", 0},
		{"NaN", "-1", 0},
		{"a lot", "1e9", 0},
	}
	for _, tt := range tests {
		ts := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case wire.PathV1Generate:
				if tt.header != "" {
					w.Header().Set(wire.HeaderCreditsConsumed, tt.header)
				}
				w.Header().Set("Content-Type", "image/png")
				_, _ = w.Write(png)
			case "/v2/requests/r1/status":
				writeJSON(w, http.StatusOK, `{"status":"COMPLETED","request_id":"r1","metrics":{}}`)
			case "/v2/requests/r1":
				cost := ""
				if tt.cost != "" {
					cost = `,"cost":` + tt.cost
				}
				writeJSON(w, http.StatusOK, `{"status":"COMPLETED","request_id":"r1","metrics":{"inference_time":1`+cost+`},"output":"`+b64(png)+`"}`)
			default:
				http.NotFound(w, r)
			}
		}))
		c := newClient(t, ts.URL)
		res, err := c.Generate(testContext(t), request("a lamp"))
		if err != nil {
			t.Fatal(err)
		}
		if res.CostUSD != tt.want {
			t.Errorf("header %q: v1 cost %v, want %v", tt.header, res.CostUSD, tt.want)
		}
		res, err = c.Result(testContext(t), jobAt(ts.URL, "r1"))
		if err != nil {
			t.Fatal(err)
		}
		want := tt.want
		if tt.cost == "0.0062" {
			want = 0.0062
		}
		if res.CostUSD != want {
			t.Errorf("metrics.cost %q: v2 cost %v, want %v", tt.cost, res.CostUSD, want)
		}
	}
}
