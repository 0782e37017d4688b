# Banned functions (docs/style): sprintf, strcpy, strtok, gets (and vsprintf,
# strcat, the unbounded cousins). Comments are not code, so strip them first:
# lines that open one (/*, //) or go on with one (" * text", " */"), but not
# code that starts with a dereference ("*dst = strcpy(...)").
. tests/lib.sh
hits=$(grep -rnE '\b(sprintf|vsprintf|strcpy|strcat|strtok|gets)\s*\(' src tests/unit fuzz bench 2>/dev/null \
       | grep -vE '^\S+:[0-9]+:\s*(/\*|//|\*($|[[:space:]/]))' || true)
if [[ -z "$hits" ]]; then ok banned_functions; else not_ok banned_functions "$(echo "$hits" | head -3 | tr '\n' ' ')"; fi

# A build of the whole tree with -Werror, so a new warning fails the suite:
# kenchi, its helper programs, the unit tests, fuzz replays and benchmarks
# (the Makefile's `all`), not kenchi alone.
if out=$(make -s --no-print-directory BUILD="$TMP/werror" WERROR=1 OPT=-O0 all 2>&1); then
  ok warnings_clean
else
  not_ok warnings_clean "$(echo "$out" | grep -m3 -E 'warning|error' | tr '\n' ' ')"
fi
