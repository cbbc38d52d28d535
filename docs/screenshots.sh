#!/bin/sh
# Regenerates the README's screenshots of the default lab's HTML report:
# runs the default scenario, then has headless Chromium draw sections of
# its report at 1280 px into docs/report-*.png.
#
#   sh docs/screenshots.sh     # from anywhere in the repository; Linux, as root or
#                              # with unprivileged user namespaces; needs chromium
#
# Each section is shot alone: a script added to a copy of the page keeps
# the section's heading and what follows it up to the next section's, and
# writes the height that leaves; a first pass reads it, the second shoots
# a window that tall (at most MAX px: PNGs stay well under 300 kB).
set -eu
cd "$(dirname "$0")/.."
MAX=1600
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/portlab" ./cmd/portlab
"$work/portlab" run --out "$work/lab" >/dev/null
page="$work/lab/exhaustion-report.html"

chrome() {
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$work/chromium" "$@" 2>/dev/null
}

# shot NAME FIRST NEXT: the page from the heading FIRST ("top" for the
# page's start) up to the heading NEXT ("end" for the page's end), into
# docs/NAME.png. A heading is named by its id or the start of its text.
shot() {
	cat >"$work/keep.html" <<JS
<script>
(function () {
  var keep = "$2" === "top";
  function is(el, name) { return el.id === name || (el.tagName === "H2" && el.textContent.indexOf(name) === 0); }
  Array.prototype.slice.call(document.body.children).forEach(function (el) {
    if (is(el, "$2")) keep = true;
    if (is(el, "$3")) keep = false;
    if (!keep && el.tagName !== "SCRIPT") el.remove();
  });
  document.body.setAttribute("data-height", Math.ceil(document.body.getBoundingClientRect().bottom) + 24);
})();
</script>
JS
	awk -v keep="$work/keep.html" '/<\/body>/ { while ((getline l < keep) > 0) print l } { print }' \
		"$page" >"$work/$1.html"
	h=$(chrome --window-size=1280,800 --dump-dom "file://$work/$1.html" | sed -n 's/.*data-height="\([0-9]*\)".*/\1/p')
	[ "${h:-0}" -gt 0 ] || { echo "screenshots: no height for $1" >&2; exit 1; }
	[ "$h" -le "$MAX" ] || h=$MAX
	chrome --window-size="1280,$h" --screenshot="docs/$1.png" "file://$work/$1.html"
}

shot report-top top "Prediction vs measured"
shot report-predictions "Prediction vs measured" spectrum
shot report-timelines timelines ports
shot report-ports ports latency
shot report-latency latency end
ls -l docs/report-*.png
