# The docs agree with the code: every command that `kenchi --help` lists
# (and every `kenchi mail` subcommand) has its section in the man page and is
# named in the README, every long option its --help shows is in the man
# page, and every command the man page documents exists.
. tests/lib.sh
man=man/kenchi.1
mandoc=$(sed 's/\\-/-/g' "$man")

commands=$("$KENCHI" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
subs=$("$KENCHI" mail --help 2>&1 | awk '$1=="kenchi" && $2=="mail" {print $3}' | sort -u)
[[ -n "$commands" ]] && ok help_lists_commands || not_ok help_lists_commands "no commands in kenchi --help"
# without them the mail subcommands' sections and options go unchecked
[[ -n "$subs" ]] && ok help_lists_mail_subcommands ||
  not_ok help_lists_mail_subcommands "no 'kenchi mail SUBCOMMAND' lines in kenchi mail --help"

missing_man=() missing_readme=() missing_opts=()
check_options() { # $1: label, rest: command words
  local label=$1; shift
  local help opts
  # a --help that fails (a helper program missing) lists no options to check
  help=$("$KENCHI" "$@" --help 2>&1) || { missing_opts+=("$label (--help failed)"); return; }
  opts=$(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
  for o in $opts; do
    [[ "$o" == --help ]] && continue
    # the whole option: --files is not documented by --files-per-commit
    grep -qE -- "$o([^a-z0-9-]|$)" <<<"$mandoc" || missing_opts+=("$label $o")
  done
}
for c in $commands; do
  grep -qE "^\.SS \"kenchi $c( |\")" <<<"$mandoc" || missing_man+=("$c")
  grep -qF "kenchi $c" README.md || missing_readme+=("$c")
  [[ "$c" == mail ]] || check_options "$c" "$c"
done
for s in $subs; do
  grep -qE "^\.SS \"kenchi mail $s( |\")" <<<"$mandoc" || missing_man+=("mail $s")
  check_options "mail $s" mail "$s"
done

check man_has_every_command "${missing_man[*]}" ""
check readme_names_every_command "${missing_readme[*]}" ""
check man_has_every_option "${missing_opts[*]}" ""

# The other way round: what the man page documents must exist.
stale=() documented=0
while read -r words; do
  documented=$((documented + 1))
  # shellcheck disable=SC2086
  "$KENCHI" $words --help >/dev/null 2>&1 || stale+=("$words")
done < <(grep -oE '^\.SS "kenchi [a-z-]+( [a-z]+)?' <<<"$mandoc" | sed 's/^\.SS "kenchi //' |
         awk '$1=="mail" {print; next} {print $1}')
[[ $documented -gt 0 ]] || stale+=("(no .SS \"kenchi COMMAND\" section found in $man)")
check man_documents_only_real_commands "${stale[*]}" ""
