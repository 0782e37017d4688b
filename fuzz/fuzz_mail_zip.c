/* libFuzzer target: the hand-written zip readers of the mail parser on
 * arbitrary bytes — the central directory / local header walk (zipdir.c)
 * and the password pre-checks on each encrypted member's local header
 * (zippass.c). Anything but a clean return is a finding; a member's local
 * header offset may point anywhere and must be checked, not trusted. */
#include <stdint.h>
#include <stdlib.h>

#include "mail/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kn_zip_member *zm = NULL;
    long n = kn_zip_members(data, size, &zm, 64);
    int checked = 0;
    for (long i = 0; i < n && checked < 2; i++) {
        if (zm[i].enc == KN_ENC_NONE)
            continue;
        checked++; /* the AES check costs a PBKDF2 block: two members are enough */
        int r = kn_zip_password_check(data, size, zm[i].local_off, "infected");
        if (r < -1 || r > 1)
            abort();
    }
    /* the pre-check on offsets the directory does not give */
    if (kn_zip_password_check(data, size, 0, "") < -1 || kn_zip_password_check(data, size, size / 2, "pw") < -1)
        abort();
    kn_zip_members_free(zm, n > 0 ? (size_t)n : 0);
    return 0;
}
