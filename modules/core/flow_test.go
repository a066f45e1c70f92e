package core

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/reqflow/reqflow/engine"
)

// TestBlueprints runs the hand-written blueprints in testdata and checks
// every module's exact outputs.
func TestBlueprints(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file   string
		status engine.Status
		want   map[int]string
	}{
		{"iterate-aggregate.json", engine.StatusSuccess, map[int]string{
			1:  `[{"event":"complete","html":"<h1>Title</h1><p>Hello <b>world</b>, see <a href=\"https://example.com/a\">this</a>.</p><ul><li>one</li><li>two</li></ul>","items":[{"n":"a","qty":2},{"n":"b","qty":5}],"page":"id=7 id=42 name=Ada","tags":["x","y","z"]}]`,
			2:  `[{"__IMTINDEX__":1,"__IMTLENGTH__":2,"n":"a","qty":2},{"__IMTINDEX__":2,"__IMTLENGTH__":2,"n":"b","qty":5}]`,
			3:  `[{"text":"a#1/2, b#2/2"}]`,
			4:  `[{"__IMTINDEX__":1,"__IMTLENGTH__":3,"value":"x"},{"__IMTINDEX__":2,"__IMTLENGTH__":3,"value":"y"},{"__IMTINDEX__":3,"__IMTLENGTH__":3,"value":"z"}]`,
			5:  `[{"array":[{"from":"a#1/2, b#2/2","tag":"X"},{"from":"a#1/2, b#2/2","tag":"Y"},{"from":"a#1/2, b#2/2","tag":"Z"}]}]`,
			6:  `[{"json":"[{\"from\":\"a#1/2, b#2/2\",\"tag\":\"X\"},{\"from\":\"a#1/2, b#2/2\",\"tag\":\"Y\"},{\"from\":\"a#1/2, b#2/2\",\"tag\":\"Z\"}]"}]`,
			7:  `[{"__IMTINDEX__":1,"__IMTLENGTH__":2,"n":"a","qty":2},{"__IMTINDEX__":2,"__IMTLENGTH__":2,"n":"b","qty":5}]`,
			8:  `[{"result":7}]`,
			9:  `[{"i":10},{"i":20},{"i":30},{"i":40}]`,
			10: `[{"result":25}]`,
			11: `[{"result":40}]`,
			12: `[{"result":10}]`,
			13: `[{"result":4}]`,
			14: `[{"text":"10\n20\n30\n40"}]`,
			15: `[{"text":"10203040"}]`,
			16: `[{"text":"10\t20\t30\t40"}]`,
			17: `[]`,
			18: `[{"array":[]}]`,
			19: `[{"result":0}]`,
			20: `[{"text":""}]`,
		}},
		{"variables.json", engine.StatusSuccess, map[int]string{
			1: `[{"event":"complete","html":"<h1>Title</h1><p>Hello <b>world</b>, see <a href=\"https://example.com/a\">this</a>.</p><ul><li>one</li><li>two</li></ul>","items":[{"n":"a","qty":2},{"n":"b","qty":5}],"page":"id=7 id=42 name=Ada","tags":["x","y","z"]}]`,
			2: `[{"amount":5,"chain":"ethereum"}]`,
			3: `[{"speakers":["x","y","z"]}]`,
			4: `[{}]`,
			5: `[{"speakers":["x","y","z"]}]`,
			6: `[{"amount":5,"chain":"ethereum","unset":null}]`,
			7: `[{"output":"continue"}]`,
			8: `[{"json":"{\n    \"chain\": \"ethereum\",\n    \"next\": \"continue\",\n    \"speakers\": [\n        \"x\",\n        \"y\",\n        \"z\"\n    ]\n}"}]`,
			9: `[{"chain":"ethereum","next":"continue","speakers":["x","y","z"]}]`,
		}},
		{"text-parsing.json", engine.StatusSuccess, map[int]string{
			1: `[{"event":"complete","html":"<h1>Title</h1><p>Hello <b>world</b>, see <a href=\"https://example.com/a\">this</a>.</p><ul><li>one</li><li>two</li></ul>","items":[{"n":"a","qty":2},{"n":"b","qty":5}],"page":"id=7 id=42 name=Ada","tags":["x","y","z"]}]`,
			2: `[{"text":"TITLE\n\nHello world, see this [https://example.com/a].\n\n* one\n* two"}]`,
			3: `[{"$1":"id","$2":"7","__IMTMATCH__":"id=7","i":1},{"$1":"id","$2":"42","__IMTMATCH__":"id=42","i":2},{"$1":"name","$2":"Ada","__IMTMATCH__":"name=Ada","i":3}]`,
			4: `[{"text":"<7>"},{"text":"<4><2>"},{"text":"Ada"}]`,
			5: `[{"text":"1 id <7>:::::2 id <4><2>:::::3 name Ada"}]`,
			6: `[{"parts":["1 id <7>","2 id <4><2>","3 name Ada"]}]`,
			7: `[{"$1":"TITLE","first":"TITLE"}]`,
		}},
		{"nested-aggregators.json", engine.StatusSuccess, map[int]string{
			1:  `[{"event":"complete","html":"<h1>Title</h1><p>Hello <b>world</b>, see <a href=\"https://example.com/a\">this</a>.</p><ul><li>one</li><li>two</li></ul>","items":[{"n":"a","qty":2},{"n":"b","qty":5}],"page":"id=7 id=42 name=Ada","tags":["x","y","z"]}]`,
			52: `[{"output":"continue"}]`,
			44: `[{"speakers":["x","y","z"]}]`,
			14: `[{"__IMTINDEX__":1,"__IMTLENGTH__":2,"n":"a","qty":2},{"__IMTINDEX__":2,"__IMTLENGTH__":2,"n":"b","qty":5}]`,
			23: `[{"__IMTINDEX__":1,"__IMTLENGTH__":3,"value":"x"},{"__IMTINDEX__":2,"__IMTLENGTH__":3,"value":"y"},{"__IMTINDEX__":3,"__IMTLENGTH__":3,"value":"z"},{"__IMTINDEX__":1,"__IMTLENGTH__":3,"value":"x"},{"__IMTINDEX__":2,"__IMTLENGTH__":3,"value":"y"},{"__IMTINDEX__":3,"__IMTLENGTH__":3,"value":"z"}]`,
			22: `[{"text":"x y z"},{"text":"x y z"}]`,
			32: `[{"text":"a:\\nx y z"},{"text":"b:\\nx y z"}]`,
			26: `[{"array":[{"text":"a:\\nx y z"},{"text":"b:\\nx y z"}]}]`,
			42: `[{"json":"[{\"text\":\"a:\\\\nx y z\"},{\"text\":\"b:\\\\nx y z\"}]"}]`,
			45: `[{"speakers":["x","y","z"]}]`,
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			reg, _ := setup(t)
			x := runBlueprint(t, reg, src)
			if x.Status != c.status {
				t.Errorf("status %s (%v), want %s", x.Status, x.Err, c.status)
			}
			for _, mr := range x.Modules {
				got := outputs(t, x, mr.ID)
				if want, ok := c.want[mr.ID]; !ok || got != want {
					t.Errorf("module %d (%s) outputs\n got %s\nwant %s", mr.ID, mr.Module, got, want)
				}
			}
			if len(x.Modules) != len(c.want) {
				t.Errorf("%d modules ran, want %d", len(x.Modules), len(c.want))
			}
		})
	}
}
