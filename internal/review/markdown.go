package review

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// WriteMarkdown writes the pull-request comment's part about a published
// page: the link and, under a public base URL, the changed images'
// thumbnails inline (GitHub shows images from public addresses only, so
// a presigned page gets the link alone). notPublished, when not "", says
// why there is no page in the bucket instead.
func WriteMarkdown(w io.Writer, pub *Published, notPublished string) error {
	var b strings.Builder
	b.WriteString("### imgform review\n\n")
	switch {
	case pub == nil:
		fmt.Fprintf(&b, "The review page was not published: %s.\n", notPublished)
	default:
		fmt.Fprintf(&b, "**[Open the review page](%s)**: every change before and after, and the candidates.", mdURL(pub.URL))
		if pub.Expires != nil {
			fmt.Fprintf(&b, " The link works until %s.", pub.Expires.UTC().Format("2006-01-02 15:04 MST"))
		}
		b.WriteString("\n")
		if len(pub.Changed) > 0 {
			b.WriteString("\n| image | after |\n| --- | --- |\n")
			for _, t := range pub.Changed {
				fmt.Fprintf(&b, "| `%s` | ![%s](%s) |\n", strings.NewReplacer("`", "'", "|", `\|`).Replace(t.Address), mdText(t.Address), mdURL(t.URL))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdownFile writes WriteMarkdown's text to path.
func WriteMarkdownFile(path string, pub *Published, notPublished string) error {
	var b strings.Builder
	if err := WriteMarkdown(&b, pub, notPublished); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the review's markdown: %w", err)
	}
	return nil
}

// mdURL keeps a URL from closing the markdown link it is in.
func mdURL(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(u)
}

// mdText escapes what would end an image's alt text or a table cell.
func mdText(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "|", `\|`, "\n", " ").Replace(s)
}
