package review

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// idPattern is what a review id may be: a folder name that needs no
// escaping in a key or a URL.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)

// checkID refuses an id that is not a plain folder name.
func checkID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("the review id %q is not lower-case letters, digits and dashes (at most 80)", id)
	}
	return nil
}

// iDFromEnv chooses the published page's id from what CI says: the same
// for every run of one pull request (GitHub "pr-N", GitLab merge request
// "mr-N") or branch ("branch-NAME-HASH"), so that a new push replaces
// the page the comment links. stable is false when the environment names
// neither: the id is then random, one page per run.
func iDFromEnv(getenv func(string) string) (id string, stable bool, err error) {
	if n, ok := strings.CutPrefix(getenv("GITHUB_REF"), "refs/pull/"); ok {
		if num, _, _ := strings.Cut(n, "/"); digits(num) {
			return "pr-" + num, true, nil
		}
	}
	if num := getenv("CI_MERGE_REQUEST_IID"); digits(num) {
		return "mr-" + num, true, nil
	}
	for _, name := range []string{"GITHUB_HEAD_REF", "CI_COMMIT_BRANCH", "CI_COMMIT_REF_NAME"} {
		if b := getenv(name); b != "" {
			return branchID(b), true, nil
		}
	}
	if b, ok := strings.CutPrefix(getenv("GITHUB_REF"), "refs/heads/"); ok && b != "" {
		return branchID(b), true, nil
	}
	var buf [8]byte
	if _, err := rand.Read(buf[:]); err != nil {
		return "", false, fmt.Errorf("choosing a review id: %w", err)
	}
	return "run-" + hex.EncodeToString(buf[:]), false, nil
}

// branchID names a branch's page: its name made safe for a key, and a
// short hash of the name as it is, so that "feature/a" and "feature-a"
// do not share a page.
func branchID(branch string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(branch) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimRight(b.String(), "-")
	if len(name) > 48 {
		name = strings.TrimRight(name[:48], "-")
	}
	sum := sha256.Sum256([]byte(branch))
	if name == "" {
		return "branch-" + hex.EncodeToString(sum[:4])
	}
	return "branch-" + name + "-" + hex.EncodeToString(sum[:4])
}

func digits(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// whyNotPublish says why a run must not publish, or "" when it may: a
// pull request from a fork runs code and prompts that the team has not
// reviewed, with no secrets (GitHub's pull_request event from another
// repository; GitLab's merge request from another project). readFile
// reads GitHub's event payload (GITHUB_EVENT_PATH); an event that cannot
// be read is taken as a fork.
func whyNotPublish(getenv func(string) string, readFile func(string) ([]byte, error)) string {
	if src := getenv("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"); src != "" && src != getenv("CI_MERGE_REQUEST_PROJECT_ID") {
		return "this merge request comes from another project (a fork): its pipeline gets no access to the team's bucket"
	}
	event := getenv("GITHUB_EVENT_NAME")
	if event != "pull_request" && event != "pull_request_target" {
		return ""
	}
	var payload struct {
		PullRequest *struct {
			Head struct {
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"head"`
			Base struct {
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"base"`
		} `json:"pull_request"`
	}
	path := getenv("GITHUB_EVENT_PATH")
	if path == "" {
		return "this is a pull request, and GITHUB_EVENT_PATH is not set: imgform cannot tell whether it comes from a fork"
	}
	data, err := readFile(path)
	if err == nil {
		err = json.Unmarshal(data, &payload)
	}
	if err != nil || payload.PullRequest == nil || payload.PullRequest.Base.Repo == nil {
		return fmt.Sprintf("this is a pull request whose event (%s) cannot be read: imgform cannot tell whether it comes from a fork", path)
	}
	head, base := payload.PullRequest.Head.Repo, payload.PullRequest.Base.Repo.FullName
	if head == nil || head.FullName != base {
		from := "a deleted repository"
		if head != nil {
			from = head.FullName
		}
		return fmt.Sprintf("this pull request comes from a fork (%s into %s): it gets no access to the team's bucket, and its prompts have not been reviewed", from, base)
	}
	return ""
}
