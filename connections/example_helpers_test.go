package connections_test

import (
	"net/http/httptest"

	"github.com/reqflow/reqflow/internal/testserver/oauth"
)

func startLoopback(s *oauth.Server) *httptest.Server {
	srv := httptest.NewServer(s.Handler())
	s.URL = srv.URL
	return srv
}
