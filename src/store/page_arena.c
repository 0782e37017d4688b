/* SQLite's page cache in huge pages; see store.h. */
#include "store/store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "store/store_internal.h"
#include "util/bigmem.h"

/* The page size of the database at path: KN_NEW_PAGE_SIZE when there is no
 * file yet (or an empty one), else the header's (offset 16, big-endian,
 * 1 meaning 65536); 0 when it cannot be read. */
static unsigned db_page_size(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return KN_NEW_PAGE_SIZE; /* kn_store_open creates it, or reports why not */
    unsigned char head[18];
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n == 0)
        return KN_NEW_PAGE_SIZE;
    if (n != (ssize_t)sizeof head)
        return 0;
    unsigned size = (unsigned)head[16] << 8 | head[17];
    return size == 1 ? 65536 : size;
}

bool kn_store_page_arena(const char *path, size_t pages)
{
    /* Slots are one size: a database of smaller pages would leave most of
     * each slot unused, so it keeps SQLite's own allocations. */
    if (pages == 0 || db_page_size(path) != KN_NEW_PAGE_SIZE)
        return false;
    int header = 0;
    if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK)
        return false;
    size_t slot = ((size_t)KN_NEW_PAGE_SIZE + (size_t)header + 7) & ~(size_t)7;
    /* Owned by SQLite's configuration for the rest of the process: SQLite
     * cannot be told to stop using it short of sqlite3_shutdown(). */
    void *arena = kn_big_alloc(slot * pages);
    if (!arena)
        return false;
    if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, arena, (int)slot, (int)pages) != SQLITE_OK) {
        kn_big_free(arena, slot * pages); /* SQLite is already initialised */
        return false;
    }
    return true;
}
