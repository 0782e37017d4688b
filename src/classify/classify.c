/* Classification: the predicates are inline in classify.h; this file holds
 * the tables that need one definition. */
#include "classify/classify.h"

const char *const kn_tag_names[KN_TAG__COUNT] = {
    [KN_TAG_MIRAI] = "mirai",
    [KN_TAG_ZMAP] = "zmap",
    [KN_TAG_MASSCAN] = "masscan",
    [KN_TAG_NMAP] = "nmap",
};
