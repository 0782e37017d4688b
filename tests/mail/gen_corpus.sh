#!/usr/bin/env bash
# The mail generator, checked without kenchi's parser or analysis: the same
# seed gives the same truth; every message written is accounted for; and
# Python's email and zipfile modules (an independent MIME and zip reader)
# plus `7z t` confirm what the truth claims about encrypted archives — each
# is really encrypted and opens with the password written in the mail —
# and that ISO-2022-JP bodies decode to Japanese business text.
. tests/lib.sh
command -v zip >/dev/null && command -v 7z >/dev/null || { skip gen_corpus "zip or 7z missing"; exit 0; }
command -v python3 >/dev/null || { skip gen_corpus "python3 missing"; exit 0; }

"$KENCHI" mail gen --out "$TMP/a" --truth "$TMP/a.json" --seed 11 --count 120 || { not_ok gen_runs "exit $?"; exit 0; }
"$KENCHI" mail gen --out "$TMP/b" --truth "$TMP/b.json" --seed 11 --count 120 || { not_ok gen_runs "exit $?"; exit 0; }
ok gen_runs
if cmp -s "$TMP/a.json" "$TMP/b.json"; then ok gen_same_seed_same_truth; else not_ok gen_same_seed_same_truth "truths differ"; fi
"$KENCHI" mail gen --out "$TMP/c" --truth "$TMP/c.json" --seed 12 --count 120
rc=$?  # failed, it leaves no truth, and cmp -s says "differ" to a missing file
if [[ $rc -ne 0 || ! -s "$TMP/c.json" ]]; then not_ok gen_other_seed_other_truth "seed 12: exit $rc, no truth"
elif cmp -s "$TMP/a.json" "$TMP/c.json"; then not_ok gen_other_seed_other_truth "same truth"; else ok gen_other_seed_other_truth; fi

out=$(python3 - "$TMP/a" "$TMP/a.json" <<'PY'
import email, email.policy, io, json, mailbox, os, re, subprocess, sys, tempfile, zipfile
root, truth = sys.argv[1], json.load(open(sys.argv[2]))
msgs = []  # (org, bytes)
for org in sorted(os.listdir(root)):
    d = os.path.join(root, org)
    if not os.path.isdir(d) or org == 'published':
        continue
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if f.endswith('.eml'):
            msgs.append((org, open(p, 'rb').read()))
        elif f.endswith('.mbox'):
            for m in mailbox.mbox(p):
                msgs.append((org, m.as_bytes()))
print('files', len(msgs), truth['files'])
enc_mails, iso_ok, iso_total, bad = set(), 0, 0, []
for org, raw in msgs:
    m = email.message_from_bytes(raw, policy=email.policy.default)
    for part in m.walk():  # a forwarding report: analyse the inner mail
        if part.get_content_type() == 'message/rfc822':
            m = part.get_payload()[0]
            break
    mid = m['Message-ID']
    body = m.get_body(('plain',))
    text = body.get_content() if body else ''
    if body and body.get_content_charset() == 'iso-2022-jp':
        iso_total += 1
        iso_ok += 'お世話になっております' in text
    pw = re.search(r'パスワード: (\S+)', text)
    for part in m.iter_attachments():
        data = part.get_payload(decode=True) or b''
        if not data.startswith(b'PK\x03\x04'):
            continue
        z = zipfile.ZipFile(io.BytesIO(data))
        if not any(i.flag_bits & 1 for i in z.infolist()):
            continue
        enc_mails.add((org, mid))
        if not pw:
            bad.append(f'{mid}: encrypted zip without a password in the text')
            continue
        with tempfile.NamedTemporaryFile(suffix='.zip') as t:
            t.write(data); t.flush()
            r = subprocess.run(['7z', 't', '-p' + pw.group(1), t.name], capture_output=True)
            if r.returncode != 0:
                bad.append(f'{mid}: the password in the text does not open it')
            # and the test can fail: a wrong password must not open it
            if subprocess.run(['7z', 't', '-pWRONGpw00', t.name], capture_output=True).returncode == 0:
                bad.append(f'{mid}: opens with any password: not encrypted')
want_enc = sum(p['encrypted_archives'] for p in truth['year']['periods'])
print('encrypted', len(enc_mails), want_enc)
print('iso2022jp', iso_ok, iso_total)
print('bad', len(bad), '; '.join(bad[:2]))
PY
)
# Counts, not empty strings: a check that died prints nothing, and two
# empty strings are equal.
read -r _ files want_files <<<"$(grep ^files <<<"$out")"
if [[ "$files" =~ ^[0-9]+$ && $files -gt 0 ]]; then check gen_every_message_accounted "$files" "$want_files"
else not_ok gen_every_message_accounted "no message read (files '${files}')"; fi
# The plan encrypts 2 of its 8 attachment kinds and every Emotet-style
# archive, so 120 mails hold dozens (50 for seed 11); with none, this and
# gen_passwords_open_archives would check nothing.
read -r _ enc want_enc <<<"$(grep ^encrypted <<<"$out")"
if [[ "$want_enc" =~ ^[0-9]+$ && $want_enc -gt 0 ]]; then check gen_encrypted_archives_match_truth "$enc" "$want_enc"
else not_ok gen_encrypted_archives_match_truth "truth counts '${want_enc}' encrypted archives (0, or the check died)"; fi
read -r _ iso_ok iso_total <<<"$(grep ^iso2022jp <<<"$out")"
if [[ "${iso_total:-0}" -gt 0 && "$iso_ok" == "$iso_total" ]]; then ok gen_iso2022jp_bodies_decode; else
  not_ok gen_iso2022jp_bodies_decode "$iso_ok of $iso_total"; fi
check gen_passwords_open_archives "$(grep ^bad <<<"$out")" "bad 0 "
