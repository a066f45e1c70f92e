package iml

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Date formats use moment.js tokens (en locale): YYYY YY Y, y…yyyy, Q Qo, M Mo MM
// MMM MMMM, D Do DD, DDD DDDo DDDD, d do dd ddd dddd, e E, w wo ww, W Wo WW,
// gg gggg, GG GGGG, A a, H HH h hh k kk, m mm, s ss, S…SSSSSSSSS, Z ZZ,
// z zz, X x. Text in [brackets] and a character after \ are literal.

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// momentTokens lists the format tokens, longest first where one is a
// prefix of another.
var momentTokens = []string{
	"YYYYYY", "YYYYY", "YYYY", "YY", "Y",
	"yyyy", "yyy", "yy", "y",
	"Qo", "Q",
	"MMMM", "MMM", "Mo", "MM", "M",
	"DDDo", "DDDD", "DDD", "Do", "DD", "D",
	"dddd", "ddd", "do", "dd", "d",
	"e", "E",
	"wo", "ww", "w", "Wo", "WW", "W",
	"ggggg", "gggg", "gg", "GGGGG", "GGGG", "GG",
	"A", "a",
	"HH", "H", "hh", "h", "kk", "k",
	"mm", "m", "ss", "s",
	"SSSSSSSSS", "SSSSSSSS", "SSSSSSS", "SSSSSS", "SSSSS", "SSSS", "SSS", "SS", "S",
	"ZZ", "Z", "zz", "z",
	"X", "x",
}

// momentItem is one element of a parsed format: a token or literal text.
type momentItem struct {
	token   string
	literal string
}

// splitMoment splits a moment.js format into tokens and literal text.
func splitMoment(f string) []momentItem {
	var out []momentItem
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, momentItem{literal: lit.String()})
			lit.Reset()
		}
	}
	noClose := false // no "]" after this point
	for i := 0; i < len(f); {
		switch f[i] {
		case '[':
			if !noClose {
				end := strings.IndexByte(f[i+1:], ']')
				if end >= 0 {
					lit.WriteString(f[i+1 : i+1+end])
					i += end + 2
					continue
				}
				noClose = true
			}
		case '\\':
			if i+1 < len(f) {
				_, n := decodeRune(f[i+1:])
				lit.WriteString(f[i+1 : i+1+n])
				i += 1 + n
				continue
			}
		}
		if exp, n := localizedFormat(f[i:]); n > 0 {
			for _, it := range splitMoment(exp) {
				if it.token == "" {
					lit.WriteString(it.literal)
				} else {
					flush()
					out = append(out, it)
				}
			}
			i += n
			continue
		}
		matched := false
		for _, tok := range momentTokens {
			if strings.HasPrefix(f[i:], tok) {
				flush()
				out = append(out, momentItem{token: tok})
				i += len(tok)
				matched = true
				break
			}
		}
		if !matched {
			_, n := decodeRune(f[i:])
			lit.WriteString(f[i : i+n])
			i += n
		}
	}
	flush()
	return out
}

// ordinal is the English ordinal of n: 1st, 2nd, 3rd, 4th, 11th…
func ordinal(n int) string {
	suffix := "th"
	if (n%100)/10 != 1 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

func pad(n, width int) string {
	s := strconv.Itoa(abs(n))
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	if n < 0 {
		return "-" + s
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// firstWeekOffset and weekOfYear follow moment.js: dow is the first day of
// the week, doy the day of January that is always in week 1 (7+dow-doy).
func firstWeekOffset(year, dow, doy int) int {
	fwd := 7 + dow - doy
	wd := int(time.Date(year, 1, fwd, 0, 0, 0, 0, time.UTC).Weekday())
	fwdlw := (7 + wd - dow) % 7
	return -fwdlw + fwd - 1
}

func daysInYear(y int) int {
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 366
	}
	return 365
}

func weeksInYear(year, dow, doy int) int {
	return (daysInYear(year) - firstWeekOffset(year, dow, doy) + firstWeekOffset(year+1, dow, doy)) / 7
}

// weekOfYear returns the week and week-year of t for a week definition.
func weekOfYear(t time.Time, dow, doy int) (week, year int) {
	y := t.Year()
	off := firstWeekOffset(y, dow, doy)
	week = int(math.Floor(float64(t.YearDay()-off-1)/7)) + 1
	switch {
	case week < 1:
		y--
		week += weeksInYear(y, dow, doy)
	case week > weeksInYear(y, dow, doy):
		week -= weeksInYear(y, dow, doy)
		y++
	}
	return week, y
}

// formatOffset prints a zone offset as +02:00 (sep ":") or +0200.
func formatOffset(secs int, sep string) string {
	sign := "+"
	if secs < 0 {
		sign = "-"
		secs = -secs
	}
	return sign + pad(secs/3600, 2) + sep + pad(secs/60%60, 2)
}

// formatMoment formats t (already in the wanted zone) with a moment.js
// format.
func formatMoment(t time.Time, format string) string {
	var b strings.Builder
	for _, it := range splitMoment(format) {
		if it.token == "" {
			b.WriteString(it.literal)
			continue
		}
		b.WriteString(formatToken(t, it.token))
	}
	return b.String()
}

func formatToken(t time.Time, tok string) string {
	y := t.Year()
	ms := t.Nanosecond() / 1e6
	switch tok {
	case "YYYYYY":
		if y < 0 {
			return "-" + pad(-y, 6)
		}
		return "+" + pad(y, 6)
	case "YYYYY":
		return pad(y, 5)
	case "YYYY":
		return pad(y, 4)
	case "YY":
		return pad(abs(y)%100, 2)
	case "Y":
		if y <= 9999 {
			return pad(y, 4)
		}
		return "+" + strconv.Itoa(y)
	case "y", "yy", "yyy", "yyyy": // the era year: the year for AD dates
		return strconv.Itoa(y)
	case "Q":
		return strconv.Itoa((int(t.Month())-1)/3 + 1)
	case "Qo":
		return ordinal((int(t.Month())-1)/3 + 1)
	case "M":
		return strconv.Itoa(int(t.Month()))
	case "Mo":
		return ordinal(int(t.Month()))
	case "MM":
		return pad(int(t.Month()), 2)
	case "MMM":
		return monthNames[t.Month()-1][:3]
	case "MMMM":
		return monthNames[t.Month()-1]
	case "D":
		return strconv.Itoa(t.Day())
	case "Do":
		return ordinal(t.Day())
	case "DD":
		return pad(t.Day(), 2)
	case "DDD":
		return strconv.Itoa(t.YearDay())
	case "DDDo":
		return ordinal(t.YearDay())
	case "DDDD":
		return pad(t.YearDay(), 3)
	case "d", "e":
		return strconv.Itoa(int(t.Weekday()))
	case "do":
		return ordinal(int(t.Weekday()))
	case "dd":
		return dayNames[t.Weekday()][:2]
	case "ddd":
		return dayNames[t.Weekday()][:3]
	case "dddd":
		return dayNames[t.Weekday()]
	case "E":
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return strconv.Itoa(wd)
	case "w", "wo", "ww", "W", "Wo", "WW":
		dow, doy := 0, 6
		if tok[0] == 'W' {
			dow, doy = 1, 4
		}
		w, _ := weekOfYear(t, dow, doy)
		switch len(tok) {
		case 1:
			return strconv.Itoa(w)
		}
		if tok[1] == 'o' {
			return ordinal(w)
		}
		return pad(w, 2)
	case "gg", "gggg", "ggggg", "GG", "GGGG", "GGGGG":
		dow, doy := 0, 6
		if tok[0] == 'G' {
			dow, doy = 1, 4
		}
		_, wy := weekOfYear(t, dow, doy)
		if len(tok) == 2 {
			return pad(abs(wy)%100, 2)
		}
		return pad(wy, len(tok))
	case "A":
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case "a":
		if t.Hour() < 12 {
			return "am"
		}
		return "pm"
	case "H":
		return strconv.Itoa(t.Hour())
	case "HH":
		return pad(t.Hour(), 2)
	case "h", "hh":
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return pad(h, len(tok))
	case "k", "kk":
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return pad(h, len(tok))
	case "m", "mm":
		return pad(t.Minute(), len(tok))
	case "s", "ss":
		return pad(t.Second(), len(tok))
	case "Z", "ZZ":
		_, off := t.Zone()
		if tok == "Z" {
			return formatOffset(off, ":")
		}
		return formatOffset(off, "")
	case "z", "zz":
		name, off := t.Zone()
		if name == "" {
			return formatOffset(off, ":")
		}
		return name
	case "X":
		return strconv.FormatInt(int64(math.Floor(float64(t.UnixMilli())/1000)), 10)
	case "x":
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	if tok[0] == 'S' {
		n := len(tok)
		switch n {
		case 1:
			return strconv.Itoa(ms / 100)
		case 2:
			return pad(ms/10, 2)
		}
		return pad(ms, 3) + strings.Repeat("0", n-3)
	}
	return tok
}

// parseMoment reads text with a moment.js format, leniently as moment does
// in non-strict mode: separators need not match and numbers may be shorter
// than their token. Text without a zone is read in loc; missing leading
// date parts default to today (in loc), later ones to their minimum.
func parseMoment(s, format string, loc *time.Location, now time.Time) (time.Time, error) {
	var (
		year, month, day, hour, min, sec, nsec int
		has                                    [7]bool // year month day hour min sec nsec
		pm, am                                 bool
		zoneSet                                bool
		zoneOff                                int
		unix                                   *time.Time
		yday                                   = -1
	)
	pos := 0
	skipTo := func(pred func(byte) bool) {
		for pos < len(s) && !pred(s[pos]) {
			pos++
		}
	}
	readDigits := func(maxLen int, signed bool) (int, string, bool) {
		skipTo(func(c byte) bool { return isDigit(c) || (signed && (c == '-' || c == '+')) })
		start := pos
		if signed && pos < len(s) && (s[pos] == '-' || s[pos] == '+') {
			pos++
		}
		ds := pos
		for pos < len(s) && isDigit(s[pos]) && pos-ds < maxLen {
			pos++
		}
		if pos == ds {
			pos = start
			return 0, "", false
		}
		n, err := strconv.Atoi(s[start:pos])
		return n, s[ds:pos], err == nil
	}
	readWord := func() string {
		skipTo(isLetter)
		start := pos
		for pos < len(s) && (isLetter(s[pos]) || s[pos] >= 0x80) {
			pos++
		}
		return s[start:pos]
	}
	fail := func(tok string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("text %s does not match format token %s", excerpt(s), tok)
	}
	for _, it := range splitMoment(format) {
		if it.token == "" {
			lit := it.literal
			if strings.HasPrefix(s[pos:], lit) {
				pos += len(lit)
			}
			continue
		}
		tok := it.token
		switch tok {
		case "YYYYYY", "YYYYY", "YYYY", "Y", "gggg", "GGGG", "ggggg", "GGGGG", "y", "yy", "yyy", "yyyy":
			width := 4 // moment reads 1–4 digits for YYYY, up to 6 for YYYYY
			switch tok {
			case "YYYYYY", "YYYYY", "ggggg", "GGGGG":
				width = 6
			case "Y", "y":
				width = 9
			}
			n, _, ok := readDigits(width, true)
			if !ok {
				return fail(tok)
			}
			if tok[0] == 'Y' || tok[0] == 'y' {
				year, has[0] = n, true
			}
		case "YY", "gg", "GG":
			n, _, ok := readDigits(2, false)
			if !ok {
				return fail(tok)
			}
			if tok == "YY" {
				if n > 68 {
					year = 1900 + n
				} else {
					year = 2000 + n
				}
				has[0] = true
			}
		case "Q", "Qo":
			n, _, ok := readDigits(1, false)
			if !ok || n < 1 || n > 4 {
				return fail(tok)
			}
			month, has[1] = (n-1)*3+1, true
		case "M", "MM", "Mo":
			n, _, ok := readDigits(2, false)
			if !ok {
				return fail(tok)
			}
			month, has[1] = n, true
		case "MMM", "MMMM":
			m := monthIndex(readWord())
			if m < 0 {
				return fail(tok)
			}
			month, has[1] = m+1, true
		case "D", "DD", "Do":
			n, _, ok := readDigits(2, false)
			if !ok {
				return fail(tok)
			}
			day, has[2] = n, true
		case "DDD", "DDDD", "DDDo":
			n, _, ok := readDigits(3, false)
			if !ok {
				return fail(tok)
			}
			yday = n
		case "d", "do", "e", "E", "w", "wo", "ww", "W", "Wo", "WW":
			if _, _, ok := readDigits(2, false); !ok {
				return fail(tok)
			}
		case "dd", "ddd", "dddd":
			if dayIndex(readWord()) < 0 {
				return fail(tok)
			}
		case "H", "HH", "h", "hh", "k", "kk":
			n, _, ok := readDigits(2, false)
			if !ok {
				return fail(tok)
			}
			if (tok[0] == 'k') && n == 24 {
				n = 0
			}
			hour, has[3] = n, true
		case "m", "mm":
			n, _, ok := readDigits(2, false)
			if !ok {
				return fail(tok)
			}
			min, has[4] = n, true
		case "s", "ss":
			n, _, ok := readDigits(2, false)
			if !ok {
				return fail(tok)
			}
			sec, has[5] = n, true
		case "a", "A":
			w := strings.ToLower(readWord())
			switch {
			case strings.HasPrefix(w, "p"):
				pm = true
			case strings.HasPrefix(w, "a"):
				am = true
			default:
				return fail(tok)
			}
		case "Z", "ZZ", "z", "zz":
			skipTo(func(c byte) bool { return c == '+' || c == '-' || c == 'Z' || c == 'z' })
			start := pos
			if pos >= len(s) {
				return fail(tok)
			}
			if s[pos] == 'Z' || s[pos] == 'z' {
				pos++
			} else {
				pos++
				for pos < len(s) && (isDigit(s[pos]) || s[pos] == ':') && pos-start < 6 {
					pos++
				}
			}
			pos = min2(pos, len(s))
			off, ok := parseOffset(s[start:pos])
			if !ok {
				return fail(tok)
			}
			zoneSet, zoneOff = true, off
		case "X", "x":
			skipTo(func(c byte) bool { return isDigit(c) || c == '-' || c == '+' })
			start := pos
			if pos < len(s) && (s[pos] == '-' || s[pos] == '+') {
				pos++
			}
			for pos < len(s) && (isDigit(s[pos]) || (tok == "X" && s[pos] == '.')) && pos-start < 24 {
				pos++
			}
			f, err := strconv.ParseFloat(s[start:pos], 64)
			if err != nil || math.Abs(f) > 8.64e15 {
				return fail(tok)
			}
			if tok == "X" {
				f = math.Round(f * 1000)
			}
			u := time.UnixMilli(int64(f)).UTC()
			unix = &u
		default: // S…: fraction of a second
			_, digits, ok := readDigits(9, false)
			if !ok {
				return fail(tok)
			}
			nsec, _ = strconv.Atoi((digits + "000000000")[:9])
			has[6] = true
		}
	}
	if unix != nil {
		return *unix, nil
	}
	if pm && hour < 12 {
		hour += 12
	} else if am && hour == 12 {
		hour = 0
	}
	zone := loc
	if zoneSet {
		zone = time.FixedZone("", zoneOff)
	}
	today := now.In(zone)
	if yday >= 0 && !has[1] && !has[2] {
		if !has[0] {
			year = today.Year()
		}
		t := wallDate(year, 1, yday, hour, min, sec, nsec, zone)
		return t, nil
	}
	vals := []*int{&year, &month, &day}
	defaults := []int{today.Year(), int(today.Month()), today.Day()}
	for i := 0; i < 3 && !has[i]; i++ {
		*vals[i] = defaults[i]
		has[i] = true
	}
	if !has[1] {
		month = 1
	}
	if !has[2] {
		day = 1
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || min > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("text %s is not a valid date for format %s", excerpt(s), excerpt(format))
	}
	t := wallDate(year, time.Month(month), day, hour, min, sec, nsec, zone)
	if t.Day() != day && hour != 24 {
		return time.Time{}, fmt.Errorf("text %s is not a valid date for format %s", excerpt(s), excerpt(format))
	}
	return t, nil
}

func min2(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// monthIndex finds a month by English name or 3-letter abbreviation.
func monthIndex(w string) int {
	w = strings.ToLower(w)
	if len(w) < 3 {
		return -1
	}
	for i, m := range monthNames {
		lm := strings.ToLower(m)
		if w == lm || w == lm[:3] || (len(w) >= 3 && strings.HasPrefix(lm, w)) {
			return i
		}
	}
	return -1
}

// dayIndex finds a weekday (0 = Sunday) by English name or abbreviation.
func dayIndex(w string) int {
	w = strings.ToLower(w)
	if len(w) < 2 {
		return -1
	}
	for i, d := range dayNames {
		if strings.HasPrefix(strings.ToLower(d), w) {
			return i
		}
	}
	return -1
}

// localizedFormats are moment.js's localized formats in the en locale,
// longest first.
var localizedFormats = []struct{ token, format string }{
	{"LLLL", "dddd, MMMM D, YYYY h:mm A"},
	{"llll", "ddd, MMM D, YYYY h:mm A"},
	{"LLL", "MMMM D, YYYY h:mm A"},
	{"lll", "MMM D, YYYY h:mm A"},
	{"LTS", "h:mm:ss A"},
	{"LT", "h:mm A"},
	{"LL", "MMMM D, YYYY"},
	{"ll", "MMM D, YYYY"},
	{"L", "MM/DD/YYYY"},
	{"l", "M/D/YYYY"},
}

// localizedFormat expands a localized format token at the start of s,
// returning the format and the length of the token (0 when none).
func localizedFormat(s string) (string, int) {
	for _, lf := range localizedFormats {
		if strings.HasPrefix(s, lf.token) {
			return lf.format, len(lf.token)
		}
	}
	return "", 0
}
