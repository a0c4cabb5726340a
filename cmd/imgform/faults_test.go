package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// emulatorRequests returns the emulator's answer counts: route → status →
// count.
func emulatorRequests(t *testing.T, base string) map[string]map[string]int64 {
	t.Helper()
	resp, err := http.Get(base + "/_emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		Requests map[string]map[string]int64 `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	return stats.Requests
}

// summaryEvent is the last line of apply --json.
type summaryEvent struct {
	Type           string `json:"type"`
	Created        int    `json:"created"`
	Generated      int    `json:"generated"`
	PossiblyBilled int    `json:"possibly_billed"`
	Failed         []struct {
		Address string `json:"address"`
		Reason  string `json:"reason"`
	} `json:"failed"`
}

func lastSummary(t *testing.T, out string) summaryEvent {
	t.Helper()
	var last summaryEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev summaryEvent
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Type == "summary" {
			last = ev
		}
	}
	if last.Type != "summary" {
		t.Fatalf("no summary event in:\n%s", out)
	}
	return last
}

// 30% of requests answered 500/502/504 and a server that takes two images
// at a time, asked for eight. A 5xx to a submit may come after the job was
// made, so each image's submit is sent at most twice in a run; an image
// whose second submit fails too is failed as possibly billed. Applying
// again finishes the rest, and in the end every image was paid for once:
// every 5xx to a submit is reported as possibly billed, and nothing else.
func TestApplyFaults(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.img.hcl": `image "tile" {
  count  = 12
  prompt = "tile number ${count.index}"
  output = "tiles/${count.index}.png"
}
`})
	base, stop, err := launchEmulator(os.Getenv("PATH"), dir, []string{"--latency", "200ms", "--fail-rate", "0.3", "--fail-seed", "7", "--max-concurrency", "2", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	env := []string{"SEGMIND_BASE_URL=" + base, "SEGMIND_API_KEY=test-key"}

	created, reported := 0, 0
	for run := 1; ; run++ {
		if run > 10 {
			t.Fatalf("12 images not done after 10 applies (%d created)", created)
		}
		out, code := runImgform(t, dir, env, "apply", "--auto-approve", "--json", "--parallelism", "8")
		s := lastSummary(t, out)
		created += s.Created
		reported += s.PossiblyBilled
		for _, f := range s.Failed {
			if !strings.Contains(f.Reason, "possibly billed (2 requests)") {
				t.Errorf("run %d: %s failed for another reason than a lost answer: %s", run, f.Address, f.Reason)
			}
		}
		if code == 0 {
			if len(s.Failed) != 0 {
				t.Errorf("run %d exited 0 with failures: %v", run, s.Failed)
			}
			break
		}
		if code != 1 || len(s.Failed) == 0 {
			t.Fatalf("run %d exited %d with failures %v:\n%s", run, code, s.Failed, out)
		}
	}
	if created != 12 {
		t.Errorf("created %d images in all, want 12", created)
	}
	for name, want := range map[string]int64{"generated": 12, "jobs_submitted": 12} {
		if got := stat(t, base, name); got != want {
			t.Errorf("%s = %d, want %d: each image paid for once", name, got, want)
		}
	}
	if got := stat(t, base, "max_in_progress"); got > 2 {
		t.Errorf("max_in_progress = %d, want at most 2", got)
	}
	requests := emulatorRequests(t, base)
	submits := requests["POST /v2/{model}"]
	fivexx := submits["500"] + submits["502"] + submits["504"]
	if int64(reported) != fivexx {
		t.Errorf("the runs reported %d requests possibly billed; the emulator answered %d submits with a 5xx", reported, fivexx)
	}
	if submits["429"] == 0 {
		t.Errorf("no submit was throttled (429): %v", submits)
	}
	if fivexx == 0 {
		t.Errorf("no submit met an injected fault: %v", submits)
	}
	if out, code := runImgform(t, dir, env, "plan", "--detailed-exitcode"); code != 0 {
		t.Errorf("plan after the applies exited %d:\n%s", code, out)
	}
}
