// Regenerate testdata/js-builtins.tsv with: node testdata/js-builtins.gen.js > testdata/js-builtins.tsv
// Generates expected results for IML functions that follow JavaScript built-ins.
const rows = [];
const q1 = s => '"' + s.replace(/"/g, '""') + '"';
// q quotes text as an IML literal, writing tabs and line feeds with the keywords.
const q = s => s.split(/(\t|\n)/).filter(p => p !== "").map(p => p === "\t" ? "tab" : p === "\n" ? "newline" : q1(p)).join(" + ") || '""';
const num = n => String(n);
// String(number)
for (const n of [0.1+0.2, 1e21, 1e-7, 123456789012345680000, -0.000001, 5e-324, 1.7976931348623157e308, 2**53, 1/3, -1.5e-10, 100, 0.000001234])
  rows.push([`toString(${num(n)})`, JSON.stringify(String(n))]);
// toFixed via formatNumber(n; d; "."; "")
for (const [n, d] of [[1.005, 2], [2.5, 0], [0.5, 0], [1.45, 1], [8.345, 2], [1e20, 2], [0.000001, 7], [123.456, 10], [-2.5, 0], [1.25, 1], [1.35, 1]])
  rows.push([`formatNumber(${num(n)}; ${d}; "."; "")`, JSON.stringify(n.toFixed(d))]);
// encodeURIComponent
for (const s of ["a b&c=d/e?f#g", "ěščř €😀", "-_.!~*'()", "\t\n%25"])
  rows.push([`encodeURL(${q(s)})`, JSON.stringify(encodeURIComponent(s))]);
// regex replace
const rx = [
  ["2020-01-15", "/(\\d+)-(\\d+)-(\\d+)/", "$3.$2.$1"],
  ["aaa", "/a*?/g", "-"],
  ["abc", "/(?:)/g", "|"],
  ["Hello World", "/o/g", "[$&$`]"],
  ["x1y22z333", "/\\d{2,}/g", "#"],
  ["CamelCaseString", "/([a-z])([A-Z])/g", "$1 $2"],
  ["tab\there", "/\\s/", "_"],
  ["price: $5", "/\\$(\\d)/", "$$$1.00"],
  ["a.b.c", "/\\./g", "$'"],
  ["ab", "/(a)(b)?(c)?/", "[$3|$2|$1|$10]"],
  ["MiXeD", "/mixed/i", "ok"],
  ["l1\nl2", "/^l/gm", "L"],
  ["a\nb", "/a.b/s", "X"],
  ["über", "/\\u00fc/", "ue"],
];
for (const [s, re, r] of rx) {
  const m = re.match(/^\/(.*)\/([a-z]*)$/s);
  rows.push([`replace(${q(s)}; ${q(re)}; ${q(r)})`, JSON.stringify(s.replace(new RegExp(m[1], m[2]), r))]);
}
// split
for (const [s, sep] of [["a,b,,c,", ","], ["", ","], ["abc", ""], ["a--b--", "--"]])
  rows.push([`split(${q(s)}; ${q(sep)})`, JSON.stringify(s.split(sep))]);
// substring, indexOf
for (const [s, a, b] of [["Hello", 4, 1], ["Hello", -3, 2], ["Hello", 2, 99]])
  rows.push([`substring(${q(s)}; ${a}; ${b})`, JSON.stringify(s.substring(a, b))]);
// Math.round
for (const n of [-0.5, 2.5, -2.5, 0.49999999999999994, 1e16+1])
  rows.push([`round(${num(n)})`, JSON.stringify(Math.round(n) + 0)]);
// decodeURIComponent
for (const s of ["%E2%82%AC%20x", "a+b%2B"])
  rows.push([`decodeURL(${q(s)})`, JSON.stringify(decodeURIComponent(s))]);
// trim
rows.push([`trim(${q("\u00a0\ufeff x \u2003")})`, JSON.stringify("\u00a0\ufeff x \u2003".trim())]);
console.log("expr\texpected_json\tsource\tconfidence\tnote");
for (const [e, j] of rows) console.log(`${e}\t${j}\tnode ${process.version}\tderived\tcomputed with the JavaScript built-in IML follows`);
