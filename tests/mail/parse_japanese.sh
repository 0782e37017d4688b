#!/usr/bin/env bash
# Japanese fixtures from $KENCHI_DATA/mail (mikel-mail multi_charset,
# sisimai maildirs, spamassassin cjk): decoded subjects and attachment names
# must equal what an independent decoder says. The oracle is python3's email
# package (decode_header joins adjacent encoded words of one charset, as
# RFC 2047 decoding must) with its own codecs (iso2022_jp / _ext / _2004,
# cp932, euc_jp); a header the oracle cannot decode strictly is left out
# and counted. Whitespace is not compared: decoders legitimately differ on
# folding whitespace; the characters are compared.
# Also a few expectations stated by hand from reading the bytes.
. tests/lib.sh
dir="$KENCHI_DATA/mail"
if [[ ! -d "$dir" ]]; then skip parse_japanese "no $dir"; exit 0; fi
mapfile -t files < <(grep -rlis -E 'iso-2022-jp|shift_jis|euc-jp' \
  "$dir/mikel-mail/multi_charset" "$dir/sisimai/maildir" "$dir/spamassassin/nice/cjk" 2>/dev/null | sort)
if [[ ${#files[@]} -eq 0 ]]; then skip parse_japanese "no Japanese fixtures"; exit 0; fi
"$KENCHI" mail dump --brief "${files[@]}" >"$TMP/kenchi.jsonl" 2>/dev/null
python3 - "$TMP/kenchi.jsonl" "${files[@]}" >"$TMP/result" <<'PY'
import email, email.header, json, re, sys

CODECS = {
    "iso-2022-jp": ["iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004"],
    "shift_jis": ["cp932"], "sjis": ["cp932"], "x-sjis": ["cp932"], "windows-31j": ["cp932"],
    "cp932": ["cp932"], "euc-jp": ["euc_jp", "euc_jis_2004"], "utf-8": ["utf-8"],
    "us-ascii": ["ascii"], "iso-8859-1": ["latin-1"],
}

class Undecidable(Exception):
    pass

def dec_bytes(b, cs):
    cs = (cs or "us-ascii").lower()
    for codec in CODECS.get(cs, [cs]):
        try:
            return b.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    raise Undecidable(cs)

def dec_header(raw):
    if raw is None:
        return ""
    raw = str(raw)
    if any(0xDC80 <= ord(c) <= 0xDCFF or c == "\ufffd" for c in raw):
        raise Undecidable("raw 8-bit header")
    raw = re.sub(r"\r?\n|\r", "", raw)
    return "".join(dec_bytes(b, cs) if isinstance(b, bytes) else b
                   for b, cs in email.header.decode_header(raw))

def names(msg):
    out = []
    def walk(p):
        if p.get_content_maintype() == "multipart":
            parts = p.get_payload()
            if not isinstance(parts, list):
                raise Undecidable("broken multipart")
            for c in parts:
                walk(c)
            return
        fn = p.get_param("filename", header="content-disposition")
        if fn is None:
            fn = p.get_param("name")
        if fn is None:
            return
        if isinstance(fn, tuple):
            cs, _, val = fn
            fn = dec_bytes(bytes(val, "latin-1", "surrogateescape"), cs)
        elif "=?" in fn:
            fn = dec_header(fn)
        out.append(fn)
    walk(msg)
    return out

def inner(msg):  # the forwarded mail kenchi analyses
    if msg.get_content_type() == "message/rfc822":
        return msg.get_payload(0)
    if msg.is_multipart() and msg.get_content_subtype() != "report" and isinstance(msg.get_payload(), list):
        for c in msg.get_payload():
            if c.get_content_type() == "message/rfc822":
                return c.get_payload(0)
    return msg

ws = lambda s: re.sub(r"[\s\x00]+", "", s)  # kenchi turns NUL into a space (C strings)
got = {}
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    got[o["source"]] = o
checked = undecidable = failed = 0
fails = []
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    if raw.startswith(b"From ") and b"\nFrom " in raw:
        continue  # an mbox: several messages
    if raw.startswith(b"From "):
        raw = re.split(rb"\r\n|\n|\r", raw, maxsplit=1)[-1]
    msg = inner(email.message_from_bytes(raw))
    k = got.get(path) or got.get(path + "#1")  # a file with an mbox From_ line
    if k is None or "subject" not in k:
        failed += 1; fails.append(path + ": kenchi gave no result"); continue
    try:
        want_subject = dec_header(msg["Subject"])
        want_names = names(msg)
    except Undecidable:
        undecidable += 1; continue
    have_names = [a["name"] for a in k["attachments"]]
    if ws(want_subject) != ws(k["subject"]):
        failed += 1; fails.append("%s: subject %r, expected %r" % (path, k["subject"], want_subject))
    elif [ws(n) for n in want_names if n] != [ws(n) for n in have_names if n]:  # all, none added
        failed += 1; fails.append("%s: names %r, expected %r" % (path, have_names, want_names))
    else:
        checked += 1
print(checked, undecidable, failed)
for f in fails[:3]:
    print(f)
PY
read -r checked undecidable failed <"$TMP/result"
if [[ "$failed" == 0 && "$checked" -gt 0 ]]; then
  ok "parse_japanese_oracle ($checked mails agree, $undecidable undecidable by the oracle)"
else
  not_ok parse_japanese_oracle "$failed of $((checked + failed)) differ: $(tail -n +2 "$TMP/result" | head -3 | tr '\n' ' ')"
fi

# Stated by hand from the bytes of mikel-mail/multi_charset (the
# ISO-2022-JP words decode to these kana; checked with `iconv -f ISO-2022-JP`).
mc="$dir/mikel-mail/multi_charset"
if [[ -d "$mc" ]]; then
  subj=$("$KENCHI" mail dump --brief "$mc/japanese_iso_2022.eml" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["subject"])')
  check parse_japanese_iso2022_subject "$subj" "まみむめも"
  nm=$("$KENCHI" mail dump --brief "$mc/japanese_attachment_long_name.eml" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"][0]["name"])')
  check parse_japanese_long_rfc2231_name "$nm" "かきくけこかきくけこかきくけこかきくけこかきくけこ.txt"
  nm=$("$KENCHI" mail dump --brief "$mc/japanese_attachment.eml" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["attachments"][0]["name"])')
  check parse_japanese_attachment_name "$nm" "てすと.txt"
else
  skip parse_japanese_by_hand "no $mc"
fi
