package view

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The log masks what is secret by name, by value and in URLs, and names
// the trace level; levels are read as people set them.
func TestLoggerMasksSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, levelTrace, false, []string{"sk-verysecret"})
	log.Info("call", "api_key", "abc123", "url", "postgres://u:pw@db/x", "body", "key sk-verysecret here")
	log.Log(context.Background(), levelTrace, "event")
	out := buf.String()
	for _, secret := range []string{"abc123", ":pw@", "sk-verysecret"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "level=TRACE") {
		t.Errorf("the trace level is not named TRACE:\n%s", out)
	}

	for _, tc := range []struct {
		name, raw string
		on, json  bool
		fails     bool
	}{
		{"IMGFORM_LOG", "", false, false, false},
		{"IMGFORM_LOG", "off", false, false, false},
		{"IMGFORM_LOG", " Debug", true, false, false},
		{"TF_LOG", "json", true, true, false},
		{"IMGFORM_LOG", "json", false, false, true},
		{"IMGFORM_LOG", "verbose", false, false, true},
	} {
		_, asJSON, on, err := parseLogLevel(tc.name, tc.raw)
		if (err != nil) != tc.fails || on != tc.on || asJSON != tc.json {
			t.Errorf("parseLogLevel(%s=%q) = json %v, on %v, %v", tc.name, tc.raw, asJSON, on, err)
		}
	}
}
