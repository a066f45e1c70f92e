// Package examples embeds the example scenarios that `reqflow demo` runs, so
// the single binary carries them. Each blueprint reads the test server's
// base URL as {{var.input.httpbin}}.
package examples

import "embed"

// FS holds the example blueprints (*.json, *.yaml) and their README.
//
//go:embed *
var FS embed.FS
