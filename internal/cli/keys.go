package cli

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/reqflow/reqflow/connections"
)

func newKeysCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage stored CA certificates and client certificates",
		Long: `Manage the certificates stored in $REQFLOW_HOME.

A CA certificate ("keys add ca") is trusted, in addition to the system roots,
by every authenticated HTTP module, by modules with useMtls and by OAuth 2.0
token requests. A client certificate ("keys add cert") added with --mtls is
the instance-wide certificate that modules with "Use Mutual TLS" (useMtls, v4
tlsType mTls) present. Private keys are sealed like every other secret.`,
	}
	add := &cobra.Command{Use: "add ca|cert NAME [flags]", Short: "Add a CA certificate or a client certificate"}
	add.AddCommand(newKeysAddCACmd(s), newKeysAddCertCmd(s))
	cmd.AddCommand(add, newKeysListCmd(s), newKeysDeleteCmd(s))
	return cmd
}

func newKeysAddCACmd(s *streams) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:     "ca NAME --file PEM",
		Short:   "Add CA certificates to trust besides the system roots",
		Example: `  reqflow keys add ca corp-root --file corp-root.pem`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" {
				return usageErr("--file PEM is required")
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return usageErr("--file: %w", err)
			}
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				if err := m.AddCA(cmd.Context(), args[0], data); err != nil {
					return storeErr(err)
				}
				fmt.Fprintf(s.stdout, "added CA %q\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "PEM file with one or more CA certificates")
	return cmd
}

func newKeysAddCertCmd(s *streams) *cobra.Command {
	var f certFlags
	var mtls bool
	cmd := &cobra.Command{
		Use:   "cert NAME (--cert FILE --key FILE [--key-password P] | --p12 FILE [--p12-password P]) [--mtls]",
		Short: "Add a client certificate",
		Example: `  reqflow keys add cert instance --cert client.pem --key client.key --mtls
  reqflow keys add cert partner --p12 partner.p12 --p12-password -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.load(s)
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				if err := m.AddCert(cmd.Context(), args[0], c, mtls); err != nil {
					return storeErr(err)
				}
				fmt.Fprintf(s.stdout, "added client certificate %q (%s)\n", args[0], c.Subject)
				if mtls {
					fmt.Fprintln(s.stdout, "modules with useMtls now present it")
				}
				return nil
			})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&mtls, "mtls", false, "make it the instance-wide certificate presented by modules with useMtls")
	return cmd
}

func newKeysListCmd(s *streams) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored certificates (never their private keys)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				keys, err := m.Keys(cmd.Context())
				if err != nil {
					return storeErr(err)
				}
				if asJSON {
					if keys == nil {
						keys = []*connections.Key{}
					}
					return writeJSON(s.stdout, keys)
				}
				tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tTYPE\tSUBJECT\tNOT AFTER\tMTLS")
				for _, k := range keys {
					mt := ""
					if k.MTLS {
						mt = "yes"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.Kind, k.Subject, k.NotAfter, mt)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

func newKeysDeleteCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a stored certificate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), s, func(m *connections.Manager) error {
				if err := m.DeleteKey(cmd.Context(), args[0]); err != nil {
					return storeErr(err)
				}
				fmt.Fprintf(s.stdout, "deleted key %q\n", args[0])
				return nil
			})
		},
	}
}
