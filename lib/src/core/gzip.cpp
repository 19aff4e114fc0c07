#include <asp/core/gzip.hpp>

#include <zlib.h>

#include <stdexcept>

namespace asp {

std::string gzip_compress(std::string_view data, int level) {
    z_stream z{};
    // 15 window bits + 16: a gzip header and trailer instead of zlib's.
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib: deflateInit2 failed");
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&z, Z_FINISH);
    size_t written = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
    out.resize(written);
    return out;
}

std::optional<std::string> gunzip(std::string_view gz) {
    if (gz.size() < 18 || static_cast<unsigned char>(gz[0]) != 0x1f ||
        static_cast<unsigned char>(gz[1]) != 0x8b)
        return std::nullopt;
    std::string out;
    size_t pos = 0;
    char buf[1 << 16];
    // One pass per member: arXiv-size texts are one member, but `cat a.gz b.gz` is valid gzip.
    while (pos < gz.size()) {
        z_stream z{};
        if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("zlib: inflateInit2 failed");
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data() + pos));
        z.avail_in = static_cast<uInt>(gz.size() - pos);
        int rc = Z_OK;
        while (rc == Z_OK) {
            z.next_out = reinterpret_cast<Bytef*>(buf);
            z.avail_out = sizeof buf;
            rc = inflate(&z, Z_NO_FLUSH);
            out.append(buf, sizeof buf - z.avail_out);
            if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // cut short
        }
        pos += z.total_in;
        inflateEnd(&z);
        if (rc != Z_STREAM_END) return std::nullopt;
    }
    return out;
}

}  // namespace asp
