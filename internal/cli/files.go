package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/modules/httpapp"
)

// progressDelay is how long a download runs before its progress bar shows:
// short downloads draw nothing.
const progressDelay = 500 * time.Millisecond

// downloadProgress returns the progress reporter for `reqflow run`: a bar
// per long download on stderr, only when stdout and stderr are both
// terminals and the output is not --json; otherwise nil (no reporting).
func downloadProgress(s *streams, asJSON bool) httpapp.ProgressFunc {
	if asJSON || !isTerminal(s.stdout) || !isTerminal(s.stderr) {
		return nil
	}
	return newProgress(s.stderr, progressDelay)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress draws, on w, a progress bar (bytes, rate, ETA when the size is
// known) for every download that lasts longer than delay.
func newProgress(w io.Writer, delay time.Duration) httpapp.ProgressFunc {
	return func(name string, size int64) (io.Writer, func()) {
		start := time.Now()
		var bar *progressbar.ProgressBar
		var pending int64
		tee := writerFunc(func(p []byte) (int, error) {
			if bar == nil {
				pending += int64(len(p))
				if time.Since(start) < delay {
					return len(p), nil
				}
				bar = progressbar.NewOptions64(size,
					progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription(name),
					progressbar.OptionShowBytes(true),
					progressbar.OptionShowTotalBytes(true),
					progressbar.OptionShowCount(),
					progressbar.OptionSetWidth(30),
					progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionSpinnerType(14),
					progressbar.OptionSetPredictTime(true),
					progressbar.OptionShowElapsedTimeOnFinish(),
				)
				_ = bar.Add64(pending)
				return len(p), nil
			}
			_ = bar.Add(len(p))
			return len(p), nil
		})
		return tee, func() {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(w)
			}
		}
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// saveFiles writes every file the execution produced into dir (--save-files)
// and removes the execution's file store, listing the saved files on
// stderr.
func saveFiles(s *streams, x *engine.Execution, dir string) error {
	store := x.Files()
	paths, err := store.SaveAll(dir)
	if rerr := store.Remove(); err == nil && rerr != nil {
		err = rerr
	}
	for _, p := range paths {
		fmt.Fprintf(s.stderr, "saved %s\n", p)
	}
	if err != nil {
		return &exitError{code: ExitFailed, err: fmt.Errorf("--save-files: %w", err)}
	}
	return nil
}
