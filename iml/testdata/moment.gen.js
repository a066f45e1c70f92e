// Regenerate testdata/moment.tsv (run where the npm packages moment@2.30.1
// and moment-timezone@0.5.45 are installed):
//   node testdata/moment.gen.js > testdata/moment.tsv
const moment = require("moment-timezone");
const q = s => '"' + s.replace(/"/g, '""') + '"';
const iso = m => JSON.stringify(m.toISOString());
const rows = [];
const dates = ["2019-10-07T14:05:09.123Z", "2021-01-03T00:07:04.005Z", "2020-12-31T23:59:59.999Z",
  "2016-02-29T12:00:00.000Z", "2024-12-30T06:30:00.000Z", "1999-01-01T00:00:00.000Z"];
const tokens = ["YYYY", "YY", "Y", "yyyy", "Q", "Qo", "M", "Mo", "MM", "MMM", "MMMM", "D", "Do", "DD", "DDD", "DDDo", "DDDD",
  "d", "do", "dd", "ddd", "dddd", "e", "E", "w", "wo", "ww", "W", "Wo", "WW", "gg", "gggg", "GG", "GGGG",
  "A", "a", "H", "HH", "h", "hh", "k", "kk", "m", "mm", "s", "ss", "S", "SS", "SSS", "SSSS", "Z", "ZZ", "X", "x",
  "L", "l", "LL", "ll", "LLL", "lll", "LLLL", "llll", "LT", "LTS"];
for (const d of dates)
  rows.push([`formatDate(${q(d)}; ${q(tokens.join("~"))}; "UTC")`, JSON.stringify(moment.tz(d, "UTC").format(tokens.join("~")))]);
const zones = ["Europe/Prague", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo"];
const zf = "YYYY-MM-DD HH:mm:ss.SSS Z ZZ dddd [w]w [W]W A";
for (const z of zones) for (const d of dates)
  rows.push([`formatDate(${q(d)}; ${q(zf)}; ${q(z)})`, JSON.stringify(moment.tz(d, z).format(zf))]);
const parses = [
  ["2014-09-14", "YYYY-MM-DD"], ["14/09/2014 7:05 pm", "DD/MM/YYYY h:mm a"], ["Sep 14th, 2014", "MMM Do, YYYY"],
  ["20140914T170520", "YYYYMMDD[T]HHmmss"], ["14.9.14", "D.M.YY"], ["14.9.70", "D.M.YY"], ["2014-09-14 17:27:20.5", "YYYY-MM-DD HH:mm:ss.S"],
  ["2014-09-14 17:27:20.123456", "YYYY-MM-DD HH:mm:ss.SSSSSS"], ["2014-09-14T17:27:20+05:30", "YYYY-MM-DDTHH:mm:ssZ"],
  ["1410715640", "X"], ["1410715640579", "x"], ["Sunday, September 14, 2014 5:27 PM", "LLLL"],
  ["2014 256", "YYYY DDDD"], ["december 2020", "MMMM YYYY"], ["12 am 1/1/2020", "h a M/D/YYYY"],
  ["2020-03-29 02:30", "YYYY-MM-DD HH:mm"], ["2020-10-25 02:30", "YYYY-MM-DD HH:mm"], ["Q4 2020", "[Q]Q YYYY"],
];
for (const z of ["UTC", "Europe/Prague"]) for (const [t, f] of parses)
  rows.push([`parseDate(${q(t)}; ${q(f)}; ${q(z)})`, iso(moment.tz(t, f, z))]);
const base = ["2020-01-31T10:00:00.000Z", "2020-02-29T23:30:00.000Z", "2019-12-31T00:00:00.000Z"];
for (const d of base) {
  for (const [fn, unit, ns] of [["addMonths", "months", [1, -1, 13, -25]], ["addYears", "years", [1, -4]], ["addDays", "days", [1, -60, 366]],
                                ["addHours", "hours", [25, -1.5]], ["addMinutes", "minutes", [-90]], ["addSeconds", "seconds", [3600.5]]])
    for (const n of ns) rows.push([`${fn}(${q(d)}; ${n})`, iso(moment.utc(d).add(n, unit))]);
  for (const [fn, set, ns] of [["setDate", "date", [1, 31, 0, 32]], ["setHour", "hour", [0, 23, 24, -1]], ["setMinute", "minute", [0, 60]],
                               ["setSecond", "second", [59, 120]], ["setMonth", "month", [1, 2, 12, 13]], ["setYear", "year", [2019, 2021]], ["setDay", "day", [1, 7, 8, 0]]])
    for (const n of ns) rows.push([`${fn}(${q(d)}; ${n})`, iso(moment.utc(d)[set](set === "month" || set === "day" ? n - 1 : n))]);
}
const pairs = [["2020-03-31T00:00:00.000Z", "2020-02-29T12:00:00.000Z"], ["2021-01-01T00:00:00.000Z", "2019-06-15T00:00:00.000Z"],
  ["2019-06-15T00:00:00.000Z", "2021-01-01T00:00:00.000Z"], ["2020-01-31T00:00:00.000Z", "2020-03-01T00:00:00.000Z"]];
for (const [a, b] of pairs) for (const u of ["milliseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "quarters", "years"])
  rows.push([`dateDifference(${q(a)}; ${q(b)}; ${q(u)})`, JSON.stringify(moment.utc(a).diff(moment.utc(b), u))]);
console.log("expr\texpected_json\tsource\tconfidence\tnote");
for (const [e, j] of rows) console.log(`${e}\t${j}\tmoment ${moment.version} / moment-timezone ${moment.tz.version}\tderived\tcomputed with moment.js (en locale), non-strict parsing`);
