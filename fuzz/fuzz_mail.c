/* libFuzzer target: kn_mail_parse on arbitrary bytes (MIME structure,
 * header decoding, charsets, attachments, archives, passwords). Anything
 * but a clean return or a clean error is a finding. The reader's mbox
 * splitter gets the same bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "mail/mail.h"
#include "mail/reader.h"

static int count_message(const uint8_t *data, size_t len, const char *label, void *ctx)
{
    (void)data;
    (void)label;
    *(size_t *)ctx += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kn_mail *m = NULL;
    struct kn_err err = {{0}};
    if (kn_mail_parse(data, size, &m, &err) == 0) {
        for (size_t i = 0; i < m->n_attachments; i++)
            if (!kn_file_type_name(m->attachments[i].type))
                abort();
        kn_mail_free(m);
    }
    size_t total = 0;
    struct kn_mail_reader_cb cb = {count_message, NULL, &total};
    kn_mail_read_mbox_buf(data, size, "fuzz", &cb);
    if (total > size)
        abort(); /* messages are slices of the input (">From " unquoting only shrinks) */
    return 0;
}
