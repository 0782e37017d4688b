/* Attachments: hashes (checked against md5sum/sha256sum), content types
 * from crafted bytes, name_lies, RFC 2231 names, archives made at test
 * time with the real zip and 7z tools (ZipCrypto, AES, 7z AES), passwords
 * taken from the mail text, a zip bomb, nesting limits. */
#include <fuzzy.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mail/test_fixtures.h"
#include "mail/internal.h"
#include "mail/mail.h"

static char tmpdir[] = "/tmp/kn_mail_attach_XXXXXX";

static int sh(const char *fmt, const char *arg)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && ", tmpdir);
    size_t n = strlen(cmd);
    snprintf(cmd + n, sizeof cmd - n, fmt, arg);
    return system(cmd);
}

static uint8_t *slurp(const char *name, size_t *len)
{
    return fixture_slurp(tmpdir, name, len);
}

static void spit(const char *name, const void *p, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, len, f);
        fclose(f);
    }
}

/* First word of a command's output (an independent hash oracle). */
static char *first_word(const char *fmt, const char *arg)
{
    static char out[256];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s && ", tmpdir);
    size_t n = strlen(cmd);
    snprintf(cmd + n, sizeof cmd - n, fmt, arg);
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (p) {
        if (fscanf(p, "%255s", out) != 1)
            out[0] = 0;
        pclose(p);
    }
    return out;
}

/* A mail with body text and one attachment (header line given whole). */
static struct kn_mail *mail_with(const char *body, const char *ct_line, const uint8_t *p, size_t len)
{
    struct kn_buf b = {0};
    kn_buf_adds(&b, "From: a@b.example\nTo: c@d.example\nSubject: test\nMIME-Version: 1.0\n"
                    "Content-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\n"
                    "Content-Type: text/plain; charset=utf-8\n\n");
    kn_buf_adds(&b, body);
    kn_buf_adds(&b, "\n--ZZ\n");
    kn_buf_adds(&b, ct_line);
    kn_buf_adds(&b, "\nContent-Transfer-Encoding: base64\n\n");
    fixture_b64(&b, p, len);
    kn_buf_adds(&b, "--ZZ--\n");
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    if (kn_mail_parse((const uint8_t *)b.data, b.len, &m, &err) != 0)
        printf("# parse failed: %s\n", err.msg);
    free(b.data);
    return m;
}

static struct kn_mail *mail_with_file(const char *body, const char *ct_line, const char *file)
{
    size_t len = 0;
    uint8_t *p = slurp(file, &len);
    if (!p)
        return NULL;
    struct kn_mail *m = mail_with(body, ct_line, p, len);
    free(p);
    return m;
}

/* A minimal PE: "MZ", e_lfanew = 0x80, "PE\0\0" there. */
static void make_pe(uint8_t *d, size_t n)
{
    memset(d, 0, n);
    d[0] = 'M';
    d[1] = 'Z';
    d[0x3C] = 0x80;
    memcpy(d + 0x80, "PE\0\0", 4);
    for (size_t i = 0x90; i < n; i++)
        d[i] = (uint8_t)(i * 7);
}

static void test_hashes_and_lies(void)
{
    uint8_t pe[512];
    make_pe(pe, sizeof pe);
    spit("invoice.pdf", pe, sizeof pe);
    struct kn_mail *m = mail_with_file("see attached", "Content-Type: application/pdf; name=\"invoice.pdf\"", "invoice.pdf");
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n_attachments, 1);
    struct kn_attachment *a = &m->attachments[0];
    CHECK_STR(a->name, "invoice.pdf");
    CHECK_EQ(a->size, sizeof pe);
    CHECK_STR(a->md5, first_word("md5sum %s", "invoice.pdf"));
    CHECK_STR(a->sha1, first_word("sha1sum %s", "invoice.pdf"));
    CHECK_STR(a->sha256, first_word("sha256sum %s", "invoice.pdf"));
    CHECK(a->ssdeep[0] != 0);
    CHECK_EQ(a->type, KN_FT_PE);
    CHECK(a->name_lies);
    CHECK(!a->is_archive);
    kn_mail_free(m);
}

/* ssdeep is cached by SHA-256 in slots picked by its first hex digits:
 * a file that lands in an occupied slot, and the first file again after
 * it was evicted, each still get libfuzzy's own hash of their bytes. */
static void test_ssdeep_cache(void)
{
    uint8_t a[4096], b[4096];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (uint8_t)(i * 7 + (i >> 8) * 13);
    unsigned char da[32], db[32];
    EVP_Digest(a, sizeof a, da, NULL, EVP_sha256(), NULL);
    memcpy(b, a, sizeof b);
    /* another file whose SHA-256 starts with the same 12 bits */
    for (uint32_t k = 0; k < 1u << 20; k++) {
        memcpy(b, &k, sizeof k);
        EVP_Digest(b, sizeof b, db, NULL, EVP_sha256(), NULL);
        if (db[0] == da[0] && (db[1] >> 4) == (da[1] >> 4) && memcmp(a, b, sizeof a))
            break;
    }
    CHECK(db[0] == da[0] && (db[1] >> 4) == (da[1] >> 4));
    char fa[FUZZY_MAX_RESULT], fb[FUZZY_MAX_RESULT];
    CHECK_EQ(fuzzy_hash_buf(a, sizeof a, fa), 0);
    CHECK_EQ(fuzzy_hash_buf(b, sizeof b, fb), 0);
    CHECK(strcmp(fa, fb) != 0);
    const uint8_t *order[] = {a, a, b, a, b};
    const char *expect[] = {fa, fa, fb, fa, fb};
    for (size_t i = 0; i < 5; i++) {
        struct kn_attachment att = {0};
        struct kn_attach_ctx ctx = {0};
        kn_attach_analyse(&att, order[i], sizeof a, &ctx, 0);
        CHECK_STR(att.ssdeep, expect[i]);
        kn_attach_free(&att);
    }
}

static void test_types(void)
{
    static const uint8_t lnk[] = "\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46"
                                 "\x9B\x00\x08\x00";
    CHECK_EQ(kn_file_type_detect(lnk, sizeof lnk), KN_FT_LNK);
    uint8_t *iso = calloc(1, 0x9000);
    memcpy(iso + 0x8001, "CD001", 5);
    CHECK_EQ(kn_file_type_detect(iso, 0x9000), KN_FT_ISO);
    free(iso);
    uint8_t ole[1024] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    const char *wd = "WordDocument";
    for (size_t i = 0; wd[i]; i++)
        ole[512 + 2 * i] = (uint8_t)wd[i];
    CHECK_EQ(kn_file_type_detect(ole, sizeof ole), KN_FT_DOC);
    memset(ole + 512, 0, 64);
    const char *wb = "Workbook";
    for (size_t i = 0; wb[i]; i++)
        ole[512 + 2 * i] = (uint8_t)wb[i];
    CHECK_EQ(kn_file_type_detect(ole, sizeof ole), KN_FT_XLS);
#define T(s) (const uint8_t *)(s), sizeof(s) - 1
    CHECK_EQ(kn_file_type_detect(T("%PDF-1.7\n%...\n")), KN_FT_PDF);
    CHECK_EQ(kn_file_type_detect(T("{\\rtf1\\ansi hello}")), KN_FT_RTF);
    CHECK_EQ(kn_file_type_detect(T("<!DOCTYPE html><html><body>x</body></html>")), KN_FT_HTML);
    CHECK_EQ(kn_file_type_detect(T("<html><head><HTA:APPLICATION ID=x></head></html>")), KN_FT_HTA);
    CHECK_EQ(kn_file_type_detect(T("var s = new ActiveXObject(\"WScript.Shell\"); s.Run(x);")), KN_FT_JS);
    CHECK_EQ(kn_file_type_detect(T("Dim o\nSet o = CreateObject(\"WScript.Shell\")\no.Run \"calc\"\n")), KN_FT_VBS);
    CHECK_EQ(kn_file_type_detect(T("\x89PNG\r\n\x1a\n\0\0\0\rIHDR")), KN_FT_IMAGE);
    CHECK_EQ(kn_file_type_detect(T("Just some words.\n")), KN_FT_TEXT);
    CHECK_EQ(kn_file_type_detect(T("Rar!\x1A\x07\x01\x00")), KN_FT_RAR);
    CHECK_EQ(kn_file_type_detect(T("7z\xBC\xAF\x27\x1C\x00\x04")), KN_FT_7Z);
#undef T
    CHECK(kn_file_name_lies("a.doc", KN_FT_DOCM));
    CHECK(!kn_file_name_lies("a.DOCM", KN_FT_DOCM));
    CHECK(!kn_file_name_lies("noext", KN_FT_PE));
    CHECK(!kn_file_name_lies("odd.xyz", KN_FT_PE));
    CHECK(kn_file_name_lies("photo.jpg", KN_FT_LNK));
}

/* OOXML by [Content_Types].xml and vbaProject.bin, built with zip. */
static void test_ooxml(void)
{
    CHECK_EQ(sh("mkdir -p ox/word ox/xl && echo '<Types/>' > 'ox/[Content_Types].xml' && echo x > ox/word/document.xml"
                " && cd ox && zip -q -r ../plain.docx '[Content_Types].xml' word && echo v > word/vbaProject.bin"
                " && zip -q -r ../macro.docm '[Content_Types].xml' word%s", ""), 0);
    size_t len;
    uint8_t *p = slurp("plain.docx", &len);
    CHECK(p && kn_file_type_detect(p, len) == KN_FT_DOCX);
    free(p);
    p = slurp("macro.docm", &len);
    CHECK(p && kn_file_type_detect(p, len) == KN_FT_DOCM);
    free(p);
}

static void test_zipcrypto_password(void)
{
    uint8_t pe[300];
    make_pe(pe, sizeof pe);
    spit("invoice.exe", pe, sizeof pe);
    CHECK_EQ(sh("rm -f zc.zip && zip -q -P 'Xy7#pw' zc.zip invoice.exe%s", ""), 0);
    struct kn_mail *m = mail_with_file("いつもお世話になっております。\n添付ファイルのパスワード：Xy7#pw\nよろしくお願いします。",
                                       "Content-Type: application/zip; name=\"PO-0905.zip\"", "zc.zip");
    CHECK(m != NULL);
    if (!m)
        return;
    struct kn_attachment *a = &m->attachments[0];
    CHECK_EQ(a->type, KN_FT_ZIP);
    CHECK(a->is_archive);
    CHECK(a->encrypted);
    CHECK_EQ(a->encryption, KN_ENC_ZIPCRYPTO);
    CHECK_STR(a->password, "Xy7#pw");
    CHECK_EQ(a->n_members, 1);
    if (a->n_members == 1) {
        CHECK_STR(a->members[0].name, "invoice.exe");
        CHECK(a->members[0].stored_encrypted);
        CHECK_EQ(a->members[0].stored_encryption, KN_ENC_ZIPCRYPTO);
        CHECK_EQ(a->members[0].type, KN_FT_PE);
        CHECK_STR(a->members[0].sha256, first_word("sha256sum %s", "invoice.exe"));
    }
    kn_mail_free(m);

    /* no password in the text: names still listed, nothing opened */
    m = mail_with_file("Please open the attachment.", "Content-Type: application/zip; name=\"a.zip\"", "zc.zip");
    CHECK(m != NULL);
    if (!m)
        return;
    a = &m->attachments[0];
    CHECK(a->encrypted);
    CHECK(a->password == NULL);
    CHECK_EQ(a->n_members, 1);
    if (a->n_members == 1) {
        CHECK_STR(a->members[0].name, "invoice.exe");
        CHECK_EQ(a->members[0].type, KN_FT_UNKNOWN);
    }
    kn_mail_free(m);
}

static void test_aes_zip_and_7z(void)
{
    uint8_t pe[300];
    make_pe(pe, sizeof pe);
    spit("payload.exe", pe, sizeof pe);
    spit("readme.txt", "hello\n", 6);
    CHECK_EQ(sh("rm -f aes.zip s.7z && 7z a -bd -pK9pass -mem=AES256 aes.zip payload.exe readme.txt >/dev/null"
                " && 7z a -bd -pK9pass s.7z payload.exe >/dev/null%s", ""), 0);
    struct kn_mail *m = mail_with_file("Password: \"K9pass\"", "Content-Type: application/zip; name=\"doc.zip\"", "aes.zip");
    CHECK(m != NULL);
    if (!m)
        return;
    struct kn_attachment *a = &m->attachments[0];
    CHECK(a->encrypted);
    CHECK_EQ(a->encryption, KN_ENC_AES);
    CHECK_STR(a->password, "K9pass");
    CHECK_EQ(a->n_members, 2);
    if (a->n_members == 2) {
        CHECK_STR(a->members[0].name, "payload.exe");
        CHECK_EQ(a->members[0].stored_encryption, KN_ENC_AES);
        CHECK_EQ(a->members[0].type, KN_FT_PE);
        CHECK_STR(a->members[1].name, "readme.txt");
        CHECK_EQ(a->members[1].type, KN_FT_TEXT);
        CHECK_STR(a->members[1].md5, first_word("md5sum %s", "readme.txt"));
    }
    kn_mail_free(m);

    /* 7z: AES always; names readable (headers not encrypted) */
    m = mail_with_file("PW：K9pass", "Content-Type: application/octet-stream; name=\"s.7z\"", "s.7z");
    CHECK(m != NULL);
    if (!m)
        return;
    a = &m->attachments[0];
    CHECK_EQ(a->type, KN_FT_7Z);
    CHECK(a->encrypted);
    CHECK_EQ(a->encryption, KN_ENC_AES);
    CHECK(a->password == NULL); /* libarchive cannot decrypt 7z: never confirmed */
    CHECK_EQ(a->n_members, 1);
    if (a->n_members == 1) {
        CHECK_STR(a->members[0].name, "payload.exe");
        CHECK_EQ(a->members[0].type, KN_FT_UNKNOWN);
        CHECK(a->members[0].stored_encrypted);
    }
    kn_mail_free(m);
}

static void test_zip_bomb(void)
{
    /* 100 MiB of zeros in one member: over the 64 MiB member limit */
    CHECK_EQ(sh("rm -f bomb.zip outer.zip && head -c 104857600 /dev/zero > zeros.bin && zip -q -9 bomb.zip zeros.bin"
                " && rm zeros.bin && zip -q outer.zip bomb.zip%s", ""), 0);
    struct kn_mail *m = mail_with_file("x", "Content-Type: application/zip; name=\"outer.zip\"", "outer.zip");
    CHECK(m != NULL);
    if (!m)
        return;
    struct kn_attachment *a = &m->attachments[0];
    CHECK_EQ(a->n_members, 1);
    if (a->n_members == 1) {
        struct kn_attachment *inner = &a->members[0];
        CHECK_STR(inner->name, "bomb.zip");
        CHECK_EQ(inner->type, KN_FT_ZIP);
        CHECK_EQ(inner->n_members, 1);
        if (inner->n_members == 1) {
            CHECK_STR(inner->members[0].name, "zeros.bin");
            CHECK(inner->members[0].error != NULL);
            CHECK_STR(inner->members[0].md5, "");
        }
        CHECK(inner->error != NULL);
    }
    CHECK(m->n_warnings == 0 || m->warnings[0] != NULL);
    kn_mail_free(m);
}

static void test_nesting_limit(void)
{
    /* a.txt in z1.zip in z2.zip ... in z6.zip: levels beyond the limit stay closed */
    CHECK_EQ(sh("echo deep > a.txt && zip -q z1.zip a.txt && for i in 2 3 4 5 6; do zip -q z$i.zip z$((i-1)).zip; done%s", ""), 0);
    struct kn_mail *m = mail_with_file("x", "Content-Type: application/zip; name=\"z6.zip\"", "z6.zip");
    CHECK(m != NULL);
    if (!m)
        return;
    struct kn_attachment *a = &m->attachments[0];
    int depth = 0;
    while (a->n_members == 1 && a->members[0].type == KN_FT_ZIP) {
        a = &a->members[0];
        depth++;
    }
    /* top is depth 0; members at depth 1..4 are opened, the one at depth 4 is not */
    CHECK_EQ(depth, KN_ARC_MAX_DEPTH);
    CHECK(a->error != NULL && strstr(a->error, "deep") != NULL);
    CHECK_EQ(a->n_members, 0);
    kn_mail_free(m);
}

static void test_gzip_name(void)
{
    CHECK_EQ(sh("printf 'Set o = CreateObject(\"WScript.Shell\")\\nDim x\\n' > run.vbs && rm -f run.vbs.gz && gzip -N -k run.vbs%s", ""), 0);
    struct kn_mail *m = mail_with_file("x", "Content-Type: application/gzip; name=\"run.vbs.gz\"", "run.vbs.gz");
    CHECK(m != NULL);
    if (!m)
        return;
    struct kn_attachment *a = &m->attachments[0];
    CHECK_EQ(a->type, KN_FT_GZIP);
    CHECK_EQ(a->n_members, 1);
    if (a->n_members == 1) {
        CHECK_STR(a->members[0].name, "run.vbs");
        CHECK_EQ(a->members[0].type, KN_FT_VBS);
    }
    kn_mail_free(m);
}

static void test_rfc2231_names(void)
{
    const uint8_t data[] = "hello";
    /* 見積書.zip split over two encoded continuations, the split inside 積 (E7 A9 8D) */
    struct kn_mail *m = mail_with("x",
                                  "Content-Type: application/octet-stream\n"
                                  "Content-Disposition: attachment;\n filename*0*=UTF-8''%E8%A6%8B%E7%A9;\n"
                                  " filename*1*=%8D%E6%9B%B8.zip",
                                  data, 5);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n_attachments, 1);
    CHECK_STR(m->attachments[0].name, "見積書.zip");
    kn_mail_free(m);
    char *v = kn_mime_param("attachment; filename=\"=?UTF-8?B?6KuL5rGC5pu4?=.pdf\"", "filename");
    CHECK_STR(v, "請求書.pdf");
    free(v);
    v = kn_mime_param("application/pdf; name*=iso-8859-1'en'caf%E9.pdf", "name");
    CHECK_STR(v, "café.pdf");
    free(v);
    v = kn_mime_param("attachment; filename*0=\"long\"; filename*1=\"name.txt\"", "filename");
    CHECK_STR(v, "longname.txt");
    free(v);
}

static void test_password_candidates(void)
{
    char *out[16];
    const char *text = "お世話になっております。\n"
                       "パスワードは「Abc123」です。\n"
                       "PW：xyz789\n"
                       "password = hunter22\n"
                       "【解凍パスワード】\n  Qw3rty!\n"
                       "暗証番号：ｋ１２３４\n"
                       "Reset your password now\n";
    size_t n = kn_password_candidates(text, out, 16);
    const char *want[] = {"Abc123", "xyz789", "hunter22", "Qw3rty!", "ｋ１２３４", "k1234"};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= !strcmp(out[i], want[k]);
        if (!found)
            printf("# missing candidate %s\n", want[k]);
        CHECK(found);
    }
    for (size_t i = 0; i < n; i++) {
        CHECK(strcmp(out[i], "now") != 0);
        free(out[i]);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        SKIP(all, "cannot make a temporary directory");
        return 0;
    }
    bool have_tools = system("command -v zip >/dev/null && command -v 7z >/dev/null") == 0;
    RUN(test_hashes_and_lies);
    RUN(test_types);
    RUN(test_ssdeep_cache);
    RUN(test_rfc2231_names);
    RUN(test_password_candidates);
    if (have_tools) {
        RUN(test_ooxml);
        RUN(test_zipcrypto_password);
        RUN(test_aes_zip_and_7z);
        RUN(test_zip_bomb);
        RUN(test_nesting_limit);
        RUN(test_gzip_name);
    } else {
        SKIP(test_archives, "zip or 7z not installed");
    }
    sh("cd / && rm -rf %s", tmpdir);
    TEST_MAIN_END();
}
