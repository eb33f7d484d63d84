#!/usr/bin/env bash
# Install the Debian packages the app and its tests need, if they are missing (never downloads
# browsers or anything outside Debian's archive):
#   chromium                    browser tests (Playwright drives /usr/bin/chromium)
#   libpango-1.0-0, libpangoft2-1.0-0, fonts-dejavu-core
#                               WeasyPrint's system libraries (Steckbrief PDF)
#   wngerman, hunspell-de-de    German word list with inflected forms (igerman98) for the
#                               speller and the decompounder (scripts/build_lexicon.py)
#   poppler-utils               pdftotext, used by the PDF tests as a second opinion
# With --runtime (make run) only what the running app uses: no browser, no poppler.
set -u
runtime_only=0
[ "${1:-}" = "--runtime" ] && runtime_only=1
need=()
[ $runtime_only = 1 ] || [ -x /usr/bin/chromium ] || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpangoft2-1.0-0)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ -f /usr/share/dict/ngerman ] || need+=(wngerman)
[ -f /usr/share/hunspell/de_DE.dic ] || need+=(hunspell-de-de)
[ $runtime_only = 1 ] || command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${need[*]} …"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null) || \
    echo "WARNING: could not install ${need[*]}; tests that need them are skipped with a reason."
else
  echo "WARNING: missing ${need[*]} and cannot install them here; tests that need them are skipped."
fi
exit 0
