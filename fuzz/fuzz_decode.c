/* libFuzzer target for the decoder. Input: 4 bytes of header, then the
 * frame. Byte 0 picks the link type from every supported one plus an
 * unknown one; bytes 1-3 as a big-endian number are added to the frame's
 * length to make the wire length (so snaplen cuts are explored); the frame
 * ends exactly where the input does, so ASan sees any over-read. Besides
 * crashes, it aborts when a documented invariant of struct kn_pkt breaks. */
#include <stdint.h>
#include <stdlib.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int32_t links[] = {
    KN_LINK_NULL,  KN_LINK_ETHERNET,   KN_LINK_PPP,       KN_LINK_DLT_RAW12,
    KN_LINK_DLT_RAW14, KN_LINK_PPP_HDLC, KN_LINK_RAW,     KN_LINK_C_HDLC,
    KN_LINK_LOOP,  KN_LINK_LINUX_SLL,  KN_LINK_IPV4,      KN_LINK_IPV6,
    KN_LINK_LINUX_SLL2, 147 /* LINKTYPE_USER0: unknown */,
};

static void require(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size - 4 > UINT32_MAX / 2)
        return 0;
    int32_t link = links[data[0] % (sizeof links / sizeof links[0])];
    const uint8_t *frame = data + 4;
    uint32_t caplen = (uint32_t)(size - 4);
    uint32_t extra = (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    struct kn_pkt p;
    kn_decode(link, frame, caplen, caplen + extra, 1, &p);

    require(p.outcome < KN_OUT__COUNT);
    require(KN_AN__COUNT == 32 || p.anomalies < (1u << KN_AN__COUNT));
    if (p.outcome == KN_OUT_IP) {
        require(p.ip_version == 4 || p.ip_version == 6);
    } else {
        require(p.ip_version == 0 && p.flags == 0 && p.payload == NULL);
        require(p.outcome == KN_OUT_NO_IP || p.anomalies != 0);
    }
    if (p.flags & KN_PKT_HAS_TCP)
        require(p.flags & KN_PKT_HAS_PORTS);
    if (p.flags & KN_PKT_FRAGMENT)
        require(!(p.flags & (KN_PKT_HAS_PORTS | KN_PKT_HAS_ICMP)));
    if (p.flags & KN_PKT_HAS_INNER)
        require(p.inner_version == 4 || p.inner_version == 6);
    if (p.payload)
        require(p.payload_len > 0 && p.payload > frame &&
                p.payload + p.payload_len <= frame + caplen);
    else
        require(p.payload_len == 0);
    return 0;
}
