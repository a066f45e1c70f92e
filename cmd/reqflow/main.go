// Command reqflow runs Make-style HTTP automation scenarios.
package main

import (
	"os"

	"github.com/reqflow/reqflow/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}
