package httpapp

import "github.com/reqflow/reqflow/engine"

// fileSpecs declares Get a File, Resolve a Target URL and Retrieve Headers.
func fileSpecs(d *deps) []*engine.Spec { return nil }
