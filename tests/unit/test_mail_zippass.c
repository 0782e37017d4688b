/* Zip password pre-checks (src/mail/zippass.c): the single PBKDF2 block
 * against RFC 6070's vectors and OpenSSL's PKCS5_PBKDF2_HMAC; WinZip AES
 * local headers built by hand with the verifier from OpenSSL (correct,
 * wrong, truncated, malformed); ZipCrypto and AES zips made by the real
 * zip and 7z tools, where every wrong password must be rejected exactly
 * when libarchive itself rejects it at the header check (never a password
 * libarchive would accept); and a mail whose first candidate passes the
 * ZipCrypto check byte by chance but is wrong. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mail/test_fixtures.h"
#include "mail/internal.h"
#include "mail/mail.h"

static char tmpdir[] = "/tmp/kn_mail_zippass_XXXXXX";

static int sh(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd %s && %s", tmpdir, cmd);
    return system(full);
}

static uint8_t *slurp(const char *name, size_t *len)
{
    return fixture_slurp(tmpdir, name, len);
}

static void hexof(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void test_pbkdf2_block(void)
{
    uint8_t b[20];
    char h[41];
    /* RFC 6070 test vectors (PBKDF2-HMAC-SHA1) */
    kn_pbkdf2_sha1_block((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 1, 1, b);
    hexof(b, 20, h);
    CHECK_STR(h, "0c60c80f961f0e71f3a9b524af6012062fe037a6");
    kn_pbkdf2_sha1_block((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 2, 1, b);
    hexof(b, 20, h);
    CHECK_STR(h, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    kn_pbkdf2_sha1_block((const uint8_t *)"password", 8, (const uint8_t *)"salt", 4, 4096, 1, b);
    hexof(b, 20, h);
    CHECK_STR(h, "4b007901b765489abead49d926f721d065a429c1");
    /* dkLen 25: the second block starts 4cf2f07038 */
    const char *pw = "passwordPASSWORDpassword", *salt = "saltSALTsaltSALTsaltSALTsaltSALTsalt";
    kn_pbkdf2_sha1_block((const uint8_t *)pw, strlen(pw), (const uint8_t *)salt, strlen(salt), 4096, 2, b);
    hexof(b, 5, h);
    CHECK_STR(h, "4cf2f07038");

    /* blocks 1-4 against OpenSSL's whole derivation, also for a password
     * longer than the HMAC block (hashed first) and a long salt */
    char longpw[100];
    memset(longpw, 'k', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = 0;
    uint8_t longsalt[70];
    for (size_t i = 0; i < sizeof longsalt; i++)
        longsalt[i] = (uint8_t)(i * 37);
    const char *pws[] = {"K9pass", "パスワード", longpw, ""};
    for (size_t k = 0; k < sizeof pws / sizeof pws[0]; k++) {
        uint8_t whole[80];
        size_t sl = k == 2 ? sizeof longsalt : 16;
        CHECK_EQ(PKCS5_PBKDF2_HMAC(pws[k], (int)strlen(pws[k]), longsalt, (int)sl, 1000, EVP_sha1(), 80, whole), 1);
        for (uint32_t blk = 1; blk <= 4; blk++) {
            kn_pbkdf2_sha1_block((const uint8_t *)pws[k], strlen(pws[k]), longsalt, sl, 1000, blk, b);
            CHECK(memcmp(b, whole + 20 * (blk - 1), 20) == 0);
        }
    }
}

/* A WinZip AES local header by hand: strength 1-3 (AES-128/192/256),
 * salt, and the verifier OpenSSL derives for pw. Returns its length. */
static size_t aes_local(uint8_t *z, int strength, const char *pw)
{
    static const uint8_t head[30] = {'P', 'K', 3, 4, 51, 0, 1, 0, 99, 0, 0, 0, 0x21, 0x52, 0, 0, 0, 0,
                                     40, 0, 0, 0, 5, 0, 0, 0, 5, 0, 11, 0};
    memcpy(z, head, 30);
    memcpy(z + 30, "a.txt", 5);
    const uint8_t extra[11] = {0x01, 0x99, 7, 0, 2, 0, 'A', 'E', (uint8_t)strength, 8, 0};
    memcpy(z + 35, extra, 11);
    size_t kl = 8 + 8 * (size_t)strength, sl = kl / 2;
    uint8_t *salt = z + 46;
    for (size_t i = 0; i < sl; i++)
        salt[i] = (uint8_t)(0xA0 + i * 3);
    uint8_t dk[66];
    PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, (int)sl, 1000, EVP_sha1(), (int)(2 * kl + 2), dk);
    z[46 + sl] = dk[2 * kl];
    z[46 + sl + 1] = dk[2 * kl + 1];
    memset(z + 46 + sl + 2, 0x5A, 20); /* "encrypted data" and the 10-byte authentication code */
    return 46 + sl + 2 + 20;
}

static void test_aes_hand_built(void)
{
    uint8_t z[128];
    for (int strength = 1; strength <= 3; strength++) {
        size_t len = aes_local(z, strength, "Secret-1");
        CHECK_EQ(kn_zip_password_check(z, len, 0, "Secret-1"), 1);
        /* wrong passwords: rejected unless OpenSSL derives the same verifier */
        const char *wrong[] = {"secret-1", "Secret-2", "Secret-1 ", "", "2021-8834", "xsbkpekejfct"};
        size_t kl = 8 + 8 * (size_t)strength, sl = kl / 2;
        for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
            uint8_t dk[66];
            PKCS5_PBKDF2_HMAC(wrong[w], (int)strlen(wrong[w]), z + 46, (int)sl, 1000, EVP_sha1(), (int)(2 * kl + 2), dk);
            int expect = dk[2 * kl] == z[46 + sl] && dk[2 * kl + 1] == z[46 + sl + 1];
            CHECK_EQ(kn_zip_password_check(z, len, 0, wrong[w]), expect);
        }
        /* truncated: the verifier, the salt, the extra field, the header cut off */
        CHECK_EQ(kn_zip_password_check(z, 46 + sl + 1, 0, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, 46 + 3, 0, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, 40, 0, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, 29, 0, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, 0, 0, "Secret-1"), -1);
        /* offsets outside the data, or not at a local header */
        CHECK_EQ(kn_zip_password_check(z, len, len, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, len, len + 1, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, len, UINT64_MAX, "Secret-1"), -1);
        CHECK_EQ(kn_zip_password_check(z, len, 1, "Secret-1"), -1);
    }
    size_t len = aes_local(z, 3, "Secret-1");
    /* malformed: an extra field longer than the header says, a bad strength,
     * no "AE", no encryption flag */
    z[28] = 200;
    CHECK_EQ(kn_zip_password_check(z, len, 0, "Secret-1"), -1);
    z[28] = 11;
    z[43] = 4;
    CHECK_EQ(kn_zip_password_check(z, len, 0, "Secret-1"), -1);
    z[43] = 3;
    z[41] = 'X';
    CHECK_EQ(kn_zip_password_check(z, len, 0, "Secret-1"), -1);
    z[41] = 'A';
    z[6] = 0;
    CHECK_EQ(kn_zip_password_check(z, len, 0, "Secret-1"), -1);
    z[6] = 1;
    CHECK_EQ(kn_zip_password_check(z, len, 0, "Secret-1"), 1);
    CHECK_EQ(kn_zip_password_check(NULL, 0, 0, "Secret-1"), -1);
}

/* libarchive's verdict on pw for the first encrypted member: 0 when it
 * rejects the password at the header check ("Incorrect passphrase"),
 * 1 otherwise (accepted, or rejected later while unpacking). */
static int libarchive_header_accepts(const uint8_t *p, size_t len, const char *pw)
{
    struct archive *ar = archive_read_new();
    archive_read_support_format_zip(ar);
    archive_read_add_passphrase(ar, pw);
    archive_read_open_memory(ar, p, len);
    struct archive_entry *e;
    int verdict = -1;
    while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
        if (!archive_entry_is_encrypted(e))
            continue;
        char buf[4096];
        la_ssize_t r = archive_read_data(ar, buf, sizeof buf);
        const char *why = archive_error_string(ar);
        verdict = !(r < 0 && why && strstr(why, "Incorrect passphrase"));
        break;
    }
    archive_read_free(ar);
    return verdict;
}

static long first_encrypted_off(const uint8_t *p, size_t len, uint64_t *off)
{
    struct kn_zip_member *zm = NULL;
    long n = kn_zip_members(p, len, &zm, 100);
    long found = -1;
    for (long i = 0; i < n; i++)
        if (zm[i].enc != KN_ENC_NONE) {
            *off = zm[i].local_off;
            found = i;
            break;
        }
    kn_zip_members_free(zm, n > 0 ? (size_t)n : 0);
    return found;
}

/* Every wrong password in a run of 300: our check and libarchive agree. */
static void agree_with_libarchive(const uint8_t *p, size_t len, uint64_t off, int *passed)
{
    *passed = 0;
    for (int i = 0; i < 300; i++) {
        char pw[16];
        snprintf(pw, sizeof pw, "w%d", i);
        int ours = kn_zip_password_check(p, len, off, pw);
        int theirs = libarchive_header_accepts(p, len, pw);
        CHECK_EQ(ours, theirs);
        *passed += ours == 1;
    }
}

static void test_real_tools(void)
{
    uint8_t blob[3000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 131 + (i >> 5));
    char path[512];
    snprintf(path, sizeof path, "%s/blob.bin", tmpdir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(blob, 1, sizeof blob, f);
        fclose(f);
    }
    CHECK_EQ(sh("echo plain > plain.txt && rm -f zc.zip aes.zip && zip -q -P 'Zc-pass1' zc.zip plain.txt blob.bin"
                " && 7z a -bd -pAes-pass1 -mem=AES256 aes.zip blob.bin >/dev/null"),
             0);
    size_t len;
    uint8_t *zc = slurp("zc.zip", &len);
    CHECK(zc != NULL);
    uint64_t off = 0;
    int passed = 0;
    if (zc) {
        CHECK(first_encrypted_off(zc, len, &off) >= 0);
        CHECK_EQ(kn_zip_password_check(zc, len, off, "Zc-pass1"), 1);
        CHECK_EQ(libarchive_header_accepts(zc, len, "Zc-pass1"), 1);
        agree_with_libarchive(zc, len, off, &passed);
        CHECK(passed < 15); /* about 1 in 256 passes the check byte */
        /* truncated inside the 12-byte encryption header */
        size_t nl = (size_t)(zc[off + 26] | zc[off + 27] << 8), el = (size_t)(zc[off + 28] | zc[off + 29] << 8);
        CHECK_EQ(kn_zip_password_check(zc, (size_t)off + 30 + nl + el + 11, off, "Zc-pass1"), -1);
        CHECK_EQ(kn_zip_password_check(zc, (size_t)off + 30 + nl + el + 12, off, "Zc-pass1"), 1);
        /* a self-extractor stub in front: local offsets shift with it */
        uint8_t *sfx = malloc(len + 700);
        memset(sfx, 'M', 700);
        memcpy(sfx + 700, zc, len);
        uint64_t off2 = 0;
        CHECK(first_encrypted_off(sfx, len + 700, &off2) >= 0);
        CHECK_EQ(off2, off + 700);
        CHECK_EQ(kn_zip_password_check(sfx, len + 700, off2, "Zc-pass1"), 1);
        free(sfx);
        free(zc);
    }
    uint8_t *aes = slurp("aes.zip", &len);
    CHECK(aes != NULL);
    if (aes) {
        CHECK(first_encrypted_off(aes, len, &off) >= 0);
        CHECK_EQ(kn_zip_password_check(aes, len, off, "Aes-pass1"), 1);
        agree_with_libarchive(aes, len, off, &passed);
        CHECK_EQ(passed, 0); /* 1 in 65,536: none of 300 */
        free(aes);
    }
}

/* A mail with body text and n zip attachments (x0.zip, x1.zip, ...). */
static void mail_with_zips(struct kn_buf *b, const char *text, const uint8_t *const *zips, const size_t *lens, size_t n)
{
    kn_buf_adds(b, "From: a@b.example\nTo: c@d.example\nSubject: t\nMIME-Version: 1.0\n"
                   "Content-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\nContent-Type: text/plain\n\n");
    kn_buf_adds(b, text);
    for (size_t i = 0; i < n; i++) {
        char head[128];
        snprintf(head, sizeof head, "\n--ZZ\nContent-Type: application/zip; name=\"x%zu.zip\"\n", i);
        kn_buf_adds(b, head);
        kn_buf_adds(b, "Content-Transfer-Encoding: base64\n\n");
        fixture_b64(b, zips[i], lens[i]);
    }
    kn_buf_adds(b, "--ZZ--\n");
}

/* The first candidate passes the ZipCrypto check byte but is wrong: the
 * listing with it fails, the first listing is put back, and the second
 * candidate opens the zip. */
static void test_lucky_wrong_candidate(void)
{
    CHECK_EQ(sh("printf 'MZ-not-really' > run.exe && rm -f lucky.zip && zip -q -P 'Right-pw9' lucky.zip run.exe"), 0);
    size_t len;
    uint8_t *z = slurp("lucky.zip", &len);
    CHECK(z != NULL);
    if (!z)
        return;
    uint64_t off = 0;
    CHECK(first_encrypted_off(z, len, &off) >= 0);
    char lucky[32] = "";
    for (int i = 0; i < 20000 && !*lucky; i++) {
        char pw[32];
        snprintf(pw, sizeof pw, "Lucky%d", i);
        if (kn_zip_password_check(z, len, off, pw) == 1 && strcmp(pw, "Right-pw9"))
            memcpy(lucky, pw, sizeof pw);
    }
    CHECK(*lucky);
    char text[128];
    snprintf(text, sizeof text, "password: %s\npassword: Right-pw9\n", lucky);
    const uint8_t *zips[] = {z};
    size_t lens[] = {len};
    struct kn_buf b = {0};
    mail_with_zips(&b, text, zips, lens, 1);
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    CHECK_EQ(kn_mail_parse((const uint8_t *)b.data, b.len, &m, &err), 0);
    if (m && m->n_attachments == 1) {
        struct kn_attachment *a = &m->attachments[0];
        CHECK_STR(a->password, "Right-pw9");
        CHECK(a->encrypted);
        CHECK_EQ(a->encryption, KN_ENC_ZIPCRYPTO);
        CHECK_EQ(a->n_members, 1);
        if (a->n_members == 1) {
            CHECK_STR(a->members[0].name, "run.exe");
            CHECK_EQ(a->members[0].size, 13);
            CHECK(a->members[0].error == NULL);
            CHECK_EQ(a->members[0].type, KN_FT_BINARY); /* "MZ" without a PE header */
        }
        CHECK(a->error == NULL);
    } else {
        CHECK(0);
    }
    kn_mail_free(m);
    free(b.data);
    free(z);
}

/* Two archives with different passwords: the first opens with the second
 * candidate, which is then tried first on the next archive — and fails
 * there, so the first candidate must still be tried. */
static void test_two_archives_two_passwords(void)
{
    CHECK_EQ(sh("printf 'one\\n' > one.txt && printf 'two\\n' > two.txt && rm -f p1.zip p2.zip"
                " && zip -q -P 'Pw-two' p1.zip one.txt && 7z a -bd -pPw-one -mem=AES256 p2.zip two.txt >/dev/null"),
             0);
    size_t l1, l2;
    uint8_t *z1 = slurp("p1.zip", &l1), *z2 = slurp("p2.zip", &l2);
    CHECK(z1 && z2);
    if (!z1 || !z2) {
        free(z1);
        free(z2);
        return;
    }
    const uint8_t *zips[] = {z1, z2};
    size_t lens[] = {l1, l2};
    struct kn_buf b = {0};
    mail_with_zips(&b, "パスワード: Pw-one\nパスワード: Pw-two\n", zips, lens, 2);
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    CHECK_EQ(kn_mail_parse((const uint8_t *)b.data, b.len, &m, &err), 0);
    CHECK(m && m->n_attachments == 2);
    if (m && m->n_attachments == 2) {
        CHECK_STR(m->attachments[0].password, "Pw-two");
        CHECK_EQ(m->attachments[0].encryption, KN_ENC_ZIPCRYPTO);
        CHECK_STR(m->attachments[1].password, "Pw-one");
        CHECK_EQ(m->attachments[1].encryption, KN_ENC_AES);
        CHECK_EQ(m->attachments[1].n_members, 1);
        if (m->attachments[1].n_members == 1)
            CHECK_EQ(m->attachments[1].members[0].type, KN_FT_TEXT);
    }
    kn_mail_free(m);
    free(b.data);
    free(z1);
    free(z2);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        SKIP(all, "cannot make a temporary directory");
        return 0;
    }
    RUN(test_pbkdf2_block);
    RUN(test_aes_hand_built);
    if (system("command -v zip >/dev/null && command -v 7z >/dev/null") == 0) {
        RUN(test_real_tools);
        RUN(test_lucky_wrong_candidate);
        RUN(test_two_archives_two_passwords);
    } else {
        SKIP(test_real_tools, "zip or 7z not installed");
    }
    char rm[600];
    snprintf(rm, sizeof rm, "rm -rf '%s'", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    TEST_MAIN_END();
}
