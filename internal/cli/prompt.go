package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IsTerminal reports whether a stream is a terminal.
func IsTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ErrPromptInterrupted is AskYes's error when an interrupt came first.
var ErrPromptInterrupted = fmt.Errorf("interrupted at the prompt")

// AskYes asks question on out, Terraform style, and reports whether the
// answer read from in was "yes". An interrupt (interrupted closed)
// before the answer returns ErrPromptInterrupted.
func AskYes(in io.Reader, out io.Writer, interrupted <-chan struct{}, question string) (bool, error) {
	fmt.Fprintf(out, "\n%s Only 'yes' will be accepted\n  Enter a value: ", question)
	answers := make(chan string, 1)
	go func() {
		answer, _ := bufio.NewReader(in).ReadString('\n')
		answers <- answer
	}()
	select {
	case answer := <-answers:
		fmt.Fprintln(out)
		return strings.TrimSpace(answer) == "yes", nil
	case <-interrupted:
		fmt.Fprintln(out)
		return false, ErrPromptInterrupted
	}
}
