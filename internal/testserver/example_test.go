package testserver_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/reqflow/reqflow/internal/testserver"
)

// Start a server, ask /reqflow/login for its session cookie without
// following the redirect, and stop the server.
func ExampleStart() {
	srv, err := testserver.Start(context.Background(), "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Get(srv.URL + "/reqflow/login")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	fmt.Println(resp.Header.Get("Set-Cookie"))
	// Output:
	// 302 /cookies
	// session=reqflow-session-42; Path=/; HttpOnly
}

// Only loopback addresses are served unless AllowNonLoopback is given.
func ExampleStart_loopbackOnly() {
	_, err := testserver.Start(context.Background(), "0.0.0.0:8080")
	fmt.Println(err)
	// Output:
	// starting test server: address "0.0.0.0:8080" is not loopback (want 127.0.0.1, ::1 or localhost; use AllowNonLoopback to serve elsewhere)
}

// The bytes /reqflow/charset/iso-8859-15 serves, and the text a client
// should decode them to.
func ExampleCharsetBody() {
	body, contentType, err := testserver.CharsetBody("iso-8859-15", "header")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n% x\n", contentType, body[:6])
	text, _ := testserver.CharsetText("iso-8859-15")
	fmt.Println(text)
	// Output:
	// text/plain; charset=ISO-8859-15
	// 47 72 fc df 65 20
	// Grüße aus Köln: 5 € für das Œuvre, ça va?
}
