package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fixtures is where the public Make exports are kept, beside the repository.
const fixtures = "../../../shared/fixtures/make-blueprints"

// unsupportedInFixtures lists, per public export, the modules reqflow
// cannot run ("id app:Module"): other vendors' apps, triggers and the Make
// built-ins not implemented yet. Everything else in each file is supported.
var unsupportedInFixtures = map[string][]string{
	"bicced__balance-apikeyauth-qs.json":                       {"13 telegram:SendReplyMessage"},
	"bicced__price-based-sender.json":                          {"4 telegram:SendReplyMessage"},
	"bicced__router-apikeyauth.json":                           {},
	"bicced__swap-bot-basicauth.json":                          {},
	"bicced__wallet-tracker.json":                              {"10 google-sheets:addRow", "11 google-sheets:addRow", "13 telegram:SendReplyMessage"},
	"geekalyssa__outbound-enrich-apikeyauth.json":              {"1 airtable:ActionSearchRecords", "2 airtable:ActionGetRecord", "3 perplexity-ai:createAChatCompletion", "17 airtable:ActionUpdateRecords", "28 anthropic-claude:createAMessage", "35 anthropic-claude:createAMessage", "38 airtable:ActionUpdateRecords", "45 airtable:ActionUpdateRecords", "48 airtable:ActionSearchRecords", "50 airtable:ActionUpdateRecords"},
	"integromat__pattern-error-handler-fallback-v4.json":       {"1 gateway:CustomWebHook"},
	"integromat__pattern-webhook-router-error-handler-v4.json": {"1 gateway:CustomWebHook"},
	"manasoid__ai-ocr-image-pdf-text.json":                     {"3 box:getFile", "6 pdf-co:Univ", "7 box:downloadAFile", "8 pdf-co:AnythingToPDF", "9 email:ActionSendEmail"},
	"manasoid__deepl-tag-handling-html.json":                   {"12 google-drive:uploadAFile"},
	"manasoid__line-voice-recording.json":                      {"1 line:watchMessages", "11 google-drive:uploadAFile", "17 line:sendAReplyMessage"},
	"manasoid__pdf-ocr-invoice.json":                           {"13 google-drive:getAFile", "15 pdf-co:Univ"},
	"manasoid__url-checker-opswat.json":                        {"4 google-email:TriggerNewEmail", "22 google-email:ActionMoveEmail"},
	"meetingbaas__integration-airtable.json":                   {"1 airtable:webhook", "3 airtable:ActionGetRecord"},
	"meetingbaas__integration-webhook-apikeyauth.json":         {"1 gateway:CustomWebHook", "3 airtable:ActionCreateRecord"},
	"nicolab__upwork-scraper-html.json":                        {"32 google-sheets:addRow", "39 google-sheets:filterRows"},
	"paoloronco__wordpress-tts-getfile.json":                   {"1 wordpress:watchPosts", "17 google-drive:uploadAFile", "30 google-cloud-storage:objectsInsert", "32 wordpress:updatePost", "33 wordpress:getPost", "34 google-cloud-tts:synthesizeSpeech", "36 notion:createAPage", "38 notion:appendAPageContent", "43 email:ActionSendEmail", "44 email:ActionSendEmail", "45 google-cloud-storage:objectsInsert", "47 openai-gpt-3:CreateCompletion", "50 custom-js:inlinePython", "66 wordpress:getPost", "67 wordpress:updatePost", "70 email:ActionSendEmail"},
	"veracitylife__contentful-onerror-iterator.json":           {"6 openai-gpt-3:CreateCompletion", "8 markdown:Compile", "9 google-docs:createADocument", "14 openai-gpt-3:CreateCompletion", "18 openai-gpt-3:CreateCompletion", "23 markdown:Compile", "24 google-docs:createADocument", "29 google-sheets:filterRows", "31 google-drive:createAFolder", "33 google-sheets:updateRow", "36 contentful:createAnEntry", "37 openai-gpt-3:CreateCompletion", "48 custom-js:execute", "54 slack:CreateMessage", "57 typeform:WatchEventsWithResponses", "59 typeform:ListResponses", "61 google-sheets:addRow"},
	"veracitylife__neetocal-apikeyauth-post.json":              {"1 gateway:CustomWebHook", "3 gateway:WebhookRespond"},
	"veracitylife__rag-email-urlencoded.json":                  {"2 gateway:CustomMailHook", "3 airtable:ActionSearchRecords", "4 airtable:upsertRecord", "5 openai-gpt-3:CreateCompletion"},
}

// checkDoc is the part of `reqflow check --json` these tests read.
type checkDoc struct {
	OK      bool `json:"ok"`
	Modules []struct {
		ID        int    `json:"id"`
		Module    string `json:"module"`
		Supported bool   `json:"supported"`
		Stubbed   bool   `json:"stubbed"`
		Reason    string `json:"reason"`
		Hint      string `json:"hint"`
	} `json:"modules"`
}

func checkJSON(t *testing.T, args ...string) (checkDoc, result) {
	t.Helper()
	r := reqflow(t, "", append([]string{"check", "--json"}, args...)...)
	var doc checkDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("check %q: exit %d, %v: %s", args, r.code, err, r.stderr)
	}
	return doc, r
}

// TestFixturesCheck checks each public export: reqflow check reports
// exactly the expected unsupported modules, each with a hint; with those
// stubbed (the first module through --trigger when it is a trigger) the
// scenario loads.
func TestFixturesCheck(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.json"))
	if len(files) == 0 {
		t.Skip(fixtures + " is not present")
	}
	stub := filepath.Join(t.TempDir(), "stub.json")
	if err := os.WriteFile(stub, []byte(`{"stubbed": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, r := checkJSON(t, f)
			var got, args []string
			blocked := 0
			for _, m := range doc.Modules {
				if m.Supported || m.Module == "placeholder:Placeholder" {
					continue
				}
				blocked++
				switch {
				case m.Hint != "":
					got = append(got, itoa(m.ID)+" "+m.Module)
				case strings.Contains(m.Reason, "--connection"):
					// An HTTP module whose keychain is not mapped yet:
					// not this test's business, stub it too.
				default:
					t.Errorf("module %d (%s): unsupported without a hint: %s", m.ID, m.Module, m.Reason)
				}
				if strings.HasPrefix(m.Hint, "a trigger") {
					args = append(args, "--trigger", stub)
				} else {
					args = append(args, "--stub", itoa(m.ID)+"="+stub)
				}
			}
			sort.Strings(got)
			want := append([]string(nil), unsupportedInFixtures[name]...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("unsupported modules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if (r.code == 0) != (blocked == 0) || doc.OK != (blocked == 0) {
				t.Errorf("exit %d, ok %v with %d modules that cannot run", r.code, doc.OK, blocked)
			}
			doc, r = checkJSON(t, append(args, f)...)
			if r.code != 0 || !doc.OK {
				t.Errorf("with stubs %q: exit %d: %s", args, r.code, r.stderr)
			}
			for _, m := range doc.Modules {
				if !m.Supported || (m.Stubbed && !contains(got, itoa(m.ID)+" "+m.Module) && !strings.HasPrefix(m.Module, "http:")) {
					t.Errorf("with stubs: module %d (%s): supported %v stubbed %v", m.ID, m.Module, m.Supported, m.Stubbed)
				}
			}
		})
	}
	for name := range unsupportedInFixtures {
		if !seen[name] {
			t.Errorf("%s: expected in %s", name, fixtures)
		}
	}
}

func itoa(n int) string { return idText(n) }

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
