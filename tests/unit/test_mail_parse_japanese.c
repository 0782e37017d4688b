/* Japanese mail, with bytes crafted by hand (the derivation of each byte
 * sequence is in the comment beside it; cross-checked with python3's
 * cp932/euc_jp codecs when written):
 *   ISO-2022-JP with NEC specials and NEC-selected IBM extensions,
 *   Shift_JIS as CP932 (IBM extension 髙 = FB FC), EUC-JP as EUC-JP-MS,
 *   RFC 2047 words split inside a character, missing and wrong labels,
 *   raw 8-bit headers, CR-only line ends. */
#include <string.h>

#include "harness.h"
#include "mail/internal.h"
#include "mail/mail.h"

static struct kn_mail *parse(const char *text)
{
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    if (kn_mail_parse((const uint8_t *)text, strlen(text), &m, &err) != 0)
        printf("# parse failed: %s\n", err.msg);
    return m;
}

static char *conv(const char *label, const char *bytes)
{
    return kn_charset_to_utf8(label, (const uint8_t *)bytes, strlen(bytes));
}

/* JIS X 0208 row 13 cell 1 = 0x2D21 ①, row 13 cell 74 = 0x2D6A ㈱ (NEC
 * specials); row 92 cell 66 = 0x7C62 髙 (NEC-selected IBM extension, CP932
 * EE E0). Plain ISO-2022-JP decoders reject all three. */
static void test_jis_windows_extensions(void)
{
    char *u = conv("ISO-2022-JP", "\x1b$B\x2d\x21\x2d\x6a\x7c\x62\x1b(B");
    CHECK_STR(u, "①㈱髙");
    free(u);
    /* the same bytes as an encoded word in a Subject: base64 of the 12 bytes */
    struct kn_mail *m = parse("From: a@b.example\nSubject: =?ISO-2022-JP?B?GyRCLSEtanxiGyhC?=\n\nx\n");
    CHECK(m != NULL);
    if (m)
        CHECK_STR(m->subject, "①㈱髙");
    kn_mail_free(m);
    /* half-width katakana via ESC ( I: 0x31 0x32 -> ｱｲ (CP932 B1 B2) */
    u = conv("iso-2022-jp", "\x1b(I\x31\x32\x1b(B!");
    CHECK_STR(u, "ｱｲ!");
    free(u);
}

/* 見積依頼 in UTF-8 is E8A68B E7A98D E4BE9D E9A0BC; split after 4 bytes,
 * inside 積: "6KaL5w==" + "qY3kvp3poLw=". 見積 in ISO-2022-JP is
 * 1B2442 382B 4051 1B2842, split after 4 bytes inside 見: "GyRCOA==" +
 * "K0BRGyhC". Each word alone is broken; joined they decode. */
static void test_split_encoded_words(void)
{
    struct kn_mail *m = parse("From: a@b.example\n"
                              "Subject: =?UTF-8?B?6KaL5w==?=\n =?UTF-8?B?qY3kvp3poLw=?= (PO-0905)\n\nx\n");
    CHECK(m != NULL);
    if (m)
        CHECK_STR(m->subject, "見積依頼 (PO-0905)");
    kn_mail_free(m);
    char *u = kn_header_decode("Re: =?iso-2022-jp?B?GyRCOA==?= =?ISO-2022-JP?B?K0BRGyhC?=");
    CHECK_STR(u, "Re: 見積");
    free(u);
    /* Q encoding split the same way as the UTF-8 case */
    u = kn_header_decode("=?utf-8?Q?=E8=A6=8B=E7?= =?utf-8?Q?=A9=8D?=");
    CHECK_STR(u, "見積");
    free(u);
    /* different charsets are not joined, and the space between words goes */
    u = kn_header_decode("=?utf-8?B?6KaL?= =?iso-8859-1?Q?caf=E9?=");
    CHECK_STR(u, "見café");
    free(u);
}

/* CP932: ① = 87 40, 髙 = FB FC (IBM extension), 橋 = 8B B4. */
static void test_shift_jis(void)
{
    struct kn_mail *m = parse("From: a@b.example\nSubject: s\nContent-Type: text/plain; charset=Shift_JIS\n\n"
                              "\x87\x40\xFB\xFC\x8B\xB4\n");
    CHECK(m != NULL);
    if (m)
        CHECK_STR(m->body_text, "①髙橋\n");
    kn_mail_free(m);
}

/* EUC-JP: お見積り = A4AA B8AB C0D1 A4EA; ① in EUC-JP-MS = AD A1 (row 13). */
static void test_euc_jp(void)
{
    char *u = conv("EUC-JP", "\xA4\xAA\xB8\xAB\xC0\xD1\xA4\xEA\xAD\xA1");
    CHECK_STR(u, "お見積り①");
    free(u);
}

static void test_missing_and_wrong_labels(void)
{
    /* no label: CP932 お見積り = 82A8 8CA9 90CF 82E8 */
    char *u = conv(NULL, "\x82\xA8\x8C\xA9\x90\xCF\x82\xE8");
    CHECK_STR(u, "お見積り");
    free(u);
    /* no label: EUC-JP */
    u = conv(NULL, "\xA4\xAA\xB8\xAB\xC0\xD1\xA4\xEA");
    CHECK_STR(u, "お見積り");
    free(u);
    /* labelled us-ascii but ISO-2022-JP escapes inside */
    u = conv("us-ascii", "\x1b$B8+@Q\x1b(B");
    CHECK_STR(u, "見積");
    free(u);
    /* labelled iso-8859-1 but Shift_JIS */
    u = conv("iso-8859-1", "\x82\xA8\x8C\xA9\x90\xCF\x82\xE8");
    CHECK_STR(u, "お見積り");
    free(u);
    /* a real Latin-1 text stays Latin-1: café résumé */
    u = conv("iso-8859-1", "caf\xE9 r\xE9sum\xE9 na\xEFve d\xE9j\xE0");
    CHECK_STR(u, "café résumé naïve déjà");
    free(u);
    /* an unknown label falls back to detection */
    u = conv("x-no-such-charset", "\x82\xA8\x8C\xA9\x90\xCF\x82\xE8");
    CHECK_STR(u, "お見積り");
    free(u);
    /* labelled UTF-8 but CP932 */
    u = conv("utf-8", "\x82\xA8\x8C\xA9\x90\xCF\x82\xE8");
    CHECK_STR(u, "お見積り");
    free(u);
}

/* Raw 8-bit Shift_JIS in headers (no encoded words): 山田 = 8E52 9363. */
static void test_raw_header_bytes(void)
{
    struct kn_mail *m = parse("From: \x8E\x52\x93\x63 <yamada@example.jp>\nSubject: \x82\xA8\x8C\xA9\x90\xCF\x82\xE8\n\nx\n");
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_STR(m->from.display, "山田");
    CHECK_STR(m->subject, "お見積り");
    kn_mail_free(m);
}

/* CR-only line ends with an ISO-2022-JP body and an RFC 2231 ISO-2022-JP
 * attachment name (%-encoded JIS for 見積: 1B 24 42 38 2B 40 51 1B 28 42). */
static void test_cr_only_japanese(void)
{
    const char *mail =
        "From: a@b.example\rSubject: =?ISO-2022-JP?B?GyRCOCtAURsoQg==?=\rMIME-Version: 1.0\r"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\r--b1\r"
        "Content-Type: text/plain; charset=ISO-2022-JP\r\r\x1b$B8+@Q\x1b(B\r--b1\r"
        "Content-Type: application/octet-stream\r"
        "Content-Disposition: attachment; filename*=iso-2022-jp''%1B%24B8%2B%40Q%1B%28B.txt\r\r"
        "hello\r--b1--\r";
    struct kn_mail *m = parse(mail);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_STR(m->subject, "見積");
    CHECK_STR(m->body_text, "見積"); /* the break before a boundary belongs to it (RFC 2046) */
    CHECK_EQ(m->n_attachments, 1);
    if (m->n_attachments)
        CHECK_STR(m->attachments[0].name, "見積.txt");
    kn_mail_free(m);
}

/* A CP932 member name inside a zip (made by Windows' built-in zip):
 * built by hand as a stored zip with the name 見積.txt = 8CA9 90CF 2E747874. */
static void test_zip_cp932_name(void)
{
    static const uint8_t name[] = "\x8C\xA9\x90\xCF.txt";
    uint8_t z[256] = {0};
    size_t n = 0, nl = sizeof name - 1;
    /* local header */
    memcpy(z + n, "PK\x03\x04\x0a\x00\x00\x00\x00\x00", 10);
    n = 26;
    z[n++] = (uint8_t)nl;
    n += 3;
    memcpy(z + n, name, nl);
    n += nl;
    size_t cd = n;
    memcpy(z + n, "PK\x01\x02\x14\x00\x0a\x00\x00\x00\x00\x00", 12);
    n = cd + 28;
    z[n++] = (uint8_t)nl;
    n = cd + 46;
    memcpy(z + n, name, nl);
    n += nl;
    size_t cd_size = n - cd;
    memcpy(z + n, "PK\x05\x06\0\0\0\0\x01\x00\x01\x00", 12);
    z[n + 12] = (uint8_t)cd_size;
    z[n + 16] = (uint8_t)cd;
    n += 22;
    struct kn_zip_member *mem = NULL;
    long cnt = kn_zip_members(z, n, &mem, 10);
    CHECK_EQ(cnt, 1);
    if (cnt == 1) {
        CHECK_STR(mem[0].name, "見積.txt");
        CHECK_EQ(mem[0].enc, KN_ENC_NONE);
    }
    kn_zip_members_free(mem, cnt > 0 ? (size_t)cnt : 0);
}

int main(void)
{
    RUN(test_jis_windows_extensions);
    RUN(test_split_encoded_words);
    RUN(test_shift_jis);
    RUN(test_euc_jp);
    RUN(test_missing_and_wrong_labels);
    RUN(test_raw_header_bytes);
    RUN(test_cr_only_japanese);
    RUN(test_zip_cp932_name);
    TEST_MAIN_END();
}
