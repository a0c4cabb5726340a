package view

import "testing"

func TestRedactLine(t *testing.T) {
	for name, tc := range map[string]struct {
		line, want string
		secret     bool
		// a range of the line, and where it must land in the redacted one
		start, end, wantStart, wantEnd int
	}{
		"url password": {
			line: `  conn_str = "postgres://app:hunter2@db/x" + 1`, secret: true,
			want:  `  conn_str = "postgres://app:****@db/x" + 1`,
			start: 13, end: 42, wantStart: 13, wantEnd: 39,
		},
		"secret string": {
			line: `  api_key = "sk-live-123"`, secret: true,
			want:  `  api_key = "****"`,
			start: 2, end: 9, wantStart: 2, wantEnd: 9,
		},
		"a range ending inside the secret": {
			line: `  token = "abcdef" + var.x`, secret: true,
			want:  `  token = "****" + var.x`,
			start: 10, end: 13, wantStart: 10, wantEnd: 15,
		},
		"not secret, no url": {
			line: `  prompt = "a castle"`,
			want: `  prompt = "a castle"`, start: 11, end: 19, wantStart: 11, wantEnd: 19,
		},
		"url password anywhere": {
			line:  `  prompt = "https://u:p4ss@h.example/a and more"`,
			want:  `  prompt = "https://u:****@h.example/a and more"`,
			start: 40, end: 44, wantStart: 40, wantEnd: 44,
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, mapOffset := redactLine(tc.line, tc.secret)
			if got != tc.want {
				t.Errorf("redactLine:\n got %s\nwant %s", got, tc.want)
			}
			if s, e := mapOffset(tc.start, false), mapOffset(tc.end, true); s != tc.wantStart || e != tc.wantEnd {
				t.Errorf("range [%d,%d) maps to [%d,%d), want [%d,%d)", tc.start, tc.end, s, e, tc.wantStart, tc.wantEnd)
			}
		})
	}
	if got := redactText(`connecting to postgres://u:pw@h/db: refused`); got != `connecting to postgres://u:****@h/db: refused` {
		t.Errorf("redactText: %s", got)
	}
}
