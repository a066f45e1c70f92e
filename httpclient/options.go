package httpclient

import "fmt"

// WithExtraCA trusts the PEM certificates in pemData for every request of
// the client, in addition to the system roots and to each request's own CA
// (the command line's --ca-file). It fails on PEM data without a certificate.
func WithExtraCA(pemData []byte) (Option, error) {
	if _, err := certPool(pemData); err != nil {
		return nil, fmt.Errorf("loading extra CA certificates: %w", err)
	}
	data := append([]byte{}, pemData...)
	return func(c *Client) { c.extraCA = data }, nil
}
