package cli

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// isoDate matches the dates formulas like formatDate(now; …) put in bodies.
var isoDate = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?([+-]\d\d:\d\d|Z)`)

// TestFixtureRuns runs more public exports end to end, each against a
// loopback server answering like the vendors' APIs, with its other apps
// stubbed, its trigger fed and its keychains stored.
func TestFixtureRuns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file    string
		hosts   []string
		replies map[string]string // path → body; JSON when it starts with { or [
		trigger string
		stubs   map[int]string
		apikey  string // the API-key connection's id, stored with key "k-1" in Authorization
		want    []string
		outputs map[int]string
	}{
		{
			file:    "integromat__pattern-scheduled-http-poll-v4.json",
			hosts:   []string{"status.example.com", "api.example.com"},
			replies: map[string]string{"/api/v2/status.json": `{"status": "degraded"}`, "/alerts": `{"ok": true}`},
			want:    []string{"GET /api/v2/status.json  ", `POST /alerts  {"message": "Status check degraded: degraded", "checkedAt": "DATE"}`},
		},
		{
			file:    "bicced__balance-apikeyauth-qs.json",
			hosts:   []string{"api.afkcrypto.com"},
			replies: map[string]string{"/v1/wallets/balances": `{"balances": [{"symbol": "ETH", "raw": "123"}]}`},
			stubs:   map[int]string{13: `{"message_id": 5}`},
			apikey:  "72749",
			want:    []string{"GET /v1/wallets/balances?chain=ethereum k-1 "},
			outputs: map[int]string{13: `[{"message_id":5}]`},
		},
		{
			file:  "bicced__wallet-tracker.json",
			hosts: []string{"api.afkcrypto.com", "api.coingecko.com"},
			replies: map[string]string{"/v1/wallets/balances": `{"balances": [{"raw": "7"}]}`,
				"/api/v3/simple/price": `{"ethereum": {"usd": 3000}, "solana": {"usd": 150}}`},
			stubs:  map[int]string{10: `{}`, 11: `{}`, 13: `{}`},
			apikey: "72749",
			want: []string{"GET /v1/wallets/balances?chain=solana k-1 ", "GET /v1/wallets/balances?chain=ethereum k-1 ",
				"GET /api/v3/simple/price?ids=ethereum,solana&vs_currencies=usd  "},
		},
		{
			file:    "meetingbaas__integration-airtable.json",
			hosts:   []string{"api.meetingbaas.com"},
			replies: map[string]string{"/bots": `{"bot_id": 7}`},
			trigger: `{"record_id": "rec1"}`,
			stubs: map[int]string{3: `{"Meeting URL": "https://meet.example/abc", "Meeting Bot Name": "", "API Key": "mb-1",
				"Meeting Bot Image": [{"url": "https://img.example/b.png"}]}`},
			want: []string{"POST /bots  {\n           \"meeting_url\": \"https://meet.example/abc\",\n           \"bot_name\": \"Make Meeting Bot\",\n" +
				"           \"bot_image\": \"https://img.example/b.pnghttps://www.make.com/assets/hq/img/make_logo_white.svg\",\n" +
				"           \"entry_message\": \"Hello - recording this meeting\",\n           \"reserved\": false,\n           \"speech_to_text\": \"Gladia\"\n}"},
		},
		{
			file:    "veracitylife__rag-email-urlencoded.json",
			hosts:   []string{"hook.us1.make.com"},
			replies: map[string]string{"/examplehookid0000000000000000000": `Accepted`},
			trigger: `{"from": {"name": "Ada L", "address": "ada@example.com"}, "subject": "Rates?", "text": "Hi,\nwhat are your rates & terms?"}`,
			stubs:   map[int]string{5: `{}`, 3: `{}`, 4: `{}`},
			want: []string{"POST /examplehookid0000000000000000000  name=Ada%20L&email=ada%40example.com&subject_line=Rates%3F" +
				"&message_body=Hi%2C%0Awhat%20are%20your%20rates%20%26%20terms%3F&type=email&thread_id=&customer_stage=&objective="},
			outputs: map[int]string{7: `[{"cookieHeaders":[],"data":"Accepted","headers":{"content-length":"8","content-type":"text/plain; charset=utf-8"},"statusCode":200}]`},
		},
		{
			file:    "manasoid__ai-ocr-image-pdf-text.json",
			hosts:   []string{"files.pdf.co"},
			replies: map[string]string{"/out/text.txt": "Invoice 42"},
			stubs:   map[int]string{3: `{"id": "f1"}`, 7: `{"data": "x"}`, 8: `{"url": "u"}`, 6: `{"url": "https://files.pdf.co/out/text.txt"}`, 9: `{}`},
			want:    []string{"GET /out/text.txt  "},
			outputs: map[int]string{9: `[{}]`},
		},
		{
			file:    "manasoid__line-voice-recording.json",
			hosts:   []string{"api-data.line.me"},
			replies: map[string]string{"/v2/bot/message/m-1/content": "\x00\x01audio"},
			trigger: `{"events": [{"replyToken": "r", "message": {"type": "audio", "id": "m-1"}}]}`,
			stubs:   map[int]string{11: `{"id": "drive-1"}`, 17: `{}`},
			want:    []string{"GET /v2/bot/message/m-1/content Bearer YOUR-BEARER-TOKEN "},
			outputs: map[int]string{11: `[{"id":"drive-1"}]`},
		},
		{
			file:    "paoloronco__wordpress-tts-getfile.json",
			hosts:   []string{"drive.usercontent.google.com", "long-tts-api-000000000000.us-central1.run.app"},
			replies: map[string]string{"/download": "\x00\x01mp3 data", "/long-tts": `{"ok": true}`},
			trigger: `{"id": 42, "title": "Ciao", "content": "<p>Un <b>mondo</b></p><h2>Fine</h2>", "date": "2024-05-01"}`,
			stubs: map[int]string{36: `{}`, 38: `{}`, 43: `{}`, 45: `{}`, 30: `{}`, 33: `{}`, 32: `{}`, 44: `{}`, 66: `{}`, 67: `{}`, 70: `{}`,
				47: `{"result": "Testo\r\nlungo\n\nfine"}`, 50: `{"output": "false"}`, 34: `{"data": "wav"}`,
				17: `{"webContentLink": "https://drive.usercontent.google.com/download?id=f1&export=download"}`},
			want: []string{"GET /download?id=f1&export=download  ",
				"POST /long-tts  {\n  \"text\": \"Testo lungo fine\",\n  \"language\": \"it-IT\",\n  \"voice\": \"it-IT-Wavenet-B\",\n  \"filename\": \"42.wav\"\n}"},
			outputs: map[int]string{
				35: `[{"text":"Ciao\n\nUn mondo\n\nFINE\n\n2024-05-01"}]`,
				// Get a File: named after the URL's last path segment (no
				// Content-Disposition); sha256 of "\x00\x01mp3 data".
				29: `[{"data":{"$binary":{"sha256":"6dbe3dd18719339e8df761714b29377585045f5fccd633786cfb17209bbfb540","size":10}},` +
					`"fileName":"download","fileSize":10,"headers":{"content-length":"10","content-type":"audio/m4a"},"statusCode":200}]`,
				61: `[{"text":"Testo lungo fine"}]`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			bp := fixture(t, c.file)
			v := newVendor(t, c.hosts, func(w http.ResponseWriter, r *http.Request) {
				body, ok := c.replies[r.URL.Path]
				switch {
				case !ok:
					http.NotFound(w, r)
					return
				case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
					w.Header().Set("Content-Type", "application/json")
				case strings.HasPrefix(body, "\x00"):
					w.Header().Set("Content-Type", "audio/m4a")
				default:
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				}
				w.Header()["Date"] = nil // keep output bundles exact
				_, _ = w.Write([]byte(body))
			})
			h := newHome(t)
			args := []string{"run", bp, "--json", "--ca-file", v.caFile}
			for _, host := range c.hosts {
				args = append(args, "--connect-to", host+":443:127.0.0.1:"+v.port)
			}
			if c.trigger != "" {
				args = append(args, "--trigger", writeFile(t, "trigger.json", c.trigger))
			}
			for id, body := range c.stubs {
				args = append(args, "--stub", strconv.Itoa(id)+"="+writeFile(t, "stub"+strconv.Itoa(id)+".json", body))
			}
			if c.apikey != "" {
				h.ok("", "connections", "create", "apikey", "vendor", "--key", "k-1", "--placement", "header", "--name", "Authorization")
				args = append(args, "--connection", c.apikey+"=vendor")
			}
			r := h.run("", args...)
			rep := parseReport(t, r)
			if r.code != 0 || rep.Status != "success" {
				t.Fatalf("exit %d, status %s: %s %s", r.code, rep.Status, r.stdout, r.stderr)
			}
			got := isoDate.ReplaceAllString(strings.Join(v.requests(), "\n---\n"), "DATE")
			if want := strings.Join(c.want, "\n---\n"); got != want {
				t.Errorf("vendor saw:\n%s\nwant:\n%s", got, want)
			}
			for id, want := range c.outputs {
				if got := rep.outputsOf(t, id); got != want {
					t.Errorf("module %d outputs\n got %s\nwant %s", id, got, want)
				}
			}
			for _, m := range rep.Modules {
				if _, stubbed := c.stubs[m.ID]; stubbed != m.Stubbed && !(c.trigger != "" && m.Stubbed) {
					t.Errorf("module %d: stubbed %v", m.ID, m.Stubbed)
				}
			}
		})
	}
}
