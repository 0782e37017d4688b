/* The targeted-mail generator (gen.h): scenarios, headers, forgeries, and
 * the ground truth. Every verdict in the truth follows from what a scenario
 * chose to build — a campaign's recipient count, the forgery kind, the
 * recipient drawn from the published or the unpublished pool, the archive
 * tool and member types — never from kenchi's analysis. */
#include "mail/gen.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "mail/gen_internal.h"
#include "mail/stats.h"

#define N_ORGS 3
#define N_PUBLISHED 4
#define N_PERSONAL 26
#define N_ADDRS (N_ORGS * (N_PUBLISHED + N_PERSONAL))

struct org_def {
    const char *name, *domain, *lookalike; /* lookalike: homoglyph twin of domain */
};
static const struct org_def orgs[N_ORGS] = {
    {"yamato-seiki", "yamato-seiki.co.jp", "yarnato-seiki.co.jp"},
    {"hokuriku-denki", "hokuriku-denki.co.jp", "hokurlku-denki.co.jp"},
    {"minato-bussan", "minato-bussan.jp", "rninato-bussan.jp"},
};
static const char *const published_local[N_PUBLISHED] = {"info", "sales", "contact", "press"};
static const char *const surnames[] = {"sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito",
                                       "yamamoto", "nakamura", "kobayashi", "kato", "yoshida", "yamada",
                                       "sasaki"};

struct partner {
    const char *domain, *company, *person;
};
static const struct partner partners[] = {
    {"sakura-tsusho.co.jp", "株式会社さくら通商", "営業部 高橋"},
    {"fujimi-kogyo.co.jp", "富士見工業株式会社", "経理部 佐々木"},
    {"asahi-butsuryu.jp", "朝日物流株式会社", "業務課 中村"},
    {"kitaguni-shoji.co.jp", "北国商事株式会社", "購買部 伊藤"},
    {"midori-kensetsu.co.jp", "みどり建設株式会社", "総務部 山本"},
    {"tokai-densetsu.co.jp", "東海電設株式会社", "資材課 渡辺"},
};
#define N_PARTNERS (sizeof partners / sizeof *partners)
/* Look-alikes of well-known senders: one edit or a homoglyph away. */
static const char *const wk_lookalikes[] = {"rakuter.co.jp", "arnazon.co.jp", "japanp0st.jp"};

enum forgery {
    F_NONE, F_STRICT, F_RETURN_PATH, F_DISPLAY, F_REPLY_TO, F_LOOKALIKE_ORG, F_LOOKALIKE_WK,
    F_DECOY_UNTRUSTED, /* failures in an Authentication-Results the org does not trust */
    F_DECOY_SOFTFAIL,  /* a trusted softfail: not a failure */
    F__COUNT
};

struct topic {
    const char *subject, *body, *zip_name; /* zip_name: printf with a number */
};
static const struct topic topics[] = {
    {"見積依頼", "お見積りをお願いしたく、ご連絡いたしました。\n詳細は添付の依頼書をご確認ください。\n", "PO-%04u.zip"},
    {"請求書の送付", "今月分の請求書を送付いたします。\nご確認のほどよろしくお願いいたします。\n", "請求書_%04u.zip"},
    {"発注書送付のご案内", "発注書を添付にてお送りします。\n納期につきましてご確認ください。\n", "発注書-%04u.zip"},
    {"支払通知書", "お支払いについての通知書をお送りいたします。\n内容をご確認ください。\n", "Payment_%04u.zip"},
    {"会議資料の送付", "先日の打ち合わせの資料をお送りします。\nご査収ください。\n", "資料%04u.zip"},
    {"納品書の件", "納品書を再送いたします。\nお手数ですがご確認をお願いします。\n", "Delivery-%04u.zip"},
};
#define N_TOPICS (sizeof topics / sizeof *topics)

/* One mail as constructed: what the truth counts. */
struct truth_mail {
    long long when;
    bool spray, unpublished, strict, broad, encrypted;
    uint64_t attach_types, member_types; /* bit per enum kn_file_type */
};

struct attachment_spec {
    char name[96];
    struct mgen_buf data;
    const char *mime;
};

struct gen {
    const struct kn_mailgen_opts *o;
    struct mgen_rng rng;
    char work_dir[512];
    struct truth_mail *truth;
    size_t n_truth, cap_truth;
    unsigned serial, files, duplicates;
    FILE *mbox[N_ORGS];
};

/* --- recipients ------------------------------------------------------- */

static int addr_org(int a)
{
    return a / (N_PUBLISHED + N_PERSONAL);
}

static bool addr_published(int a)
{
    return a % (N_PUBLISHED + N_PERSONAL) < N_PUBLISHED;
}

static void addr_text(int a, char *out, size_t n)
{
    int k = a % (N_PUBLISHED + N_PERSONAL);
    const char *dom = orgs[addr_org(a)].domain;
    if (k < N_PUBLISHED)
        snprintf(out, n, "%s@%s", published_local[k], dom);
    else
        snprintf(out, n, "%c.%s@%s", "ktmyhsn"[(k - N_PUBLISHED) % 7],
                 surnames[(k - N_PUBLISHED) % (sizeof surnames / sizeof *surnames)], dom);
}

/* Draws n distinct addresses (n <= N_ADDRS), optionally all in one org. */
static void draw_addrs(struct gen *g, int *out, int n, int only_org)
{
    int pool[N_ADDRS], np = 0;
    for (int a = 0; a < N_ADDRS; a++)
        if (only_org < 0 || addr_org(a) == only_org)
            pool[np++] = a;
    for (int i = 0; i < n && np; i++) {
        int j = (int)mgen_below(&g->rng, (unsigned)np);
        out[i] = pool[j];
        pool[j] = pool[--np];
    }
}

/* --- writing ---------------------------------------------------------- */

static void rfc5322_date(long long when, char *out, size_t n)
{
    time_t jst = (time_t)(when + 9 * 3600);
    struct tm tm;
    gmtime_r(&jst, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0900", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Converts LF to CRLF in place of b. */
static void to_crlf(struct mgen_buf *b)
{
    struct mgen_buf o = {0};
    for (size_t i = 0; i < b->len; i++) {
        if (b->p[i] == '\n')
            mgb_add(&o, "\r", 1);
        mgb_add(&o, b->p + i, 1);
    }
    mgb_free(b);
    *b = o;
}

/* Stores one message for org: a file of its own, or appended to the org's
 * mbox; with crlf its line ends become CRLF (files only: mbox is LF). */
static int emit(struct gen *g, int org, struct mgen_buf *msg, bool to_mbox, bool crlf, struct kn_err *err)
{
    char path[1024];
    if (to_mbox) {
        if (!g->mbox[org]) {
            snprintf(path, sizeof path, "%s/%s/reported.mbox", g->o->out_dir, orgs[org].name);
            if (!(g->mbox[org] = fopen(path, "wb"))) {
                kn_err_errno(err, path);
                return -1;
            }
        }
        fputs("From MAILER-DAEMON Mon Nov  2 09:00:00 2020\n", g->mbox[org]);
        /* mboxrd quoting: a body line starting with "From " gets a '>' */
        const char *p = msg->p, *end = msg->p + msg->len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
            const char *q = p;
            while (q < p + len && *q == '>')
                q++;
            if ((size_t)(p + len - q) >= 5 && !memcmp(q, "From ", 5))
                fputc('>', g->mbox[org]);
            fwrite(p, 1, len, g->mbox[org]);
            p += len;
        }
        fputc('\n', g->mbox[org]);
        g->files++;
        return 0;
    }
    if (crlf)
        to_crlf(msg);
    snprintf(path, sizeof path, "%s/%s/%05u.eml", g->o->out_dir, orgs[org].name, g->serial++);
    g->files++;
    return mgen_write_file(path, msg->p, msg->len, err);
}

/* --- one mail ---------------------------------------------------------- */

struct mail_spec {
    long long when;
    int org;                 /* the reporting organisation (of the recipients) */
    int rcpt[3], n_rcpt;
    const struct partner *sender;
    enum forgery forgery;
    char subject[160];
    struct mgen_buf body;     /* UTF-8 */
    struct attachment_spec *att;
    size_t n_att;
    bool iso2022jp, base64_body, no_date;
};

static int add_text_part(struct mgen_buf *m, const struct mail_spec *s, struct kn_err *err)
{
    if (s->iso2022jp) {
        mgb_adds(m, "Content-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n");
        if (mgen_to_iso2022jp(m, s->body.p, err) < 0)
            return -1;
        mgb_adds(m, "\n");
    } else if (s->base64_body) {
        mgb_adds(m, "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n");
        mgen_base64(m, s->body.p, s->body.len, "\n");
    } else {
        mgb_adds(m, "Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n");
        mgb_add(m, s->body.p, s->body.len);
    }
    return 0;
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static int add_attachment_part(struct gen *g, struct mgen_buf *m, const struct attachment_spec *a,
                               struct kn_err *err)
{
    mgb_printf(m, "Content-Type: %s; name=\"", a->mime);
    struct mgen_buf name = {0};
    if (is_ascii(a->name))
        mgb_adds(&name, a->name);
    else if (mgen_encoded_word(&name, a->name, mgen_below(&g->rng, 2), err) < 0)
        return -1;
    mgb_printf(m, "%s\"\nContent-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n",
              name.p, name.p);
    mgb_free(&name);
    mgen_base64(m, a->data.p, a->data.len, "\n");
    return 0;
}

static int build_mail(struct gen *g, const struct mail_spec *s, struct mgen_buf *m, struct kn_err *err)
{
    const char *orgdom = orgs[s->org].domain;
    char from[160], rp[160], date[64], token[9];
    mgen_letters(&g->rng, token, 8, false);
    const char *from_dom = s->sender->domain;
    switch (s->forgery) {
    case F_LOOKALIKE_ORG: from_dom = orgs[s->org].lookalike; break;
    case F_LOOKALIKE_WK: from_dom = wk_lookalikes[mgen_below(&g->rng, 3)]; break;
    case F_DISPLAY: from_dom = "mailhost.example.net"; break;
    default: break;
    }
    snprintf(from, sizeof from, "%s.%s@%s", surnames[mgen_below(&g->rng, 13)], token, from_dom);
    if (s->forgery == F_RETURN_PATH)
        snprintf(rp, sizeof rp, "bounce-%s@bulk-mailer.example.net", token);
    else
        snprintf(rp, sizeof rp, "%s", from);
    rfc5322_date(s->when, date, sizeof date);
    unsigned ip = 1 + mgen_below(&g->rng, 250);
    mgb_printf(m, "Return-Path: <%s>\n", rp);
    mgb_printf(m, "Received: from mail.%s (mail.%s [203.0.113.%u])\n\tby mx1.%s (Postfix) with ESMTPS id %s\n"
                 "\tfor <%s>; %s\n", from_dom, from_dom, ip, orgdom, token, orgs[s->org].domain, date);
    const char *spf = "pass", *dmarc = "pass";
    if (s->forgery == F_STRICT)
        spf = "fail", dmarc = "fail";
    if (s->forgery == F_DECOY_SOFTFAIL)
        spf = "softfail", dmarc = "none";
    mgb_printf(m, "Authentication-Results: mx1.%s;\n\tspf=%s smtp.mailfrom=%s;\n\tdkim=none;\n\tdmarc=%s header.from=%s\n",
              orgdom, spf, kn_addr_domain(rp), dmarc, from_dom);
    if (s->forgery == F_DECOY_UNTRUSTED)
        mgb_printf(m, "Authentication-Results: relay.example.org; spf=fail smtp.mailfrom=%s; dkim=fail; dmarc=fail\n",
                  from_dom);
    mgb_printf(m, "Message-ID: <%lld.%s.%u@mail.%s>\n", s->when, token, g->serial, from_dom);
    if (!s->no_date)
        mgb_printf(m, "Date: %s\n", date);
    mgb_adds(m, "From: ");
    char display[200];
    if (s->forgery == F_DISPLAY)
        snprintf(display, sizeof display, "%s <keiri@%s>", s->sender->company, s->sender->domain);
    else
        snprintf(display, sizeof display, "%s %s", s->sender->company, s->sender->person);
    if (mgen_encoded_word(m, display, s->iso2022jp && s->forgery != F_DISPLAY, err) < 0)
        return -1;
    mgb_printf(m, " <%s>\nTo: ", from);
    for (int i = 0; i < s->n_rcpt; i++) {
        char a[128];
        addr_text(s->rcpt[i], a, sizeof a);
        mgb_printf(m, "%s%s", i ? ", " : "", a);
    }
    mgb_adds(m, "\n");
    if (s->forgery == F_REPLY_TO)
        mgb_printf(m, "Reply-To: <%s.reply@freemail.example.com>\n", token);
    mgb_adds(m, "Subject: ");
    if (mgen_encoded_word(m, s->subject, s->iso2022jp, err) < 0)
        return -1;
    mgb_adds(m, "\nMIME-Version: 1.0\n");
    if (!s->n_att)
        return add_text_part(m, s, err);
    mgb_printf(m, "Content-Type: multipart/mixed; boundary=\"==b%s==\"\n\nThis is a multi-part message in MIME format.\n\n",
              token);
    mgb_printf(m, "--==b%s==\n", token);
    if (add_text_part(m, s, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n_att; i++) {
        mgb_printf(m, "\n--==b%s==\n", token);
        if (add_attachment_part(g, m, &s->att[i], err) < 0)
            return -1;
    }
    mgb_printf(m, "\n--==b%s==--\n", token);
    return 0;
}

/* --- attachments of a scenario ---------------------------------------- */

/* What a scenario attaches, decided once per campaign or per one-off. */
enum att_kind { AK_NONE, AK_ZIP, AK_ZIP_PASSWORD, AK_7Z_PASSWORD, AK_XLSM, AK_HTML, AK_PDF, AK__COUNT };

static const enum kn_file_type member_types[] = {KN_FT_DOCM, KN_FT_XLSM, KN_FT_PE, KN_FT_LNK, KN_FT_JS, KN_FT_VBS};
static const char *const member_ext[] = {"docm", "xlsm", "exe", "lnk", "js", "vbs"};

struct att_plan {
    enum att_kind kind;
    int member;   /* index into member_types for archives */
    unsigned kit; /* which of 8 builders made scripts and HTML */
    char password[16];
    unsigned number;
    const struct topic *topic;
};

static int make_attachment(struct gen *g, const struct att_plan *p, struct attachment_spec *a, struct kn_err *err)
{
    memset(a, 0, sizeof *a);
    a->mime = "application/octet-stream";
    if (p->kind == AK_XLSM || p->kind == AK_HTML || p->kind == AK_PDF) {
        enum kn_file_type t = p->kind == AK_XLSM ? KN_FT_XLSM : p->kind == AK_HTML ? KN_FT_HTML : KN_FT_PDF;
        snprintf(a->name, sizeof a->name, "%s_%04u.%s", p->topic->subject, p->number,
                 p->kind == AK_XLSM ? "xlsm" : p->kind == AK_HTML ? "html" : "pdf");
        if (p->kind == AK_HTML)
            a->mime = "text/html";
        if (p->kind == AK_PDF)
            a->mime = "application/pdf";
        return mgen_payload(t, p->kit, &g->rng, g->work_dir, &a->data, err);
    }
    struct mgen_buf member = {0};
    if (mgen_payload(member_types[p->member], p->kit, &g->rng, g->work_dir, &member, err) < 0) {
        mgb_free(&member);
        return -1;
    }
    char mname[64];
    snprintf(mname, sizeof mname, "Document_%04u.%s", p->number, member_ext[p->member]);
    const char *names[] = {mname};
    enum mgen_zip_tool tool = p->kind == AK_ZIP ? MGEN_ZIP_PLAIN : p->kind == AK_ZIP_PASSWORD ? MGEN_ZIP_PASSWORD : MGEN_7Z_AES;
    int rc = mgen_zip(g->work_dir, tool, p->password, names, &member, 1, &a->data, err);
    mgb_free(&member);
    snprintf(a->name, sizeof a->name, p->topic->zip_name, p->number);
    a->mime = "application/zip";
    return rc;
}

static void plan_truth(const struct att_plan *p, struct truth_mail *t)
{
    switch (p->kind) {
    case AK_NONE: break;
    case AK_XLSM: t->attach_types |= 1ull << KN_FT_XLSM; break;
    case AK_HTML: t->attach_types |= 1ull << KN_FT_HTML; break;
    case AK_PDF: t->attach_types |= 1ull << KN_FT_PDF; break;
    default:
        t->attach_types |= 1ull << KN_FT_ZIP;
        t->member_types |= 1ull << member_types[p->member];
        t->encrypted = p->kind != AK_ZIP;
    }
}

static void random_plan(struct gen *g, struct att_plan *p, const struct topic *topic, bool emotet)
{
    memset(p, 0, sizeof *p);
    p->topic = topic;
    p->number = 1000 + mgen_below(&g->rng, 9000);
    p->member = (int)mgen_below(&g->rng, sizeof member_types / sizeof *member_types);
    p->kit = mgen_below(&g->rng, 8);
    if (emotet) {
        p->kind = mgen_below(&g->rng, 2) ? AK_ZIP_PASSWORD : AK_7Z_PASSWORD;
    } else {
        static const enum att_kind kinds[] = {AK_NONE, AK_ZIP, AK_ZIP, AK_ZIP_PASSWORD, AK_7Z_PASSWORD,
                                              AK_XLSM, AK_HTML, AK_PDF};
        p->kind = kinds[mgen_below(&g->rng, sizeof kinds / sizeof *kinds)];
    }
    char pw[9];
    mgen_letters(&g->rng, pw, 4, true);
    mgen_letters(&g->rng, pw + 4, 4, false);
    snprintf(p->password, sizeof p->password, "%s%u", pw, mgen_below(&g->rng, 90) + 10);
}

/* --- truth ------------------------------------------------------------- */

static void record(struct gen *g, const struct truth_mail *t)
{
    if (g->n_truth == g->cap_truth) {
        g->cap_truth = g->cap_truth ? 2 * g->cap_truth : 256;
        g->truth = realloc(g->truth, g->cap_truth * sizeof *g->truth);
        if (!g->truth)
            abort();
    }
    g->truth[g->n_truth++] = *t;
}

static bool forgery_strict(enum forgery f)
{
    return f == F_STRICT;
}

static bool forgery_broad(enum forgery f)
{
    return f == F_STRICT || f == F_RETURN_PATH || f == F_DISPLAY || f == F_REPLY_TO || f == F_LOOKALIKE_ORG ||
           f == F_LOOKALIKE_WK;
}

/* --- scenarios --------------------------------------------------------- */

/* The six months: October 2020 to March 2021 (two half-years, two years).
 * Days 3..27 and any hour keep a mail in its month in UTC and in JST. */
static long long random_time(struct gen *g, int month_index, int day)
{
    struct tm tm = {0};
    tm.tm_year = 2020 - 1900 + (9 + month_index) / 12;
    tm.tm_mon = (9 + month_index) % 12;
    tm.tm_mday = day;
    tm.tm_hour = (int)mgen_below(&g->rng, 24);
    tm.tm_min = (int)mgen_below(&g->rng, 60);
    tm.tm_sec = (int)mgen_below(&g->rng, 60);
    return (long long)timegm(&tm);
}

static void body_common(struct gen *g, struct mgen_buf *b, const struct partner *p, const struct topic *t,
                        const char *unique, const struct att_plan *plan)
{
    mgb_printf(b, "ご担当者様\n\nいつもお世話になっております。\n%sの%sです。\n\n%s", p->company, p->person, t->body);
    mgb_printf(b, "管理番号: %u-%04u\n", 2020 + mgen_below(&g->rng, 2), mgen_below(&g->rng, 10000)); /* digits vary */
    if (unique)
        mgb_printf(b, "参照コード: %s\n", unique);
    if (plan->kind == AK_ZIP_PASSWORD || plan->kind == AK_7Z_PASSWORD)
        mgb_printf(b, "\n添付ファイルのパスワード: %s\n", plan->password);
    if (plan->kind == AK_NONE)
        mgb_printf(b, "\n資料はこちらからダウンロードしてください。\nhttps://files.example.com/d/%u\n", mgen_below(&g->rng, 100000));
    mgb_adds(b, "\nよろしくお願いいたします。\n");
}

/* Writes one mail of the spec (and maybe a re-reported copy) and records
 * its truth (the copy adds nothing: the same mail, once per org). */
static int put_mail(struct gen *g, struct mail_spec *s, struct truth_mail *t, bool allow_variants, struct kn_err *err)
{
    struct mgen_buf m = {0};
    unsigned roll = mgen_below(&g->rng, 100);
    s->iso2022jp = roll < 50;
    s->base64_body = roll >= 50 && roll < 80;
    s->no_date = allow_variants && mgen_below(&g->rng, 100) < 4;
    if (build_mail(g, s, &m, err) < 0) {
        mgb_free(&m);
        return -1;
    }
    t->when = s->when;
    t->unpublished = false;
    for (int i = 0; i < s->n_rcpt; i++)
        if (!addr_published(s->rcpt[i]))
            t->unpublished = true;
    t->strict = forgery_strict(s->forgery);
    t->broad = forgery_broad(s->forgery);
    record(g, t);
    unsigned how = mgen_below(&g->rng, 100);
    bool forwarded = allow_variants && how < 4, to_mbox = how >= 4 && how < 14;
    int rc = 0;
    if (forwarded) { /* the org forwards the mail as an attachment of a report */
        struct mgen_buf w = {0};
        char date[64];
        rfc5322_date(s->when + 3600, date, sizeof date);
        mgb_printf(&w, "From: security@%s\nTo: share@isac.example.org\nSubject: =?UTF-8?B?", orgs[s->org].domain);
        mgen_base64(&w, "不審メールの報告", strlen("不審メールの報告"), NULL);
        mgb_printf(&w, "?=\nDate: %s\nMessage-ID: <fwd.%u@%s>\nMIME-Version: 1.0\n"
                      "Content-Type: multipart/mixed; boundary=\"fwdb\"\n\n--fwdb\n"
                      "Content-Type: text/plain; charset=UTF-8\n\n不審なメールを受信したため転送します。\n\n--fwdb\n"
                      "Content-Type: message/rfc822\n\n", date, g->serial, orgs[s->org].domain);
        mgb_add(&w, m.p, m.len);
        mgb_adds(&w, "\n--fwdb--\n");
        rc = emit(g, s->org, &w, false, false, err);
        mgb_free(&w);
    } else {
        struct mgen_buf copy = {0};
        bool dup = allow_variants && !s->no_date && mgen_below(&g->rng, 100) < 5;
        if (dup)
            mgb_add(&copy, m.p, m.len);
        rc = emit(g, s->org, &m, to_mbox, mgen_below(&g->rng, 100) < 30, err);
        if (rc == 0 && dup) { /* reported again, through another path: one more Received on top */
            struct mgen_buf again = {0};
            mgb_printf(&again, "Received: from mx1.%s (mx1.%s [198.51.100.7])\n\tby gw.%s (Postfix);"
                              " Mon, 04 Jan 2021 09:00:00 +0900\n", orgs[s->org].domain, orgs[s->org].domain,
                      orgs[s->org].domain);
            mgb_add(&again, copy.p, copy.len);
            rc = emit(g, s->org, &again, false, false, err);
            mgb_free(&again);
            g->duplicates++;
        }
        mgb_free(&copy);
    }
    mgb_free(&m);
    return rc;
}

static void free_atts(struct attachment_spec *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mgb_free(&a[i].data);
}

/* A campaign: one topic and sender to n distinct recipients (one mail
 * each). The text (digits aside) is shared when same_text; the attachment
 * bytes are shared when same_att. Spray by construction iff n >= 10 and
 * something is shared. */
static int campaign(struct gen *g, int n, bool same_text, bool same_att, struct kn_err *err)
{
    const struct topic *t = &topics[mgen_below(&g->rng, N_TOPICS)];
    const struct partner *p = &partners[mgen_below(&g->rng, N_PARTNERS)];
    static const enum forgery kinds[] = {F_NONE, F_STRICT, F_RETURN_PATH, F_DISPLAY, F_REPLY_TO,
                                         F_LOOKALIKE_WK, F_DECOY_UNTRUSTED, F_DECOY_SOFTFAIL, F_RETURN_PATH};
    enum forgery f = kinds[mgen_below(&g->rng, sizeof kinds / sizeof *kinds)];
    struct att_plan plan;
    random_plan(g, &plan, t, false);
    if (!same_text && plan.kind == AK_NONE)
        plan.kind = AK_ZIP; /* an attachment-only campaign needs its attachment */
    struct attachment_spec shared;
    bool have_shared = same_att && plan.kind != AK_NONE;
    if (have_shared && make_attachment(g, &plan, &shared, err) < 0)
        return -1;
    int month = (int)mgen_below(&g->rng, 6), day = 3 + (int)mgen_below(&g->rng, 23);
    int rc = 0;
    int rcpt[N_ADDRS];
    draw_addrs(g, rcpt, n, -1);
    char common[16];
    mgen_letters(&g->rng, common, 10, false);
    for (int i = 0; i < n && rc == 0; i++) {
        struct mail_spec s = {0};
        s.when = random_time(g, month, day + (int)mgen_below(&g->rng, 2));
        s.org = addr_org(rcpt[i]);
        s.rcpt[0] = rcpt[i], s.n_rcpt = 1;
        s.sender = p;
        s.forgery = f;
        snprintf(s.subject, sizeof s.subject, "%s", t->subject);
        char uniq[16];
        mgen_letters(&g->rng, uniq, 10, false);
        body_common(g, &s.body, p, t, same_text ? common : uniq, &plan);
        struct attachment_spec own;
        struct truth_mail tm = {0};
        if (plan.kind != AK_NONE) {
            if (have_shared) {
                s.att = &shared;
            } else {
                rc = make_attachment(g, &plan, &own, err);
                s.att = &own;
            }
            s.n_att = 1;
            plan_truth(&plan, &tm);
        }
        tm.spray = n >= 10 && (same_text || have_shared);
        if (rc == 0)
            rc = put_mail(g, &s, &tm, false, err);
        if (plan.kind != AK_NONE && !have_shared)
            free_atts(&own, 1);
        mgb_free(&s.body);
    }
    if (have_shared)
        free_atts(&shared, 1);
    return rc;
}

static const char *const thread_lines[] = {
    "> 先日はお打ち合わせの時間をいただきありがとうございました。",
    "> 議事録を共有いたしますので、ご確認をお願いいたします。",
    "> 次回の日程につきましては、追ってご連絡いたします。",
    "> 引き続きよろしくお願いいたします。",
};

/* A one-off: unique text, its own attachment; Emotet-style when emotet (a
 * reply quoting a thread, a password-protected zip, the password in the
 * text). One or two recipients of one organisation. */
static int one_off(struct gen *g, bool emotet, struct kn_err *err)
{
    const struct topic *t = &topics[mgen_below(&g->rng, N_TOPICS)];
    const struct partner *p = &partners[mgen_below(&g->rng, N_PARTNERS)];
    struct mail_spec s = {0};
    s.org = (int)mgen_below(&g->rng, N_ORGS);
    s.n_rcpt = 1 + (int)(mgen_below(&g->rng, 4) == 0);
    draw_addrs(g, s.rcpt, s.n_rcpt, s.org);
    s.sender = p;
    s.forgery = (enum forgery)mgen_below(&g->rng, F__COUNT);
    s.when = random_time(g, (int)mgen_below(&g->rng, 6), 3 + (int)mgen_below(&g->rng, 25));
    snprintf(s.subject, sizeof s.subject, "%s%s", emotet ? "Re: " : "", t->subject);
    struct att_plan plan;
    random_plan(g, &plan, t, emotet);
    char uniq[16];
    mgen_letters(&g->rng, uniq, 12, false);
    body_common(g, &s.body, p, t, uniq, &plan);
    if (emotet) {
        char a[128];
        addr_text(s.rcpt[0], a, sizeof a);
        mgb_printf(&s.body, "\n-----Original Message-----\n> From: %s\n> Sent: Tuesday, October 6, 2020 10:12 AM\n> Subject: %s\n>\n",
                  a, t->subject);
        for (size_t i = 0; i < sizeof thread_lines / sizeof *thread_lines; i++)
            mgb_printf(&s.body, "%s\n", thread_lines[i]);
    }
    struct truth_mail tm = {0};
    struct attachment_spec att;
    int rc = 0;
    if (plan.kind != AK_NONE) {
        rc = make_attachment(g, &plan, &att, err);
        s.att = &att, s.n_att = 1;
        plan_truth(&plan, &tm);
    }
    if (rc == 0)
        rc = put_mail(g, &s, &tm, true, err);
    if (plan.kind != AK_NONE)
        free_atts(&att, 1);
    mgb_free(&s.body);
    return rc;
}

/* --- the truth file ---------------------------------------------------- */

static void period_label(long long when, int kind, char *out, size_t n)
{
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (kind == 0)
        snprintf(out, n, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    else if (kind == 1)
        snprintf(out, n, "%04d-H%d", tm.tm_year + 1900, tm.tm_mon < 6 ? 1 : 2);
    else
        snprintf(out, n, "%04d", tm.tm_year + 1900);
}

static void bump(json_t *o, const char *key, long long by)
{
    json_t *v = json_object_get(o, key);
    json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + by));
}

static void bump_types(json_t *o, uint64_t mask)
{
    for (int t = 0; t < KN_FT__COUNT; t++)
        if (mask & (1ull << t))
            bump(o, kn_file_type_name((enum kn_file_type)t), 1);
}

static int cmp_mail_when(const void *a, const void *b)
{
    long long x = ((const struct truth_mail *)a)->when, y = ((const struct truth_mail *)b)->when;
    return (x > y) - (x < y);
}

/* {"periods": [...]} for kind 0 month, 1 half, 2 year, periods in order. */
static json_t *truth_report(struct gen *g, int kind)
{
    json_t *periods = json_array();
    json_t *cur = NULL;
    char cur_label[32] = "";
    for (size_t i = 0; i < g->n_truth; i++) {
        const struct truth_mail *t = &g->truth[i];
        char label[32];
        period_label(t->when, kind, label, sizeof label);
        if (!cur || strcmp(label, cur_label) != 0) {
            cur = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:{}, s:{}}", "period", label, "total", 0,
                            "spray", 0, "unpublished", 0, "forged_strict", 0, "forged_broad", 0,
                            "encrypted_archives", 0, "attachment_types", "archive_member_types");
            json_array_append_new(periods, cur);
            snprintf(cur_label, sizeof cur_label, "%s", label);
        }
        bump(cur, "total", 1);
        bump(cur, "spray", t->spray);
        bump(cur, "unpublished", t->unpublished);
        bump(cur, "forged_strict", t->strict);
        bump(cur, "forged_broad", t->broad);
        bump(cur, "encrypted_archives", t->encrypted);
        bump_types(json_object_get(cur, "attachment_types"), t->attach_types);
        bump_types(json_object_get(cur, "archive_member_types"), t->member_types);
    }
    return json_pack("{s:o}", "periods", periods);
}

static int write_truth(struct gen *g, struct kn_err *err)
{
    qsort(g->truth, g->n_truth, sizeof *g->truth, cmp_mail_when);
    json_t *root = json_pack("{s:s, s:I, s:I, s:I, s:o, s:o, s:o}", "spray_unit", "recipient", "mails",
                             (json_int_t)g->n_truth, "files", (json_int_t)g->files, "duplicates",
                             (json_int_t)g->duplicates, "month", truth_report(g, 0), "half",
                             truth_report(g, 1), "year", truth_report(g, 2));
    int rc = root ? json_dump_file(root, g->o->truth_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
    json_decref(root);
    if (rc < 0)
        kn_err_set(err, "%s: cannot write the truth", g->o->truth_path);
    return rc;
}

/* --- the run ----------------------------------------------------------- */

static int make_dir(const char *path, struct kn_err *err)
{
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        kn_err_errno(err, path);
        return -1;
    }
    return 0;
}

/* orgs.txt: "NAME DOMAIN AUTHSERV-ID PUBLISHED-FILE" per organisation. */
static int write_orgs(struct gen *g, struct kn_err *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/published", g->o->out_dir);
    if (make_dir(path, err) < 0)
        return -1;
    struct mgen_buf list = {0};
    int rc = 0;
    for (int o = 0; o < N_ORGS && rc == 0; o++) {
        struct mgen_buf pub = {0};
        for (int a = 0; a < N_ADDRS; a++)
            if (addr_org(a) == o && addr_published(a)) {
                char t[128];
                addr_text(a, t, sizeof t);
                mgb_printf(&pub, "%s\n", t);
            }
        snprintf(path, sizeof path, "%s/published/%s.txt", g->o->out_dir, orgs[o].name);
        rc = mgen_write_file(path, pub.p, pub.len, err);
        mgb_printf(&list, "%s %s mx1.%s %s\n", orgs[o].name, orgs[o].domain, orgs[o].domain, path);
        mgb_free(&pub);
        snprintf(path, sizeof path, "%s/%s", g->o->out_dir, orgs[o].name);
        if (rc == 0)
            rc = make_dir(path, err);
    }
    snprintf(path, sizeof path, "%s/orgs.txt", g->o->out_dir);
    if (rc == 0)
        rc = mgen_write_file(path, list.p, list.len, err);
    mgb_free(&list);
    return rc;
}

int kn_mailgen_run(const struct kn_mailgen_opts *o, struct kn_err *err)
{
    struct gen g = {0};
    g.o = o;
    g.rng.s = o->seed * 0x9E3779B97F4A7C15ULL + 1;
    if (make_dir(o->out_dir, err) < 0 || write_orgs(&g, err) < 0)
        return -1;
    snprintf(g.work_dir, sizeof g.work_dir, "%s/.work", o->out_dir);
    if (make_dir(g.work_dir, err) < 0)
        return -1;
    int rc = 0;
    while (rc == 0 && g.n_truth < o->count) {
        unsigned r = mgen_below(&g.rng, 100);
        if (r < 14)
            rc = campaign(&g, 10 + (int)mgen_below(&g.rng, 7), true, mgen_below(&g.rng, 2), err);
        else if (r < 18)
            rc = campaign(&g, 10 + (int)mgen_below(&g.rng, 5), false, true, err);
        else if (r < 22)
            rc = campaign(&g, 9, mgen_below(&g.rng, 2), true, err); /* just misses spray */
        else
            rc = one_off(&g, mgen_below(&g.rng, 2), err);
    }
    for (int i = 0; i < N_ORGS; i++)
        if (g.mbox[i])
            fclose(g.mbox[i]);
    rmdir(g.work_dir);
    if (rc == 0)
        rc = write_truth(&g, err);
    free(g.truth);
    return rc;
}
