package httpapp

import (
	"errors"

	"github.com/reqflow/reqflow/connections"
)

func newOAuth2Cred(d *deps, c *connections.Connection) (credential, error) {
	return nil, errors.New("OAuth 2.0 is not supported yet")
}
