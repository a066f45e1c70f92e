// Package cli implements the reqflow command line. Every command is a plain
// function over its arguments and streams, so tests run them in-process.
package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK      = 0 // success
	ExitFailed  = 1 // the execution failed, or check found problems
	ExitUsage   = 2 // bad usage, or a blueprint that cannot load
	exitUnknown = ExitUsage
)

// Version is the reqflow version, set at build time with
// -ldflags "-X github.com/reqflow/reqflow/internal/cli.Version=v1.2.3".
var Version = ""

// version returns the build's version: the one set at link time, else the
// module version, else "dev".
func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

// streams are a command's standard streams and environment.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            map[string]string
}

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks an error as bad usage (exit 2).
func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// Main runs the command line and returns the process exit code.
func Main(args, environ []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := &streams{stdin: stdin, stdout: stdout, stderr: stderr, env: map[string]string{}}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			s.env[k] = v
		}
	}
	root := newRoot(s)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "reqflow:", ee.err)
		}
		return ee.code
	}
	// Errors from cobra itself (unknown command or flag) are usage errors.
	fmt.Fprintln(stderr, "reqflow:", err)
	return exitUnknown
}

func newRoot(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "reqflow",
		Short: "Run Make (Integromat) HTTP scenarios on your own machine",
		Long: `reqflow runs scenario blueprints exported from Make (Integromat): their HTTP
modules make real requests, and every module's output bundles are printed.

Start with "reqflow demo", which runs the bundled examples against an
embedded test server, offline.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Version:           version(),
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.AddCommand(newRunCmd(s), newCheckCmd(s), newEvalCmd(s), newDemoCmd(s), newHTTPBinCmd(s))
	root.AddCommand(newConnectionsCmd(s), newKeysCmd(s), newExecutionsCmd(s), newModulesCmd(s))
	return root
}
