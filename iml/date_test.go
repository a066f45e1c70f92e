package iml

import (
	"testing"
	"time"
)

func TestDateFunctions(t *testing.T) {
	t.Parallel()
	runEvalCases(t, []evalCase{
		{src: `{{formatDate(1.when; "YYYY-MM-DD HH:mm:ss.SSS")}}`, want: `"2020-01-02 03:04:05.006"`},
		{src: `{{formatDate(1.when; "dddd, MMMM Do YYYY, h:mm a [UTC]Z")}}`, want: `"Thursday, January 2nd 2020, 3:04 am UTC+00:00"`},
		{src: `{{formatDate(1.when; "X")}} {{formatDate(1.when; "x")}}`, want: `"1577934245 1577934245006"`},
		{src: `{{formatDate("2019-10-07T14:05:09.123Z"; "HH:mm z"; "Europe/Prague")}}`, want: `"16:05 CEST"`},
		{src: `{{formatDate("2019-10-07T14:05:09.123Z"; "HH:mm"; "Mars/Base")}}`, wantErr: `line 1, col 3: formatDate: argument 3: unknown time zone "Mars/Base"`},
		{src: `{{formatDate("yesterday"; "HH")}}`, wantErr: `line 1, col 3: formatDate: argument 1: expected a date, got text "yesterday"`},
		{src: `{{formatDate(now; "\Y [YYYY] YYYY")}}`, want: `"Y YYYY 2019"`},
		{src: `{{formatDate(1.when; "LLLL")}}|{{formatDate(1.when; "l LTS")}}|{{formatDate(1.when; "[L] ll")}}`, want: `"Thursday, January 2, 2020 3:04 AM|1/2/2020 3:04:05 AM|L Jan 2, 2020"`},
		{src: `{{parseDate("2014-09-14"; "YYYY-MM-DD")}}`, want: `"2014-09-14T00:00:00.000Z"`},
		{src: `{{formatDate(now; "yyyy-MM-DD")}} {{parseDate("2014-09-14"; "yyyy-MM-DD")}}`, want: `"2019-10-07 2014-09-14T00:00:00.000Z"`},
		{src: `{{parseDate("14.9.2014 17:05"; "DD.MM.YYYY HH:mm"; "Europe/Prague")}}`, want: `"2014-09-14T15:05:00.000Z"`},
		{src: `{{parseDate("5:30 pm"; "h:mm a")}}`, want: `"2019-10-07T17:30:00.000Z"`},
		{src: `{{parseDate("March 2020"; "MMMM YYYY")}}`, want: `"2020-03-01T00:00:00.000Z"`},
		{src: `{{parseDate("1570449600123"; "x")}}`, want: `"2019-10-07T12:00:00.123Z"`},
		{src: `{{parseDate("2020-02-30"; "YYYY-MM-DD")}}`, wantErr: `line 1, col 3: parseDate: argument 1: text "2020-02-30" is not a valid date for format "YYYY-MM-DD"`},
		{src: `{{parseDate("abc"; "YYYY")}}`, wantErr: `line 1, col 3: parseDate: argument 1: text "abc" does not match format token YYYY`},
		{src: `{{parseDate("2020-05-06T07:08:09+02:00"; )}}`, want: `"2020-05-06T05:08:09.000Z"`},
		{src: `{{addDays("2020-03-28T12:00:00.000Z"; 1.5)}}`, want: `"2020-03-30T12:00:00.000Z"`},
		{src: `{{addMonths("2020-01-31T00:00:00.000Z"; 1)}}`, want: `"2020-02-29T00:00:00.000Z"`},
		{src: `{{addMonths("2020-03-31T00:00:00.000Z"; -13)}}`, want: `"2019-02-28T00:00:00.000Z"`},
		{src: `{{addYears("2020-02-29T00:00:00.000Z"; 1)}}`, want: `"2021-02-28T00:00:00.000Z"`},
		{src: `{{addHours(now; -24)}} {{addMinutes(now; 90)}} {{addSeconds(now; 0.5)}}`, want: `"2019-10-06T12:00:00.000Z 2019-10-07T13:30:00.000Z 2019-10-07T12:00:00.500Z"`},
		{src: `{{setDate(now; 32)}}`, want: `"2019-11-01T12:00:00.000Z"`},
		{src: `{{setHour(now; 25)}}`, want: `"2019-10-08T01:00:00.000Z"`},
		{src: `{{setMinute(now; -1)}}`, want: `"2019-10-07T11:59:00.000Z"`},
		{src: `{{setSecond(now; 61)}}`, want: `"2019-10-07T12:01:01.000Z"`},
		{src: `{{setYear("2020-02-29T10:00:00.000Z"; 2021)}}`, want: `"2021-02-28T10:00:00.000Z"`},
		{src: `{{setMonth("2020-01-31T10:00:00.000Z"; "feb")}}`, want: `"2020-02-29T10:00:00.000Z"`},
		{src: `{{setMonth(now; "smarch")}}`, wantErr: `line 1, col 3: setMonth: argument 2: expected a month number or name, got text "smarch"`},
		{src: `{{setDay(now; "Saturday")}} {{setDay(now; 8)}}`, want: `"2019-10-12T12:00:00.000Z 2019-10-13T12:00:00.000Z"`},
		{src: `{{dateDifference("2020-03-01T00:00:00.000Z"; "2020-01-31T00:00:00.000Z"; "months")}}`, want: `1`},
		{src: `{{dateDifference("2020-01-01T00:00:00.000Z"; "2020-03-01T00:00:00.000Z"; "days")}}`, want: `-60`},
		{src: `{{dateDifference("2021-01-01T00:00:00.000Z"; "2020-01-02T00:00:00.000Z"; "years")}}`, want: `0`},
		{src: `{{dateDifference(now; addSeconds(now; -90))}}`, want: `90000`},
		{src: `{{dateDifference(now; now; "fortnights")}}`, wantErr: `line 1, col 3: dateDifference: argument 3: unknown unit "fortnight" (expected milliseconds, seconds, minutes, hours, days, weeks, months, quarters or years)`},
		{src: `{{addDays(now; 1e300)}}`, wantErr: `line 1, col 3: addDays: argument 2: number 1e+300 is out of range`},
		{src: `{{formatDate(1.missing; "YYYY")}}|{{addDays(emptystring; 1)}}|{{setHour(null; 1)}}|{{parseDate(""; "YYYY")}}`, want: `"|||"`},
		{src: `{{formatDate(1.missing; "YYYY")}}`, want: `null`},
	})
}

// TestDateInScenarioZone checks that date functions work in the scenario
// time zone, across a daylight saving change.
func TestDateInScenarioZone(t *testing.T) {
	t.Parallel()
	prague, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Fatal(err)
	}
	env := &Env{Now: time.Date(2019, 10, 26, 22, 30, 0, 0, time.UTC), Location: prague}
	tests := []struct{ src, want string }{
		// 00:30 CEST on 27 October + 1 day = 00:30 CET on 28 October.
		{`{{addDays(now; 1)}}`, "2019-10-27T23:30:00.000Z"},
		{`{{addHours(now; 24)}}`, "2019-10-27T22:30:00.000Z"},
		{`{{formatDate(now; "YYYY-MM-DD HH:mm Z")}}`, "2019-10-27 00:30 +02:00"},
		{`{{setHour(now; 6)}}`, "2019-10-27T05:30:00.000Z"},
		{`{{parseDate("2019-12-01 08:00"; "YYYY-MM-DD HH:mm")}}`, "2019-12-01T07:00:00.000Z"},
		{`{{formatDate("2019-12-01 08:00"; "HH:mm")}}`, "08:00"},
	}
	for _, tt := range tests {
		got, err := MustCompile(tt.src).Eval(env)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		if g := ToText(got); g != tt.want {
			t.Errorf("%s = %s, want %s", tt.src, g, tt.want)
		}
	}
}

// TestParseDateZoneTokenWithoutZone is the case that used to read past the
// end of the text (kept in testdata/fuzz too).
func TestParseDateZoneTokenWithoutZone(t *testing.T) {
	t.Parallel()
	_, err := MustCompile(`{{parseDate("x"; "Z ")}}`).Eval(&Env{})
	want := `line 1, col 3: parseDate: argument 1: text "x" does not match format token Z`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}
