/* File types from content: own checks for what targeted mail carries
 * (Office macro formats, LNK, ISO/IMG, PE, scripts, HTML) and libmagic for
 * the rest. Also the extension table behind name_lies (docs/mail-parsing.md). */
#include <ctype.h>
#include <magic.h>
#include <string.h>
#include <strings.h>

#include "mail/internal.h"

static const char *const type_names[KN_FT__COUNT] = {
    [KN_FT_UNKNOWN] = "unknown", [KN_FT_TEXT] = "text", [KN_FT_HTML] = "html", [KN_FT_PDF] = "pdf",
    [KN_FT_ZIP] = "zip", [KN_FT_RAR] = "rar", [KN_FT_7Z] = "7z", [KN_FT_GZIP] = "gzip",
    [KN_FT_DOC] = "doc", [KN_FT_XLS] = "xls", [KN_FT_DOCX] = "docx", [KN_FT_XLSX] = "xlsx",
    [KN_FT_PPTX] = "pptx", [KN_FT_DOCM] = "docm", [KN_FT_XLSM] = "xlsm", [KN_FT_PE] = "pe",
    [KN_FT_LNK] = "lnk", [KN_FT_ISO] = "iso", [KN_FT_JS] = "js", [KN_FT_VBS] = "vbs",
    [KN_FT_HTA] = "hta", [KN_FT_RTF] = "rtf", [KN_FT_IMAGE] = "image", [KN_FT_OLE_OTHER] = "ole",
    [KN_FT_EML] = "eml", [KN_FT_ONENOTE] = "onenote", [KN_FT_CAB] = "cab",
    [KN_FT_SCRIPT_OTHER] = "script", [KN_FT_ELF] = "elf", [KN_FT_BINARY] = "binary",
    [KN_FT_PPTM] = "pptm",
};

const char *kn_file_type_name(enum kn_file_type t)
{
    if ((int)t < 0 || t >= KN_FT__COUNT || !type_names[t])
        return "unknown";
    return type_names[t];
}

static bool has(const uint8_t *p, size_t len, const void *needle, size_t nl)
{
    return memmem(p, len, needle, nl) != NULL;
}

static enum kn_file_type ooxml_or_zip(const uint8_t *p, size_t len)
{
    struct kn_zip_member *m = NULL;
    long n = kn_zip_members(p, len, &m, 4096);
    bool ct = false, word = false, xl = false, ppt = false, vba = false;
    for (long i = 0; i < n; i++) {
        const char *nm = m[i].name;
        if (!strcmp(nm, "[Content_Types].xml")) ct = true;
        if (!strncmp(nm, "word/", 5)) word = true;
        if (!strncmp(nm, "xl/", 3)) xl = true;
        if (!strncmp(nm, "ppt/", 4)) ppt = true;
        const char *base = strrchr(nm, '/');
        if (!strcasecmp(base ? base + 1 : nm, "vbaProject.bin")) vba = true;
    }
    kn_zip_members_free(m, n > 0 ? (size_t)n : 0);
    if (!ct)
        return KN_FT_ZIP;
    if (word) return vba ? KN_FT_DOCM : KN_FT_DOCX;
    if (xl) return vba ? KN_FT_XLSM : KN_FT_XLSX;
    if (ppt) return vba ? KN_FT_PPTM : KN_FT_PPTX;
    return KN_FT_ZIP;
}

/* OLE2 compound file: the directory holds stream names in UTF-16LE. */
static bool utf16_name(const uint8_t *p, size_t len, const char *name)
{
    uint8_t w[64];
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
        w[2 * i] = (uint8_t)name[i];
        w[2 * i + 1] = 0;
    }
    return has(p, len, w, 2 * n);
}

/* One libmagic cookie per thread (libmagic is not thread-safe), loaded
 * once and kept for the thread's life. */
static _Thread_local magic_t magic_cookie;
static _Thread_local bool magic_failed;

static const char *magic_text(const uint8_t *p, size_t len)
{
    if (!magic_cookie && !magic_failed) {
        magic_cookie = magic_open(MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_ERROR);
        if (!magic_cookie || magic_load(magic_cookie, NULL) != 0) {
            if (magic_cookie)
                magic_close(magic_cookie);
            magic_cookie = NULL;
            magic_failed = true;
        }
    }
    if (!magic_cookie)
        return NULL;
    return magic_buffer(magic_cookie, p, len > (1u << 20) ? (1u << 20) : len);
}

static enum kn_file_type ole2(const uint8_t *p, size_t len)
{
    if (utf16_name(p, len, "WordDocument")) return KN_FT_DOC;
    if (utf16_name(p, len, "Workbook") || utf16_name(p, len, "Book")) return KN_FT_XLS;
    const char *m = magic_text(p, len);
    if (m && strstr(m, "Microsoft Word")) return KN_FT_DOC;
    if (m && strstr(m, "Microsoft Excel")) return KN_FT_XLS;
    return KN_FT_OLE_OTHER;
}

static bool looks_eml(const uint8_t *p, size_t len)
{
    static const char *const names[] = {"received:", "from:", "return-path:", "message-id:",
                                        "mime-version:", "delivered-to:", "date:", "subject:",
                                        "to:", "x-"};
    int found = 0;
    size_t i = 0;
    for (int line = 0; line < 8 && i < len; line++) {
        bool hit = false;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            size_t l = strlen(names[k]);
            if (len - i >= l && !strncasecmp((const char *)p + i, names[k], l))
                hit = true;
        }
        found += hit;
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - p) + 1;
    }
    return found >= 3;
}

/* Text: no NULs and few control bytes in the first 4 KiB. */
static bool textual(const uint8_t *p, size_t len)
{
    size_t n = len < 4096 ? len : 4096, bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0)
            return false;
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != 0x1B && p[i] != 0x0C)
            bad++;
    }
    return bad * 50 < n + 1;
}

static enum kn_file_type script_or_text(const uint8_t *p, size_t len)
{
    size_t n = len < 8192 ? len : 8192;
    char low[8193];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower(p[i]);
    low[n] = 0;
    const char *s = low;
    if (!strncmp(s, "\xef\xbb\xbf", 3))
        s += 3;
    while (isspace((unsigned char)*s))
        s++;
    if (strstr(s, "<hta:application")) return KN_FT_HTA;
    if (!strncmp(s, "<!doctype html", 14) || !strncmp(s, "<html", 5) || strstr(s, "<html") ||
        strstr(s, "<body") || strstr(s, "<script") || strstr(s, "<iframe") || !strncmp(s, "<head", 5))
        return KN_FT_HTML;
    if (!strncmp(s, "#@~^", 4)) return KN_FT_SCRIPT_OTHER; /* encoded JScript/VBScript */
    if (!strncmp(s, "#!", 2) || !strncmp(s, "@echo off", 9) || strstr(s, "powershell") ||
        strstr(s, "invoke-expression") || strstr(s, "-encodedcommand"))
        return KN_FT_SCRIPT_OTHER;
    int vbs = 0, js = 0;
    static const char *const vbs_marks[] = {"createobject(", "wscript.", "dim ", "end sub", "end function",
                                            "on error resume next", "msgbox ", "set ", "execute(", "chr("};
    static const char *const js_marks[] = {"function(", "function ", "var ", "new activexobject(", "eval(",
                                           "=>", "let ", "const ", "fromcharcode", "wscript.shell"};
    for (size_t i = 0; i < sizeof vbs_marks / sizeof vbs_marks[0]; i++)
        vbs += strstr(s, vbs_marks[i]) != NULL;
    for (size_t i = 0; i < sizeof js_marks / sizeof js_marks[0]; i++)
        js += strstr(s, js_marks[i]) != NULL;
    bool code_punct = strchr(s, ';') && strchr(s, '(') && (strchr(s, '{') || strchr(s, '='));
    if (vbs >= 2 && vbs > js) return KN_FT_VBS;
    if (js >= 2 && code_punct) return KN_FT_JS;
    return KN_FT_TEXT;
}

static enum kn_file_type from_magic(const uint8_t *p, size_t len)
{
    const char *m = magic_text(p, len);
    if (!m) return KN_FT_BINARY;
    static const struct { const char *needle; enum kn_file_type t; } map[] = {
        {"PDF document", KN_FT_PDF}, {"Microsoft Word", KN_FT_DOC}, {"Microsoft Excel", KN_FT_XLS},
        {"Composite Document File", KN_FT_OLE_OTHER}, {"image data", KN_FT_IMAGE},
        {"ISO 9660", KN_FT_ISO}, {"UDF filesystem", KN_FT_ISO}, {"DOS/MBR boot sector", KN_FT_ISO},
        {"PE32", KN_FT_PE}, {"MS-DOS executable", KN_FT_PE}, {"ELF", KN_FT_ELF},
        {"Zip archive", KN_FT_ZIP}, {"RAR archive", KN_FT_RAR}, {"7-zip archive", KN_FT_7Z},
        {"gzip compressed", KN_FT_GZIP}, {"Microsoft Cabinet", KN_FT_CAB}, {"HTML document", KN_FT_HTML},
        {"Rich Text Format", KN_FT_RTF}, {"MS Windows shortcut", KN_FT_LNK}, {"JPEG", KN_FT_IMAGE},
        {"PNG", KN_FT_IMAGE}, {"GIF", KN_FT_IMAGE}, {"RFC 822 mail", KN_FT_EML}, {"text", KN_FT_TEXT},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strstr(m, map[i].needle))
            return map[i].t;
    return KN_FT_BINARY;
}

enum kn_file_type kn_file_type_detect(const uint8_t *p, size_t len)
{
    if (!p || len == 0)
        return KN_FT_UNKNOWN;
#define STARTS(lit) (len >= sizeof(lit) - 1 && !memcmp(p, lit, sizeof(lit) - 1))
    if (STARTS("MZ")) {
        if (len >= 0x40) {
            uint32_t off = (uint32_t)p[0x3C] | (uint32_t)p[0x3D] << 8 | (uint32_t)p[0x3E] << 16 | (uint32_t)p[0x3F] << 24;
            if (off <= len - 4 && !memcmp(p + off, "PE\0\0", 4))
                return KN_FT_PE;
        }
        return KN_FT_BINARY; /* DOS stub without a PE header */
    }
    if (STARTS("\x7F" "ELF")) return KN_FT_ELF;
    if (STARTS("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46"))
        return KN_FT_LNK;
    if (STARTS("PK\x03\x04") || STARTS("PK\x05\x06") || STARTS("PK\x07\x08")) return ooxml_or_zip(p, len);
    if (STARTS("Rar!\x1A\x07")) return KN_FT_RAR;
    if (STARTS("7z\xBC\xAF\x27\x1C")) return KN_FT_7Z;
    if (STARTS("\x1F\x8B")) return KN_FT_GZIP;
    if (STARTS("MSCF\0\0\0\0")) return KN_FT_CAB;
    if (STARTS("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return ole2(p, len);
    if (STARTS("{\\rt")) return KN_FT_RTF;
    if (STARTS("\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3")) return KN_FT_ONENOTE;
    if (STARTS("\x89PNG") || STARTS("\xFF\xD8\xFF") || STARTS("GIF87a") || STARTS("GIF89a") ||
        STARTS("II*\0") || STARTS("MM\0*") || (STARTS("RIFF") && len >= 12 && !memcmp(p + 8, "WEBP", 4)))
        return KN_FT_IMAGE;
    if (len > 0x8006 && !memcmp(p + 0x8001, "CD001", 5)) return KN_FT_ISO;
    if (len > 0x8006 && (!memcmp(p + 0x8001, "BEA01", 5) || !memcmp(p + 0x8001, "NSR0", 4))) return KN_FT_ISO;
    if (len >= 512 && p[510] == 0x55 && p[511] == 0xAA &&
        ((len > 0x3A && !memcmp(p + 0x36, "FAT", 3)) || (len > 0x56 && !memcmp(p + 0x52, "FAT32", 5))))
        return KN_FT_ISO; /* FAT floppy/disk image (.img) */
    if (has(p, len < 1024 ? len : 1024, "%PDF-", 5)) return KN_FT_PDF;
#undef STARTS
    if (textual(p, len)) {
        if (looks_eml(p, len))
            return KN_FT_EML;
        return script_or_text(p, len);
    }
    return from_magic(p, len);
}

/* Extension -> the content types it may honestly hold. */
static const struct {
    const char *ext;
    enum kn_file_type ok[4];
} ext_map[] = {
    {"pdf", {KN_FT_PDF}}, {"zip", {KN_FT_ZIP}}, {"jar", {KN_FT_ZIP}}, {"rar", {KN_FT_RAR}},
    {"7z", {KN_FT_7Z}}, {"gz", {KN_FT_GZIP}}, {"tgz", {KN_FT_GZIP}}, {"cab", {KN_FT_CAB}},
    {"doc", {KN_FT_DOC}}, {"dot", {KN_FT_DOC}}, {"xls", {KN_FT_XLS}}, {"xlt", {KN_FT_XLS}},
    {"docx", {KN_FT_DOCX}}, {"dotx", {KN_FT_DOCX}}, {"docm", {KN_FT_DOCM}}, {"dotm", {KN_FT_DOCM}},
    {"xlsx", {KN_FT_XLSX}}, {"xltx", {KN_FT_XLSX}}, {"xlsm", {KN_FT_XLSM}}, {"xltm", {KN_FT_XLSM}},
    {"xlam", {KN_FT_XLSM}}, {"pptx", {KN_FT_PPTX}}, {"pptm", {KN_FT_PPTM}},
    {"ppt", {KN_FT_OLE_OTHER}}, {"pps", {KN_FT_OLE_OTHER}}, {"msi", {KN_FT_OLE_OTHER}},
    {"msg", {KN_FT_OLE_OTHER}},
    {"exe", {KN_FT_PE}}, {"dll", {KN_FT_PE}}, {"scr", {KN_FT_PE}}, {"cpl", {KN_FT_PE}},
    {"sys", {KN_FT_PE}}, {"ocx", {KN_FT_PE}}, {"com", {KN_FT_PE, KN_FT_BINARY}},
    {"lnk", {KN_FT_LNK}}, {"iso", {KN_FT_ISO}}, {"img", {KN_FT_ISO}},
    {"js", {KN_FT_JS, KN_FT_TEXT}}, {"jse", {KN_FT_SCRIPT_OTHER, KN_FT_JS}},
    {"vbs", {KN_FT_VBS, KN_FT_TEXT}}, {"vbe", {KN_FT_SCRIPT_OTHER, KN_FT_VBS}},
    {"hta", {KN_FT_HTA, KN_FT_HTML}}, {"htm", {KN_FT_HTML, KN_FT_HTA}}, {"html", {KN_FT_HTML, KN_FT_HTA}},
    {"rtf", {KN_FT_RTF}}, {"jpg", {KN_FT_IMAGE}}, {"jpeg", {KN_FT_IMAGE}}, {"png", {KN_FT_IMAGE}},
    {"gif", {KN_FT_IMAGE}}, {"bmp", {KN_FT_IMAGE}}, {"tif", {KN_FT_IMAGE}}, {"tiff", {KN_FT_IMAGE}},
    {"webp", {KN_FT_IMAGE}}, {"txt", {KN_FT_TEXT}}, {"csv", {KN_FT_TEXT}}, {"eml", {KN_FT_EML, KN_FT_TEXT}},
    {"one", {KN_FT_ONENOTE}}, {"ps1", {KN_FT_SCRIPT_OTHER, KN_FT_TEXT}},
    {"bat", {KN_FT_SCRIPT_OTHER, KN_FT_TEXT}}, {"cmd", {KN_FT_SCRIPT_OTHER, KN_FT_TEXT}},
    {"wsf", {KN_FT_SCRIPT_OTHER, KN_FT_JS, KN_FT_VBS, KN_FT_TEXT}},
};

bool kn_file_name_lies(const char *name, enum kn_file_type t)
{
    if (!name || t == KN_FT_UNKNOWN)
        return false;
    const char *dot = strrchr(name, '.');
    if (!dot || !dot[1])
        return false;
    for (size_t i = 0; i < sizeof ext_map / sizeof ext_map[0]; i++) {
        if (strcasecmp(dot + 1, ext_map[i].ext))
            continue;
        for (size_t k = 0; k < 4 && ext_map[i].ok[k]; k++)
            if (ext_map[i].ok[k] == t)
                return false;
        return true;
    }
    return false; /* an extension we make no claim about */
}
