package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// vendor is a loopback HTTPS server that answers like a vendor's API: its
// certificate names the vendor's hosts, so a production blueprint reaches it
// with --connect-to and --ca-file while keeping its URLs.
type vendor struct {
	port, caFile string
	mu           sync.Mutex
	seen         []string // "METHOD /path?query AUTH BODY"
}

func newVendor(t *testing.T, hosts []string, reply func(w http.ResponseWriter, r *http.Request)) *vendor {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reqflow test vendor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: hosts, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	v := &vendor{caFile: filepath.Join(t.TempDir(), "vendor-ca.pem")}
	if err := os.WriteFile(v.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.seen = append(v.seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+string(body))
		v.mu.Unlock()
		reply(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, v.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return v
}

func (v *vendor) requests() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.seen...)
}

// runReport is the part of `reqflow run --json` these tests read.
type runReport struct {
	Status  string `json:"status"`
	Modules []struct {
		ID         int  `json:"id"`
		Stubbed    bool `json:"stubbed"`
		Operations []struct {
			Input   map[string]any   `json:"input"`
			Outputs []map[string]any `json:"outputs"`
			Error   *struct {
				Type      string `json:"type"`
				HandledBy string `json:"handledBy"`
			} `json:"error"`
		} `json:"operations"`
	} `json:"modules"`
}

func parseReport(t *testing.T, r result) runReport {
	t.Helper()
	var rep runReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("exit %d, %v: %s %s", r.code, err, r.stdout, r.stderr)
	}
	return rep
}

// outputsOf is every output of module id as compact JSON.
func (rep runReport) outputsOf(t *testing.T, id int) string {
	t.Helper()
	all := []map[string]any{}
	for _, m := range rep.Modules {
		if m.ID == id {
			for _, op := range m.Operations {
				all = append(all, op.Outputs...)
			}
		}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(all); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture returns the path of a public export, or skips the test.
func fixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(fixtures, name)
	if _, err := os.Stat(p); err != nil {
		t.Skip(fixtures + " is not present")
	}
	return p
}

// TestFixtureWebhookRouter runs Make's webhook → router → error handler
// sample: a hot lead is posted to the vendor; a cold one is not; a vendor
// that cannot be reached is ignored by the error route.
func TestFixtureWebhookRouter(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "integromat__pattern-webhook-router-error-handler-v4.json")
	v := newVendor(t, []string{"api.example.com"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"accepted": true}`)
	})
	hot := writeFile(t, "hot.json", `{"email": "ada@example.com", "name": "Ada", "score": 75}`)
	cold := writeFile(t, "cold.json", `{"email": "bob@example.com", "name": "Bob", "score": 20}`)
	to := "api.example.com:443:127.0.0.1:" + v.port

	r := reqflow(t, "", "run", bp, "--trigger", hot, "--connect-to", to, "--ca-file", v.caFile, "--json")
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("hot lead: exit %d, status %s: %s", r.code, rep.Status, r.stderr)
	}
	date := regexp.MustCompile(`"received": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)"`)
	got := strings.Join(v.requests(), "\n")
	if date.FindStringSubmatch(got) == nil {
		t.Errorf("no received date in %s", got)
	}
	want := `POST /hot-leads  {"email": "ada@example.com", "name": "Ada", "score": 75, "received": "DATE"}`
	if got = date.ReplaceAllString(got, `"received": "DATE"`); got != want {
		t.Errorf("vendor saw:\n%s\nwant:\n%s", got, want)
	}
	if out := rep.outputsOf(t, 3); !strings.Contains(out, `"data":{"accepted":true}`) || !strings.Contains(out, `"statusCode":200`) {
		t.Errorf("module 3 outputs %s", out)
	}
	if out := rep.outputsOf(t, 4); out != `[{"lastLeadEmail":"ada@example.com"}]` {
		t.Errorf("module 4 outputs %s", out)
	}

	r = reqflow(t, "", "run", bp, "--trigger", cold, "--connect-to", to, "--ca-file", v.caFile, "--json")
	rep = parseReport(t, r)
	if r.code != 0 || rep.Status != "success" || len(v.requests()) != 1 || rep.outputsOf(t, 3) != `[]` || rep.outputsOf(t, 4) != `[{"lastLeadEmail":"bob@example.com"}]` {
		t.Errorf("cold lead: exit %d, %d requests, report %s", r.code, len(v.requests()), r.stdout)
	}

	// Nothing listens on port 9 of 127.0.0.1: the error route's Ignore
	// handles the ConnectionError and the second route still runs.
	r = reqflow(t, "", "run", bp, "--trigger", hot, "--connect-to", "api.example.com:443:127.0.0.1:9", "--ca-file", v.caFile, "--json")
	rep = parseReport(t, r)
	var handled string
	for _, m := range rep.Modules {
		if m.ID == 3 && len(m.Operations) == 1 && m.Operations[0].Error != nil {
			handled = m.Operations[0].Error.Type + " " + m.Operations[0].Error.HandledBy
		}
	}
	if r.code != 0 || rep.Status != "success" || handled != "ConnectionError Ignore" || rep.outputsOf(t, 4) != `[{"lastLeadEmail":"ada@example.com"}]` {
		t.Errorf("unreachable vendor: exit %d, handled %q, report %s", r.code, handled, r.stdout)
	}
}

// TestFixtureMeetingBot runs a real export that iterates a transcript,
// aggregates it twice, turns it into JSON and posts it to an LLM API with
// an API-key connection; the Airtable module is stubbed.
func TestFixtureMeetingBot(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "meetingbaas__integration-webhook-apikeyauth.json")
	v := newVendor(t, []string{"openrouter.ai"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": "gen-1", "choices": [{"message": {"content": "## Summary"}}]}`)
	})
	h := newHome(t, "sk-or-secret-1")
	h.ok("", "connections", "create", "apikey", "openrouter", "--key", "Bearer sk-or-secret-1", "--placement", "header", "--name", "Authorization")
	trigger := writeFile(t, "bot.json", `{"event": "complete", "data": {"bot_id": 7, "speakers": ["Ada", "Bob"], "transcript": [
		{"speaker": "Ada", "words": [{"word": "Ship"}, {"word": "it"}]},
		{"speaker": "Bob", "words": [{"word": "Agreed."}]}]}}`)
	airtable := writeFile(t, "airtable.json", `{"id": "rec1"}`)
	r := h.run("", "run", bp, "--trigger", trigger, "--stub", "3="+airtable, "--connection", "14964=openrouter",
		"--connect-to", "openrouter.ai:443:127.0.0.1:"+v.port, "--ca-file", v.caFile, "--json")
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	reqs := v.requests()
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0], "POST /api/v1/chat/completions Bearer sk-or-secret-1 {") {
		t.Fatalf("vendor saw %q", reqs)
	}
	var body struct {
		Model    string `json:"model"`
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal([]byte(reqs[0][strings.Index(reqs[0], "{"):]), &body); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, reqs[0])
	}
	// 42.json with its double quotes turned into single ones, as the
	// export's replace() asks.
	if want := `[{'text':'Ada:\nShip it'},{'text':'Bob:\nAgreed.'}]`; body.Model != "openrouter/cinematika-7b:free" || len(body.Messages) != 2 || body.Messages[1].Content != want {
		t.Errorf("messages %+v\nwant content %s", body.Messages, want)
	}
	for id, want := range map[int]string{
		52: `[{"output":"continue"}]`,
		22: `[{"text":"Ship it"},{"text":"Agreed."}]`,
		32: `[{"text":"Ada:\\nShip it"},{"text":"Bob:\\nAgreed."}]`,
		42: `[{"json":"[{\"text\":\"Ada:\\\\nShip it\"},{\"text\":\"Bob:\\\\nAgreed.\"}]"}]`,
		45: `[{"speakers":["Ada","Bob"]}]`,
		3:  `[{"id":"rec1"}]`,
	} {
		if got := rep.outputsOf(t, id); got != want {
			t.Errorf("module %d outputs\n got %s\nwant %s", id, got, want)
		}
	}
	for _, m := range rep.Modules {
		if m.ID == 3 && !m.Stubbed {
			t.Errorf("module 3 is not marked stubbed")
		}
	}
}

// TestFixtureUpworkScraper runs a real export that pages through search
// results with a Repeater, turns the HTML into text, finds job links with
// Match pattern, and reads each job page with seven more patterns; the
// Google Sheets modules are stubbed.
func TestFixtureUpworkScraper(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "nicolab__upwork-scraper-html.json")
	v := newVendor(t, []string{"www.upwork.com"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case r.URL.Path == "/nx/search/jobs/":
			job := map[string]string{"1": "01AA", "2": "01bb"}[r.URL.Query().Get("page")]
			_, _ = io.WriteString(w, `<html><head><title>Jobs</title></head><body><h1>Results</h1>
<section><h2 class="job-tile-title"><a href="/jobs/~`+job+`/?referrer_url_path=/nx/search/jobs/">Chatbot `+job+`</a></h2>
<p>Posted <b>today</b></p></section></body></html>`)
		case strings.HasPrefix(r.URL.Path, "/jobs/~"):
			_, _ = io.WriteString(w, `<html><body><h4 class="flex-1 m-0">Build a bot `+r.URL.Path[7:11]+`</h4>
<p class="text-body-sm">We need
a bot.</p>
<div data-cy="clock-hourly"><span>Hourly</span> <strong>$30.00-$50.00</strong></div>
<div data-cy="expertise"><span>Level</span><strong>Expert</strong></div>
<div data-cy="clock-timelog"><strong>1-3 months</strong> at <strong>30+ hrs/week</strong></div>
<script>{"job":{"datePosted":"2024-05-01T10:00:00.000Z"}}</script></body></html>`)
		default:
			http.NotFound(w, r)
		}
	})
	notFound := writeFile(t, "rows.json", `{"__IMTLENGTH__": 0}`)
	added := writeFile(t, "added.json", `{"rowNumber": 2}`)
	r := reqflow(t, "", "run", bp, "--stub", "39="+notFound, "--stub", "32="+added,
		"--connect-to", "www.upwork.com:443:127.0.0.1:"+v.port, "--ca-file", v.caFile, "--json")
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	want := "GET /nx/search/jobs/?q=chatbot%20development&page=1&per_page=50  \n" +
		"GET /jobs/~01aa/  \n" +
		"GET /nx/search/jobs/?q=chatbot%20development&page=2&per_page=50  \n" +
		"GET /jobs/~01bb/  "
	if got := strings.Join(v.requests(), "\n"); got != want {
		t.Errorf("vendor saw:\n%s\nwant:\n%s", got, want)
	}
	for id, want := range map[int]string{
		38: `[{"i":1},{"i":2}]`,
		37: `[{"currentPage":1},{"currentPage":2}]`,
		12: `[{"text":"RESULTS\n\nCHATBOT 01AA [/JOBS/~01AA/?REFERRER_URL_PATH=/NX/SEARCH/JOBS/]\n\nPosted today"},` +
			`{"text":"RESULTS\n\nCHATBOT 01BB [/JOBS/~01BB/?REFERRER_URL_PATH=/NX/SEARCH/JOBS/]\n\nPosted today"}]`,
		14: `[{"__IMTMATCH__":"[/JOBS/~01AA/?REFERRER_URL_PATH=/NX/SEARCH/JOBS/]","i":1},{"__IMTMATCH__":"[/JOBS/~01BB/?REFERRER_URL_PATH=/NX/SEARCH/JOBS/]","i":1}]`,
		15: `[{"jobID":"01aa"},{"jobID":"01bb"}]`,
		33: `[{"jobURL":"https://www.upwork.com/jobs/~01aa/"},{"jobURL":"https://www.upwork.com/jobs/~01bb/"}]`,
		39: `[{"__IMTLENGTH__":0},{"__IMTLENGTH__":0}]`,
		21: `[{"$1":"Build a bot 01aa","__IMTMATCH__":"<h4 class=\"flex-1 m-0\">Build a bot 01aa</h4>","i":1},` +
			`{"$1":"Build a bot 01bb","__IMTMATCH__":"<h4 class=\"flex-1 m-0\">Build a bot 01bb</h4>","i":1}]`,
		22: `[{"$1":"We need\na bot.","__IMTMATCH__":"<p class=\"text-body-sm\">We need\na bot.</p>","i":1},` +
			`{"$1":"We need\na bot.","__IMTMATCH__":"<p class=\"text-body-sm\">We need\na bot.</p>","i":1}]`,
		25: `[{"$1":"$30.00-$50.00"},{"$1":"$30.00-$50.00"}]`,
		27: `[{"$1":"Expert"},{"$1":"Expert"}]`,
		28: `[{"$1":"1-3 months","$2":"30+ hrs/week"},{"$1":"1-3 months","$2":"30+ hrs/week"}]`,
		29: `[{},{}]`, // no fixed price: "continue even if no match" passes an empty bundle on
		40: `[{"$1":"2024-05-01T10:00:00.000Z"},{"$1":"2024-05-01T10:00:00.000Z"}]`,
		41: `[{"DatePosted":"2024-05-01T10:00:00.000Z"},{"DatePosted":"2024-05-01T10:00:00.000Z"}]`,
		32: `[{"rowNumber":2},{"rowNumber":2}]`,
	} {
		if got := rep.outputsOf(t, id); got != want {
			t.Errorf("module %d outputs\n got %s\nwant %s", id, got, want)
		}
	}
}

// TestFixtureURLChecker runs a real export that collects the links of an
// e-mail with Get elements from HTML, joins and splits them, posts them as
// Create JSON to a URL scanner and sums the detections with a Numeric
// aggregator; the Gmail modules are the trigger and a stub.
func TestFixtureURLChecker(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "manasoid__url-checker-opswat.json")
	var mu sync.Mutex
	detected := 0
	v := newVendor(t, []string{"api.metadefender.com"}, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := detected
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data": [{"address": "https://a.example/x", "lookup_results": {"detected_by": `+strconv.Itoa(n)+`}},
			{"address": "https://b.example/y?q=1&r=2", "lookup_results": {"detected_by": 9}}]}`)
	})
	mail := writeFile(t, "mail.json", `{"id": "m-1", "html": "<p>Hi <a href=\"https://a.example/x\">x</a> and <a href='https://b.example/y?q=1&amp;r=2'>y</a></p><img src=\"z.png\">"}`)
	moved := writeFile(t, "moved.json", `{"moved": true}`)
	for _, c := range []struct {
		detected  int
		sum, move string
	}{
		{2, `[{"result":2}]`, `[{"moved":true}]`},
		{0, `[{"result":0}]`, `[]`},
	} {
		mu.Lock()
		detected = c.detected
		mu.Unlock()
		r := reqflow(t, "", "run", bp, "--trigger", mail, "--stub", "22="+moved,
			"--connect-to", "api.metadefender.com:443:127.0.0.1:"+v.port, "--ca-file", v.caFile, "--json")
		rep := parseReport(t, r)
		if r.code != 0 || rep.Status != "success" {
			t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
		}
		for id, want := range map[int]string{
			5: `[{"attrs":{"href":"https://a.example/x"},"element":"<a href=\"https://a.example/x\">x</a>","innerContent":"x"},` +
				`{"attrs":{"href":"https://b.example/y?q=1&r=2"},"element":"<a href=\"https://b.example/y?q=1&amp;r=2\">y</a>","innerContent":"y"}]`,
			10: `[{"text":"https://a.example/x:::::https://b.example/y?q=1&r=2"}]`,
			11: `[{"array_links":["https://a.example/x","https://b.example/y?q=1&r=2"]}]`,
			16: `[{"json":"{\"url\":[\"https://a.example/x\",\"https://b.example/y?q=1&r=2\"]}"}]`,
			20: c.sum,
			22: c.move,
		} {
			if got := rep.outputsOf(t, id); got != want {
				t.Errorf("detected %d: module %d outputs\n got %s\nwant %s", c.detected, id, got, want)
			}
		}
	}
	want := `POST /v4/url/  {"url":["https://a.example/x","https://b.example/y?q=1&r=2"]}`
	if got := v.requests(); len(got) != 2 || got[0] != want || got[1] != want {
		t.Errorf("vendor saw %q\nwant twice %s", got, want)
	}
}

// TestFixtureErrorFallback runs Make's error-handler sample: the order API
// fails, the error route logs the error message to another endpoint and
// ignores the error.
func TestFixtureErrorFallback(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "integromat__pattern-error-handler-fallback-v4.json")
	v := newVendor(t, []string{"api.example.com"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/orders" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error": "down"}`)
			return
		}
		_, _ = io.WriteString(w, `{"logged": true}`)
	})
	order := writeFile(t, "order.json", `{"orderId": "A-1", "amount": 12.5}`)
	r := reqflow(t, "", "run", bp, "--trigger", order, "--connect-to", "api.example.com:443:127.0.0.1:"+v.port, "--ca-file", v.caFile, "--json")
	rep := parseReport(t, r)
	var handled string
	for _, m := range rep.Modules {
		if m.ID == 2 && len(m.Operations) == 1 && m.Operations[0].Error != nil {
			handled = m.Operations[0].Error.Type + " " + m.Operations[0].Error.HandledBy
		}
	}
	if r.code != 0 || rep.Status != "success" || handled != "RuntimeError Ignore" {
		t.Fatalf("exit %d, status %s, handled %q: %s %s", r.code, rep.Status, handled, r.stdout, r.stderr)
	}
	got := v.requests()
	want := []string{
		`POST /orders  {"orderId": "A-1", "amount": 12.5}`,
		`POST /logs  {"level": "error", "message": "[503] {"error": "down"}", "orderId": "A-1"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("vendor saw:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFixtureDeepLParseJSON runs a real export that fetches a page over
// plain HTTP, posts it as a form to a translation API and parses the
// parsed response again with Parse JSON; the Google Drive upload is stubbed.
func TestFixtureDeepLParseJSON(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "manasoid__deepl-tag-handling-html.json")
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<p>Hello & welcome</p>")
	}))
	t.Cleanup(page.Close)
	v := newVendor(t, []string{"api-free.deepl.com"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"translations": [{"detected_source_language": "EN", "text": "<p>こんにちは</p>"}]}`)
	})
	upload := writeFile(t, "upload.json", `{"id": "file-1"}`)
	r := reqflow(t, "", "run", bp, "--stub", "12="+upload, "--ca-file", v.caFile,
		"--connect-to", "www.make.com:80:"+strings.TrimPrefix(page.URL, "http://"),
		"--connect-to", "api-free.deepl.com:443:127.0.0.1:"+v.port, "--json")
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	if got, want := strings.Join(v.requests(), "\n"), "POST /v2/translate  tag_handling=html&text=%3Cp%3EHello%20%26%20welcome%3C%2Fp%3E&target_lang=JA&auth_key="; got != want {
		t.Errorf("vendor saw:\n%s\nwant:\n%s", got, want)
	}
	if got, want := rep.outputsOf(t, 14), `[{"translations":[{"detected_source_language":"EN","text":"<p>こんにちは</p>"}]}]`; got != want {
		t.Errorf("module 14 outputs\n got %s\nwant %s", got, want)
	}
}

// TestFixturePriceBasedSender runs a real export that reads a price, sets
// variables and sends a transfer with an API-key connection only when the
// price reaches the threshold; the Telegram message is stubbed.
func TestFixturePriceBasedSender(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "bicced__price-based-sender.json")
	var mu sync.Mutex
	price := "5000"
	prices := newVendor(t, []string{"api.coingecko.com"}, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p := price
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ethereum": {"usd": `+p+`}}`)
	})
	afk := newVendor(t, []string{"app.afkcrypto.com"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status": "sent"}`)
	})
	ca := writeFile(t, "cas.pem", readAll(t, prices.caFile)+readAll(t, afk.caFile))
	h := newHome(t, "afk-secret-9")
	h.ok("", "connections", "create", "apikey", "afk", "--key", "Bearer afk-secret-9", "--placement", "header", "--name", "Authorization")
	telegram := writeFile(t, "telegram.json", `{"message_id": 1}`)
	run := func() (result, runReport) {
		r := h.run("", "run", bp, "--stub", "4="+telegram, "--connection", "72749=afk", "--ca-file", ca,
			"--connect-to", "api.coingecko.com:443:127.0.0.1:"+prices.port, "--connect-to", "app.afkcrypto.com:443:127.0.0.1:"+afk.port, "--json")
		return r, parseReport(t, r)
	}
	r, rep := run()
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	want := "POST /api/v1/send Bearer afk-secret-9 {\n  \"chain\": \"ethereum\",\n  \"to\": \"RECIPIENT_WALLET_ADDRESS\",\n  \"asset\": \"native\",\n  \"amount\": \"1000000000000000\"\n}"
	if got := strings.Join(afk.requests(), "\n"); got != want {
		t.Errorf("transfer API saw:\n%s\nwant:\n%s", got, want)
	}
	if got, want := rep.outputsOf(t, 2), `[{"amount":"1000000000000000","asset":"native","chain":"ethereum","threshold":"4500","to":"RECIPIENT_WALLET_ADDRESS"}]`; got != want {
		t.Errorf("module 2 outputs\n got %s\nwant %s", got, want)
	}
	if got := rep.outputsOf(t, 4); got != `[{"message_id":1}]` {
		t.Errorf("module 4 outputs %s", got)
	}
	mu.Lock()
	price = "4499.99"
	mu.Unlock()
	r, rep = run()
	if r.code != 0 || rep.Status != "success" || len(afk.requests()) != 1 || rep.outputsOf(t, 3) != `[]` || rep.outputsOf(t, 4) != `[]` {
		t.Errorf("below the threshold: exit %d, %d transfers: %s", r.code, len(afk.requests()), r.stdout)
	}
	if n := len(prices.requests()); n != 2 {
		t.Errorf("%d price requests, want 2", n)
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFixturePDFInvoice runs a real export whose HTTP module downloads the
// text a stubbed PDF converter produced, strips its whitespace with Replace
// and reads a variable named by the result.
func TestFixturePDFInvoice(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "manasoid__pdf-ocr-invoice.json")
	text := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "INV 42\n\tTotal: 9 €")
	}))
	t.Cleanup(text.Close)
	drive := writeFile(t, "drive.json", `{"fileName": "invoice.pdf", "data": "JVBERi0="}`)
	pdfco := writeFile(t, "pdfco.json", `{"url": "`+text.URL+`/out.txt"}`)
	r := reqflow(t, "", "run", bp, "--stub", "13="+drive, "--stub", "15="+pdfco, "--json")
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	for id, want := range map[int]string{
		19: `[{"text":"INV42Total:9€"}]`,
		20: `[{"INV42Total:9€":null}]`,
	} {
		if got := rep.outputsOf(t, id); got != want {
			t.Errorf("module %d outputs\n got %s\nwant %s", id, got, want)
		}
	}
}

// TestFixtureAFKTransfers runs two real exports that set variables (names
// with spaces and parentheses, read back with backticks) and post transfers
// with basic-auth and API-key connections, one per router route.
func TestFixtureAFKTransfers(t *testing.T) {
	t.Parallel()
	swap := fixture(t, "bicced__swap-bot-basicauth.json")
	router := fixture(t, "bicced__router-apikeyauth.json")
	v := newVendor(t, []string{"api.afkcrypto.com", "api.staging.afkcrypto.com"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status": "ok"}`)
	})
	h := newHome(t, "sw4p-pass", "r0uter-key")
	h.ok("", "connections", "create", "basic", "staging", "--username", "bot", "--password", "sw4p-pass")
	h.ok("", "connections", "create", "apikey", "afk", "--key", "r0uter-key", "--placement", "header", "--name", "Authorization")
	to := []string{"--ca-file", v.caFile, "--connect-to", "api.afkcrypto.com:443:127.0.0.1:" + v.port,
		"--connect-to", "api.staging.afkcrypto.com:443:127.0.0.1:" + v.port, "--json"}

	r := h.run("", append([]string{"run", swap, "--connection", "71843=staging"}, to...)...)
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("swap: exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	if got, want := rep.outputsOf(t, 1), `[{"amountWei":"10000000000000","chain":"ethereum","fromToken(ETH Wrapped)":"0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE","slippage":"1","toToken(USDC)":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"}]`; got != want {
		t.Errorf("swap module 1 outputs\n got %s\nwant %s", got, want)
	}
	r = h.run("", append([]string{"run", router, "--connection", "71843=afk"}, to...)...)
	rep = parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("router: exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	// The export maps {{3.amount}} and {{8.amount}}, variables it never
	// sets (it sets amountLamports and amountWei): they are empty, as in Make.
	want := []string{
		"POST /v1/trade/swap Basic Ym90OnN3NHAtcGFzcw== {\n  \"chain\": \"ethereum\",\n  \"fromToken\": \"0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE\",\n  \"toToken\": \"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48\",\n  \"amount\": \"10000000000000\"\n}",
		"POST /v1/send r0uter-key {\n\"chain\": \"solana\",\n\"to\": \"RECIPIENT_WALLET_ADDRESS\",\n\"asset\": \"native\",\n\"amount\": \"\"\n}",
		"POST /v1/send r0uter-key {\n\"chain\": \"ethereum\",\n\"to\": \"RECIPIENT_WALLET_ADDRESS\",\n\"asset\": \"native\",\n\"amount\": \"\"\n}",
	}
	if got := v.requests(); strings.Join(got, "\n---\n") != strings.Join(want, "\n---\n") {
		t.Errorf("vendor saw:\n%s\nwant:\n%s", strings.Join(got, "\n---\n"), strings.Join(want, "\n---\n"))
	}
}

// TestFixtureContentfulBrief runs a real export that reads a brief from a
// sheet into variables, iterates its lines, keeps the "## " sections with a
// filter, aggregates the generated sections from inside a router route and
// posts them to a converter; the Typeform trigger, the AI, Google and
// Contentful modules are stubbed and the Sleep skipped (--max-sleep 0).
func TestFixtureContentfulBrief(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "veracitylife__contentful-onerror-iterator.json")
	v := newVendor(t, []string{"us-central1-festive-bazaar-397323.cloudfunctions.net"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"nodeType": "document", "content": []}`)
	})
	section := `{"choices": [{"message": {"content": "Said \"hi\""}}]}`
	stubs := map[int]string{
		59: `{}`, 61: `{}`, 8: `{}`, 31: `{}`, 9: `{}`, 23: `{}`, 24: `{}`, 48: `{"result": "my-title"}`, 36: `{}`, 33: `{}`, 54: `{}`,
		29: `{"0": "My Title", "1": "800", "2": "bots", "3": "a,b", "4": "https://x.example", "5": "", "6": "be brief"}`,
		6:  `{"choices": [{"message": {"content": "Intro\n## One\n## Two"}}]}`,
		14: section, 18: section,
		37: `{"choices": [{"message": {"content": "{\"slug\": \"my-title\"}"}}]}`,
	}
	args := []string{"run", bp, "--trigger", writeFile(t, "typeform.json", `{}`), "--max-sleep", "0", "--json",
		"--connect-to", "us-central1-festive-bazaar-397323.cloudfunctions.net:443:127.0.0.1:" + v.port, "--ca-file", v.caFile}
	for id, body := range stubs {
		args = append(args, "--stub", strconv.Itoa(id)+"="+writeFile(t, "stub"+strconv.Itoa(id)+".json", body))
	}
	r := reqflow(t, "", args...)
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	if got, want := strings.Join(v.requests(), "\n"), `POST /contentful-markdown-to-rtf  {"content": "Said 'hi'\nSaid 'hi'"}`; got != want {
		t.Errorf("converter saw:\n%s\nwant:\n%s", got, want)
	}
	for id, want := range map[int]string{
		30: `[{"additionalInstructions":"be brief","externalLinks":"[\"\"]","internalLinks":"[\"https://x.example\"]","primaryKeyword":"bots","secondaryKeywords":["a","b"],"title":"My Title","wordCount":"800"}]`,
		12: `[{"__IMTINDEX__":1,"__IMTLENGTH__":3,"value":"Intro"},{"__IMTINDEX__":2,"__IMTLENGTH__":3,"value":"## One"},{"__IMTINDEX__":3,"__IMTLENGTH__":3,"value":"## Two"}]`,
		13: `[{"sectionInput":"Intro\n## One <--\n## Two"},{"sectionInput":"Intro\n## One\n## Two <--"}]`,
		22: `[{"text":"Said \"hi\"\nSaid \"hi\""}]`,
		50: `[{"text":"Said 'hi'\nSaid 'hi'"}]`,
		38: `[{"slug":"my-title"}]`,
		42: `[{"entry":{"content":[],"nodeType":"document"}}]`,
	} {
		if got := rep.outputsOf(t, id); got != want {
			t.Errorf("module %d outputs\n got %s\nwant %s", id, got, want)
		}
	}
}

// TestFixtureOutboundEnrich runs a real export that enriches a CRM record:
// nested routers, variables cut out of an AI answer, Replace with a large
// pattern, Parse JSON behind Resume error handlers and a news search with an
// API-key connection; Airtable and the AI modules are stubbed and the Sleeps
// skipped (--max-sleep 0).
func TestFixtureOutboundEnrich(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "geekalyssa__outbound-enrich-apikeyauth.json")
	v := newVendor(t, []string{"api.apollo.io"}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"news_articles": [{"title": "Acme raises"}]}`)
	})
	h := newHome(t, "apollo-k3y")
	h.ok("", "connections", "create", "apikey", "apollo", "--key", "apollo-k3y", "--placement", "header", "--name", "Authorization")
	stubs := map[int]string{
		1:  `{"Company": ["recC1"], "grata-import-domain": "acme.example"}`,
		2:  `{"Domain": "acme.example", "Vertical": "SaaS", "Apollo orgID": "org-9"}`,
		3:  `{"choices": [{"message": {"content": "<think>plan</think>{\"domain\":  \"acme.example\",\n\"tags\": [1]}"}}]}`,
		28: `{"textResponse": "{\"intelligence_score\": {\"score\": 2}}"}`,
		35: `{"textResponse": "{\"summary\": \"Acme raised money\"}"}`,
		17: `{}`, 38: `{}`, 45: `{}`, 48: `{}`, 50: `{}`,
	}
	args := []string{"run", bp, "--max-sleep", "0", "--json", "--connection", "47210=apollo",
		"--connect-to", "api.apollo.io:443:127.0.0.1:" + v.port, "--ca-file", v.caFile}
	for id, body := range stubs {
		args = append(args, "--stub", strconv.Itoa(id)+"="+writeFile(t, "stub"+strconv.Itoa(id)+".json", body))
	}
	r := h.run("", args...)
	rep := parseReport(t, r)
	if r.code != 0 || rep.Status != "success" {
		t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
	}
	if got, want := strings.Join(v.requests(), "\n"), "POST /api/v1/news_articles/search?organization_ids[]=org-9 apollo-k3y "; got != want {
		t.Errorf("news search saw:\n%s\nwant:\n%s", got, want)
	}
	for id, want := range map[int]string{
		9: `[{"json":"{\"domain\":  \"acme.example\",\n\"tags\": [1]}"}]`,
		// The pattern removes line breaks, runs of spaces and "[1]"-style
		// citation marks.
		16: `[{"text":"{\"domain\":\"acme.example\",\"tags\": }"}]`,
		11: `[{"intelligence_score":{"score":2}}]`,
		36: `[{"summary":"Acme raised money"}]`,
	} {
		if got := rep.outputsOf(t, id); got != want {
			t.Errorf("module %d outputs\n got %s\nwant %s", id, got, want)
		}
	}
}

// TestFixtureNeetoCalPlaceholderHost runs a real export whose booking URL
// still holds its author's placeholder (https://<organization>.neetocal.com):
// the variables are set, then the request fails before anything is sent,
// naming the field; WebhookRespond (stubbed) never runs.
func TestFixtureNeetoCalPlaceholderHost(t *testing.T) {
	t.Parallel()
	bp := fixture(t, "veracitylife__neetocal-apikeyauth-post.json")
	h := newHome(t, "neeto-k3y")
	h.ok("", "connections", "create", "apikey", "neeto", "--key", "neeto-k3y", "--placement", "header", "--name", "Authorization")
	trigger := writeFile(t, "call.json", `{"args": {"name": "Ada", "email": "ada@example.com", "timezone": "Asia/Kolkata", "date": "2024-05-02", "time": "10:00"}}`)
	r := h.run("", "run", bp, "--trigger", trigger, "--stub", "3="+writeFile(t, "respond.json", `{}`), "--connection", "49449=neeto", "--json")
	var doc struct {
		Status string `json:"status"`
		Error  struct {
			Module  int    `json:"module"`
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stderr)
	}
	if r.code != 1 || doc.Status != "error" || doc.Error.Module != 9 || doc.Error.Type != "InvalidConfigurationError" ||
		doc.Error.Message != `field "url": invalid character '<' in host` {
		t.Errorf("exit %d, %+v", r.code, doc)
	}
	rep := parseReport(t, r)
	if got, want := rep.outputsOf(t, 6), `[{"API Key":"Your API Key","meeting_slug":"30-min","time_zone":"Asia/Kolkata"}]`; got != want {
		t.Errorf("module 6 outputs\n got %s\nwant %s", got, want)
	}
	if got := rep.outputsOf(t, 3); got != `[]` {
		t.Errorf("module 3 outputs %s", got)
	}
}
