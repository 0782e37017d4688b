/* Ingest readers (see reader.h): .eml files, mbox, maildir, directories.
 * Files are mapped read-only; an mbox message is copied only when it has
 * ">From " lines to unquote. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/internal.h"
#include "mail/reader.h"

static void report(const struct kn_mail_reader_cb *cb, const char *label, const char *msg)
{
    if (cb->error)
        cb->error(label, msg, cb->ctx);
}

/* "From " at a line start, followed by something that looks like an
 * envelope (a sender and a date): the separator of mbox messages. */
static bool from_line(const uint8_t *p, size_t len)
{
    return len >= 5 && !memcmp(p, "From ", 5);
}

static bool is_mbox(const uint8_t *p, size_t len)
{
    if (!from_line(p, len))
        return false;
    const uint8_t *nl = memchr(p, '\n', len);
    if (!nl)
        return false;
    const uint8_t *next = nl + 1; /* the next line must be a header "Name:" */
    size_t rest = len - (size_t)(next - p);
    size_t i = 0;
    while (i < rest && i < 80 && next[i] > ' ' && next[i] != ':')
        i++;
    return i > 0 && i < rest && next[i] == ':';
}

/* One mbox message [p, p+len) without its From_ line: unquotes ">From "
 * (mboxrd: one '>' removed from lines matching ^>+From ). */
static int emit_mbox_message(const uint8_t *p, size_t len, const char *label, size_t idx,
                             const struct kn_mail_reader_cb *cb)
{
    char lab[4200];
    snprintf(lab, sizeof lab, "%s#%zu", label, idx);
    bool quoted = false;
    for (size_t i = 0; i + 5 < len; i++)
        if ((i == 0 || p[i - 1] == '\n') && p[i] == '>') {
            size_t k = i;
            while (k < len && p[k] == '>')
                k++;
            if (len - k >= 5 && !memcmp(p + k, "From ", 5)) {
                quoted = true;
                break;
            }
        }
    if (!quoted)
        return cb->message(p, len, lab, cb->ctx);
    struct kn_buf b = {0};
    for (size_t i = 0; i < len;) {
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - (p + i)) + 1 : len - i;
        size_t k = i;
        while (k < i + ll && p[k] == '>')
            k++;
        if (k > i && i + ll - k >= 5 && !memcmp(p + k, "From ", 5))
            kn_buf_add(&b, p + i + 1, ll - 1);
        else
            kn_buf_add(&b, p + i, ll);
        i += ll;
    }
    int r = cb->message((const uint8_t *)(b.data ? b.data : ""), b.len, lab, cb->ctx);
    free(b.data);
    return r;
}

int kn_mail_read_mbox_buf(const uint8_t *p, size_t len, const char *label,
                          const struct kn_mail_reader_cb *cb)
{
    size_t idx = 0, start = (size_t)-1;
    for (size_t i = 0; i < len;) {
        const uint8_t *nl = memchr(p + i, '\n', len - i);
        size_t next = nl ? (size_t)(nl - p) + 1 : len;
        if ((i == 0 || p[i - 1] == '\n') && from_line(p + i, len - i)) {
            if (start != (size_t)-1) {
                size_t end = i;
                if (end > start && p[end - 1] == '\n') /* the blank line before From_ */
                    end--;
                if (end > start && p[end - 1] == '\r')
                    end--;
                if (emit_mbox_message(p + start, end - start, label, ++idx, cb))
                    return 1;
            }
            start = next;
        }
        i = next;
    }
    if (start != (size_t)-1 && start < len)
        if (emit_mbox_message(p + start, len - start, label, ++idx, cb))
            return 1;
    return 0;
}

/* Files up to this size are read into the heap; larger ones (mboxes) are
 * mapped. */
#define READ_NOT_MAP_MAX (4u << 20)

static int read_file(const char *path, const struct kn_mail_reader_cb *cb)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        report(cb, path, strerror(errno));
        return 0;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        report(cb, path, strerror(errno));
        close(fd);
        return 0;
    }
    if ((size_t)st.st_size > KN_READER_MAX_FILE) {
        report(cb, path, "file larger than 1 GiB: not read");
        close(fd);
        return 0;
    }
    if (st.st_size == 0) {
        report(cb, path, "empty file");
        close(fd);
        return 0;
    }
    size_t len = (size_t)st.st_size;
    const uint8_t *p;
    void *map = NULL;
    uint8_t *copy = NULL; /* owned here, freed below */
    if (len <= READ_NOT_MAP_MAX) {
        /* Most reported mails are small: read them into the heap. Each
         * munmap of a mapping costs a TLB shootdown on every CPU, which
         * was 7% of ingest time (perf, bench/mail.sh). */
        copy = malloc(len);
        if (!copy) {
            report(cb, path, "out of memory");
            close(fd);
            return 0;
        }
        size_t got = 0;
        while (got < len) {
            ssize_t n = read(fd, copy + got, len - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        close(fd);
        if (got != len) {
            report(cb, path, got < len ? "file shrank while being read" : strerror(errno));
            free(copy);
            return 0;
        }
        p = copy;
    } else {
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (map == MAP_FAILED) {
            report(cb, path, strerror(errno));
            return 0;
        }
        p = map;
    }
    int r = is_mbox(p, len) ? kn_mail_read_mbox_buf(p, len, path, cb) : (cb->message(p, len, path, cb->ctx) ? 1 : 0);
    if (map)
        munmap(map, len);
    free(copy);
    return r;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_dir(const char *path, const struct kn_mail_reader_cb *cb, int depth);

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int read_entry(const char *dir, const char *name, const struct kn_mail_reader_cb *cb, int depth)
{
    char sub[4096];
    if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, name) >= sizeof sub) {
        report(cb, name, "path too long");
        return 0;
    }
    struct stat st;
    if (stat(sub, &st) != 0) {
        report(cb, sub, strerror(errno));
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return read_dir(sub, cb, depth + 1);
    if (S_ISREG(st.st_mode))
        return read_file(sub, cb);
    return 0;
}

static int read_dir(const char *path, const struct kn_mail_reader_cb *cb, int depth)
{
    if (depth > 32) {
        report(cb, path, "directories nested too deep");
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        report(cb, path, strerror(errno));
        return 0;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            *(char **)kn_xpush(&names, &n, sizeof(char *)) = kn_xstrdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    /* A maildir: cur/ and new/ hold the mail; tmp/ is being delivered. */
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/cur", path);
    bool maildir = is_dir(probe);
    snprintf(probe, sizeof probe, "%s/new", path);
    maildir = maildir && is_dir(probe);
    int r = 0;
    for (size_t i = 0; i < n && !r; i++) {
        if (maildir && strcmp(names[i], "cur") && strcmp(names[i], "new"))
            continue;
        r = read_entry(path, names[i], cb, depth);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return r;
}

int kn_mail_read_path(const char *path, const struct kn_mail_reader_cb *cb, struct kn_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        kn_err_errno(err, path);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return read_dir(path, cb, 0);
    if (!S_ISREG(st.st_mode)) {
        kn_err_set(err, "%s: not a file or directory", path);
        return -1;
    }
    return read_file(path, cb);
}
