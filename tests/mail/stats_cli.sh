#!/usr/bin/env bash
# `kenchi mail` commands end to end on hand-written mails: per-message
# errors are one line each, counted, and stop nothing; an unknown
# organisation is refused; `show` prints each verdict with its evidence and
# marks untrusted Authentication-Results; `campaigns` joins the two copies
# of one attachment.
. tests/lib.sh
DB="$TMP/m.db" D="$TMP/in"
mkdir -p "$D"
printf 'info@victim.example\n# a comment\n' >"$TMP/pub.txt"
"$KENCHI" mail org --db "$DB" victim --domain victim.example --authserv-id mx.victim.example \
  --published "$TMP/pub.txt" >"$TMP/org.out"
check org_registered "$(cat "$TMP/org.out")" "organisation victim: 1 domains, 1 trusted authserv-ids, 1 published addresses"

mail() { # mail FILE MESSAGE-ID TO AUTH-RESULTS
  cat >"$1" <<EOM
Return-Path: <keiri@partner.example>
Authentication-Results: $4
Authentication-Results: relay.attacker.example; spf=fail smtp.mailfrom=partner.example
Message-ID: <$2>
Date: Thu, 05 Nov 2020 10:00:00 +0900
From: "keiri@partner.example" <x1@lookalike.example>
To: $3
Subject: =?UTF-8?B?6KaL56mN5L6d6aC8?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=UTF-8

Please see the attached order.
--b
Content-Type: application/octet-stream; name="PO-0905.bin"
Content-Transfer-Encoding: base64

AAECAwQFBgcICQoLDA0ODw==
--b--
EOM
}
mail "$D/1.eml" one@x k.sato@victim.example "mx.victim.example; spf=fail smtp.mailfrom=partner.example"
mail "$D/2.eml" two@x info@victim.example "mx.victim.example; spf=pass smtp.mailfrom=partner.example"
printf 'this is not a mail at all\n' >"$D/3.eml"
: >"$D/4.eml"

out=$("$KENCHI" mail ingest --db "$DB" --org victim "$D" 2>"$TMP/err"); rc=$?
check ingest_summary "$out" "victim: 4 messages: 2 stored, 0 already reported, 2 failed"
check ingest_exit_status_says_failures "$rc" 1
check ingest_one_line_per_failure "$(wc -l <"$TMP/err")" 2
if grep -q "3.eml" "$TMP/err" && grep -q "4.eml" "$TMP/err"; then ok ingest_error_names_the_file; else
  not_ok ingest_error_names_the_file "$(head -2 "$TMP/err" | tr '\n' ' ')"; fi

"$KENCHI" mail ingest --db "$DB" --org nobody "$D" >/dev/null 2>"$TMP/err2"
check unknown_org_refused "$?" 1
grep -q "no organisation 'nobody'" "$TMP/err2" && ok unknown_org_says_why || not_ok unknown_org_says_why "$(cat "$TMP/err2")"

id=$(sqlite3 "$DB" "SELECT id FROM mail_msg WHERE message_id='one@x'")
"$KENCHI" mail show --db "$DB" "$id" >"$TMP/show"
for want in "unpublished recipient:     YES" "forged sender (strict):    YES" "forged sender (broad):     YES" \
            "trusted mx.victim.example: spf=fail" "display name shows keiri@partner.example but From is x1@lookalike.example" \
            "Return-Path domain partner.example differs from From domain lookalike.example" \
            "relay.attacker.example (NOT trusted: ignored)" "Subject:       見積依頼" "PO-0905.bin"; do
  grep -qF "$want" "$TMP/show" && ok "show_has: $want" || not_ok "show_has: $want" "missing"
done
id2=$(sqlite3 "$DB" "SELECT id FROM mail_msg WHERE message_id='two@x'")
"$KENCHI" mail show --db "$DB" "$id2" >"$TMP/show2"
grep -qF "forged sender (strict):    no" "$TMP/show2" && ok show_pass_is_not_strict || not_ok show_pass_is_not_strict "$(grep strict "$TMP/show2")"
grep -qF "unpublished recipient:     no" "$TMP/show2" && ok show_published_is_not_unpublished || not_ok show_published_is_not_unpublished "x"
"$KENCHI" mail show --db "$DB" 999 >/dev/null 2>&1
check show_unknown_id_fails "$?" 1

"$KENCHI" mail campaigns --db "$DB" --format json >"$TMP/c.json"
check campaign_joins_same_attachment "$(jq -c '[.campaigns[] | {mails, recipients, linked_by}]' "$TMP/c.json")" \
  '[{"mails":2,"recipients":2,"linked_by":["attachment","text"]}]'
