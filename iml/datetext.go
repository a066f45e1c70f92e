package iml

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA zones on machines without a zoneinfo database
	"unicode/utf8"
)

// dateTextRE matches the date texts Make coerces to dates: ISO-8601
// (2016-06-20T17:26:44.000Z), 2016/06/20 17:26, 06/20/2016 5:26 PM,
// 20.6.2016 17:26:44, each with an optional zone (Z, +02:00, GMT+02:00).
var dateTextRE = regexp.MustCompile(`^(?:(\d{4})[-/](\d{1,2})[-/](\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})|(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}))` +
	`(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([AaPp][Mm]))?)?` +
	`\s*(Z|(?:GMT|UTC)?\s*[+-]\d{2}(?::?\d{2})?|GMT|UTC)?$`)

// dateLayouts are other layouts tried for text dates (RFC 1123 and friends,
// as JavaScript's Date parses them).
var dateLayouts = []string{
	time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC, time.UnixDate, time.RubyDate,
	"Mon Jan 02 2006 15:04:05 GMT-0700", "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700",
}

// parseDateText reads a text date; texts without a zone are read in loc.
func parseDateText(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 64 {
		return time.Time{}, false
	}
	m := dateTextRE.FindStringSubmatch(s)
	if m == nil {
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	var y, mo, d int
	switch {
	case m[1] != "":
		y, mo, d = atoi(m[1]), atoi(m[2]), atoi(m[3])
	case m[4] != "":
		mo, d, y = atoi(m[4]), atoi(m[5]), atoi(m[6])
	default:
		d, mo, y = atoi(m[7]), atoi(m[8]), atoi(m[9])
	}
	h, mi, sec := atoi(m[10]), atoi(m[11]), atoi(m[12])
	ns := 0
	if m[13] != "" {
		frac := (m[13] + "000000000")[:9]
		ns = atoi(frac)
	}
	if ap := strings.ToLower(m[14]); ap != "" {
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		if ap == "pm" && h < 12 {
			h += 12
		} else if ap == "am" && h == 12 {
			h = 0
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 59 || (h == 24 && (mi != 0 || sec != 0 || ns != 0)) {
		return time.Time{}, false
	}
	zone := loc
	if z := m[15]; z != "" {
		off, ok := parseOffset(z)
		if !ok {
			return time.Time{}, false
		}
		zone = time.FixedZone("", off)
	}
	t := wallDate(y, time.Month(mo), d, h, mi, sec, ns, zone)
	if t.Day() != d && h != 24 {
		return time.Time{}, false // 31 April and the like
	}
	return t, true
}

// parseOffset reads a zone offset: Z, UTC, GMT, +02:00, +0200, +02,
// GMT+02:00. It returns seconds east of UTC.
func parseOffset(z string) (int, bool) {
	z = strings.TrimSpace(z)
	z = strings.TrimPrefix(strings.TrimPrefix(z, "GMT"), "UTC")
	z = strings.TrimSpace(z)
	if z == "" || z == "Z" || z == "z" {
		return 0, true
	}
	if len(z) < 3 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	if len(digits) != 2 && len(digits) != 4 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, false
		}
	}
	h, _ := strconv.Atoi(digits[:2])
	m := 0
	if len(digits) == 4 {
		m, _ = strconv.Atoi(digits[2:])
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

var locations sync.Map // name → *time.Location

// loadLocation loads an IANA time zone, caching the result.
func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	if strings.EqualFold(name, "utc") || strings.EqualFold(name, "gmt") || name == "Z" {
		return time.UTC, nil
	}
	if strings.ContainsAny(name, "\x00\\") || strings.Contains(name, "..") || len(name) > 64 {
		return nil, errUnknownZone
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		if off, ok := parseOffset(name); ok {
			return time.FixedZone(name, off), nil
		}
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

var errUnknownZone = errors.New("unknown time zone")

// decodeRune returns the first rune of s and its width (1 for an empty or
// invalid start, so that scanners always advance).
func decodeRune(s string) (rune, int) {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		n = 1
	}
	return r, n
}

// wallDate is time.Date, except that a wall-clock time that occurs twice
// (when the clocks go back) resolves to the earlier instant, as in
// moment-timezone; Go leaves the choice unspecified.
func wallDate(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	t := time.Date(y, mo, d, h, mi, s, ns, loc)
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		e := t.Add(-back)
		if e.Day() == t.Day() && e.Hour() == t.Hour() && e.Minute() == t.Minute() && e.Second() == t.Second() {
			return e
		}
	}
	return t
}

// addDays moves t by n calendar days in its zone, keeping the wall-clock
// time.
func addDays(t time.Time, n int) time.Time {
	return wallDate(t.Year(), t.Month(), t.Day()+n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}
