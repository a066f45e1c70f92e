package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/internal/testserver"
)

func newHTTPBinCmd(s *streams) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "httpbin",
		Short: "Serve the embedded httpbin-style test server",
		Long: `Serve the test server that "reqflow demo" uses, for trying scenarios by
hand: httpbin's endpoints (/get, /post, /status/404, /redirect/3, /cookies…)
plus reqflow's extras under /reqflow/. It listens on loopback only.`,
		Example: `  reqflow httpbin --addr 127.0.0.1:8080 &
  reqflow run examples/get-json.json --input httpbin=http://127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv, err := testserver.Start(ctx, addr)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			fmt.Fprintf(s.stdout, "httpbin listening on %s (Ctrl-C to stop)\n", srv.URL)
			<-ctx.Done()
			return srv.Close()
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "loopback address to listen on")
	return cmd
}
